"""Save over a workspace file that another program saved since the window opened it: the
window asks — overwrite it, save beside it as NAME (2).lexp, or cancel — and never replaces
the other program's work without that answer."""
from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import QMessageBox

from latent_explorer.workspace.session_file import load_workspace, save_workspace

from .helpers import LONG


def _tiny_workspace():
    """A pixel map of 60 small random pictures: a real workspace, no training."""
    from latent_explorer.data.dataset import Dataset
    from latent_explorer.pipeline.pixels import pixel_workspace

    images = np.random.default_rng(0).integers(0, 256, (60, 16, 16, 1), dtype=np.uint8)
    return pixel_workspace(Dataset(images=images, paths=[f"{i}.png" for i in range(60)]))


def _opened_then_saved_by_another_program(window, qtbot, tmp_path):
    path = tmp_path / "shared.lexp"
    save_workspace(path, _tiny_workspace())
    with qtbot.waitSignal(window.runner.stopped, timeout=LONG):
        window.open_workspace(path)
    window.session.mark_dirty()  # the user changed something
    theirs = load_workspace(path)  # another program (its own copy of the file) saves meanwhile
    theirs.extra_meta["note"] = "the other program's work"
    save_workspace(path, theirs)
    return path, path.read_bytes()


def _answer(monkeypatch, button):
    """Click ``button`` in the next message box; returns what the boxes showed."""
    shown = []

    def exec_(box):
        shown.append((box.text(), [b.text() for b in box.buttons()]))
        return button

    monkeypatch.setattr(QMessageBox, "exec", exec_)
    return shown


def test_the_window_asks_and_save_beside_leaves_the_other_programs_file_untouched(
        window, qtbot, tmp_path, monkeypatch):
    path, theirs = _opened_then_saved_by_another_program(window, qtbot, tmp_path)
    shown = _answer(monkeypatch, QMessageBox.StandardButton.Save)  # "Save beside as …"

    assert window.save()
    assert len(shown) == 1
    text, buttons = shown[0]
    assert text.startswith("shared.lexp was changed on disk by another program since you opened it (")
    assert "Overwrite it, save beside it as shared (2).lexp, or cancel?" in text
    assert sorted(buttons) == sorted(["Overwrite", "Save beside as shared (2).lexp", "Cancel"])
    assert path.read_bytes() == theirs  # the other program's file: not touched
    beside = tmp_path / "shared (2).lexp"
    assert "note" not in load_workspace(beside).extra_meta  # ours went beside it
    assert window.session.path == str(beside) and not window.session.dirty
    assert "shared (2).lexp" in window.windowTitle()
    assert window.settings.recent("workspaces")[0] == str(beside)


def test_cancel_writes_nothing_and_overwrite_replaces_the_other_programs_version(
        window, qtbot, tmp_path, monkeypatch):
    path, theirs = _opened_then_saved_by_another_program(window, qtbot, tmp_path)
    _answer(monkeypatch, QMessageBox.StandardButton.Cancel)
    assert not window.save()
    assert path.read_bytes() == theirs and window.session.dirty
    assert sorted(p.name for p in tmp_path.iterdir()) == ["shared.lexp"]

    shown = _answer(monkeypatch, QMessageBox.StandardButton.Yes)  # "Overwrite"
    assert window.save() and len(shown) == 1
    assert "note" not in load_workspace(path).extra_meta and not window.session.dirty
    assert window.save()  # the file is the window's again: no question
    assert len(shown) == 1
