"""The map's points drawn on the CPU: splatted into an image at screen resolution.

`RasterScatterItem` is a pyqtgraph item for a 2-D PlotItem. Each paint renders only the view:
a numba kernel writes the index of the last point landing on each device pixel (later points
are drawn on top, in data order), a second pass stamps a square or disc of ``size_px`` around
each lit pixel keeping the highest index, a third looks up colours. The cost depends on the
points in view and on the pixels, never on how many points overlap; the image is cached until
the view, the widget size or the data change. It is also the base of the GL item
(`scatter_gl`), which reuses everything here but `paint` and falls back to it off-GL."""
from __future__ import annotations

import time

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QColor, QImage, QTransform

from latent_explorer.gui.render.hit_test import PointPicker, cached_njit
from latent_explorer.gui.render.hit_test import warm_up as _warm_up_picker
from latent_explorer.gui.render.point_colours import point_colours, premultiplied_argb
from latent_explorer.gui.render.point_pyramid import MIN_POINTS, PointPyramid
from latent_explorer.gui.render.point_pyramid import warm_up as _warm_up_pyramid
from latent_explorer.gui.render.stamps import stamp_auto, stamp_list, stamp_offsets
from latent_explorer.gui.render.stamps import warm_up as _warm_up_stamps

DEFAULT_COLOUR = (31, 119, 180, 200)
HIGHLIGHT_COLOUR = (255, 200, 0, 255)
HIGHLIGHT_GROWTH = 4  # pixels wider than a point
_ALL = np.ones(0, np.bool_)


@cached_njit
def _splat_centres(x, y, visible, ax, bx, ay, by, centre):
    """centre[r, c] = the last visible point whose pixel is (r, c); the buffer is padded."""
    centre[:] = -1
    h, w = centre.shape
    masked = len(visible) > 0
    lit = 0
    for i in range(len(x)):
        px = ax * x[i] + bx
        py = ay * y[i] + by
        if 0.0 <= px < w and 0.0 <= py < h:
            if masked and not visible[i]:
                continue
            centre[int(py), int(px)] = i
            lit += 1
    return lit


@cached_njit
def _colour(index, colours, img):
    h, w = index.shape
    for r in range(h):
        for c in range(w):
            i = index[r, c]
            img[r, c] = colours[i] if i >= 0 else 0


class RasterScatterItem(pg.GraphicsObject):
    """Points with one colour each, a visibility mask and a highlighted subset.

    ``colors`` is (N, 4) uint8 RGBA, or (N,) integer codes into ``palette`` (then
    `setGroupVisible` hides a code). ``size_px`` is in logical (not device) pixels."""

    def __init__(self, size_px: int = 3) -> None:
        super().__init__()
        self.size_px = int(size_px)
        self.x = np.zeros(0)
        self.y = np.zeros(0)
        self.codes: np.ndarray | None = None
        self.colours = np.zeros(0, np.uint32)
        self.visible_mask: np.ndarray | None = None
        self.highlight = np.zeros(0, np.int64)
        self.highlight_colour = QColor(*HIGHLIGHT_COLOUR)
        self._picker: PointPicker | None = None
        self._bounds = QRectF()
        self._has_bounds = False
        self._version = 0
        self.versions = (0, 0, 0)  # positions, colours (with the mask), highlight
        self._cache_key = None
        self._image: QImage | None = None
        self._buffers: dict[str, np.ndarray] = {}
        self._pyramid: PointPyramid | None = None
        self.pyramid_from = MIN_POINTS  # points from which frames draw from a `PointPyramid`
        self.last_render_ms = 0.0

    # ------------------------------------------------------------------ data

    def setData(self, pos, colors=None, palette=None, size_px: int | None = None) -> None:  # noqa: N802
        """Replace the points. ``colors=None`` keeps the current colours when the count is
        unchanged (an animating map), else uses the default colour."""
        pos = np.asarray(pos, np.float64).reshape(-1, 2)
        n_old = len(self.x)
        self.x = np.ascontiguousarray(pos[:, 0])
        self.y = np.ascontiguousarray(pos[:, 1])
        if size_px is not None:
            self.size_px = int(size_px)
        if colors is not None:
            self._set_colours(colors, palette)
        elif len(self.colours) != len(pos):
            self.codes = None
            self.colours = np.full(len(pos), premultiplied_argb(np.array([DEFAULT_COLOUR]))[0], np.uint32)
        if len(pos) != n_old:
            self.visible_mask = None
            self.highlight = np.zeros(0, np.int64)
        self._picker = None
        self._pyramid = None
        finite = np.isfinite(self.x) & np.isfinite(self.y)
        self._has_bounds = bool(finite.any())
        if self._has_bounds:
            x, y = self.x[finite], self.y[finite]
            self._bounds = QRectF(QPointF(x.min(), y.min()), QPointF(x.max(), y.max()))
        else:
            self._bounds = QRectF()
        self.prepareGeometryChange()
        self._changed(positions=True, colours=colors is not None or len(pos) != n_old)
        self.informViewBoundsChanged()

    def _set_colours(self, colors, palette) -> None:
        self.codes, self.colours = point_colours(colors, palette)
        if len(self.colours) != len(self.x):
            raise ValueError(f"{len(self.colours)} colours for {len(self.x)} points")

    def setColors(self, colors, palette=None) -> None:  # noqa: N802
        self._set_colours(colors, palette)
        self._changed(colours=True)

    def setVisibleMask(self, mask: np.ndarray | None) -> None:  # noqa: N802
        """Only points where ``mask`` is True are drawn and can be picked; None shows all."""
        self.visible_mask = None if mask is None else np.ascontiguousarray(mask, np.bool_)
        if self._picker is not None:
            self._picker.set_visible(self.visible_mask)
        self._changed(colours=True)

    def setGroupVisible(self, code: int, visible: bool) -> None:  # noqa: N802
        if self.codes is None:
            raise ValueError("setGroupVisible needs colours given as codes + palette")
        mask = np.ones(len(self.x), bool) if self.visible_mask is None else self.visible_mask.copy()
        mask[self.codes == code] = visible
        self.setVisibleMask(None if mask.all() else mask)

    def setHighlight(self, indices, color=None) -> None:  # noqa: N802
        """Points drawn on top of all others with a ring of ``color`` (empty clears)."""
        idx = np.asarray([] if indices is None else indices, np.int64).ravel()
        self.highlight = idx[(idx >= 0) & (idx < len(self.x))]
        if color is not None:
            self.highlight_colour = pg.mkColor(color)
        self._changed(highlight=True)

    def _changed(self, positions: bool = False, colours: bool = False, highlight: bool = False) -> None:
        """Bumps the versions that the image cache and the GL buffers compare against."""
        self._version += 1
        self.versions = (self.versions[0] + positions, self.versions[1] + colours,
                         self.versions[2] + highlight)
        self.update()

    def __len__(self) -> int:
        return len(self.x)

    def pyramid(self) -> PointPyramid | None:
        """The level-of-detail pyramid frames draw from, for maps of `pyramid_from` points or
        more (built on the first frame after the points change; its cells follow the mask)."""
        if len(self.x) < self.pyramid_from:
            return None
        if self._pyramid is None:
            self._pyramid = PointPyramid(self.x, self.y)
        if self._pyramid.mask is not self.visible_mask:
            self._pyramid.set_visible(self.visible_mask)
        return self._pyramid

    # ------------------------------------------------------------------ picking

    @property
    def picker(self) -> PointPicker:
        """Built on first use after the points change (tens of ms at 1M)."""
        if self._picker is None:
            self._picker = PointPicker(np.column_stack([self.x, self.y]))
            self._picker.set_visible(self.visible_mask)
        return self._picker

    def index_at(self, scene_pos, radius_px: float = 10) -> int:
        """The visible point nearest to a scene position within ``radius_px`` pixels, or -1."""
        vb = self.getViewBox()
        if vb is None or not len(self.x) or not vb.sceneBoundingRect().contains(scene_pos):
            return -1
        p = vb.mapSceneToView(scene_pos)
        sx, sy = vb.viewPixelSize()
        if not (sx > 0 and sy > 0):
            return -1
        i = self.picker.nearest(p.x(), p.y(), radius_px, 1.0 / sx, 1.0 / sy)
        return -1 if i is None else i

    def points_in_polygon(self, vertices) -> np.ndarray:
        return self.picker.in_polygon(vertices)

    def points_in_rect(self, x0: float, y0: float, x1: float, y1: float) -> np.ndarray:
        return self.picker.in_rect(x0, y0, x1, y1)

    # ------------------------------------------------------------------ geometry

    def dataBounds(self, ax: int, frac: float = 1.0, orthoRange=None):  # noqa: N802
        if not self._has_bounds:
            return None, None
        if ax == 0:
            return self._bounds.left(), self._bounds.right()
        return self._bounds.top(), self._bounds.bottom()

    def pixelPadding(self) -> float:  # noqa: N802
        """Half a highlighted point (the widest thing drawn) in logical pixels, plus one."""
        return (self.size_px + max(HIGHLIGHT_GROWTH, self.size_px // 2)) / 2 + 1

    @property
    def data_rect(self) -> QRectF:
        """The smallest rectangle holding every finite point (null without one)."""
        return QRectF(self._bounds)

    def boundingRect(self) -> QRectF:  # noqa: N802
        """The data bounds, grown by half a point (in data units) so that edge points repaint."""
        if not self._has_bounds:
            return QRectF()
        px = self.pixelVectors()
        if px[0] is None:
            return QRectF(self._bounds)
        pad_x = abs(px[0].x()) * self.pixelPadding()
        pad_y = abs(px[1].y()) * self.pixelPadding()
        return self._bounds.adjusted(-pad_x, -pad_y, pad_x, pad_y)

    def viewTransformChanged(self) -> None:  # noqa: N802
        self.prepareGeometryChange()

    # ------------------------------------------------------------------ drawing

    def paint(self, painter, option, widget=None) -> None:
        self._paint_raster(painter)

    def _paint_raster(self, painter) -> None:
        if not len(self.x):
            return
        area = paint_area(painter, self.getViewBox(), self.boundingRect())
        if area is None:
            return
        tr, dpr, left, top, w, h = area
        ax, bx = tr.m11() * dpr, tr.dx() * dpr - left
        ay, by = tr.m22() * dpr, tr.dy() * dpr - top
        size = max(1, round(self.size_px * dpr))
        key = (ax, bx, ay, by, w, h, size, self._version)
        if key != self._cache_key or self._image is None:
            self._image = self.render_image(ax, bx, ay, by, w, h, size)
            self._image.setDevicePixelRatio(dpr)
            self._cache_key = key
        painter.save()
        painter.setTransform(QTransform())
        painter.drawImage(QPointF(left / dpr, top / dpr), self._image)
        painter.restore()

    def render_image(self, ax: float, bx: float, ay: float, by: float, w: int, h: int,
                     size: int) -> QImage:
        """The points where device pixel (col, row) = (ax·x + bx, ay·y + by), in a w×h image
        that shares this item's reused buffers (valid until the next render)."""
        t0 = time.perf_counter()
        c = self.highlight_colour
        ring = premultiplied_argb(np.array([[c.red(), c.green(), c.blue(), c.alpha()]]))[0]
        img = render_points(self.x, self.y, self.colours, self.visible_mask, self.highlight, ring,
                            (ax, bx, ay, by), w, h, size, self._buffers, self.pyramid())
        image = QImage(img.data, w, h, w * 4, QImage.Format.Format_ARGB32_Premultiplied)
        image._keep = img  # the QImage does not own the numpy buffer
        self.last_render_ms = (time.perf_counter() - t0) * 1e3
        return image


def paint_area(painter, vb, bounds: QRectF):
    """Where an item drawn as one device-pixel image paints: (transform, device pixel ratio,
    left, top, width, height) of the visible part of ``bounds``; None when nothing shows, the view
    is rotated, or the image would be absurdly large."""
    tr = painter.transform()
    if vb is None or abs(tr.m12()) > 1e-9 or abs(tr.m21()) > 1e-9:
        return None
    dpr = painter.device().devicePixelRatioF() if painter.device() is not None else 1.0
    area = tr.mapRect(vb.viewRect().intersected(bounds))
    left, top = int(np.floor(area.left() * dpr)), int(np.floor(area.top() * dpr))
    w = int(np.ceil(area.right() * dpr)) - left
    h = int(np.ceil(area.bottom() * dpr)) - top
    if w <= 0 or h <= 0 or w * h > 64_000_000:
        return None
    return tr, dpr, left, top, w, h


def work_buffer(buffers: dict, name: str, shape: tuple[int, int], dtype) -> np.ndarray:
    buf = buffers.get(name)
    if buf is None or buf.shape != shape:
        buf = buffers[name] = np.empty(shape, dtype)
    return buf


def render_points(x, y, colours, visible, highlight, ring_colour, transform, w: int, h: int,
                  size: int, buffers: dict | None = None, pyramid: PointPyramid | None = None) -> np.ndarray:
    """(h, w) uint32 premultiplied ARGB: the points with device pixel (ax·x + bx, ay·y + by) for
    ``transform = (ax, bx, ay, by)``, highlighted points on top inside a ring. ``buffers`` keeps
    the arrays between calls (the result is one of them); ``pyramid`` (of these points, with
    this mask) finds the point at each pixel without visiting every point."""
    buffers = {} if buffers is None else buffers
    ax, bx, ay, by = (float(v) for v in transform)
    dy, dx = stamp_offsets(size)
    pad = int(max(np.abs(dy).max(), np.abs(dx).max()))
    centre = work_buffer(buffers, "centre", (h + 2 * pad, w + 2 * pad), np.int32)
    index = work_buffer(buffers, "index", (h + 4 * pad, w + 4 * pad), np.int32)
    img = work_buffer(buffers, "image", (h, w), np.uint32)
    visible = _ALL if visible is None else visible
    shift = 0.5 if size % 2 == 0 else 0.0
    if pyramid is not None:
        pyramid.splat(ax, bx + pad - shift, ay, by + pad - shift, centre)
    else:
        _splat_centres(x, y, visible, ax, bx + pad - shift, ay, by + pad - shift, centre)
    stamp_auto(centre, pad, size, index)
    _colour(index[2 * pad:2 * pad + h, 2 * pad:2 * pad + w], colours, img)
    if len(highlight):
        ring_size = size + max(HIGHLIGHT_GROWTH, size // 2)
        rs = 0.5 if ring_size % 2 == 0 else 0.0
        ring_dy, ring_dx = stamp_offsets(ring_size)
        stamp_list(highlight, x, y, visible, ax, bx - rs, ay, by - rs, ring_dy, ring_dx,
                    colours, np.uint32(ring_colour), True, img)
        stamp_list(highlight, x, y, visible, ax, bx - shift, ay, by - shift, dy, dx,
                    colours, np.uint32(0), False, img)
    return img


def warm_up() -> None:
    """Compile (or load from NUMBA_CACHE_DIR) the drawing and picking kernels on a tiny input.
    Touches no Qt object: call it from a background thread at start-up so that the first big
    map draws at once (compiling takes seconds; loading from the cache a fraction of one)."""
    x, y = np.array([0.0, 1.0]), np.array([0.0, 1.0])
    colours = np.array([0xFF0000FF, 0xFFFF0000], np.uint32)
    for visible, size in ((None, 3), (np.array([True, False]), 4)):
        render_points(x, y, colours, visible, np.array([1]), np.uint32(0xFF000000),
                      (10.0, 5.0, -10.0, 15.0), 20, 20, size)
    _warm_up_picker()
    _warm_up_pyramid()
    _warm_up_stamps()


__all__ = ["RasterScatterItem", "render_points", "stamp_offsets", "warm_up"]
