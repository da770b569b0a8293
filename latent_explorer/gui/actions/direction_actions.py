"""Checks every slider's direction once its model is on screen: walking it, decoding and encoding
again, does the image move along what the direction names (`Steering.score_task`)? It runs in a
runner of its own — so it neither cancels nor is taken for the window's tasks — and a new
workspace or a new direction starts it again; the sliders show the figures when they come.
It starts `SETTLE_MS` after the last change: a new workspace rebuilds every view in the GUI
thread first, and a check running beside that rebuild held the GIL through it (the stall
benchmark's longest gaps, 110–160 ms, came right after training; 70–100 ms with the wait)."""
from __future__ import annotations

from PySide6.QtCore import QTimer

from latent_explorer.gui.threads.workers import TaskRunner
from latent_explorer.gui.window_services import WindowServices

SETTLE_MS = 400


class DirectionActions:
    def __init__(self, window: WindowServices) -> None:
        self.window = window
        self.runner = TaskRunner(window)
        self.settle = QTimer()
        self.settle.setSingleShot(True)
        self.settle.setInterval(SETTLE_MS)
        self.settle.timeout.connect(self.check)
        window.steering.directions_changed.connect(lambda _d: self.check_soon())

    def check_soon(self) -> None:
        self.settle.start()

    def check(self):
        self.settle.stop()
        w = self.window
        todo = w.steering.unscored()
        if not todo:
            self.runner.cancel("directions")
            return None
        worker = self.runner.start("directions", lambda t: w.steering.score_task(todo, cancel=t))
        worker.finished.connect(w.steering.adopt_scores)
        worker.failed.connect(lambda exc, tb: w.show_status(f"the sliders' directions were not checked: {exc}"))
        return worker

    def shutdown(self) -> None:
        self.settle.stop()
        self.runner.shutdown()


__all__ = ["DirectionActions"]
