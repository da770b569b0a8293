"""The model dock's other sources and Resume, and the map's hover thumbnail: real widgets, a
real worker thread, real small models (trained here, or TorchScript files scripted here)."""
from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QMessageBox
from torch import nn

from latent_explorer.session.colouring import colour_options

from .helpers import LONG, EventCounter, Heartbeat, hover, set_options

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
LATENT = 6


class TinyDecoder(nn.Module):
    """z (B, 6) → grey 16×16 images in [0, 1]."""

    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(LATENT, 16 * 16)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.fc(z)).view(-1, 1, 16, 16)


class WrongShape(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(LATENT, 7)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.fc(z))


def script(module: nn.Module, path) -> str:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        torch.jit.save(torch.jit.script(module.eval()), str(path))
    return str(path)


def train(window, qtbot, source="demo:digits", epochs=1):
    set_options(window, epochs=epochs)
    window.model_panel.set_source(source)
    with qtbot.waitSignal(window.runner.stopped, timeout=LONG):
        window.start_training()
    assert window.session.workspace is not None and window.session.workspace.train_status == "finished"


def hover_until(qtbot, widget, pos, done):
    """Move the mouse to ``pos`` until ``done()`` (pyqtgraph drops moves closer than 10 ms)."""
    qtbot.waitUntil(lambda: hover(widget, pos) or done(), timeout=LONG)


def pickable_point(view):
    return next(i for i in range(view.point_count()) if view.index_at(view.scene_pos_of(i)) == i)


def test_resume_trains_more_epochs_and_continues_the_loss_history(window, qtbot):
    s, panel, view = window.session, window.model_panel, window.map_view
    assert not panel.resume_button.isEnabled() and "no model yet" in panel.resume_button.toolTip()
    train(window, qtbot, epochs=1)
    assert panel.loss_plot.epochs() == [1] and panel.resume_button.isEnabled()
    panel.form.epochs.setValue(0)  # auto: the plan is done, so there is nothing to resume
    assert not panel.resume_button.isEnabled() and "set Epochs" in panel.resume_button.toolTip()
    panel.form.epochs.setValue(1)
    assert panel.resume_button.isEnabled() and "1 more epochs" in panel.resume_button.toolTip()

    old_map, old_ws = s.map.copy(), s.workspace
    plotted, maps = [], []
    s.epoch_finished.connect(lambda _r: plotted.append(panel.loss_plot.epochs()))
    s.map_changed.connect(maps.append)
    beat = Heartbeat()
    with qtbot.waitSignal(window.runner.stopped, timeout=LONG):
        qtbot.mouseClick(panel.resume_button, Qt.MouseButton.LeftButton)
        assert panel.stop_button.isEnabled() and not panel.resume_button.isEnabled()
        assert not panel.train_button.isEnabled()
    stall = beat.stop()
    share = beat.stalled_share()
    print(f"longest GUI stall while resuming: {stall * 1000:.0f} ms; {share:.0%} of the time in stalls over 100 ms")
    assert stall < 1.5 and share < 0.5  # as test_main_window
    assert plotted == [[1, 2]]  # the live plot went on from epoch 1, it did not restart
    assert panel.loss_plot.epochs() == [1, 2] and panel.loss_plot.point_count() == 8
    ws = s.workspace
    assert ws is not old_ws and ws.train_state.epoch == 2 and [h["epoch"] for h in ws.train_state.history] == [1, 2]
    assert old_ws.train_state.epoch == 1  # the old model was not touched while training went on
    assert len(maps) == 1 and view.point_count() == 1797 and not np.array_equal(s.map, old_map)
    assert ws.train_message == "trained 2 epochs" and panel.progress_text.text() == "trained 2 epochs"
    assert window.isWindowModified() and panel.resume_button.isEnabled()
    s.select(5)
    assert not window.preview.reconstruction.pixmap().isNull()


def test_hovering_a_point_shows_its_image_beside_the_cursor(window, qtbot):
    s, view = window.session, window.map_view
    train(window, qtbot, source="demo:sprites?n=200", epochs=1)
    thumb = view.hover_thumb
    index = pickable_point(view)
    pos = view.widget_pos_of(index)
    hover_until(qtbot, view.viewport(), pos, lambda: view._hover_index == index)
    assert thumb.isVisible() and thumb.index == index
    image = s.original(index)
    factor = 96 // image.shape[0]
    want = np.repeat(np.repeat(np.broadcast_to(image, image.shape[:2] + (3,)), factor, 0), factor, 1)
    shown = thumb.pixmap_item.pixmap().toImage().convertToFormat(QImage.Format.Format_RGB888)
    got = np.frombuffer(shown.constBits(), np.uint8).reshape(shown.height(), shown.bytesPerLine())
    got = got[:, : shown.width() * 3].reshape(shown.height(), shown.width(), 3)
    assert got.shape == (96, 96, 3) and np.array_equal(got, want)
    assert thumb.caption.text() == f"#{index} · {s.label_of(index)}"
    box = thumb.sceneBoundingRect()
    assert not box.contains(view.scene_pos_of(index))  # beside the point, not over it
    assert view.mapToScene(view.viewport().rect()).boundingRect().contains(box)

    corner = view.plotItem.vb.sceneBoundingRect().topLeft() + QPointF(3, 3)
    assert view.index_at(corner) == -1
    hover_until(qtbot, view.viewport(), view.mapFromScene(corner), lambda: view._hover_index == -1)
    assert not thumb.isVisible()
    hover_until(qtbot, view.viewport(), pos, lambda: view._hover_index == index)
    assert thumb.isVisible()
    QApplication.sendEvent(view, QEvent(QEvent.Type.Leave))
    assert not thumb.isVisible()


def test_precomputed_embeddings_are_mapped_and_coloured_without_a_decoder(window, qtbot, tmp_path):
    s, panel, view = window.session, window.model_panel, window.map_view
    n, names = 120, ["cat", "dog", "owl"]
    rng = np.random.default_rng(0)
    labels = np.arange(n) % 3
    vectors = rng.normal(size=(n, 5)).astype(np.float32) + 4.0 * labels[:, None]
    path = tmp_path / "emb.npy"
    np.save(path, vectors)
    rows = [f"img{i}.png,{names[c]},{v:.3f}" for i, (c, v) in enumerate(zip(labels, rng.random(n)))]
    (tmp_path / "emb.meta.csv").write_text("path,label,score\n" + "\n".join(rows) + "\n")

    with qtbot.waitSignal(window.runner.stopped, timeout=LONG):
        panel.open_embeddings(str(path))
    assert panel.source.currentText() == "Embeddings: emb.npy" and panel.train_button.text() == "Load"
    assert view.point_count() == n and s.workspace.train_status == "no-model"
    qtbot.waitUntil(lambda: len(view.legend.entry_texts()) == 3)  # the legend follows the points
    legend = sorted(view.legend.entry_texts())
    assert legend == ["cat (40)", "dog (40)", "owl (40)"]
    assert "attr:score" in [key for key, _title in colour_options(s)]
    assert "120 vectors (5-d) from emb.npy" in panel.source_info.text() and "No decoder" in panel.source_info.text()
    assert "no decoder" in panel.strip.text() and not panel.resume_button.isEnabled()

    s.select(7)
    assert window.preview.reconstruction.text() == "no decoder"
    assert window.preview.decoded.text().startswith("no decoder")
    assert window.sliders.edited_image.text() == "no decoder"
    assert window.insights.neighbour_caption.text().startswith("8 nearest to #7 · 8 share its label “dog”")
    index = pickable_point(view)
    hover_until(qtbot, view.viewport(), view.widget_pos_of(index), lambda: view._hover_index == index)
    assert not view.hover_thumb.isVisible()  # no image to show

    worker = window.insight_actions.find_anomalies()
    with qtbot.waitSignal(worker.done, timeout=LONG):
        pass
    assert "anomaly" in [key for key, _title in colour_options(s)]


def test_an_imported_torchscript_decoder_maps_prior_samples(window, qtbot, tmp_path):
    s, panel, view = window.session, window.model_panel, window.map_view
    torch.manual_seed(0)
    decoder = script(TinyDecoder(), tmp_path / "decoder.pt")
    dialog = panel.choose_model()
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert dialog.isVisible() and not ok.isEnabled()
    dialog.decoder.setText(decoder)
    assert not ok.isEnabled() and "latent width" in dialog.hint.text()
    dialog.latent_dim.setValue(LATENT)
    dialog.source.setCurrentIndex(1)  # the digits demo: it needs the encoder
    assert not ok.isEnabled() and "needs the encoder" in dialog.hint.text()
    dialog.source.setCurrentIndex(0)
    dialog.samples.setValue(300)
    assert ok.isEnabled()
    with qtbot.waitSignal(window.runner.stopped, timeout=LONG):
        ok.click()
    assert s.workspace.train_status == "imported" and view.point_count() == 300
    assert "300 samples from the prior" in panel.source_info.text()
    assert s.model is not None and window.steering.decoder.model is not None
    assert not panel.resume_button.isEnabled() and "TorchScript" in panel.resume_button.toolTip()
    assert panel.train_button.isEnabled() and panel.import_button.isEnabled()


def test_a_pickle_or_a_wrong_shape_is_refused_with_one_clear_message(window, qtbot, tmp_path, monkeypatch):
    shown = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text, *a: shown.append((title, text)))
    pickled = tmp_path / "model.pt"
    torch.save(TinyDecoder(), pickled)
    options = {"decoder_path": str(pickled), "latent_dim": LATENT, "n_samples": 50}
    with qtbot.waitSignal(window.runner.stopped, timeout=LONG):
        window.model_actions.import_model(options)
    title, text = shown[-1]
    assert title == "Cannot import the model" and "pickled PyTorch file" in text and "\n" not in text
    assert window.session.workspace is None and window.model_panel.import_button.isEnabled()

    wrong = script(WrongShape(), tmp_path / "wrong.pt")
    with qtbot.waitSignal(window.runner.stopped, timeout=LONG):
        window.model_actions.import_model({**options, "decoder_path": wrong})
    assert "decoder's output has shape" in shown[-1][1] and len(shown) == 2
    assert "decoder's output has shape" in window.statusBar().currentMessage()
    assert window.session.workspace is None and window.model_panel.train_button.isEnabled()


def test_opening_a_workspace_shows_the_source_and_model_it_was_trained_with(window, qtbot, saved_digits_workspace):
    panel = window.model_panel
    panel.set_source("demo:sprites")
    panel.form.model_kind.setCurrentIndex(panel.form.model_kind.findData("ae"))
    panel.form.latent_dim.setValue(7)
    panel.form.network.setCurrentIndex(panel.form.network.findData("broadcast"))
    panel.form.loss.setCurrentIndex(panel.form.loss.findData("focus"))
    assert (panel.options()["arch"], panel.options()["loss"]) == ("broadcast", "focus")
    with qtbot.waitSignal(window.runner.stopped, timeout=LONG):
        window.open_workspace(saved_digits_workspace)
    cfg = window.session.workspace.model_config
    assert panel.source_spec() == "demo:digits" and panel.source.currentText().startswith("Digits")
    assert panel.form.model_kind.currentData() == cfg.kind == "vae"
    assert panel.form.latent_dim.value() == cfg.latent_dim == 16
    assert panel.form.image_size.currentText() == str(cfg.image_size)
    # trained with what auto gives digits (conv net, squared error): the panel says auto again
    assert (cfg.arch, cfg.loss) == ("conv", "mse")
    assert (panel.options()["arch"], panel.options()["loss"]) == ("auto", "auto")
    assert panel.form.network.currentText() == "auto" and panel.form.loss.currentText() == "auto"


def test_after_stop_the_progress_shows_how_far_the_plan_got(window, qtbot):
    s, panel = window.session, window.model_panel
    set_options(window, epochs=30)
    panel.set_source("demo:sprites?n=200")
    reports = []
    s.epoch_finished.connect(lambda r: (reports.append(r.epoch), r.epoch == 2 and window.stop_training()))
    with qtbot.waitSignal(window.runner.stopped, timeout=LONG):
        window.start_training()
    ws = s.workspace
    assert ws.train_status == "cancelled" and 2 <= ws.train_state.epoch < 30
    share = panel.progress.value() / panel.progress.maximum()
    assert abs(share - ws.train_state.epoch / 30) < 0.02  # 2 of 30 reads 7 %, not 100 %
    assert "stopped" in panel.progress_text.text()


def test_a_long_status_wraps_in_the_dock_and_progress_reports_ask_for_no_new_layout(window, qtbot):
    from latent_explorer.infra.tasks import Progress

    window.resize(1024, 700)
    panel = window.model_panel
    qtbot.waitExposed(window)
    status, box = panel.progress_text, panel.progress_text.parentWidget()
    line = status.fontMetrics().height()
    status.setText("stopped early after epoch 76: the held-out loss has not improved for 30 epochs, "
                   "so the weights of epoch 46 were kept")
    qtbot.waitUntil(lambda: status.height() >= 2 * line)  # wrapped, not cut off
    assert status.geometry().right() <= box.contentsRect().right()
    assert panel.resume_button.geometry().right() <= box.contentsRect().right()

    requests = EventCounter(QEvent.Type.LayoutRequest)
    box.installEventFilter(requests)
    try:
        for i in range(40):  # as training reports, 20 a second: one line each
            panel.show_progress(Progress(i, 40, f"epoch {i // 4 + 1}/10 · ETA {40 - i} s"))
            QApplication.processEvents()
        # the old word-wrapped QLabel asked its group box for a new layout on every report
        assert requests.seen <= 1
        assert panel.progress.value() == round(39 / 40 * panel.progress.maximum())
        assert panel.progress.text() == "97%" and status.text() == "epoch 10/10 · ETA 1 s"
        pixels = panel.progress.grab().toImage()
        filled = pixels.pixelColor(int(pixels.width() * 0.9), pixels.height() // 2)
        empty_at_start = panel.progress.palette().color(panel.progress.backgroundRole())
        assert filled != empty_at_start  # the bar is drawn 97 % full
    finally:
        box.removeEventFilter(requests)


def test_a_64px_reconstruction_strip_keeps_every_button_of_the_model_dock_in_view(window, qtbot):
    window.resize(1024, 700)
    panel = window.model_panel
    qtbot.waitExposed(window)
    scroll = window.model_dock.widget()
    rng = np.random.default_rng(0)
    originals, reconstructions = (rng.integers(0, 256, (8, 64, 64, 3), dtype=np.uint8) for _ in range(2))
    panel.show_strip(originals, reconstructions)  # 8 × 65 px: the old strip was 519 px wide
    QApplication.processEvents()
    qtbot.waitUntil(lambda: panel.strip.pixmap() is not None and not panel.strip.pixmap().isNull())
    assert not scroll.horizontalScrollBar().isVisible()
    view = scroll.viewport()
    for button in (panel.open_folder_button, panel.resume_button, panel.stop_button, panel.train_button):
        right = button.mapTo(view, button.rect().topRight()).x()
        assert right <= view.width(), button.text()
    for combo in (panel.form.network, panel.form.loss):
        assert combo.mapTo(view, combo.rect().topRight()).x() <= view.width(), combo.currentText()
    strip = panel.strip.pixmap()
    assert strip.width() <= view.width() and strip.height() >= 2 * 32  # both rows, each at least 32 px
