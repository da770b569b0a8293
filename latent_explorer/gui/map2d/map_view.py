"""The map: every image's latent, projected to 2-D, as a point coloured by its label.

Draws what the session holds and tells the session what the user picked; computes nothing
but where the mouse is. Hover and click find the nearest point in screen pixels (numpy over
the positions — never `ScatterPlotItem.pointsAt`, which is slow on large maps). Clicking a
legend entry hides or shows that label's points (hidden points cannot be picked)."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPoint, QPointF, Qt, QTimer, Signal
from PySide6.QtWidgets import QWidget

from latent_explorer.session.steering import Steering
from latent_explorer.session.session import Session
from latent_explorer.gui.map2d.hover_thumb import HoverThumb
from latent_explorer.gui.map2d.legend import MapLegend
from latent_explorer.gui.map2d.overlays import hidden_while_empty
from latent_explorer.gui.map2d.scatter import make_scatter_item, prepare_view
from latent_explorer.gui.map2d.selection_tools import SelectionTool
from latent_explorer.gui.render.axes import light_axes
from latent_explorer.gui.render.map_style import MAX_LEGEND, PALETTE, PICK_RADIUS, UNLABELLED, with_alpha

POINT_SIZE = 6
LEGEND_AFTER_MS = 20  # a new map's legend comes just after its points


class MapView(pg.PlotWidget):
    hovered = Signal(int)  # the image under the mouse, -1 when none
    hovered_position = Signal(object)  # (x, y) of the mouse over empty map space, or None
    alt_clicked = Signal(int)  # a point clicked with Alt held (interpolate to it)

    def __init__(self, session: Session, steering: Steering, parent: QWidget | None = None) -> None:
        super().__init__(parent, background="w")
        self.session = session
        self.steering = steering
        self.showGrid(x=True, y=True, alpha=0.12)
        light_axes(self.plotItem)
        for side in ("bottom", "left"):  # a map's units are arbitrary: no "PC 1 (x0.001)"
            self.getAxis(side).enableAutoSIPrefix(False)
        self.setLabel("bottom", "PC 1")
        self.setLabel("left", "PC 2")
        self.setMinimumSize(320, 240)
        self.positions: np.ndarray | None = None
        self.colour_by = "label"
        self._legend_entries: list = []  # (code, colour, text) of the legend shown or to show
        self._legend_timer = QTimer(self)
        self._legend_timer.setSingleShot(True)
        self._legend_timer.timeout.connect(self._fill_legend)
        self.scatter = make_scatter_item(size_px=POINT_SIZE)
        prepare_view(self, self.scatter)
        self.plotItem.addItem(self.scatter)
        self.legend = MapLegend(self, self.scatter, POINT_SIZE)
        self.plotItem.vb.sigResized.connect(lambda _vb: self.legend.place(self.positions))
        self.plotItem.vb.sigRangeChanged.connect(lambda *_a: self.legend.place(self.positions))
        self.selection_tool = SelectionTool(self, self.scatter)
        self.colour_map = pg.colormap.get("viridis")
        self.colour_bar = pg.ColorBarItem(colorMap=self.colour_map, interactive=False, width=12)
        self.colour_bar.setVisible(False)
        self.plotItem.layout.addItem(self.colour_bar, 2, 5)
        self.colour_bar_label = pg.LabelItem("", angle=90, size="9pt")
        self.plotItem.layout.addItem(self.colour_bar_label, 2, 6)
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
        self._query = pg.ScatterPlotItem(size=POINT_SIZE + 16, symbol="+", pen=pg.mkPen("#000", width=1.5),
                                         brush=pg.mkBrush("#00c8ff"))  # an image found by example
        for item in (self._edit_line, self._edit_head, self._kept, self._query):
            item.setZValue(12)
            self.plotItem.addItem(item, ignoreBounds=True)
        hidden_while_empty(self._hover_marker, self._selection_marker, self._edit_line, self._edit_head,
                           self._kept, self._query)
        self.placeholder = pg.TextItem("Train a model or open a workspace to see its latent map",
                                       color="#777777", anchor=(0.5, 0.5))
        self.plotItem.addItem(self.placeholder, ignoreBounds=True)
        self.hover_thumb = HoverThumb(self)  # the hovered image beside the cursor
        self.overlay_pickers: list = []  # scene pos -> index or -1: layers over the points (images as points)
        self.scene().sigMouseMoved.connect(self._on_mouse_moved)
        self.scene().sigMouseClicked.connect(self._on_mouse_clicked)
        session.map_changed.connect(self.set_map)
        session.map_partial.connect(self.show_partial)
        session.selection_changed.connect(self._on_selection)
        steering.edit_changed.connect(self.show_edit)
        steering.kept_changed.connect(self.show_kept)

    # ------------------------------------------------------------------ drawing

    def point_count(self) -> int:
        """Points drawn (visible or not)."""
        return 0 if self.positions is None else len(self.positions)

    def set_map(self, positions: np.ndarray | None) -> None:
        self.legend.clear()
        self.positions = None if positions is None else np.asarray(positions, np.float64)
        self._set_hover(-1)
        self._on_selection(self.session.selected)  # a new map of the same images keeps it marked
        self.placeholder.setVisible(positions is None)
        if positions is None:
            self._legend_timer.stop()
            self._legend_entries = []
            self.scatter.setData(np.zeros((0, 2)))
            self.plotItem.setRange(xRange=(-1, 1), yRange=(-1, 1), padding=0)
            self.placeholder.setPos(0, 0)
            return
        self.apply_colouring(legend_later=True)
        self.name_axes("pca" if self.session.projection is None else self.session.projection.method)
        self.plotItem.autoRange(padding=0.05)
        QTimer.singleShot(0, lambda: self.scatter.picker if self.positions is not None else None)

    def apply_colouring(self, legend_later: bool = False) -> None:
        """Colour the points by what `colour_by` names (labels by default), with a legend
        for groups and a colour bar for continuous values. ``legend_later``: the legend is
        built a moment after the points are drawn (a new map: its ten legend entries cost as
        much as the points)."""
        if self.positions is None:
            return
        from latent_explorer.session.colouring import colouring

        c = colouring(self.session, self.colour_by)
        self.colour_bar.setVisible(c.kind == "continuous")
        self.colour_bar_label.setVisible(c.kind == "continuous")
        if c.kind != "continuous":
            self.colour_bar_label.setText("")  # not left beside the map, nor in its exported picture
        entries = []
        if c.kind == "continuous":
            lo, hi = c.range
            t = (c.values - lo) / (hi - lo if hi > lo else 1.0)
            rgba = (self.colour_map.map(np.clip(np.nan_to_num(t, nan=0.0), 0, 1), mode="byte")).astype(np.uint8)
            rgba[~np.isfinite(c.values)] = (180, 180, 180, 120)
            rgba[:, 3] = np.where(np.isfinite(c.values), 220, 120)
            self.scatter.setData(self.positions, colors=rgba)
            self.colour_bar.setLevels((lo, hi))
            self.colour_bar_label.setText(c.title)
        else:
            palette = [with_alpha(PALETTE[i % len(PALETTE)]) for i in range(len(c.names))] + [UNLABELLED]
            codes = np.where(c.codes < 0, len(c.names), c.codes)
            self.scatter.setData(self.positions, colors=codes, palette=palette)
            present = np.bincount(codes, minlength=len(palette))
            entries = [(code, palette[code], f"{c.names[code] if code < len(c.names) else 'none'} ({count})")
                       for code, count in enumerate(present) if count][:MAX_LEGEND]
        self._legend_entries = entries
        if legend_later:
            self.legend.clear()
            self.legend.setVisible(False)
            self._legend_timer.start(LEGEND_AFTER_MS)
        else:
            self._fill_legend(new_map=False)

    def _fill_legend(self, new_map: bool = True) -> None:
        """``new_map``: the view was just fitted to a new map; it may widen to clear the legend."""
        self._legend_timer.stop()
        self.legend.fill(self._legend_entries)
        place = self.legend.make_room if new_map else self.legend.place
        QTimer.singleShot(0, self, lambda: place(self.positions))  # laid out by then

    def set_colour_by(self, key: str) -> None:
        self.colour_by = key
        self.apply_colouring()

    def name_axes(self, method: str) -> None:
        name = {"pca": "PC", "tsne": "t-SNE", "umap": "UMAP"}.get(method, method)
        if self.plotItem.getAxis("bottom").labelText != f"{name} 1":  # a new label lays the plot out again
            self.setLabel("bottom", f"{name} 1")
            self.setLabel("left", f"{name} 2")

    def show_partial(self, positions: np.ndarray, method: str = "pca") -> None:
        """A ``method`` map still being optimised (or a model still training: "pca"): move the
        points where they are now (the map animates)."""
        positions = np.asarray(positions, np.float64)
        if self.positions is None or len(positions) != len(self.positions):
            self.set_map(positions)
            self.name_axes(method)
            return
        self.name_axes(method)
        self.positions = positions
        self.scatter.setData(positions)
        self._on_selection(self.session.selected)
        self.plotItem.autoRange(padding=0.05)

    def show_edit(self, edit) -> None:
        """The current slider edit as an arrow from the image's point to where the edit lands."""
        if edit is None or edit.position is None or edit.is_identity:
            self._edit_line.setData([], [])
            self._edit_head.setData([], [])
            return
        (x0, y0), (x1, y1) = edit.origin_position[:2], edit.position[:2]
        self._edit_line.setData([x0, x1], [y0, y1])
        self._edit_head.setData([x1], [y1])

    def show_query(self, position) -> None:
        """Mark where an image from outside the data lies (None: no mark)."""
        if position is None:
            self._query.setData([], [])
        else:
            self._query.setData([float(position[0])], [float(position[1])])

    def show_kept(self, kept) -> None:
        placed = [k for k in kept if k.position is not None]
        self._kept.setData([float(k.position[0]) for k in placed], [float(k.position[1]) for k in placed],
                           data=[k.name for k in placed])

    def marked(self) -> tuple[float, float] | None:
        """Where the selected image's ring is drawn (None: nowhere)."""
        x, y = self._selection_marker.getData()
        return None if x is None or not len(x) else (float(x[0]), float(y[0]))

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
            self.hover_thumb.hide()
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
        if not self.plotItem.vb.sceneBoundingRect().contains(scene_pos):
            return -1
        for pick in self.overlay_pickers:
            index = pick(scene_pos)
            if index >= 0:
                return index
        return self.scatter.index_at(scene_pos, radius)

    def scene_pos_of(self, index: int) -> QPointF:
        x, y = self.positions[index]
        return self.plotItem.vb.mapViewToScene(QPointF(float(x), float(y)))

    def widget_pos_of(self, index: int) -> QPoint:
        """Where point ``index`` is on this widget (for clicking it)."""
        return self.mapFromScene(self.scene_pos_of(index))

    def _on_mouse_moved(self, scene_pos: QPointF) -> None:
        index = self.index_at(scene_pos)
        self._set_hover(index)
        self.hover_thumb.show_for(index, scene_pos)
        vb = self.plotItem.vb
        if index >= 0 or self.positions is None or not vb.sceneBoundingRect().contains(scene_pos):
            self.hovered_position.emit(None)
        else:
            p = vb.mapSceneToView(scene_pos)
            self.hovered_position.emit(np.array([p.x(), p.y()]))

    def _on_mouse_clicked(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton or event.double() or self.legend.contains_scene(event.scenePos()):
            return
        index = self.index_at(event.scenePos())
        if index >= 0:
            if event.modifiers() & Qt.KeyboardModifier.AltModifier:
                self.alt_clicked.emit(index)
            else:
                self.session.select(index)
            event.accept()

    def leaveEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        self._set_hover(-1)
        self.hovered_position.emit(None)
        super().leaveEvent(event)


__all__ = ["MapView"]
