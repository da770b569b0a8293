"""Small helpers the GUI tests share: real mouse moves, a GUI-thread heartbeat."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time

import numpy as np
from PySide6.QtCore import QEvent, QObject, QPointF, Qt, QTimer
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication

LONG = 120_000  # ms: generous limits for a loaded 2-core machine; the waits end on signals


def set_options(window, latent=4, epochs=2):
    panel = window.model_panel
    panel.set_source("demo:digits")
    panel.form.latent_dim.setValue(latent)
    panel.form.epochs.setValue(epochs)


def hover(widget, pos):
    """A mouse move without buttons (QTest's mouseMove sends none on the offscreen platform)."""
    event = QMouseEvent(QEvent.Type.MouseMove, QPointF(pos), QPointF(widget.mapToGlobal(pos)),
                        Qt.MouseButton.NoButton, Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, event)


class EventCounter(QObject):
    """An event filter that counts one type of event a widget receives (``seen``)."""

    def __init__(self, kind: QEvent.Type) -> None:
        super().__init__()
        self.kind, self.seen = kind, 0

    def eventFilter(self, obj, event):  # noqa: N802 (Qt's name)
        if event.type() == self.kind:
            self.seen += 1
        return False


class Heartbeat:
    """The longest gap between two ticks of a 5 ms timer in the GUI thread: how long the GUI
    stalled while something ran; and `stalled_share`, the share of the time spent in gaps over
    a threshold — about 1 when work runs in the GUI thread, whatever the machine's load."""

    def __init__(self) -> None:
        self.start = self.last = time.perf_counter()
        self.longest = 0.0
        self.gaps: list[float] = []
        self.timer = QTimer()
        self.timer.timeout.connect(self._tick)
        self.timer.start(5)

    def _tick(self) -> None:
        now = time.perf_counter()
        self.gaps.append(now - self.last)
        self.longest = max(self.longest, now - self.last)
        self.last = now

    def stop(self) -> float:
        self.timer.stop()
        self._tick()
        return self.longest

    def stalled_share(self, threshold: float = 0.1) -> float:
        total = self.last - self.start
        return sum(g for g in self.gaps if g > threshold) / total if total > 0 else 0.0


GL_WINDOW = textwrap.dedent("""
    import json, sys, time
    import numpy as np
    from PySide6.QtGui import QImage
    from PySide6.QtWidgets import QApplication
    app = QApplication([])
    from latent_explorer.gui.main_window import MainWindow
    from latent_explorer.infra.tasks import run_task
    w = MainWindow()
    w.ask_before_discarding = False
    w.resize(1000, 700)
    w.show()
    w.session.open(sys.argv[1])
    run_task(w.session.map_task(method="pca", dim=3))
    view = w.map_view3d
    def settle(until=lambda: True):
        end = time.time() + 60
        while time.time() < end:
            app.processEvents()
            if until():
                break
            time.sleep(0.01)
        for _ in range(10):
            app.processEvents()
    def rgb(img):
        img = img.convertToFormat(QImage.Format.Format_RGB888)
        a = np.frombuffer(img.constBits(), np.uint8, img.sizeInBytes())
        return a.reshape(img.height(), img.bytesPerLine())[:, :img.width() * 3].reshape(img.height(), -1, 3).copy()
    settle()
    canvas = view.canvas
""")


def run_gl_window(body: str, workspace) -> dict:
    """In a child process on the X display with the GL renderer forced: the main window with
    ``workspace`` open on a 3-D PCA map (`GL_WINDOW`: ``w``, ``view``, ``canvas``, ``settle``,
    ``rgb``), then ``body``, which prints one JSON line; returns it."""
    env = {**os.environ, "QT_QPA_PLATFORM": "xcb", "LATENT_EXPLORER_RENDERER": "gl"}
    done = subprocess.run([sys.executable, "-c", GL_WINDOW + textwrap.dedent(body), str(workspace)], env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def lightness(widget) -> np.ndarray:
    """The lightness of each pixel of ``widget`` as painted now."""
    img = widget.grab().toImage()
    return np.array([[img.pixelColor(x, y).lightness() for x in range(img.width())] for y in range(img.height())])


def viewport_pixels(widget) -> np.ndarray:
    """`lightness` of a list's viewport."""
    widget.doItemsLayout()  # rows laid out and the scroll bar settled: the viewport's width is final
    QApplication.processEvents()
    return lightness(widget.viewport())


def hint_on(widget, hint: str) -> np.ndarray:
    """`viewport_pixels` of a `HintList` given ``hint`` (it keeps it)."""
    widget.hint = hint
    return viewport_pixels(widget)
