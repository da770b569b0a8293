"""Query by example in the real window: an image file dropped on a window with a trained model
is placed on the map, shown with its reconstruction and nearest images, edited by the sliders,
and exported — real files, a real model, real widgets."""
from __future__ import annotations

import numpy as np
from PIL import Image
from PySide6.QtCore import QMimeData, QPoint, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QKeySequence
from PySide6.QtWidgets import QApplication

from .helpers import LONG


def drop(window, path) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    for kind in (QDragEnterEvent, QDropEvent):
        event = kind(QPoint(50, 50), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                     Qt.KeyboardModifier.NoModifier)
        QApplication.sendEvent(window, event)
        assert event.isAccepted()


def test_a_dropped_photo_is_found_on_the_map_edited_and_exported(window, qtbot, saved_digits_workspace, tmp_path):
    s = window.session
    s.open(saved_digits_workspace)
    QApplication.processEvents()
    actions = {a.text().replace("&", ""): a for m in window.menuBar().actions() for a in m.menu().actions()}
    assert actions["Find an image…"].shortcut() == QKeySequence("Ctrl+F")
    i = 42
    path = tmp_path / "my digit.png"
    Image.fromarray(s.original(i)[..., 0]).save(path)
    with qtbot.waitSignal(window.runner.stopped, timeout=LONG, check_params_cb=lambda p, _w: p == "query"):
        drop(window, path)
    dialog = window.queries.dialog
    assert dialog.isVisible() and dialog.windowTitle() == "Found: my digit.png"
    assert dialog.neighbours.count() == 8 and "as close as images of the data" in dialog.verdict.text()
    xs, ys = window.map_view._query.getData()
    assert np.allclose([xs[0], ys[0]], s.map[i], atol=1e-4)  # marked where its twin lies
    assert window.sliders.title.text() == "Editing my digit.png"
    first = dialog.neighbours.item(0)
    qtbot.mouseClick(dialog.neighbours.viewport(), Qt.MouseButton.LeftButton,
                     pos=dialog.neighbours.visualItemRect(first).center())
    assert s.selected == i
    window.queries.show(window.queries.query)  # back to editing the found image
    toward = next(k for k, d in enumerate(window.steering.directions) if "3" in d.name)
    window.steering.set_strength(toward, 2.0)
    single = window.queries.export("image", str(tmp_path / "edit.png"))
    strip = window.queries.export("strip", str(tmp_path / "strip.png"))
    edited = np.asarray(Image.open(single))
    assert edited.shape == s.original(i).shape[:2]
    assert np.array_equal(edited[..., None], window.steering.render())
    assert np.asarray(Image.open(strip)).shape == (16, 8 * 17 - 1)
    window.queries.dialog.close()
    xs, _ys = window.map_view._query.getData()
    assert len(xs) == 0  # the mark goes with the dialog


def test_an_image_dropped_before_any_model_opens_its_folder(window, qtbot, tmp_path):
    for k in range(4):
        Image.new("RGB", (30, 30), (60 * k, 20, 200 - 40 * k)).save(tmp_path / f"{k}.png")
    with qtbot.waitSignal(window.runner.stopped, timeout=LONG):
        drop(window, tmp_path / "0.png")
    assert window.map_view.point_count() == 4 and window.queries.dialog is None
