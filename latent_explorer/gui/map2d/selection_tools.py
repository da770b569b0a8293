"""Lasso and box selection on the map.

Shift-drag draws a lasso and Ctrl-drag (Cmd on macOS) a box, whatever the mode; with the mode
set to "lasso" or "box" a plain left drag does it too. On release `selected` carries the
indices of the visible points inside. It filters the view's viewport mouse events, so a drag
the tool does not take still pans; install it after the viewport is final
(`scatter.prepare_view`), or call `attach` again after changing it."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsPathItem

MODES = ("pan", "lasso", "box")
MIN_DRAG_PX = 3


class SelectionTool(QObject):
    """``selected(indices: np.ndarray, tool: str)`` with tool "lasso" or "box"."""

    selected = Signal(object, str)

    def __init__(self, view: pg.PlotWidget, scatter, parent: QObject | None = None) -> None:
        super().__init__(parent or view)
        self.view = view
        self.scatter = scatter
        self.mode = "pan"
        self.enabled = True
        self._tool: str | None = None
        self._start = QPointF()
        self._scene_points: list[QPointF] = []
        self._path = QPainterPath()
        self._outline = QGraphicsPathItem()
        pen = QPen(QColor(30, 30, 30), 1.5, Qt.PenStyle.DashLine)
        pen.setCosmetic(True)
        self._outline.setPen(pen)
        self._outline.setBrush(QBrush(QColor(80, 140, 255, 40)))
        self._outline.setZValue(1e6)
        self._viewport = None
        self.attach()

    def attach(self) -> None:
        """(Re)installs the filter on the view's current viewport."""
        if self._viewport is not None:
            self._viewport.removeEventFilter(self)
        self._viewport = self.view.viewport()
        self._viewport.installEventFilter(self)

    def set_mode(self, mode: str) -> None:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}")
        self.mode = mode

    @property
    def active(self) -> bool:
        """A lasso or box is being drawn."""
        return self._tool is not None

    def _tool_for(self, modifiers) -> str | None:
        if modifiers & Qt.KeyboardModifier.ShiftModifier:
            return "lasso"
        if modifiers & Qt.KeyboardModifier.ControlModifier:
            return "box"
        return self.mode if self.mode != "pan" else None

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Qt's name)
        kind = event.type()
        if kind == QEvent.Type.MouseButtonPress and self.enabled and self._tool is None:
            if event.button() == Qt.MouseButton.LeftButton:
                tool = self._tool_for(event.modifiers())
                scene_pos = self.view.mapToScene(event.position().toPoint())
                vb = self.scatter.getViewBox()
                if tool and vb is not None and vb.sceneBoundingRect().contains(scene_pos):
                    self._begin(tool, QPointF(scene_pos))
                    return True
        elif self._tool is not None:
            if kind == QEvent.Type.MouseMove:
                self._extend(QPointF(self.view.mapToScene(event.position().toPoint())))
                return True
            if kind == QEvent.Type.MouseButtonRelease and event.button() == Qt.MouseButton.LeftButton:
                self._extend(QPointF(self.view.mapToScene(event.position().toPoint())))
                self._finish()
                return True
            if kind in (QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonDblClick):
                return True
        return False

    def cancel(self) -> None:
        if self._outline.scene() is not None:
            self._outline.scene().removeItem(self._outline)
        self._tool = None
        self._scene_points = []

    def _begin(self, tool: str, scene_pos: QPointF) -> None:
        self._tool = tool
        self._start = scene_pos
        self._scene_points = [scene_pos]
        self._path = QPainterPath(scene_pos)
        self._outline.setPath(self._path)
        self.view.scene().addItem(self._outline)

    def _extend(self, scene_pos: QPointF) -> None:
        if self._tool == "box":
            self._scene_points = [self._start, scene_pos]
            path = QPainterPath()
            path.addRect(QRectF(self._start, scene_pos).normalized())
            self._outline.setPath(path)
            return
        if scene_pos != self._scene_points[-1]:
            self._scene_points.append(scene_pos)
            self._path.lineTo(scene_pos)
            closed = QPainterPath(self._path)
            closed.closeSubpath()
            self._outline.setPath(closed)

    def _finish(self) -> None:
        tool, points = self._tool, self._scene_points
        self.cancel()
        vb = self.scatter.getViewBox()
        xs = np.array([p.x() for p in points])
        ys = np.array([p.y() for p in points])
        if vb is None or max(np.ptp(xs), np.ptp(ys)) < MIN_DRAG_PX:
            return
        data = [vb.mapSceneToView(p) for p in points]
        vertices = np.array([[p.x(), p.y()] for p in data])
        if tool == "box":
            (x0, y0), (x1, y1) = vertices[0], vertices[-1]
            indices = self.scatter.points_in_rect(x0, y0, x1, y1)
        else:
            if len(vertices) < 3:
                return
            indices = self.scatter.points_in_polygon(vertices)
        self.selected.emit(indices, tool)


__all__ = ["MODES", "SelectionTool"]
