"""Recent files, window layout and exports: real files on disk, real settings in the sandbox."""
from __future__ import annotations

import csv
import os

import numpy as np
from PIL import Image
from PySide6.QtWidgets import QApplication, QMessageBox

from latent_explorer.gui.main_window import MainWindow
from latent_explorer.gui.settings import AppSettings

from .helpers import LONG


def test_settings_live_in_the_sandbox_not_the_users_home(window):
    assert window.settings.path.startswith(os.environ["XDG_CONFIG_HOME"])


def test_opening_and_saving_fill_the_recent_menu(window, qtbot, saved_digits_workspace, tmp_path):
    with qtbot.waitSignal(window.runner.stopped, timeout=LONG):
        window.open_workspace(saved_digits_workspace)
    saved = window.files.save_to(str(tmp_path / "again.lexp"))
    assert saved
    recent = window.settings.recent("workspaces")
    assert recent[:2] == [str(tmp_path / "again.lexp"), os.path.abspath(saved_digits_workspace)]
    window.files.recent_menu.aboutToShow.emit()  # as opening the menu does
    texts = [a.text() for a in window.files.recent_menu.actions()]
    assert any(str(tmp_path / "again.lexp") in t for t in texts)
    assert AppSettings().recent("workspaces") == recent  # kept on disk for the next start


def test_window_layout_survives_a_restart(qtbot):
    first = MainWindow()
    first.ask_before_discarding = False
    qtbot.addWidget(first)
    first.show()
    first.resize(1111, 777)
    first.sliders_dock.setVisible(False)
    QApplication.processEvents()
    first.close()
    second = MainWindow()
    qtbot.addWidget(second)
    second.show()
    QApplication.processEvents()
    # the offscreen screen is small, so Qt fits the restored geometry into it: not the default
    assert (second.size().width(), second.size().height()) != (1360, 860)
    assert not second.sliders_dock.isVisible()
    second.sliders_dock.setVisible(True)
    second.close()


def test_a_damaged_settings_file_is_not_fatal(tmp_path):
    path = tmp_path / "s.ini"
    path.write_bytes(b"\x00\xff[recent]\nworkspaces=@Variant(\x00\x00\x00\x7f\xff\n\x01garbage")
    s = AppSettings(str(path))
    assert isinstance(s.recent("workspaces"), list)
    s.add_recent("workspaces", "/x.lexp")
    assert AppSettings(str(path)).recent("workspaces")[0] == "/x.lexp"


def test_exports_write_real_files(window, qtbot, saved_digits_workspace, tmp_path, monkeypatch):
    shown = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text, *a: shown.append(text))
    with qtbot.waitSignal(window.runner.stopped, timeout=LONG):
        window.open_workspace(saved_digits_workspace)
    s = window.session
    out = window.files.export("coordinates", str(tmp_path / "map.csv"))
    rows = list(csv.reader(open(out)))
    assert rows[0] == ["index", "path", "label", "map_x", "map_y"] and len(rows) == 1798
    assert np.isclose(float(rows[5][3]), s.map[4, 0], rtol=1e-4) and rows[5][2] == s.label_of(4)
    assert window.files.export("selection", str(tmp_path / "sel.csv")) is None
    assert "nothing is selected" in shown[-1]
    s.select(9)
    rows = list(csv.reader(open(window.files.export("selection", str(tmp_path / "sel.csv")))))
    assert [r[0] for r in rows[1:]] == ["9"]
    window.chosen = np.array([1, 2, 3])
    rows = list(csv.reader(open(window.files.export("selection", str(tmp_path / "sel.csv")))))
    assert [r[0] for r in rows[1:]] == ["1", "2", "3"]
    z = window.files.export("latents", str(tmp_path / "z.npy"))
    assert np.load(z).shape == (1797, 16)
    png = window.files.export("picture", str(tmp_path / "map.png"))
    img = np.asarray(Image.open(png).convert("L"))
    assert img.shape[1] >= 1200 and img.std() > 10  # a real picture of the points
    svg = window.files.export("picture", str(tmp_path / "map.svg"))
    text = open(svg).read()
    assert text.startswith("<?xml") and "<image" in text and len(text) > 20_000  # axes + the points
    assert window.files.export("picture", str(tmp_path / "map.gif")) is None
    assert ".png or .svg" in shown[-1]


def test_skipped_files_are_one_click_away(window, qtbot, tmp_path):
    from tests.cli.test_cli import make_folder

    root = make_folder(tmp_path / "imgs")
    with qtbot.waitSignal(window.session.training_finished, timeout=LONG):
        window.start_training(str(root), {"epochs": 1, "latent_dim": 2, "threads": 1})
    info = window.model_panel.source_info
    assert "20 images loaded, 2 skipped" in info.text() and "show why" in info.text()
    info.linkActivated.emit("#skipped")
    dialog = window.model_panel._skipped_dialog
    assert dialog.isVisible() and dialog.table.rowCount() == 2
    rows = {dialog.table.item(r, 0).text(): dialog.table.item(r, 1).text() for r in range(2)}
    assert any(p.endswith("empty.png") and "empty" in why for p, why in rows.items())
    assert any(p.endswith("notes.jpg") and "not an image" in why.lower() for p, why in rows.items())
    assert window.settings.recent("folders")[0] == str(root)
    dialog.close()
