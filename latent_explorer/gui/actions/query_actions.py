"""File ▸ Find an image… (and an image file dropped on a window with a model): query by example.
The image is encoded in a worker, marked on the map, shown with its reconstruction and nearest
images, and becomes the image the sliders edit; the edit exports as a PNG or a strip."""
from __future__ import annotations

import os

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog, QMenu

from latent_explorer.errors import UserError
from latent_explorer.gui.threads.workers import TaskWorker
from latent_explorer.gui.window_services import WindowServices

IMAGE_FILTER = "Images (*.png *.jpg *.jpeg *.bmp *.gif *.tif *.tiff *.webp)"


class QueryActions:
    def __init__(self, window: WindowServices) -> None:
        self.window = window
        self.dialog = None
        self.query = None
        self.action: QAction | None = None

    def build(self, file_menu: QMenu, before: QAction) -> None:
        self.action = QAction("F&ind an image…", self.window)
        self.action.setShortcut(QKeySequence("Ctrl+F"))
        self.action.setStatusTip("place any image on the map, see its nearest images, edit it with the sliders")
        self.action.triggered.connect(lambda _=False: self.ask())
        file_menu.insertAction(before, self.action)

    def ask(self) -> TaskWorker | None:
        path, _ = QFileDialog.getOpenFileName(self.window, "Find an image", "", IMAGE_FILTER)
        return self.find(path) if path else None

    def find(self, path: str) -> TaskWorker | None:
        from latent_explorer.session.query import find_image_task

        w = self.window
        try:
            worker = w.runner.start("query", lambda t: find_image_task(w.session, w.steering, path, cancel=t))
        except UserError as exc:
            w.show_error("Cannot find the image", str(exc))
            return None
        w.show_status(f"placing {os.path.basename(path)} on the map…")
        worker.finished.connect(self.show)
        worker.failed.connect(lambda exc, tb: w.report_failure("Cannot find the image", exc, tb))
        return worker

    def show(self, query) -> None:
        from latent_explorer.gui.dialogs.query_dialog import QueryDialog, closeness_text

        w = self.window
        if self.dialog is not None:
            self.dialog.close()
        self.query = query
        w.session.select(-1)
        w.steering.set_origin_latent(query.latent, query.name)
        w.map_view.show_query(query.position)
        labels = [w.session.label_of(int(i)) for i in query.neighbours]
        self.dialog = QueryDialog(query, labels, w)
        self.dialog.neighbour_clicked.connect(w.session.select)
        self.dialog.export_requested.connect(self.ask_export)
        self.dialog.finished.connect(lambda _r: w.map_view.show_query(None))
        self.dialog.show()
        w.show_status(f"{query.name}: {closeness_text(query.closeness)}; the Sliders dock edits it")

    def ask_export(self, what: str) -> str | None:
        name = os.path.splitext(self.query.name)[0] if self.query is not None else "image"
        path, _ = QFileDialog.getSaveFileName(self.window, "Export", f"{name}-{what}.png", "PNG (*.png)")
        return self.export(what, path) if path else None

    def export(self, what: str, path: str) -> str | None:
        """The edit on screen (``what`` "image") or its strip from the original ("strip") as PNG."""
        from latent_explorer.session.query import edit_strip
        from latent_explorer.workspace.exports import write_png

        w = self.window
        try:
            edit = w.steering.edit
            if edit is None or w.steering.decoder is None or w.steering.decoder.model is None:
                raise UserError("nothing to export: find an image first (the model needs a decoder)")
            image = w.steering.render(edit) if what == "image" else edit_strip(w.steering.decoder, edit)
            written = str(write_png(path, image))
        except (UserError, OSError) as exc:
            w.show_error("Cannot export", str(exc))
            return None
        w.show_status(f"saved {written}")
        return written


__all__ = ["QueryActions"]
