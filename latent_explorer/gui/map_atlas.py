"""The decoded atlas: tiles decoded over the visible part of the map, so the space can be read
at a glance. Zooming or panning asks for a finer atlas of the new view (decoded in a worker,
newest view wins); tiles far from the data are faded. Given the 3-D view too, the same switch
tiles the 3-D map (`map3d.atlas3d.Atlas3D`) whenever a 3-D map is the session's."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, QRectF, QTimer, Signal

from latent_explorer.session.steering import Steering
from latent_explorer.gui.render.atlas_tiles import MAX_TILES, OPACITY, TILE_PIXELS, compose
from latent_explorer.gui.threads.latest_worker import LatestOnlyWorker

class AtlasLayer(QObject):
    shown = Signal(int)  # tiles per side of the atlas now on screen

    def __init__(self, plot_item: pg.PlotItem, steering: Steering, view3d=None) -> None:
        super().__init__(plot_item)
        self.plot_item = plot_item
        self.steering = steering
        self.enabled = False
        self.tiles = 0
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setOpacity(OPACITY)
        self.image.setZValue(-5)
        self.image.setVisible(False)
        plot_item.addItem(self.image, ignoreBounds=True)
        self.worker = LatestOnlyWorker(self)
        self.worker.finished.connect(self._on_done)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(80)
        self._debounce.timeout.connect(self.refresh)
        plot_item.vb.sigRangeChanged.connect(lambda *_: self._debounce.start() if self.enabled else None)
        steering.session.map_changed.connect(lambda _p: self.refresh() if self.enabled else None)
        self.atlas3d = None
        if view3d is not None:
            from latent_explorer.gui.map3d.atlas3d import Atlas3D

            self.atlas3d = Atlas3D(view3d, steering, self)

    def set_enabled(self, on: bool) -> None:
        self.enabled = bool(on)
        if self.atlas3d is not None:
            self.atlas3d.set_enabled(on)
        self.image.setVisible(self.enabled and self.tiles > 0)
        if self.enabled:
            self.refresh()

    def refresh(self) -> None:
        decoder = self.steering.decoder
        if not self.enabled or decoder is None or decoder.model is None or decoder.dim != 2:
            self.image.setVisible(False)
            return
        (x0, x1), (y0, y1) = self.plot_item.vb.viewRange()
        vb = self.plot_item.vb
        nx = int(np.clip(max(1, vb.width()) // TILE_PIXELS, 4, MAX_TILES))
        ny = int(np.clip(round(nx * vb.height() / max(1, vb.width())), 3, MAX_TILES))  # square tiles
        dx, dy = (x1 - x0) / nx, (y1 - y0) / ny
        lo = np.array([x0 + dx / 2, y0 + dy / 2])
        hi = np.array([x1 - dx / 2, y1 - dy / 2])
        rect = QRectF(x0, y0, x1 - x0, y1 - y0)
        self.worker.submit((decoder, nx, ny, rect), lambda: decoder.atlas(nx, lo, hi, ny))

    def _on_done(self, key, result) -> None:
        decoder, n, ny, rect = key
        if decoder is not self.steering.decoder or not self.enabled:
            return
        _, images, confidence = result
        self.image.setImage(compose(images, confidence, n, ny), autoLevels=False)
        self.image.setRect(rect)
        self.image.setVisible(True)
        self.tiles = n
        self.shown.emit(n)

    def shutdown(self) -> None:
        self.worker.shutdown()
        if self.atlas3d is not None:
            self.atlas3d.shutdown()


__all__ = ["AtlasLayer", "compose"]
