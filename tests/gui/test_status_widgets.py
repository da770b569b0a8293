"""The quiet progress bar: training moves a per-mille bar 20 times a second, so it repaints only
when what it draws changes (its percent, or its filled width in pixels)."""
from __future__ import annotations

from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QApplication

from latent_explorer.gui.widgets.status_widgets import QuietProgressBar

from .helpers import EventCounter


def shown_bar(qtbot, width: int) -> QuietProgressBar:
    """A per-mille bar showing its percent, ``width`` pixels wide, on screen."""
    bar = QuietProgressBar()
    qtbot.addWidget(bar)
    bar.setRange(0, 1000)
    bar.setFormat("%p%")
    bar.setFixedWidth(width)
    bar.show()
    qtbot.waitExposed(bar)
    return bar


def test_a_per_mille_bar_repaints_when_its_percent_or_filled_pixels_change_not_at_every_value(qtbot):
    bar = shown_bar(qtbot, 200)
    QApplication.processEvents()
    paints = EventCounter(QEvent.Type.Paint)
    bar.installEventFilter(paints)
    try:
        for value in range(1, 1001):  # one event-loop turn per report, as training's reports come
            bar.setValue(value)
            QApplication.processEvents()
    finally:
        bar.removeEventFilter(paints)
    # 100 percents and 200 pixel widths change at most 300 times: 201 (a repaint per value: 1,000)
    assert 100 <= paints.seen <= 300
    assert bar.value() == 1000 and bar.text() == "100%"
    pixels = bar.grab().toImage()
    empty = bar.palette().color(bar.backgroundRole())
    assert pixels.pixelColor(int(pixels.width() * 0.95), pixels.height() // 2) != empty  # drawn full


def test_a_bar_half_way_repaints_at_the_next_percent_and_after_a_resize(qtbot):
    bar = shown_bar(qtbot, 100)
    paints = EventCounter(QEvent.Type.Paint)
    bar.installEventFilter(paints)
    try:
        bar.setValue(500)
        qtbot.waitUntil(lambda: paints.seen > 0)  # drawn at 50 %
        QApplication.processEvents()
        paints.seen = 0
        bar.setValue(504)  # 50% and 50 px: nothing new to draw
        QApplication.processEvents()
        assert paints.seen == 0 and bar.value() == 504
        bar.setValue(510)  # 51%
        QApplication.processEvents()
        assert paints.seen == 1
        bar.setFixedWidth(400)  # 4 pixels a step now: the next value shows
        QApplication.processEvents()
        seen = paints.seen
        bar.setValue(513)
        QApplication.processEvents()
        assert paints.seen == seen + 1
    finally:
        bar.removeEventFilter(paints)
