"""File ▸ Open folder, Open Recent, Save and Export: a folder opened is mapped at once (its
pixels, before any model); recent workspaces and folders are kept in the settings; a save over
a file another program saved since asks first; exports are the latents, map coordinates, the
selection (CSV with image paths) and the map itself (PNG/SVG)."""
from __future__ import annotations

import os

from PySide6.QtWidgets import QFileDialog, QMenu

from latent_explorer.errors import UserError, WorkspaceChangedError
from latent_explorer.gui.window_services import WindowServices

EXPORTS = [  # (menu text, what, file filter)
    ("&Latents…", "latents", "Latents (*.csv *.npy)"),
    ("&Map coordinates…", "coordinates", "Map coordinates (*.csv *.npy)"),
    ("&Selection…", "selection", "Selected images (*.csv)"),
    ("Map &picture…", "picture", "Picture (*.png *.svg)"),
]
PICTURE_SCALE = 2.0  # the 3-D map's picture: device pixels per pixel on screen


class FileActions:
    def __init__(self, window: WindowServices) -> None:
        self.window = window
        self.settings = window.settings
        self.recent_menu: QMenu | None = None

    def build(self, file_menu: QMenu, before) -> None:
        self.recent_menu = QMenu("Open &Recent", file_menu)
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        file_menu.insertMenu(before, self.recent_menu)
        export = QMenu("&Export", file_menu)
        for text, what, pattern in EXPORTS:
            action = export.addAction(text)
            action.triggered.connect(lambda _=False, w=what, p=pattern: self.ask_and_export(w, p))
        file_menu.insertMenu(before, export)
        self.export_menu = export
        self.window.model_panel.missing_folder.locate_requested.connect(lambda: self.locate_folder())

    def _fill_recent(self) -> None:
        menu = self.recent_menu
        menu.clear()
        any_item = False
        for kind, label in (("workspaces", "Workspace"), ("folders", "Folder")):
            for path in self.settings.recent(kind):
                action = menu.addAction(f"{label}: {path}")
                action.setEnabled(os.path.exists(path))
                action.triggered.connect(lambda _=False, k=kind, p=path: self.open_recent(k, p))
                any_item = True
        if not any_item:
            menu.addAction("(nothing yet)").setEnabled(False)
        else:
            menu.addSeparator()
            menu.addAction("Clear the list", self._clear)

    def _clear(self) -> None:
        for kind in ("workspaces", "folders"):
            self.settings.clear_recent(kind)

    def open_recent(self, kind: str, path: str) -> None:
        if kind == "workspaces":
            self.window.open_workspace(path)
        else:
            self.open_folder(path)

    def open_folder(self, path: str):
        """Load the folder's images and show the map of their pixels at once; the folder becomes
        the training source. What was skipped shows then, and a folder with no usable image is
        refused now, not after Train. Returns the worker (None when the user kept their work)."""
        w = self.window
        if not w.confirm_discard():
            return None
        panel = w.model_panel
        panel.set_source(path)
        size = panel.options()["image_size"]
        worker = w.runner.start("workspace", lambda t: w.session.scan_task(path, size, "auto", t))
        worker.progressed.connect(panel.show_progress)
        worker.failed.connect(lambda exc, tb: w.report_failure("Cannot open the folder", exc, tb))
        worker.finished.connect(lambda _ds: self.remember("folders", path))
        return worker

    def remember(self, kind: str, path: str) -> None:
        self.settings.add_recent(kind, os.path.abspath(path))

    def save_to(self, path: str) -> bool:
        """Save the session's workspace to ``path``. When another program saved over that file
        since it was opened here, ask: overwrite it, save beside it (``NAME (2).lexp``), or cancel."""
        from latent_explorer.gui.dialogs import changed_on_disk as ask
        from latent_explorer.workspace.revision import beside

        s = self.window.session
        try:
            try:
                path = s.save(path)
            except WorkspaceChangedError as exc:
                other = beside(exc.path)
                choice = ask.ask_changed_on_disk(self.window, exc, other)
                if choice == ask.CANCEL:
                    self.window.show_status(f"not saved: {os.path.basename(exc.path)} is the other program's")
                    return False
                path = s.save(other) if choice == ask.BESIDE else s.save(exc.path, force=True)
        except (UserError, OSError) as exc:
            self.window.show_error("Cannot save", str(exc))
            return False
        self.remember("workspaces", path)
        return True

    def locate_folder(self, folder: str | None = None):
        """Ask where the workspace's missing images are now (or take ``folder``), check that its
        files are there, and re-point the workspace to it: the pictures come back. Returns the
        worker (None when the user cancelled)."""
        w = self.window
        if folder is None:
            missing = w.model_panel.missing_folder.missing
            start = os.path.dirname(missing.root) if missing is not None else ""
            while start and not os.path.isdir(start):
                start = os.path.dirname(start) if os.path.dirname(start) != start else ""
            folder = QFileDialog.getExistingDirectory(w, "Where are this workspace's images now?", start)
            if not folder:
                return None
        from latent_explorer.session.image_folder import relocate_task

        try:
            worker = w.runner.start("workspace", lambda t: relocate_task(w.session, folder, t))
        except UserError as exc:
            w.show_error("Cannot use that folder", str(exc))
            return None
        worker.progressed.connect(lambda p: w.show_status(p.message))
        worker.failed.connect(lambda exc, tb: w.report_failure("Cannot use that folder", exc, tb))
        return worker

    # ------------------------------------------------------------------ export

    def ask_and_export(self, what: str, pattern: str) -> None:
        path, _ = QFileDialog.getSaveFileName(self.window, "Export", "", pattern)
        if path:
            self.export(what, path)

    def export(self, what: str, path: str) -> str | None:
        """Write ``what`` to ``path``; errors reach the user as a message. Returns the path."""
        s = self.window.session
        try:
            if s.workspace is None or s.workspace.latents is None:
                raise UserError("nothing to export yet: train a model or open a workspace")
            ds = s.workspace.dataset
            if what == "latents":
                from latent_explorer.data.embeddings import save_embeddings

                save_embeddings(path, s.workspace.latents.mean, ds.label_list(), ds.paths, ds.attributes)
            elif what == "coordinates":
                from latent_explorer.workspace.exports import write_map_coordinates

                write_map_coordinates(path, s.map, ds)
            elif what == "selection":
                from latent_explorer.workspace.exports import write_selection

                chosen = self.window.selected_indices()
                if len(chosen) == 0:
                    raise UserError("nothing is selected: click a point, or draw a lasso")
                write_selection(path, chosen, ds, s.map)
            elif what == "picture":
                self._export_picture(path)
            else:
                raise UserError(f"cannot export '{what}'")
        except (UserError, OSError) as exc:
            self.window.show_error("Cannot export", str(exc))
            return None
        self.window.show_status(f"exported {what} to {path}")
        return path

    def _export_picture(self, path: str) -> None:
        """The map on screen: the 2-D plot, or the 3-D view when that shows (PNG at twice its
        size on screen; SVG with the points as an embedded image, the marks as vectors)."""
        ext = os.path.splitext(path)[1].lower()
        if ext not in (".png", ".svg"):
            raise UserError(f"save the map as .png or .svg, not '{ext or path}'")
        three_d = self.window.map_stack.dim == 3
        tmp = f"{path}.part{ext}"
        try:
            if three_d and ext == ".png":
                self._render_png_3d(tmp)
            elif ext == ".png":
                import pyqtgraph.exporters as exporters

                item = self.window.map_view.plotItem
                exporter = exporters.ImageExporter(item)
                exporter.parameters()["width"] = max(1200, int(item.width()) * 2)
                exporter.export(tmp)
            else:  # pyqtgraph's SVG exporter cannot parse Qt 6's SVG paths: Qt draws it
                self._render_svg(tmp, self.window.map_view3d if three_d else None)
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)

    def _render_png_3d(self, path: str, scale: float = PICTURE_SCALE) -> None:
        from PySide6.QtGui import QImage, QPainter

        view = self.window.map_view3d
        image = QImage(round(view.width() * scale), round(view.height() * scale),
                       QImage.Format.Format_ARGB32_Premultiplied)
        image.setDevicePixelRatio(scale)
        painter = QPainter(image)
        try:
            view.paint_picture(painter, scale)
        finally:
            painter.end()
        image.setDevicePixelRatio(1.0)
        if not image.save(path, "PNG"):
            raise OSError(f"cannot write {path}")

    def _render_svg(self, path: str, view3d=None) -> None:
        from PySide6.QtGui import QPainter
        from PySide6.QtSvg import QSvgGenerator

        view = self.window.map_view
        rect = (view.viewport() if view3d is None else view3d).rect()
        generator = QSvgGenerator()
        generator.setFileName(path)
        generator.setSize(rect.size())
        generator.setViewBox(rect)
        generator.setTitle("Latent Explorer map")
        painter = QPainter(generator)
        try:
            if view3d is not None:
                view3d.paint_picture(painter, PICTURE_SCALE)
            else:
                view.render(painter)
        finally:
            painter.end()


__all__ = ["FileActions"]
