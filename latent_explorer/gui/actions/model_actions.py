"""Resume and Import TorchScript model: the model dock's requests run as the window's training
task (progress, ETA and Stop as for Train), and their File menu entries."""
from __future__ import annotations

import os

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu

from latent_explorer.errors import UserError
from latent_explorer.session.training import import_in_session
from latent_explorer.gui.threads.workers import TaskWorker
from latent_explorer.gui.window_services import WindowServices


class ModelActions:
    def __init__(self, window: WindowServices) -> None:
        self.window = window
        panel = window.model_panel
        self.first_action = None  # File ▸ Open embeddings…, once built
        panel.resume_requested.connect(self.resume)
        panel.import_requested.connect(self.import_model)

    def build(self, file_menu: QMenu, after: QAction) -> None:
        """File ▸ Open embeddings… and Import TorchScript model…, below ``after``."""
        panel = self.window.model_panel
        actions = []
        for text, slot, tip in (
            ("Open &embeddings…", panel.choose_embeddings, "map vectors computed elsewhere (.npy, .csv)"),
            ("&Import TorchScript model…", panel.choose_model, "explore your own decoder and encoder"),
        ):
            action = QAction(text, self.window)
            action.setStatusTip(tip)
            action.triggered.connect(lambda _=False, f=slot: f())
            actions.append(action)
        following = file_menu.actions()
        i = following.index(after) + 1
        before = following[i] if i < len(following) else None
        file_menu.insertActions(before, actions)
        self.first_action = actions[0]

    def resume(self, epochs: int | None = None) -> TaskWorker | None:
        """Train the current model ``epochs`` more (None: finish its plan) in the worker."""
        w = self.window
        try:
            worker = w.runner.start("workspace", lambda t: w.session.resume_task(epochs, t))
        except UserError as exc:
            w.show_error("Cannot resume", str(exc))
            return None
        w.model_panel.show_resuming()
        before = w.session.workspace  # still current when it failed or stopped before a step
        worker.done.connect(lambda: w.model_panel.refresh() if w.session.workspace is before else None)
        return self._track(worker, "Training failed", "training stopped")

    def import_model(self, options: dict) -> TaskWorker | None:
        """Import a TorchScript model (`import_torchscript`'s arguments) in the worker."""
        w = self.window
        if not w.confirm_discard():
            return None
        worker = w.runner.start("workspace", lambda t: import_in_session(w.session, options, t))
        if options.get("source") and os.path.isdir(options["source"]):
            w.files.remember("folders", options["source"])
        return self._track(worker, "Cannot import the model", "import cancelled: nothing changed")

    def _track(self, worker: TaskWorker, failure: str, cancelled: str) -> TaskWorker:
        return self.window.track_training(worker, failure, cancelled)

__all__ = ["ModelActions"]
