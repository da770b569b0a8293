"""The desktop window with real widgets, a real worker thread and real small models."""
from __future__ import annotations

import threading
import time

import numpy as np
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication, QMessageBox

from latent_explorer.gui.main_window import MainWindow, about_text
from latent_explorer.gui.threads.workers import TaskRunner
from latent_explorer.infra.tasks import Cancelled, Progress
from latent_explorer.infra.tasks import run_task

from .helpers import LONG, Heartbeat, hover, set_options

SCREENSHOT = "/tmp/lexp_gui.png"


def test_window_opens_with_menus_and_an_empty_map(window):
    assert "Latent Explorer" in window.windowTitle()
    assert window.map_view.point_count() == 0 and window.map_view.placeholder.isVisible()
    assert not window.save_action.isEnabled() and window.model_panel.train_button.isEnabled()
    shortcuts = {a.text().replace("&", ""): a.shortcut() for m in window.menuBar().actions()
                 for a in m.menu().actions()}
    assert shortcuts["Open workspace…"] == QKeySequence("Ctrl+O")
    assert shortcuts["Save"] == QKeySequence("Ctrl+S")
    assert shortcuts["Save As…"] == QKeySequence("Ctrl+Shift+S")
    assert shortcuts["Quit"] == QKeySequence("Ctrl+Q")
    assert shortcuts["Full screen"] == QKeySequence("F11")
    text = about_text()
    assert "Qt " in text and "torch " in text and "PySide6" in text


def test_empty_image_boxes_paint_their_own_background(window):
    """An empty Original, Reconstruction or Under-the-cursor box showed whatever the screen held
    there before (other widgets' pixels, random streaks): each must paint all of its pixels."""
    from PySide6.QtGui import QImage

    preview = window.preview
    for box in (preview.original, preview.reconstruction, preview.decoded):
        shot = box.grab().toImage().convertToFormat(QImage.Format.Format_RGB888)
        rgb = np.frombuffer(shot.constBits(), np.uint8).reshape(shot.height(), shot.bytesPerLine())
        rgb = rgb[:, : shot.width() * 3].reshape(shot.height(), shot.width(), 3).astype(int)
        inner = rgb[4:-4, 4:-4]
        background = (np.abs(inner - 0xF4).max(axis=2) <= 2).mean()
        grey = (inner.max(axis=2) - inner.min(axis=2) <= 8).mean()  # the frame and the grey hint text
        assert background > 0.8 and grey > 0.99, (background, grey)


def test_train_map_select_save_and_reopen(window, qtbot, tmp_path):
    s, panel, view = window.session, window.model_panel, window.map_view
    set_options(window)
    progress, epochs = [], []
    s.training_progress.connect(progress.append)
    s.epoch_finished.connect(epochs.append)
    while_training = []  # what the preview's decode box says over the pixel map shown meanwhile
    s.workspace_changed.connect(lambda ws: while_training.append(window.preview.decoded.text())
                                if ws is not None and ws.is_pixel_map else None)
    beat = Heartbeat()
    with qtbot.waitSignal(window.runner.stopped, timeout=LONG):
        qtbot.mouseClick(panel.train_button, Qt.MouseButton.LeftButton)
        assert panel.stop_button.isEnabled() and not panel.train_button.isEnabled()
    stall = beat.stop()
    assert len(while_training) == 1 and "once one is trained" in while_training[0]  # not "Train one" while it trains
    share = beat.stalled_share()
    print(f"longest GUI stall while training: {stall * 1000:.0f} ms; {share:.0%} of the time in stalls over 100 ms")
    # 50 ms is the benchmark's figure (stall_watch); here, on a loaded machine: the GUI thread
    # answers through the training, which in the GUI thread would stall it the whole time
    assert stall < 1.5 and share < 0.5

    # progress, live loss plot and reconstructions, then the map and the diagnostics
    assert progress and isinstance(progress[0], Progress)
    assert panel.progress.value() == panel.progress.maximum()
    assert [e.epoch for e in epochs] == [1, 2]
    assert panel.loss_plot.point_count() == 8  # 4 curves × 2 epochs
    assert not panel.strip.pixmap().isNull() and panel.strip.pixmap().height() >= 2 * 16
    assert view.point_count() == 1797 and s.map.shape == (1797, 2)
    assert not view.placeholder.isVisible() and window.points_label.text() == "1,797 points"
    assert "5-NN accuracy" in panel.diagnostics.text() and "Active units" in panel.diagnostics.text()
    assert s.workspace.train_status == "finished" and window.isWindowModified()
    assert panel.train_button.isEnabled() and not panel.stop_button.isEnabled()

    # a real click on a point selects it; the preview shows it beside its reconstruction
    index = next(i for i in range(1797) if view.index_at(view.scene_pos_of(i)) == i)
    pos = view.widget_pos_of(index)
    hover(view.viewport(), pos)
    assert window.hover_label.text().startswith(f"#{index} · label ")
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    assert s.selected == index and window.preview.index == index
    prev = window.preview
    assert prev.original.pixmap().width() >= 16 * 9 and not prev.reconstruction.pixmap().isNull()
    assert "Reconstruction error" in prev.details.text()
    assert prev.title.text().startswith(f"Image #{index} — {s.label_of(index)}")
    QApplication.processEvents()  # let the layouts settle before the picture
    window.grab().save(SCREENSHOT)

    # a click on empty space keeps the selection
    corner = view.plotItem.vb.sceneBoundingRect().topLeft() + QPointF(3, 3)
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.mapFromScene(corner))
    assert s.selected == index

    # save, then open it again in a worker: the same map, the loss history and the images
    saved_map = s.map.copy()
    assert window.files.save_to(str(tmp_path / "run"))
    assert s.path == str(tmp_path / "run.lexp") and not window.isWindowModified()
    assert "run.lexp" in window.windowTitle()
    run_task(s.adopt_task(None))
    assert view.point_count() == 0
    with qtbot.waitSignal(window.runner.stopped, timeout=LONG):
        window.open_workspace(tmp_path / "run.lexp")
    assert view.point_count() == 1797 and np.array_equal(s.map, saved_map)
    assert s.has_images and panel.loss_plot.point_count() == 8
    assert not window.isWindowModified() and s.path.endswith("run.lexp")
    s.select(index)
    assert not prev.reconstruction.pixmap().isNull()


def test_stop_cancels_promptly_and_keeps_the_ui_usable(window, qtbot):
    s, panel = window.session, window.model_panel
    set_options(window, epochs=500)
    epochs, finished = [], []
    s.epoch_finished.connect(epochs.append)
    s.training_finished.connect(finished.append)
    window.start_training()
    qtbot.waitUntil(lambda: len(epochs) >= 1, timeout=LONG)
    seen = len(epochs)
    started = time.perf_counter()
    with qtbot.waitSignal(window.runner.stopped, timeout=LONG):
        qtbot.mouseClick(panel.stop_button, Qt.MouseButton.LeftButton)
        assert not panel.stop_button.isEnabled()
    elapsed = time.perf_counter() - started
    print(f"Stop → model encoded, reported and mapped in {elapsed:.1f} s")
    ws = finished[-1]
    assert ws.train_status == "cancelled" and seen <= ws.train_state.epoch <= seen + 1
    assert len(epochs) <= seen + 1  # training stopped within the epoch it was in
    assert window.map_view.point_count() == 1797  # what was trained is kept and mapped
    assert panel.train_button.isEnabled() and panel.form.latent_dim.isEnabled()
    assert window.runner.running_threads() == 0
    s.select(3)
    assert window.preview.index == 3


def test_closing_during_training_leaves_no_thread(qtbot):
    before = threading.active_count()
    w = MainWindow()
    w.ask_before_discarding = False
    qtbot.addWidget(w)
    w.show()
    set_options(w, epochs=500)
    progress = []
    w.session.training_progress.connect(progress.append)
    worker = w.start_training()
    qtbot.waitUntil(lambda: len(progress) >= 2, timeout=LONG)
    assert worker.is_running()
    started = time.perf_counter()
    w.close()
    print(f"closed during training in {time.perf_counter() - started:.2f} s")
    assert not worker.is_running() and w.runner.running_threads() == 0
    assert threading.active_count() <= before


def test_bad_input_gives_a_message_not_a_crash(window, qtbot, tmp_path, monkeypatch):
    shown = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text, *a: shown.append((title, text)))
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "notes.txt").write_text("not an image")
    window.model_panel.set_source(str(empty))
    with qtbot.waitSignal(window.runner.stopped, timeout=LONG):
        window.start_training()
    assert shown and shown[-1][0] == "Training failed" and "no usable images" in shown[-1][1]
    assert "no usable images" in window.statusBar().currentMessage()
    window.model_panel.set_source(str(tmp_path / "missing"))
    with qtbot.waitSignal(window.runner.stopped, timeout=LONG):
        window.start_training()
    assert "no such folder" in shown[-1][1]
    assert window.model_panel.train_button.isEnabled() and window.session.workspace is None
    bad = tmp_path / "bad.lexp"
    bad.write_bytes(b"not a workspace")
    with qtbot.waitSignal(window.runner.stopped, timeout=LONG):
        window.open_workspace(bad)
    assert shown[-1][0] == "Cannot open the workspace" and "bad.lexp" in shown[-1][1]
    assert window.session.workspace is None and window.map_view.point_count() == 0


def _counting(n, cancel, delay=0.002):
    for i in range(n):
        if cancel.cancelled:
            raise Cancelled()
        time.sleep(delay)  # work, in the worker thread
        yield Progress(i + 1, n, f"step {i + 1}")
    return n


def test_a_new_task_replaces_the_old_one_and_shutdown_waits(qtbot):
    runner = TaskRunner()
    results, failures = [], []
    old = runner.start("job", lambda t: _counting(100_000, t))
    old.finished.connect(results.append)
    with qtbot.waitSignal(runner.stopped, timeout=LONG) as blocker:
        new = runner.start("job", lambda t: _counting(20, t))
        new.finished.connect(results.append)
    assert blocker.args[1] is old and old.aborted  # replacing stops the old one at once
    with qtbot.waitSignal(new.done, timeout=LONG):
        pass
    assert results == [20] and runner.current("job") is None

    def broken(_token):
        yield Progress(0, 1)
        raise ValueError("boom")

    w = runner.start("other", broken)
    w.failed.connect(lambda exc, tb: failures.append((exc, tb)))
    with qtbot.waitSignal(w.done, timeout=LONG):
        pass
    assert isinstance(failures[0][0], ValueError) and "boom" in failures[0][1]

    runner.start("job", lambda t: _counting(100_000, t))
    runner.shutdown()
    assert runner.running_threads() == 0
