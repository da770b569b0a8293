"""The 3-D map's points on the screen: lasso and box selection, and the depth of the data under
the cursor.

`ScreenPoints` projects the visible points once per camera, view size and data (a cache every
query shares: a lasso, hovering empty space, the decoded atlas). `SelectionTool3D` draws a
lasso (Shift-drag, or a plain left drag in "lasso" mode) or a box (Ctrl-drag, or "box" mode)
and selects the visible points whose projection falls inside it, at every depth: what the
outline covers on the screen, in front of the camera."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QObject, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QPainterPath

from latent_explorer.gui.render.hit_test import PointPicker
from latent_explorer.gui.map2d.selection_tools import MIN_DRAG_PX, MODES

DEPTH_RADIUS = 24  # logical pixels around the cursor whose points give the depth of empty space


class ScreenPoints:
    """The visible, finite points in front of the camera, projected to device pixels:
    ``index``, ``x``, ``y``, ``depth`` (arrays of one length), recomputed only when the camera,
    the view size, the positions or the visibility changed."""

    def __init__(self, cloud, camera) -> None:
        self.cloud, self.camera = cloud, camera
        self._key = None
        self.index = np.zeros(0, np.int64)
        self.x = self.y = self.depth = np.zeros(0)

    def update(self, w: int, h: int) -> ScreenPoints:
        key = (self.camera.version, self.cloud.versions[:2], w, h)
        if key != self._key:
            self._key = key
            x, y, depth = self.camera.project(self.cloud.positions, w, h)
            ok = np.isfinite(x) & np.isfinite(y) & (depth > 1e-12)
            if self.cloud.visible is not None:
                ok &= self.cloud.visible
            self.index = np.flatnonzero(ok)
            self.x, self.y, self.depth = x[ok], y[ok], depth[ok]
        return self

    def depth_near(self, x: float, y: float, radius: float) -> float:
        """The median depth of the points drawn within ``radius`` pixels of (x, y); NaN if none."""
        near = np.square(self.x - x) + np.square(self.y - y) <= radius * radius
        return float(np.median(self.depth[near])) if near.any() else np.nan

    def depth_per_cell(self, nx: int, ny: int, w: int, h: int) -> np.ndarray:
        """(ny, nx) median depth of the points drawn in each cell of an nx × ny grid over the
        view (rows top-down); NaN in empty cells."""
        cx = np.floor(self.x * nx / w).astype(np.int64)
        cy = np.floor(self.y * ny / h).astype(np.int64)
        ok = (cx >= 0) & (cx < nx) & (cy >= 0) & (cy < ny)
        cell, depth = cy[ok] * nx + cx[ok], self.depth[ok]
        out = np.full(nx * ny, np.nan)
        if len(cell):
            order = np.lexsort((depth, cell))
            counts = np.bincount(cell, minlength=nx * ny)
            starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
            filled = counts > 0
            lo = starts[filled] + (counts[filled] - 1) // 2
            hi = starts[filled] + counts[filled] // 2
            out[filled] = (depth[order[lo]] + depth[order[hi]]) / 2
        return out.reshape(ny, nx)

    def in_polygon(self, vertices: np.ndarray) -> np.ndarray:
        """Sorted indices of the points whose projection is inside the polygon (device pixels)."""
        if not len(self.index):
            return np.zeros(0, np.int64)
        inside = PointPicker(np.column_stack([self.x, self.y])).in_polygon(vertices)
        return self.index[inside]

    def in_rect(self, x0: float, y0: float, x1: float, y1: float) -> np.ndarray:
        if not len(self.index):
            return np.zeros(0, np.int64)
        return self.index[PointPicker(np.column_stack([self.x, self.y])).in_rect(x0, y0, x1, y1)]


class SelectionTool3D(QObject):
    """The drag part of selecting on the 3-D map; the view feeds it the canvas's mouse events
    (logical pixels) and draws `outline` on its overlay. ``selected(indices, tool)``."""

    selected = Signal(object, str)
    outline_changed = Signal(object)  # QPainterPath in canvas coordinates, or None

    def __init__(self, screen: ScreenPoints, device_size, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.screen = screen
        self.device_size = device_size  # () -> (w, h, dpr) of the canvas
        self.mode = "pan"
        self.tool: str | None = None
        self.points: list[QPointF] = []

    def set_mode(self, mode: str) -> None:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}")
        self.mode = mode

    @property
    def active(self) -> bool:
        return self.tool is not None

    def tool_for(self, button, modifiers) -> str | None:
        """The selection a press starts, if any: only the left button selects."""
        if button != Qt.MouseButton.LeftButton:
            return None
        if modifiers & Qt.KeyboardModifier.ShiftModifier:
            return "lasso"
        if modifiers & Qt.KeyboardModifier.ControlModifier:
            return "box"
        return self.mode if self.mode != "pan" else None

    def begin(self, tool: str, pos: QPointF) -> None:
        self.tool, self.points = tool, [QPointF(pos)]
        self.outline_changed.emit(self.outline())

    def extend(self, pos: QPointF) -> None:
        if self.tool == "box":
            self.points = [self.points[0], QPointF(pos)]
        elif pos != self.points[-1]:
            self.points.append(QPointF(pos))
        self.outline_changed.emit(self.outline())

    def outline(self) -> QPainterPath | None:
        if self.tool is None:
            return None
        path = QPainterPath()
        if self.tool == "box":
            path.addRect(QRectF(self.points[0], self.points[-1]).normalized())
        else:
            path.moveTo(self.points[0])
            for p in self.points[1:]:
                path.lineTo(p)
            path.closeSubpath()
        return path

    def cancel(self) -> None:
        self.tool, self.points = None, []
        self.outline_changed.emit(None)

    def finish(self, pos: QPointF) -> np.ndarray | None:
        """Ends the drag at ``pos``; emits and returns the points inside (None: too small)."""
        self.extend(pos)
        tool, points = self.tool, self.points
        self.cancel()
        w, h, dpr = self.device_size()
        v = np.array([[p.x(), p.y()] for p in points]) * dpr
        if np.ptp(v[:, 0]) < MIN_DRAG_PX * dpr and np.ptp(v[:, 1]) < MIN_DRAG_PX * dpr:
            return None
        screen = self.screen.update(w, h)
        if tool == "box":
            indices = screen.in_rect(*v[0], *v[-1])
        elif len(v) >= 3:
            indices = screen.in_polygon(v)
        else:
            return None
        self.selected.emit(indices, tool)
        return indices


__all__ = ["DEPTH_RADIUS", "ScreenPoints", "SelectionTool3D"]
