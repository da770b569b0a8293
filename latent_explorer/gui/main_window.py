"""The main window: the map in the centre, the model dock on the left, the preview on the right.

It wires views to the session and runs the session's tasks in worker threads; every error a
task raises reaches the user as a message box (and a status bar line), never as a crash."""
from __future__ import annotations

import os

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDockWidget, QFileDialog, QLabel, QMainWindow, QMessageBox, QScrollArea, QWidget,
)

from latent_explorer.errors import UserError
from latent_explorer.session.steering import Steering
from latent_explorer.session.session import Session
from latent_explorer.gui.dialogs.about import APP_TITLE, about_text
from latent_explorer.gui.drops import dropped_path, open_dropped
from latent_explorer.gui.actions.direction_actions import DirectionActions
from latent_explorer.gui.actions.file_actions import FileActions
from latent_explorer.gui.actions.generate_actions import GenerateActions
from latent_explorer.gui.actions.insight_actions import InsightActions
from latent_explorer.gui.docks.insights_panel import InsightsPanel
from latent_explorer.gui.map2d.toolbar import MapToolbar
from latent_explorer.gui.map_stack import MapStack
from latent_explorer.gui.actions.model_actions import ModelActions
from latent_explorer.gui.actions.query_actions import QueryActions
from latent_explorer.gui.actions.view_actions import ViewActions
from latent_explorer.gui.docks.model_panel import ModelPanel
from latent_explorer.gui.docks.preview import PreviewPanel
from latent_explorer.gui import first_run
from latent_explorer.gui.settings import AppSettings
from latent_explorer.gui.docks.sliders import SlidersPanel
from latent_explorer.gui.threads.workers import MainThreadDispatcher, TaskRunner, TaskWorker

WORKSPACE_FILTER = "Latent Explorer workspace (*.lexp)"


class MainWindow(QMainWindow):
    """``ask_before_discarding``: whether closing (or opening another workspace) asks to save
    a model that is not saved yet; tests turn it off."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.dispatcher = MainThreadDispatcher(self)
        self.session = Session(dispatch=self.dispatcher)
        self.steering = Steering(self.session)
        self.runner = TaskRunner(self)
        self.settings = AppSettings()
        self.files = FileActions(self)
        self.chosen = np.zeros(0, np.int64)  # a lasso/box selection, when there is one
        self.ask_before_discarding = True
        self._training_worker: TaskWorker | None = None
        self._closed = False

        self.map_stack = MapStack(self.session, self.steering)
        self.map_view, self.map_view3d = self.map_stack.view2d, self.map_stack.view3d
        self.setCentralWidget(self.map_stack)
        self.model_panel = ModelPanel(self.session)
        scroll = QScrollArea()
        scroll.setWidget(self.model_panel)
        scroll.setWidgetResizable(True)
        # as wide as the panel needs, and a scroll bar rather than clipped buttons where a long
        # line or a wide reconstruction strip asks for more
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        scroll.setMinimumWidth(max(330, self.model_panel.minimumSizeHint().width()
                                   + scroll.verticalScrollBar().sizeHint().width() + 4))
        self.model_dock = self.add_dock("Model", "model_dock", scroll, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.preview = PreviewPanel(self.session, self.steering)
        self.preview_dock = self.add_dock("Preview", "preview_dock", self.preview,
                                       Qt.DockWidgetArea.RightDockWidgetArea)
        self.sliders = SlidersPanel(self.steering)
        self.sliders_dock = self.add_dock("Sliders", "sliders_dock", self.sliders,
                                       Qt.DockWidgetArea.RightDockWidgetArea)
        self.tabifyDockWidget(self.preview_dock, self.sliders_dock)
        self.insights = InsightsPanel(self.session)
        self.insights_dock = self.add_dock("Insights", "insights_dock", self.insights,
                                        Qt.DockWidgetArea.RightDockWidgetArea)
        self.tabifyDockWidget(self.sliders_dock, self.insights_dock)
        self.insight_actions = InsightActions(self)
        self.insights.anomalies_requested.connect(self.insight_actions.find_anomalies)
        self.insights.clusters_requested.connect(self.insight_actions.find_clusters)
        self.generate = GenerateActions(self)
        self.model_actions = ModelActions(self)
        self.queries = QueryActions(self)
        self.direction_actions = DirectionActions(self)
        self.preview_dock.raise_()
        self.hover_label = QLabel()
        self.hover_label.setMinimumWidth(360)
        self.points_label = QLabel()
        self.statusBar().addPermanentWidget(self.hover_label)
        self.statusBar().addPermanentWidget(self.points_label)
        self.views = ViewActions(self)
        self.atlas = self.views.atlas
        self.map_toolbar = MapToolbar(self)
        self.addToolBar(self.map_toolbar)
        self.map_toolbar.compute_requested.connect(self.compute_map)
        self.map_toolbar.cancel_requested.connect(lambda: self.runner.cancel("map"))
        self.map_stack.attach(self.map_toolbar, self.runner, self.compute_map)
        self.map_stack.selected.connect(self.choose)
        self._build_menus()
        self.setAcceptDrops(True)

        s = self.session
        s.status.connect(self.show_status)
        s.workspace_changed.connect(self._on_workspace)
        s.file_changed.connect(lambda _path: self._update_title())
        s.dirty_changed.connect(lambda _dirty: self._update_title())
        s.map_changed.connect(self.refresh_map_controls)
        s.selection_changed.connect(self._on_selected)
        self.map_stack.hovered.connect(self._on_hover)
        self.map_stack.hovered_position.connect(self.preview.show_position)
        self.model_panel.train_requested.connect(self.start_training)
        self.model_panel.stop_requested.connect(self.stop_training)
        self.model_panel.folder_opened.connect(self.files.open_folder)
        self.runner.stopped.connect(self._on_task_stopped)
        self.resize(1360, 860)
        self.resizeDocks([self.model_dock, self.preview_dock], [380, 360], Qt.Orientation.Horizontal)
        geometry, state = self.settings.window()
        if geometry is not None:
            self.restoreGeometry(geometry)
        if state is not None:
            self.restoreState(state)
        self._on_workspace(None)

    def add_dock(self, title: str, name: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        """A dock of the window (movable, floatable, closable; its layout is saved by ``name``)."""
        dock = QDockWidget(title, self)
        dock.setObjectName(name)
        dock.setWidget(widget)
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                         | QDockWidget.DockWidgetFeature.DockWidgetFloatable
                         | QDockWidget.DockWidgetFeature.DockWidgetClosable)
        self.addDockWidget(area, dock)
        return dock

    def _action(self, menu, text: str, slot, shortcut=None, tip: str = "") -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.setStatusTip(tip)
        action.triggered.connect(slot)
        menu.addAction(action)
        return action

    def _build_menus(self) -> None:
        bar = self.menuBar()
        m = bar.addMenu("&File")
        self.open_action = self._action(m, "&Open workspace…", lambda: self.open_workspace(),
                                        QKeySequence.StandardKey.Open, "open a saved .lexp workspace")
        folder = self._action(m, "Open &folder…", self.model_panel.choose_folder, "Ctrl+Shift+O",
                              "map a folder of images at once, then train a model on it")
        self.model_actions.build(m, folder)
        self.queries.build(m, self.model_actions.first_action)
        m.addSeparator()
        self.save_action = self._action(m, "&Save", self.save, QKeySequence.StandardKey.Save)
        self.save_as_action = self._action(m, "Save &As…", self.save_as, "Ctrl+Shift+S")
        m.addSeparator()
        quit_action = self._action(m, "&Quit", self.close, "Ctrl+Q")
        self.files.build(m, self.save_action)
        m.insertSeparator(quit_action)
        m = bar.addMenu("&Edit")
        self.undo_action = self._action(m, "&Undo slider edit", self.steering.undo,
                                        QKeySequence.StandardKey.Undo, "undo the last slider change")
        self._action(m, "&Reset sliders", self.steering.reset, "Ctrl+R", "back to the unedited image")
        self._action(m, "&Keep edit as a point", lambda: self.sliders.keep(), "Ctrl+K",
                     "add the edited image to the map")
        m.addSeparator()
        self._action(m, "&Clear selection", self.clear_selection, "Ctrl+Shift+A",
                     "forget the clicked image and the lasso or box selection")
        self.views.build(bar.addMenu("&View"), [self.model_dock, self.preview_dock, self.sliders_dock,
                                                 self.insights_dock, self.generate.dock])
        self.atlas_action = self.views.atlas_action
        m = bar.addMenu("&Help")
        self._action(m, "Open the &Digits Demo", lambda: first_run.open_demo(self))
        self._action(m, "&About Latent Explorer", self.show_about)

    # ------------------------------------------------------------------ long work

    def start_training(self, source: str | None = None, options=None) -> TaskWorker | None:
        """Train on ``source`` with ``options`` (default: what the model panel says)."""
        source = source or self.model_panel.source_spec()
        options = options if options is not None else self.model_panel.options()
        if not self.confirm_discard():
            return None
        try:
            worker = self.runner.start("workspace", lambda t: self.session.train_task(source, options, t))
        except UserError as exc:
            self.show_error("Cannot train", str(exc))
            return None
        if os.path.isdir(source):
            self.files.remember("folders", source)
        return self.track_training(worker, "Training failed", "training cancelled")

    def track_training(self, worker: TaskWorker, failure: str, cancelled: str) -> TaskWorker:
        """``worker`` trains (Train, Resume, Import): the model panel is busy and Stop stops
        it until it ends; ``failure`` titles its error, ``cancelled`` is the status after Stop."""
        self._training_worker = worker
        self.model_panel.set_training(True)
        worker.failed.connect(lambda exc, tb: self.report_failure(failure, exc, tb))
        worker.cancelled.connect(lambda: self.show_status(cancelled))
        return worker

    def compute_map(self, method: str = "pca", dim: int | None = None) -> TaskWorker | None:
        """Compute a t-SNE/UMAP/PCA map in a worker (``dim``: 2, 3 or the toolbar's); it animates."""
        dim = dim or self.map_toolbar.dim
        try:
            worker = self.runner.start("map", lambda t: self.session.map_task(t, method, dim))
        except UserError as exc:
            self.show_error("Cannot compute the map", str(exc))
            return None
        self.map_toolbar.set_busy(True)
        self.map_stack.expect_map(method)
        worker.progressed.connect(self.map_toolbar.show_progress)
        worker.failed.connect(lambda exc, tb: self.report_failure("Map failed", exc, tb))
        worker.cancelled.connect(lambda: self.show_status("map cancelled: the previous one stays"))
        return worker

    def stop_training(self) -> None:
        """Stop after the current batch; the weights trained so far are kept and mapped."""
        if self._training_worker is not None:
            self._training_worker.cancel()
            self.model_panel.stop_button.setEnabled(False)
            self.show_status("stopping after the current batch…")

    def open_workspace(self, path: str | os.PathLike | None = None, as_copy: bool = False) -> TaskWorker | None:
        """``as_copy``: open without remembering the file (Save asks where): the shipped demo."""
        if path is None:
            path, _ = QFileDialog.getOpenFileName(self, "Open workspace", "", WORKSPACE_FILTER)
            if not path:
                return None
        if not self.confirm_discard():
            return None
        path = os.fspath(path)
        worker = self.runner.start("workspace", lambda t: self.session.open_task(path, t, as_copy))
        if not as_copy:
            worker.finished.connect(lambda _ws: self.files.remember("workspaces", path))
        worker.progressed.connect(lambda p: self.show_status(p.message))
        worker.failed.connect(lambda exc, tb: self.report_failure("Cannot open the workspace", exc, tb))
        return worker

    def save(self) -> bool:
        if self.session.path is None:
            return self.save_as()
        return self.files.save_to(self.session.path)  # asks first over a file another program saved since

    def save_as(self) -> bool:
        start = self.session.path or f"{self.session.title.split(' (')[0]}.lexp"
        path, _ = QFileDialog.getSaveFileName(self, "Save workspace", start, WORKSPACE_FILTER)
        return bool(path) and self.files.save_to(path)

    # ------------------------------------------------------------------ reactions

    def _on_task_stopped(self, purpose: str, worker: TaskWorker) -> None:
        if purpose == "map":
            self.map_toolbar.set_busy(False)
        if worker is self._training_worker:
            self._training_worker = None
            self.model_panel.set_training(False)

    def report_failure(self, title: str, exc: BaseException, tb: str) -> None:
        """A task's failure: a UserError as a plain message, anything else with its traceback."""
        if isinstance(exc, UserError):
            self.show_error(title, str(exc))
        else:
            self.show_error(title, f"Unexpected error: {type(exc).__name__}: {exc}", details=tb)

    def show_error(self, title: str, text: str, details: str | None = None) -> None:
        self.show_status(text)
        if details is None:
            QMessageBox.warning(self, title, text)
            return
        box = QMessageBox(QMessageBox.Icon.Critical, title, text, QMessageBox.StandardButton.Ok, self)
        box.setDetailedText(details)
        box.exec()

    def show_status(self, text: str) -> None:
        self.statusBar().showMessage(text, 15000)

    def _on_workspace(self, ws) -> None:
        has = ws is not None
        self.save_action.setEnabled(has)
        self.save_as_action.setEnabled(has)
        self._update_title()

    def choose(self, indices, tool: str = "lasso") -> None:
        """A lasso/box selection: highlighted on the map, exported by File ▸ Export ▸ Selection,
        used as A or B of a direction in the sliders dock."""
        self._set_chosen(indices)
        self.show_status(f"{len(self.chosen):,} images selected with the {tool}")

    def clear_selection(self) -> None:
        """Nothing selected: no clicked image, no lasso or box group."""
        self._set_chosen(np.zeros(0, np.int64))
        self.session.select(-1)
        self.show_status("selection cleared")

    def _on_selected(self, index: int) -> None:
        if index >= 0 and len(self.chosen):  # a click starts a new selection: the lasso's group goes
            self._set_chosen(np.zeros(0, np.int64))

    def _set_chosen(self, indices: np.ndarray) -> None:
        self.chosen = np.asarray(indices, np.int64)
        self.map_stack.highlight_chosen(self.chosen)
        self.sliders.set_chosen(self.chosen)

    def refresh_map_controls(self, positions) -> None:
        """The toolbar, colour options, lasso and point count follow a new map (or new colours)."""
        n = 0 if positions is None else len(positions)
        self.map_toolbar.set_enabled(n > 0)
        from latent_explorer.session.colouring import colour_options

        self.map_stack.follow_colour()
        self.map_toolbar.set_colour_options(colour_options(self.session), self.map_view.colour_by)
        if positions is None or len(self.chosen) and self.chosen.max() >= n:
            self.chosen = np.zeros(0, np.int64)
        self.points_label.setText(f"{n:,} points" if n else "")
        self.points_label.setToolTip(getattr(self.session.projection, "note", "") or "")  # a sampled map says so

    def selected_indices(self) -> np.ndarray:
        """The lasso/box selection, else the clicked image, else nothing."""
        if len(self.chosen):
            return self.chosen
        return np.array([self.session.selected]) if self.session.selected >= 0 else np.zeros(0, np.int64)

    def _on_hover(self, index: int) -> None:
        self.hover_label.setText(self.session.describe(index) if index >= 0 else "")

    def _update_title(self) -> None:
        self.setWindowTitle(f"{self.session.title}[*] — {APP_TITLE}")
        self.setWindowModified(self.session.dirty)

    def show_about(self) -> None:
        QMessageBox.about(self, f"About {APP_TITLE}", about_text())

    def confirm_discard(self) -> bool:
        """True when nothing unsaved would be lost (asks to save a dirty workspace first)."""
        if not (self.ask_before_discarding and self.session.dirty):
            return True
        buttons = (QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
                   | QMessageBox.StandardButton.Cancel)
        answer = QMessageBox.question(self, APP_TITLE, "The trained model is not saved. Save it first?",
                                      buttons, QMessageBox.StandardButton.Save)
        if answer == QMessageBox.StandardButton.Save:
            return self.save()
        return answer == QMessageBox.StandardButton.Discard

    # ------------------------------------------------------------------ drag and drop, closing

    def dragEnterEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        if dropped_path(event.mimeData()) is not None:
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802
        path = dropped_path(event.mimeData())
        if path is not None:
            event.acceptProposedAction()
            open_dropped(self, path)

    def closeEvent(self, event) -> None:  # noqa: N802
        if not self._closed and not self.confirm_discard():
            event.ignore()
            return
        self.settings.save_window(self.saveGeometry(), self.saveState())
        self.shutdown()
        event.accept()

    def shutdown(self) -> None:
        """Stop every task, wait for its thread, and let go of the session's events."""
        if self._closed:
            return
        self._closed = True
        self.session.cancel_pending()
        self.runner.shutdown()
        self.direction_actions.shutdown()
        self.preview.shutdown()
        self.views.shutdown()
        self.sliders.shutdown()
        self.session.disconnect_all()


__all__ = ["APP_TITLE", "MainWindow", "about_text"]
