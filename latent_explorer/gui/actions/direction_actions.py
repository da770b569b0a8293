"""Checks every slider's direction once its model is on screen: walking it, decoding and encoding
again, does the image move along what the direction names (`Steering.score_task`)? Runs as the
window's "directions" task — a new workspace or a new direction starts it again — and the sliders
show the figures when they come."""
from __future__ import annotations

from latent_explorer.gui.window_services import WindowServices


class DirectionActions:
    def __init__(self, window: WindowServices) -> None:
        self.window = window
        window.steering.directions_changed.connect(lambda _d: self.check())

    def check(self):
        w = self.window
        todo = w.steering.unscored()
        if not todo:
            w.runner.cancel("directions")
            return None
        worker = w.runner.start("directions", lambda t: w.steering.score_task(todo, cancel=t))
        worker.finished.connect(w.steering.adopt_scores)
        worker.failed.connect(lambda exc, tb: w.show_status(f"the sliders' directions were not checked: {exc}"))
        return worker


__all__ = ["DirectionActions"]
