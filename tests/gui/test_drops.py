"""Dropping files onto the window: real drag events on the real window, real files on disk."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QMimeData, QPoint, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication

from tests.photo_folder import build_photo_folder

from .helpers import LONG


def _mime(*paths) -> QMimeData:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    return mime


def _drag(window, mime) -> bool:
    """Whether the window accepts the drag (the cursor shows it may drop)."""
    event = QDragEnterEvent(QPoint(50, 50), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)
    event.ignore()
    QApplication.sendEvent(window, event)
    return event.isAccepted()


def _drop(window, mime) -> None:
    """Drag onto the window, then drop (Qt delivers a drop only where the drag was accepted)."""
    assert _drag(window, mime)
    event = QDropEvent(QPoint(50, 50), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window, event)


def test_only_what_the_window_opens_can_be_dropped(window, tmp_path):
    (tmp_path / "notes.txt").write_text("hello")
    np.save(tmp_path / "a.npy", np.zeros((3, 2), np.float32))
    np.save(tmp_path / "b.npy", np.zeros((3, 2), np.float32))
    assert _drag(window, _mime(tmp_path))
    assert _drag(window, _mime(tmp_path / "a.npy"))
    assert not _drag(window, _mime(tmp_path / "notes.txt"))
    assert not _drag(window, _mime(tmp_path / "missing.npy"))
    assert not _drag(window, _mime(tmp_path / "a.npy", tmp_path / "b.npy"))  # one at a time


def test_dropping_a_folder_maps_its_images_at_once_and_makes_it_the_source(window, qtbot, tmp_path):
    folder = build_photo_folder(tmp_path / "photos", per_class=12)
    with qtbot.waitSignal(window.runner.stopped, timeout=LONG):
        _drop(window, _mime(folder))
    assert window.model_panel.source_spec() == str(folder)
    assert window.map_view.point_count() == 24  # the photos are on the map before any training
    assert window.session.workspace.is_pixel_map
    assert "24 images" in window.statusBar().currentMessage() and "Train" in window.statusBar().currentMessage()
    assert "Train" in window.model_panel.progress_text.text()


def test_dropping_a_folder_without_images_says_so_at_once_and_keeps_the_map(window, qtbot, monkeypatch, tmp_path):
    folder = build_photo_folder(tmp_path / "photos", per_class=6)
    with qtbot.waitSignal(window.runner.stopped, timeout=LONG):
        _drop(window, _mime(folder))
    errors = []
    monkeypatch.setattr(window, "show_error", lambda title, text, details=None: errors.append((title, text)))
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "notes.txt").write_text("not an image")
    with qtbot.waitSignal(window.runner.stopped, timeout=LONG):
        _drop(window, _mime(empty))
    assert errors and errors[0][0] == "Cannot open the folder" and "image" in errors[0][1]
    assert window.map_view.point_count() == 12


def test_dropping_embeddings_maps_them(window, qtbot, tmp_path):
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(90, 4)).astype(np.float32)
    np.save(tmp_path / "vectors.npy", vectors)
    with qtbot.waitSignal(window.runner.stopped, timeout=LONG):
        _drop(window, _mime(tmp_path / "vectors.npy"))
    assert window.model_panel.source.currentText() == "Embeddings: vectors.npy"
    assert window.map_view.point_count() == 90


def test_dropping_a_torchscript_file_opens_the_import_dialog_with_it(window, tmp_path):
    path = tmp_path / "generator.pt"
    path.write_bytes(b"not opened until Import is pressed")
    _drop(window, _mime(path))
    dialog = window.model_panel._import_dialog
    assert dialog.isVisible() and dialog.decoder.text() == str(path)
    dialog.reject()


def test_a_workspace_named_on_the_command_line_opens_in_the_window(window, qtbot, saved_digits_workspace):
    from latent_explorer.gui.drops import open_from_outside

    with qtbot.waitSignal(window.session.workspace_changed, timeout=LONG):
        open_from_outside(window, [str(saved_digits_workspace)])
    assert window.session.path == str(saved_digits_workspace) and window.map_view.point_count() > 0


def test_an_image_named_on_the_command_line_opens_its_folder_and_nonsense_is_refused(window, qtbot, tmp_path):
    from PIL import Image

    from latent_explorer.gui.drops import open_from_outside

    for i, colour in enumerate([(200, 30, 30), (30, 200, 30), (30, 30, 200), (200, 200, 30)]):
        Image.new("RGB", (40, 40), colour).save(tmp_path / f"{i}.png")
    with qtbot.waitSignal(window.runner.stopped, timeout=LONG):
        open_from_outside(window, [str(tmp_path / "0.png")])
    assert window.model_panel.source_spec() == str(tmp_path)
    assert window.map_view.point_count() == 4
    errors = []
    window.show_error = lambda title, text, details=None: errors.append(text)
    open_from_outside(window, [str(tmp_path / "notes.txt")])
    assert errors and "notes.txt" in errors[0] and "can be opened" in errors[0]
