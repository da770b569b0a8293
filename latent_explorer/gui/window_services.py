"""What the window's helpers (File/Model/Generate/Insight actions, first run, drops) may use of
the main window: its session and views, and a few named services — status, errors, docks,
confirm-before-discarding, training bookkeeping. `MainWindow` provides it; nothing reaches into
the window's private members."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    import numpy as np
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QDockWidget, QWidget

    from latent_explorer.gui.threads.workers import TaskRunner, TaskWorker
    from latent_explorer.session.session import Session
    from latent_explorer.session.steering import Steering


class WindowServices(Protocol):
    session: Session
    steering: Steering
    runner: TaskRunner
    settings: Any  # gui.settings.AppSettings
    files: Any  # gui.actions.file_actions.FileActions
    queries: Any  # gui.actions.query_actions.QueryActions
    insight_actions: Any  # gui.actions.insight_actions.InsightActions
    model_panel: Any  # gui.docks.model_panel.ModelPanel
    insights: Any  # gui.docks.insights_panel.InsightsPanel
    insights_dock: QDockWidget
    map_stack: Any  # gui.map_stack.MapStack
    map_view: Any  # gui.map2d.map_view.MapView
    map_view3d: Any  # gui.map3d.map_view3d.MapView3D

    def show_status(self, text: str) -> None: ...

    def show_error(self, title: str, text: str, details: str | None = None) -> None: ...

    def report_failure(self, title: str, exc: BaseException, tb: str) -> None: ...

    def add_dock(self, title: str, name: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget: ...

    def tabifyDockWidget(self, first: QDockWidget, second: QDockWidget) -> None: ...  # noqa: N802

    def confirm_discard(self) -> bool: ...

    def track_training(self, worker: TaskWorker, failure: str, cancelled: str) -> TaskWorker: ...

    def refresh_map_controls(self, positions: np.ndarray | None) -> None: ...

    def selected_indices(self) -> np.ndarray: ...

    def start_training(self, source: str | None = None, options: Any = None) -> TaskWorker | None: ...

    def open_workspace(self, path: Any = None, as_copy: bool = False) -> TaskWorker | None: ...


__all__ = ["WindowServices"]
