"""The centre of the window: the 2-D map or the 3-D map, whichever the session's map is.

The session shows one map at a time, 2-D or 3-D; this shows each map (and each animation
frame) in the view of its dimension. Going from 3-D back to 2-D (or on again) shows the
session's last map of that dimension (`Session.maps`, saved with the workspace) instead of
computing it again (`Session.show_map`)."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QStackedWidget, QWidget

from latent_explorer.session.steering import Steering
from latent_explorer.session.session import Session
from latent_explorer.gui.map2d.map_view import MapView
from latent_explorer.gui.map3d.map_view3d import MapView3D


class MapStack(QStackedWidget):
    hovered = Signal(int)  # the image under the mouse in either view, -1 when none
    hovered_position = Signal(object)  # the map position (2 or 3 numbers) under the mouse, or None
    selected = Signal(object, str)  # a lasso or box selection in either view: indices, tool

    def __init__(self, session: Session, steering: Steering, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.view2d = MapView(session, steering)
        self.view3d = MapView3D(session, steering)
        self.addWidget(self.view2d)
        self.addWidget(self.view3d)
        self._animated: int | None = None  # the dimension of a map still being computed
        self._computing: str | None = None  # the method of the map being computed (None: a live training map)
        self._toolbar = None
        # The 2-D view subscribes itself to every map: route each one to the view of its dimension.
        session.map_changed.disconnect(self.view2d.set_map, missing_ok=False)
        session.map_partial.disconnect(self.view2d.show_partial, missing_ok=False)
        session.map_changed.connect(self._on_map)
        session.map_partial.connect(self._on_partial)
        escape = QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self.cancel_selection)
        escape.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        for view in (self.view2d, self.view3d):
            view.hovered.connect(self.hovered)
            view.hovered_position.connect(self.hovered_position)
        self.view2d.selection_tool.selected.connect(self.selected)
        self.view3d.selected.connect(self.selected)

    def attach(self, toolbar, runner, compute) -> None:
        """Wire the map toolbar (colour, drag tool, 2D/3D: the map of that dimension again, else
        ``compute(method, dim)``) and settle the view after each map task of ``runner``."""
        self._toolbar = toolbar
        toolbar.colour_requested.connect(self.set_colour_by)
        toolbar.tool_requested.connect(self.set_mode)
        toolbar.dim_requested.connect(lambda dim, method: self.show_dim(dim, method) or compute(method, dim))
        runner.stopped.connect(lambda purpose, _worker: self.settle() if purpose == "map" else None)

    @property
    def dim(self) -> int:
        """The dimension of the map on screen."""
        return 3 if self.currentWidget() is self.view3d else 2

    @property
    def colour_by(self) -> str:
        return self.view2d.colour_by

    def _view(self, dim: int) -> MapView | MapView3D:
        return self.view3d if dim == 3 else self.view2d

    def _on_map(self, positions) -> None:
        self._animated = None
        self._computing = None
        if positions is None:
            for view in (self.view2d, self.view3d):
                view.set_map(None)
            self.setCurrentWidget(self.view2d)
            return
        dim = np.shape(positions)[1]
        other = self._view(5 - dim)
        if other.point_count() not in (0, len(positions)):  # another workspace's map
            other.set_map(None)
        self._view(dim).set_map(positions)
        self.setCurrentWidget(self._view(dim))
        if self._toolbar is not None and self.session.projection is not None:
            self._toolbar.show_method(self.session.projection.method, dim)

    def expect_map(self, method: str) -> None:
        """A ``method`` map is being computed: its frames are named so (not after the map before)."""
        self._computing = method

    def _on_partial(self, positions) -> None:
        self._animated = np.shape(positions)[1]
        view = self._view(self._animated)
        view.show_partial(positions, self._computing or "pca")
        self.setCurrentWidget(view)

    def show_dim(self, dim: int, method: str) -> bool:
        """Show the ``method`` map of dimension ``dim`` made earlier for these latents; False
        when there is none (it has to be computed)."""
        projection = self.session.maps.get(dim)
        if projection is None or projection.method != method:
            return False
        if projection is self.session.projection:
            self.setCurrentWidget(self._view(dim))
        else:
            self.session.show_map(projection)
        return True

    def settle(self) -> int:
        """After a map task ended (done, cancelled or failed): the session's map on screen, not
        the last frame of a map that was never finished. Returns its dimension."""
        positions = self.session.map
        dim = 2 if positions is None else np.shape(positions)[1]
        if self._animated == dim and positions is not None:
            self._view(dim).set_map(positions)
        self._animated = None
        self._computing = None
        self.setCurrentWidget(self._view(dim))
        if self._toolbar is not None:
            self._toolbar.show_dim(dim)
        return dim

    def set_mode(self, mode: str) -> None:
        """What a plain left drag does in both views: "pan", "lasso" or "box"."""
        self.view2d.selection_tool.set_mode(mode)
        self.view3d.set_mode(mode)

    def cancel_selection(self) -> bool:
        """Escape: drop the lasso or box being drawn (nothing is selected). True if one was."""
        active = [tool for tool in (self.view2d.selection_tool, self.view3d.selection_tool) if tool.active]
        for tool in active:
            tool.cancel()
        return bool(active)

    def highlight_chosen(self, indices) -> None:
        """A lasso/box selection highlighted in both views (the 3-D view keeps the clicked
        point highlighted as well)."""
        indices = np.asarray([] if indices is None else indices, np.int64).ravel()
        self.view2d.scatter.setHighlight(indices)
        self.view3d.set_chosen(indices)

    def set_colour_by(self, key: str) -> None:
        for view in (self.view2d, self.view3d):
            view.colour_by = key
            if view.point_count() == self.session.n_points:
                view.apply_colouring()

    def follow_colour(self) -> None:
        """The 3-D view takes up a colouring set on the 2-D view directly (clusters found)."""
        if self.view3d.colour_by != self.view2d.colour_by:
            self.view3d.colour_by = self.view2d.colour_by
            if self.view3d.point_count() == self.session.n_points:
                self.view3d.apply_colouring()


__all__ = ["MapStack"]
