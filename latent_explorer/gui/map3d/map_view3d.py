"""The 3-D map: every image's latent as a point in a 3-D PCA/t-SNE/UMAP map, seen through an
orbiting camera.

Left-drag turns the map, middle-drag pans it, right-drag or the wheel zooms; Shift-drag draws
a lasso and Ctrl-drag a box (a plain left drag too when the toolbar's drag mode says so),
selecting the visible points drawn inside it at every depth (`selection3d`). A double click on
a point turns the map around that point from then on, elsewhere (or "Reset view") it goes back
to the first view. The points are drawn on the GPU where a hardware OpenGL renderer is present
and on the CPU elsewhere (`scatter.choose_renderer`, as the 2-D map). Hover shows the point
drawn under the mouse (the same point on both paths: both pick from the CPU's depth-tested key
buffer); over empty space the mouse means the point under it at the depth of the data drawn
near it (else on the plane through the orbit centre facing the camera), which the preview
decodes. A click selects, Alt+click interpolates to the point. Colours, legend toggles and the
colour bar follow the 2-D map's colouring; the slider edit, kept edits and the Generate dock's
results are drawn over the points (`map3d_marks`), the decoded atlas under them."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import QLabel, QPushButton, QVBoxLayout, QWidget

from latent_explorer.session.session import Session
from latent_explorer.gui.render.camera3d import OrbitCamera
from latent_explorer.gui.map3d.canvas3d import make_canvas, render_picture
from latent_explorer.gui.map3d.marks import Marks3D, SteeringMarks
from latent_explorer.gui.map3d.overlays import AxesTriad, ColourBar, HoverRing, HoverThumb3D, Legend3D
from latent_explorer.gui.render.map_style import MAX_LEGEND, PALETTE, PICK_RADIUS, UNLABELLED, with_alpha
from latent_explorer.gui.map2d.scatter import choose_renderer
from latent_explorer.gui.render.scatter3d import Cloud
from latent_explorer.gui.map3d.selection3d import DEPTH_RADIUS, ScreenPoints, SelectionTool3D

POINT_SIZE = 6
CLICK_SLOP = 3  # pixels a press may move and still be a click
CONTINUOUS_FADE = 0.2  # depth fades colours less where they stand for values on a colour bar
AXIS_NAMES = {"pca": "PC", "tsne": "t-SNE", "umap": "UMAP"}


class MapView3D(QWidget):
    hovered = Signal(int)  # the image under the mouse, -1 when none
    hovered_position = Signal(object)  # (x, y, z) of the mouse over empty map space, or None
    selected = Signal(object, str)  # a lasso or box selection: indices, "lasso" or "box"
    alt_clicked = Signal(int)  # a point clicked with Alt held (interpolate to it)
    view_changed = Signal()  # a redraw: the camera, the size or the points may have changed

    def __init__(self, session: Session, steering=None, parent: QWidget | None = None,
                 renderer: str | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.setMinimumSize(320, 240)
        self.cloud = Cloud()
        self.camera = OrbitCamera()
        self.positions: np.ndarray | None = None
        self.backdrop: QImage | None = None
        self.screen = ScreenPoints(self.cloud, self.camera)
        self.selection_tool = SelectionTool3D(self.screen, lambda: self.canvas.device_size(), self)
        self.selection_tool.selected.connect(self.selected)
        self.colour_by = "label"
        self.colour_map = pg.colormap.get("viridis")
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self.canvas = None
        self._use_canvas(renderer or choose_renderer())
        self.marks = Marks3D(self)
        self.selection_tool.outline_changed.connect(self.marks.set_outline)
        self._steering_marks = SteeringMarks(self.marks)
        self.legend = Legend3D(self)
        self.legend.group_toggled.connect(self._toggle_group)
        self.colour_bar = ColourBar(self)
        self.colour_bar.hide()
        self.triad = AxesTriad(self.camera, self)
        self.reset_button = QPushButton("Reset view", self)
        self.reset_button.setToolTip("back to the first view (or double-click empty space). Drag to turn, "
                                     "middle-drag to pan, right-drag or wheel to zoom, Shift-drag: lasso, "
                                     "Ctrl-drag: box; double-click a point to turn around it")
        self.reset_button.clicked.connect(self.reset_view)
        self.placeholder = QLabel("Compute a 3-D map to see it here", self)
        self.placeholder.setStyleSheet("color: #777777")
        self._ring = HoverRing(POINT_SIZE, self)
        self.thumb = HoverThumb3D(session, self)
        self._hover_index = -1
        self._drag: dict | None = None
        session.selection_changed.connect(self._on_selection)
        if steering is not None:
            steering.edit_changed.connect(self.show_edit)
            steering.kept_changed.connect(self.show_kept)
        self.set_map(None)

    # ------------------------------------------------------------------ canvas

    def _use_canvas(self, kind: str) -> None:
        """Put a ``kind`` ("gl" or "raster") canvas in place (again: a GL one that failed)."""
        if self.canvas is not None:
            self._layout.removeWidget(self.canvas)
            self.canvas.deleteLater()
        self.canvas = make_canvas(kind, self.cloud, self.camera, POINT_SIZE)
        self.canvas.backdrop = self.backdrop
        self.canvas.installEventFilter(self)
        self.canvas.failed.connect(lambda _why: QTimer.singleShot(0, lambda: self._use_canvas("raster")))
        self._layout.addWidget(self.canvas)
        for name in ("marks", "legend", "colour_bar", "triad", "reset_button", "placeholder", "_ring", "thumb"):
            if hasattr(self, name):
                getattr(self, name).raise_()

    @property
    def renderer(self) -> str:
        return self.canvas.kind

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._place_overlays()
        self.view_changed.emit()

    def showEvent(self, event) -> None:  # noqa: N802
        super().showEvent(event)
        self._place_overlays()

    def _place_overlays(self) -> None:
        w, h = self.width(), self.height()
        self.marks.setGeometry(self.rect())
        self.reset_button.adjustSize()
        self.reset_button.move(8, 8)
        self.legend.adjustSize()
        self.legend.move(w - self.legend.width() - 8, 8)
        self.colour_bar.move(w - self.colour_bar.width() - 8, 8)
        self.triad.move(4, h - self.triad.height() - 4)
        self.placeholder.adjustSize()
        self.placeholder.move((w - self.placeholder.width()) // 2, (h - self.placeholder.height()) // 2)

    def redraw(self) -> None:
        self.canvas.update()
        self.triad.update()
        self.marks.update()
        self._place_ring()
        self.view_changed.emit()

    def set_backdrop(self, image: QImage | None) -> None:
        """An image over the whole view, under the points (the decoded atlas)."""
        self.backdrop = image
        self.canvas.set_backdrop(image)

    def show_edit(self, edit) -> None:
        self._steering_marks.show_edit(edit)

    def show_kept(self, kept) -> None:
        self._steering_marks.show_kept(kept)

    def set_mode(self, mode: str) -> None:
        """What a plain left drag does: "pan" (turns the map), "lasso" or "box"."""
        self.selection_tool.set_mode(mode)

    # ------------------------------------------------------------------ drawing

    def point_count(self) -> int:
        return 0 if self.positions is None else len(self.positions)

    def set_map(self, positions: np.ndarray | None) -> None:
        """Show an (N, 3) map; a map of another size starts from the first view again."""
        new = positions is None or len(positions) != self.point_count()
        self.positions = None if positions is None else np.asarray(positions, np.float64)
        if new:
            self.selection_tool.cancel()
        self._set_hover(-1)
        self.placeholder.setVisible(positions is None)
        self.cloud.set_positions(np.zeros((0, 3)) if positions is None else self.positions)
        if positions is not None:
            self.camera.fit(self.cloud.centre, self.cloud.radius, keep_angles=not new)
            method = "pca" if self.session.projection is None else self.session.projection.method
            self.triad.set_names([f"{AXIS_NAMES.get(method, method)} {k}" for k in (1, 2, 3)])
        self.apply_colouring()
        self._on_selection(self.session.selected)
        self.redraw()

    @property
    def chosen(self) -> np.ndarray:
        """The lasso/box selection ringed on the map (`set_chosen`)."""
        return self.cloud.chosen

    def show_partial(self, positions: np.ndarray, method: str = "pca") -> None:  # noqa: ARG002 (no axis names in 3-D)
        """A map still being optimised: move the points where they are now (the map animates)."""
        positions = np.asarray(positions, np.float64)
        if len(positions) != self.point_count():
            self.set_map(positions)
            return
        self.positions = positions
        self.cloud.set_positions(positions)
        self.camera.fit(self.cloud.centre, self.cloud.radius)
        self.redraw()

    def apply_colouring(self) -> None:
        """The 2-D map's colouring: groups with a legend, continuous values with a colour bar."""
        if self.positions is None:
            self.legend.set_groups([])
            self.colour_bar.hide()
            return
        from latent_explorer.session.colouring import colouring

        c = colouring(self.session, self.colour_by)
        self.colour_bar.setVisible(c.kind == "continuous")
        if c.kind == "continuous":
            lo, hi = c.range
            t = (c.values - lo) / (hi - lo if hi > lo else 1.0)
            rgba = self.colour_map.map(np.clip(np.nan_to_num(t, nan=0.0), 0, 1), mode="byte").astype(np.uint8)
            rgba[:, 3] = 255
            rgba[~np.isfinite(c.values)] = (180, 180, 180, 255)
            self.cloud.set_colours(rgba, fade=CONTINUOUS_FADE)
            self.colour_bar.set_range(self.colour_map.getLookupTable(nPts=64, alpha=False), c.title, lo, hi)
            self.legend.set_groups([])
        else:
            palette = [with_alpha(PALETTE[i % len(PALETTE)], 255) for i in range(len(c.names))]
            palette.append(with_alpha(UNLABELLED, 255))
            codes = np.where(c.codes < 0, len(c.names), c.codes)
            self.cloud.set_colours(codes, palette)
            present = np.bincount(codes, minlength=len(palette))
            groups = [(code, f"{c.names[code] if code < len(c.names) else 'none'} ({count})", palette[code])
                      for code, count in enumerate(present) if count][:MAX_LEGEND]
            self.legend.set_groups(groups)
        self._place_overlays()
        self.redraw()

    def set_colour_by(self, key: str) -> None:
        self.colour_by = key
        self.apply_colouring()

    def _toggle_group(self, code: int, visible: bool) -> None:
        self.cloud.set_group_visible(code, visible)
        if self._hover_index >= 0 and not self.cloud.is_visible(self._hover_index):
            self._set_hover(-1)
        self.redraw()

    def set_chosen(self, indices) -> None:
        """Ring a lasso/box selection's points (lighter than the clicked point's rings, which
        stay on top of them)."""
        self.cloud.set_chosen(indices)
        self.canvas.update()

    def _on_selection(self, index: int) -> None:
        ok = index is not None and 0 <= index < self.point_count()
        self.cloud.set_highlight([index] if ok else [])
        self.canvas.update()

    def reset_view(self) -> None:
        self.camera.reset()
        self.redraw()

    # ------------------------------------------------------------------ where things are

    def screen_pos_of(self, index: int) -> QPointF:
        """Where point ``index`` is drawn, in the canvas's (logical) coordinates."""
        w, h, dpr = self.canvas.device_size()
        x, y, _ = self.camera.project(self.positions[index:index + 1], w, h)
        return QPointF(x[0] / dpr, y[0] / dpr)

    def position_at(self, pos: QPointF) -> np.ndarray:
        """The map point under canvas position ``pos``, at the median depth of the points drawn
        within `DEPTH_RADIUS` pixels of it, so that empty space beside the data decodes beside
        the data rather than on a plane in front of or behind it; with no point near, on the
        plane through the orbit centre facing the camera."""
        w, h, dpr = self.canvas.device_size()
        x, y = pos.x() * dpr, pos.y() * dpr
        depth = self.screen.update(w, h).depth_near(x, y, DEPTH_RADIUS * dpr)
        return self.camera.unproject(x, y, w, h, depth)

    def paint_picture(self, painter: QPainter, scale: float = 2.0) -> None:
        """The map as on screen (atlas, points, marks, legend, colour bar, axes) on ``painter``
        in logical pixels, the points drawn at ``scale`` device pixels per pixel (export)."""
        painter.drawImage(QRectF(self.canvas.geometry()), render_picture(self.canvas, scale))
        w, h = max(1, round(self.canvas.width() * scale)), max(1, round(self.canvas.height() * scale))
        self.marks.paint(painter, w, h, scale, outline=False)
        for widget in (self.legend, self.colour_bar, self.triad):
            if widget.isVisibleTo(self):
                widget.render(painter, widget.pos(), renderFlags=QWidget.RenderFlag.DrawChildren)

    def _place_ring(self) -> None:
        if self._hover_index < 0 or self.positions is None:
            self._ring.hide()
            return
        p = self.canvas.mapTo(self, self.screen_pos_of(self._hover_index).toPoint())
        self._ring.move(p.x() - self._ring.width() // 2, p.y() - self._ring.height() // 2)
        self._ring.show()

    def _set_hover(self, index: int) -> None:
        if index == self._hover_index:
            return
        self._hover_index = index
        self._place_ring()
        if index < 0:
            self.thumb.show_for(-1, QPointF())
        self.hovered.emit(index)

    # ------------------------------------------------------------------ mouse

    def eventFilter(self, obj, event) -> bool:  # noqa: N802
        if obj is not self.canvas or self.positions is None:
            return False
        kind, tool = event.type(), self.selection_tool
        if tool.active and kind in (QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonDblClick,
                                    QEvent.Type.MouseMove, QEvent.Type.MouseButtonRelease):
            if kind == QEvent.Type.MouseMove:
                tool.extend(event.position())
            elif kind == QEvent.Type.MouseButtonRelease and event.button() == Qt.MouseButton.LeftButton:
                tool.finish(event.position())
            return True
        if kind == QEvent.Type.MouseButtonPress:
            start = tool.tool_for(event.button(), event.modifiers())
            if start is not None:
                self._drag = None
                self._set_hover(-1)
                self.hovered_position.emit(None)
                tool.begin(start, event.position())
                return True
            self._drag = {"button": event.button(), "last": event.position(), "start": event.position(),
                          "moved": False, "pan": event.button() == Qt.MouseButton.MiddleButton,
                          "alt": bool(event.modifiers() & Qt.KeyboardModifier.AltModifier)}
            return True
        if kind == QEvent.Type.MouseMove:
            if self._drag is None:
                self._hover(event.position())
            else:
                self._drag_to(event.position())
            return True
        if kind == QEvent.Type.MouseButtonRelease and self._drag is not None:
            drag, self._drag = self._drag, None
            if not drag["moved"] and drag["button"] == Qt.MouseButton.LeftButton:
                index = self.canvas.pick(event.position().x(), event.position().y(), PICK_RADIUS)
                if index >= 0 and drag["alt"]:
                    self.alt_clicked.emit(index)
                elif index >= 0:
                    self.session.select(index)
            self._hover(event.position())
            return True
        if kind == QEvent.Type.MouseButtonDblClick:
            index = self.canvas.pick(event.position().x(), event.position().y(), PICK_RADIUS)
            if index >= 0:  # its plane is where empty space far from the data decodes
                self.camera.look_at(self.positions[index])
                self.redraw()
            else:
                self.reset_view()
            return True
        if kind == QEvent.Type.Wheel:
            self.camera.zoom(event.angleDelta().y() / 120)
            self.redraw()
            return True
        if kind == QEvent.Type.Leave:
            self._set_hover(-1)
            self.hovered_position.emit(None)
        return False

    def _drag_to(self, pos: QPointF) -> None:
        d = self._drag
        delta = pos - d["last"]
        d["last"] = pos
        if not d["moved"] and (pos - d["start"]).manhattanLength() < CLICK_SLOP:
            return
        if not d["moved"]:
            delta = pos - d["start"]
        d["moved"] = True
        dpr = self.canvas.devicePixelRatioF()
        if d["pan"]:
            self.camera.pan(delta.x() * dpr, delta.y() * dpr, *self.canvas.device_size()[:2])
        elif d["button"] == Qt.MouseButton.RightButton:
            self.camera.zoom(-delta.y() / 40)
        else:
            self.camera.orbit(delta.x(), delta.y())
        self._set_hover(-1)
        self.hovered_position.emit(None)
        self.redraw()

    def _hover(self, pos: QPointF) -> None:
        index = self.canvas.pick(pos.x(), pos.y(), PICK_RADIUS)
        self._set_hover(index)
        self.thumb.show_for(index, QPointF(self.canvas.mapTo(self, pos.toPoint())))
        self.hovered_position.emit(None if index >= 0 else self.position_at(pos))


__all__ = ["MapView3D"]
