"""The map: every image's latent, projected to 2-D, as a point coloured by its label.

Draws what the session holds and tells the session what the user picked; computes nothing
but where the mouse is. Hover and click find the nearest point in screen pixels (numpy over
the positions — never `ScatterPlotItem.pointsAt`, which is slow on large maps). Clicking a
legend entry hides or shows that label's points (hidden points cannot be picked)."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPoint, QPointF, Qt, Signal
from PySide6.QtWidgets import QWidget

from ..explore.steering import Steering
from ..session import Session

PALETTE = [  # matplotlib's tab10 then the light half of tab20
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
    "#bcbd22", "#17becf", "#aec7e8", "#ffbb78", "#98df8a", "#ff9896", "#c5b0d5", "#c49c94",
    "#f7b6d2", "#c7c7c7", "#dbdb8d", "#9edae5",
]
UNLABELLED = "#9a9a9a"
PICK_RADIUS = 10  # pixels
POINT_SIZE = 6
MAX_LEGEND = 30


class MapView(pg.PlotWidget):
    hovered = Signal(int)  # the image under the mouse, -1 when none
    hovered_position = Signal(object)  # (x, y) of the mouse over empty map space, or None

    def __init__(self, session: Session, steering: Steering, parent: QWidget | None = None) -> None:
        super().__init__(parent, background="w")
        self.session = session
        self.steering = steering
        self.showGrid(x=True, y=True, alpha=0.12)
        self.setLabel("bottom", "PC 1")
        self.setLabel("left", "PC 2")
        self.setMinimumSize(320, 240)
        self.legend = self.addLegend(offset=(-8, 8), brush=pg.mkBrush(255, 255, 255, 215),
                                     pen=pg.mkPen("#cccccc"), labelTextSize="9pt")
        self.groups: list[tuple[pg.ScatterPlotItem, np.ndarray]] = []
        self.positions: np.ndarray | None = None
        self._hover_index = -1
        self._hover_marker = pg.ScatterPlotItem(size=POINT_SIZE + 8, pen=pg.mkPen("#333333", width=1.5),
                                                brush=None, symbol="o")
        self._selection_marker = pg.ScatterPlotItem(size=POINT_SIZE + 12, pen=pg.mkPen("#000000", width=2.5),
                                                    brush=pg.mkBrush(255, 230, 0, 120), symbol="o")
        for marker in (self._hover_marker, self._selection_marker):
            marker.setZValue(10)
            self.plotItem.addItem(marker, ignoreBounds=True)
        self._edit_line = pg.PlotDataItem(pen=pg.mkPen("#222222", width=2, style=Qt.PenStyle.DashLine))
        self._edit_head = pg.ScatterPlotItem(size=POINT_SIZE + 10, symbol="d", pen=pg.mkPen("#000", width=1.5),
                                             brush=pg.mkBrush("#ffcc00"))
        self._kept = pg.ScatterPlotItem(size=POINT_SIZE + 10, symbol="star", pen=pg.mkPen("#000", width=1),
                                        brush=pg.mkBrush("#ff4fa3"))
        for item in (self._edit_line, self._edit_head, self._kept):
            item.setZValue(12)
            self.plotItem.addItem(item, ignoreBounds=True)
        self.placeholder = pg.TextItem("Train a model or open a workspace to see its latent map",
                                       color="#777777", anchor=(0.5, 0.5))
        self.plotItem.addItem(self.placeholder, ignoreBounds=True)
        self.scene().sigMouseMoved.connect(self._on_mouse_moved)
        self.scene().sigMouseClicked.connect(self._on_mouse_clicked)
        session.map_changed.connect(self.set_map)
        session.map_partial.connect(self.show_partial)
        session.selection_changed.connect(self._on_selection)
        steering.edit_changed.connect(self.show_edit)
        steering.kept_changed.connect(self.show_kept)

    # ------------------------------------------------------------------ drawing

    def point_count(self) -> int:
        """Points drawn (all groups, visible or not)."""
        return sum(len(idx) for _, idx in self.groups)

    def set_map(self, positions: np.ndarray | None) -> None:
        for item, _ in self.groups:
            self.plotItem.removeItem(item)
        self.legend.clear()
        self.groups = []
        self.positions = None if positions is None else np.asarray(positions, np.float64)
        self._set_hover(-1)
        self._on_selection(-1)
        self.placeholder.setVisible(positions is None)
        if positions is None:
            self.plotItem.setRange(xRange=(-1, 1), yRange=(-1, 1), padding=0)
            self.placeholder.setPos(0, 0)
            return
        labels = self.session.labels
        names = self.session.label_names
        if labels is None or len(labels) != len(self.positions) or not np.any(labels >= 0):
            self._add_group(np.arange(len(self.positions)), "images", PALETTE[0])
        else:
            for code in np.unique(labels):
                idx = np.flatnonzero(labels == code)
                if code < 0:
                    self._add_group(idx, "no label", UNLABELLED)
                else:
                    self._add_group(idx, names[code] if code < len(names) else str(code),
                                    PALETTE[int(code) % len(PALETTE)])
        method = "pca" if self.session.projection is None else self.session.projection.method
        name = {"pca": "PC", "tsne": "t-SNE", "umap": "UMAP"}.get(method, method)
        self.setLabel("bottom", f"{name} 1")
        self.setLabel("left", f"{name} 2")
        self.legend.setColumnCount(1 if len(self.groups) <= 12 else 2)
        self.legend.setVisible(1 < len(self.groups))
        self.plotItem.autoRange(padding=0.05)

    def show_partial(self, positions: np.ndarray) -> None:
        """A map still being optimised: move the points where they are now (the map animates)."""
        positions = np.asarray(positions, np.float64)
        if not self.groups or self.positions is None or len(positions) != len(self.positions):
            self.set_map(positions)
            return
        self.positions = positions
        for item, idx in self.groups:
            item.setData(pos=positions[idx], brush=item.group_brush, pen=None, size=POINT_SIZE)
        self._on_selection(self.session.selected)
        self.plotItem.autoRange(padding=0.05)

    def _add_group(self, idx: np.ndarray, name: str, colour: str) -> None:
        fill = pg.mkColor(colour)
        fill.setAlpha(200)
        item = pg.ScatterPlotItem(
            pos=self.positions[idx], size=POINT_SIZE, pen=None, brush=pg.mkBrush(fill),
            hoverable=False, tip=None,
        )
        item.group_brush = pg.mkBrush(fill)
        self.plotItem.addItem(item)
        if len(self.groups) < MAX_LEGEND:
            self.legend.addItem(item, f"{name} ({len(idx)})")
        self.groups.append((item, idx))

    def show_edit(self, edit) -> None:
        """The current slider edit as an arrow from the image's point to where the edit lands."""
        if edit is None or edit.position is None or edit.is_identity:
            self._edit_line.setData([], [])
            self._edit_head.setData([], [])
            return
        (x0, y0), (x1, y1) = edit.origin_position[:2], edit.position[:2]
        self._edit_line.setData([x0, x1], [y0, y1])
        self._edit_head.setData([x1], [y1])

    def show_kept(self, kept) -> None:
        placed = [k for k in kept if k.position is not None]
        self._kept.setData([float(k.position[0]) for k in placed], [float(k.position[1]) for k in placed],
                           data=[k.name for k in placed])

    def _on_selection(self, index: int) -> None:
        if index is None or index < 0 or self.positions is None or index >= len(self.positions):
            self._selection_marker.setData([], [])
        else:
            x, y = self.positions[index]
            self._selection_marker.setData([x], [y])

    def _set_hover(self, index: int) -> None:
        if index == self._hover_index:
            return
        self._hover_index = index
        if index < 0:
            self._hover_marker.setData([], [])
        else:
            x, y = self.positions[index]
            self._hover_marker.setData([x], [y])
        self.hovered.emit(index)

    # ------------------------------------------------------------------ picking

    def index_at(self, scene_pos: QPointF, radius: float = PICK_RADIUS) -> int:
        """The visible point nearest to a scene position, within ``radius`` pixels; else -1."""
        if self.positions is None or not len(self.positions):
            return -1
        vb = self.plotItem.vb
        if not vb.sceneBoundingRect().contains(scene_pos):
            return -1
        p = vb.mapSceneToView(scene_pos)
        sx, sy = vb.viewPixelSize()
        if not (sx > 0 and sy > 0):
            return -1
        d2 = ((self.positions[:, 0] - p.x()) / sx) ** 2 + ((self.positions[:, 1] - p.y()) / sy) ** 2
        for item, idx in self.groups:
            if not item.isVisible():
                d2[idx] = np.inf
        best = int(np.argmin(d2))
        return best if d2[best] <= radius * radius else -1

    def scene_pos_of(self, index: int) -> QPointF:
        x, y = self.positions[index]
        return self.plotItem.vb.mapViewToScene(QPointF(float(x), float(y)))

    def widget_pos_of(self, index: int) -> QPoint:
        """Where point ``index`` is on this widget (for clicking it)."""
        return self.mapFromScene(self.scene_pos_of(index))

    def _on_mouse_moved(self, scene_pos: QPointF) -> None:
        index = self.index_at(scene_pos)
        self._set_hover(index)
        vb = self.plotItem.vb
        if index >= 0 or self.positions is None or not vb.sceneBoundingRect().contains(scene_pos):
            self.hovered_position.emit(None)
        else:
            p = vb.mapSceneToView(scene_pos)
            self.hovered_position.emit(np.array([p.x(), p.y()]))

    def _on_mouse_clicked(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton or event.double():
            return
        index = self.index_at(event.scenePos())
        if index >= 0:
            self.session.select(index)
            event.accept()

    def leaveEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        self._set_hover(-1)
        self.hovered_position.emit(None)
        super().leaveEvent(event)


__all__ = ["MapView"]
