"""The map toolbar's progress: a map's fit reports many times a second while training may run
beside it, so each report must schedule a repaint, not paint and flush the bar at once."""
from __future__ import annotations

from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QApplication, QMainWindow

from latent_explorer.gui.map2d.toolbar import MapToolbar
from latent_explorer.infra.tasks import Progress

from .helpers import EventCounter


def test_map_progress_reports_repaint_once_per_event_loop_turn_and_show_the_last(qtbot):
    window = QMainWindow()
    qtbot.addWidget(window)
    toolbar = MapToolbar(window)
    window.addToolBar(toolbar)
    window.resize(1024, 200)
    window.show()
    qtbot.waitExposed(window)
    toolbar.set_busy(True)
    bar = toolbar.progress
    qtbot.waitUntil(bar.isVisible)
    QApplication.processEvents()
    paints = EventCounter(QEvent.Type.Paint)
    bar.installEventFilter(paints)
    try:
        for i in range(40):  # UMAP's epochs: one report each, no event loop turn between them
            toolbar.show_progress(Progress(i, 40, f"UMAP: epoch {i + 1}/40"))
        assert paints.seen == 0  # QProgressBar.setValue painted the bar 40 times here
        QApplication.processEvents()
        assert paints.seen <= 1
    finally:
        bar.removeEventFilter(paints)
    assert bar.value() == round(39 / 40 * bar.maximum()) and bar.text() == "UMAP: epoch 40/40"
    pixels = bar.grab().toImage()
    filled = pixels.pixelColor(int(pixels.width() * 0.9), pixels.height() // 2)
    assert filled != bar.palette().color(bar.backgroundRole())  # drawn 97 % full
