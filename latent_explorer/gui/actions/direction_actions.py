"""Checks every slider's direction once its model is on screen: walking it, decoding and encoding
again, does the image move along what the direction names (`Steering.score_task`)? It runs in a
runner of its own — so it neither cancels nor is taken for the window's tasks — and a new
workspace or a new direction starts it again; the sliders show the figures when they come."""
from __future__ import annotations

from latent_explorer.gui.threads.workers import TaskRunner
from latent_explorer.gui.window_services import WindowServices


class DirectionActions:
    def __init__(self, window: WindowServices) -> None:
        self.window = window
        self.runner = TaskRunner(window)
        window.steering.directions_changed.connect(lambda _d: self.check())

    def check(self):
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
        self.runner.shutdown()


__all__ = ["DirectionActions"]
