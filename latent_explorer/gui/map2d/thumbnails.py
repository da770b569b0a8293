"""Images as points: every image's own thumbnail drawn at its point of the 2-D map.

`ThumbnailItem` sits over the map's dots (under the hover and selection markers) and, at each
paint, asks `render.thumb_lod` for the frame of the view: one image per screen cell, sprites
that grow with the zoom (12 to 96 px), each framed in its point's colour; the selected image is
always drawn, on top, ringed in amber. The frame is cached until the view, the points (moved,
recoloured, hidden by the legend), the selection or the images change, so hovering costs
nothing. The dots keep the picking: hover and click work as before, and the points left without
a sprite (several share a cell) still show as dots between the images.

`ThumbnailLayer` is the switch (View ▸ Images as points): it follows the session — a new
workspace brings new images, a new map or a live training frame moves the points — and keeps
the sprites of the current images only while it is on (its own cache, per workspace)."""
from __future__ import annotations

import time
from typing import Callable

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, QPointF, QRectF, QTimer, Signal
from PySide6.QtGui import QImage, QTransform

from latent_explorer.gui.render.thumb_lod import (LEVELS, SpriteCache, frame_width, render_thumbnails, sprite_at,
                                                  sprite_level)
from latent_explorer.gui.render.thumb_lod import warm_up as compile_kernels
from latent_explorer.gui.render.scatter_raster import paint_area
from latent_explorer.gui.threads.latest_worker import LatestOnlyWorker

Z_VALUE = 5  # above the dots (0), below the hover and selection markers (10)


class ThumbnailItem(pg.GraphicsObject):
    """Draws the images of ``images()`` at the points of ``scatter`` (the map's dot item),
    ``selected()`` on top."""

    drawn = Signal(int)  # sprites in a complete new frame

    def __init__(self, scatter, images: Callable[[], np.ndarray | None],
                 selected: Callable[[], int] = lambda: -1) -> None:
        super().__init__()
        self.scatter = scatter
        self.images = images
        self.selected = selected
        self.setZValue(Z_VALUE)
        self.size_px = 0  # the sprite size of the last frame, in logical pixels
        self.count = 0  # sprites in the last frame
        self._placed = np.zeros((0, 3), np.int64)  # where the last frame drew them
        self._drawn_with = None  # (transform, size, selected) of the last frame
        self.last_render_ms = 0.0
        self._cache: SpriteCache | None = None
        self._key = None
        self._image: QImage | None = None
        self._pending = False
        self.ready = True  # False until the kernels are compiled (the layer does it in a thread)

    def forget(self) -> None:
        """Drop the sprites and the frame (the images changed, or the layer is off)."""
        self._cache = None
        self._key = None
        self._image = None
        self._placed = np.zeros((0, 3), np.int64)

    def sprite_cache(self) -> SpriteCache | None:
        images = self.images()
        if images is None or not len(images):
            self._cache = None
        elif self._cache is None or self._cache.source is not images:
            self._cache = SpriteCache(images)
        return self._cache

    # ------------------------------------------------------------------ geometry

    def boundingRect(self) -> QRectF:  # noqa: N802
        """The points' bounds grown by half the largest sprite (in data units)."""
        if not len(self.scatter):
            return QRectF()
        rect = self.scatter.data_rect
        px = self.pixelVectors()
        if px[0] is None:
            return rect
        pad = LEVELS[-1] / 2 + frame_width(LEVELS[-1]) + 4
        pad_x, pad_y = abs(px[0].x()) * pad, abs(px[1].y()) * pad
        return rect.adjusted(-pad_x, -pad_y, pad_x, pad_y)

    def viewTransformChanged(self) -> None:  # noqa: N802
        self.prepareGeometryChange()

    # ------------------------------------------------------------------ drawing

    def paint(self, painter, option, widget=None) -> None:
        if not self.ready or not len(self.scatter):
            return
        area = paint_area(painter, self.getViewBox(), self.boundingRect())
        cache = self.sprite_cache() if area is not None else None
        if cache is None:
            return
        tr, dpr, left, top, w, h = area
        data = tr.mapRect(self.scatter.data_rect)
        level = sprite_level(len(self.scatter), data.width() * dpr, data.height() * dpr, dpr,
                             max(cache.images.shape[1:3]))
        size = max(1, round(level * dpr))
        transform = (tr.m11() * dpr, tr.dx() * dpr - left, tr.m22() * dpr, tr.dy() * dpr - top)
        selected = int(self.selected())
        key = (transform, w, h, size, self.scatter.versions, selected, id(cache))
        if key != self._key or self._image is None:
            t0 = time.perf_counter()
            img, placed, complete = render_thumbnails(
                self.scatter.x, self.scatter.y, self.scatter.visible_mask, self.scatter.colours, cache,
                transform, w, h, size, selected)
            image = QImage(img.data, w, h, w * 4, QImage.Format.Format_ARGB32_Premultiplied)
            image._keep = img  # the QImage does not own the numpy buffer
            image.setDevicePixelRatio(dpr)
            self._image = image
            self.last_render_ms = (time.perf_counter() - t0) * 1e3
            self.size_px, self.count = level, len(placed)
            self._placed, self._drawn_with = placed, (transform, size, selected, self.scatter.versions)
            self._key = key if complete else None
            if complete:
                self.drawn.emit(len(placed))
            elif not self._pending:  # more sprites to make: the next frame soon
                self._pending = True
                QTimer.singleShot(0, self._next_frame)
        painter.save()
        painter.setTransform(QTransform())
        painter.drawImage(QPointF(left / dpr, top / dpr), self._image)
        painter.restore()

    def index_at(self, scene_pos) -> int:
        """The image whose sprite is drawn under a scene position (the topmost), or -1."""
        vb = self.getViewBox()
        if not self.isVisible() or vb is None or self._drawn_with is None or not len(self._placed):
            return -1
        (ax, bx, ay, by), size, selected, versions = self._drawn_with
        if versions != self.scatter.versions:
            return -1  # the points changed since: the dots answer until the next frame
        p = vb.mapSceneToView(scene_pos)
        return sprite_at(self._placed, size, ax * p.x() + bx, ay * p.y() + by, selected)

    def shown(self) -> dict[int, QRectF]:
        """The images of the last frame and where their sprites are, in map coordinates."""
        if self._drawn_with is None:
            return {}
        (ax, bx, ay, by), size, _selected, _versions = self._drawn_with
        return {int(i): QRectF((c - bx) / ax, (r - by) / ay, size / ax, size / ay).normalized()
                for i, r, c in self._placed}

    def _next_frame(self) -> None:
        self._pending = False
        self.update()


class ThumbnailLayer(QObject):
    """View ▸ Images as points over ``map_view`` (a `MapView`), fed by its session."""

    def __init__(self, map_view) -> None:
        super().__init__(map_view)
        self.map_view = map_view
        self.session = session = map_view.session
        self.enabled = False
        self.item = ThumbnailItem(map_view.scatter, self._images, lambda: session.selected)
        self.item.setVisible(False)
        self.item.ready = False
        self._compiler: LatestOnlyWorker | None = None  # compiles the kernels when first switched on
        map_view.plotItem.addItem(self.item, ignoreBounds=True)
        map_view.overlay_pickers.append(self.item.index_at)  # a sprite under the mouse is its image
        self.drawn = self.item.drawn
        session.workspace_changed.connect(lambda _ws: self._changed(forget=True))
        session.map_changed.connect(lambda _p: self._changed())
        session.map_partial.connect(lambda _p: self._changed())
        session.selection_changed.connect(lambda _i: self._changed())

    def _images(self) -> np.ndarray | None:
        s = self.session
        if not s.has_images or s.dataset is None or len(s.dataset) != len(self.map_view.scatter):
            return None  # no images (embeddings), or a map of other points
        return s.dataset.images

    def _changed(self, forget: bool = False) -> None:
        if forget:
            self.item.forget()
        if self.enabled:
            self.item.update()

    def set_enabled(self, on: bool) -> None:
        self.enabled = bool(on)
        if self.enabled and self._compiler is None:  # numba compiles (seconds) away from the GUI thread
            self._compiler = LatestOnlyWorker(self)
            self._compiler.finished.connect(self._compiled)
            self._compiler.failed.connect(self._compiled)  # then the first paint compiles
            self._compiler.submit("compile", compile_kernels)
        if not self.enabled:
            self.item.forget()  # the sprites' memory back
        self.item.setVisible(self.enabled)
        self.item.update()

    def _compiled(self, _key, _result) -> None:
        self.item.ready = True
        self.item.update()

    def shutdown(self) -> None:
        self.set_enabled(False)
        if self._compiler is not None:
            self._compiler.shutdown()


__all__ = ["ThumbnailItem", "ThumbnailLayer"]
