"""Small helpers the GUI tests share: real mouse moves, a GUI-thread heartbeat."""
from __future__ import annotations

import time

from PySide6.QtCore import QEvent, QPointF, Qt, QTimer
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication

LONG = 120_000  # ms: generous limits for a loaded 2-core machine; the waits end on signals


def set_options(window, latent=4, epochs=2):
    panel = window.model_panel
    panel.set_source("demo:digits")
    panel.latent_dim.setValue(latent)
    panel.epochs.setValue(epochs)


def hover(widget, pos):
    """A mouse move without buttons (QTest's mouseMove sends none on the offscreen platform)."""
    event = QMouseEvent(QEvent.Type.MouseMove, QPointF(pos), QPointF(widget.mapToGlobal(pos)),
                        Qt.MouseButton.NoButton, Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, event)


class Heartbeat:
    """The longest gap between two ticks of a 5 ms timer in the GUI thread: how long the GUI
    stalled while something ran."""

    def __init__(self) -> None:
        self.last = time.perf_counter()
        self.longest = 0.0
        self.timer = QTimer()
        self.timer.timeout.connect(self._tick)
        self.timer.start(5)

    def _tick(self) -> None:
        now = time.perf_counter()
        self.longest = max(self.longest, now - self.last)
        self.last = now

    def stop(self) -> float:
        self.timer.stop()
        return self.longest
