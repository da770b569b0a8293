"""The decoded atlas on the 3-D map: the view cut into square tiles, each showing the image
decoded at the map point under its centre, drawn behind the points.

A tile's map point lies on the ray under its centre at the median depth of the points drawn in
that tile (the rule hovering uses, `MapView3D.position_at`), so tiles over the data decode the
data there; a tile with no point in it decodes the plane through the orbit centre facing the
camera. Turning, panning or zooming asks for a new atlas of the new view 80 ms after the last
change (decoded in a worker, the newest request wins); tiles far from the data are faded."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QImage

from latent_explorer.gui.render.atlas_tiles import MAX_TILES, OPACITY, TILE_PIXELS, compose
from latent_explorer.gui.threads.latest_worker import LatestOnlyWorker

DEBOUNCE_MS = 80


class Atlas3D(QObject):
    shown = Signal(int)  # tiles across the atlas now on screen

    def __init__(self, view, steering, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.view = view
        self.steering = steering
        self.enabled = False
        self.tiles = 0
        self._asked = None  # the view state of the newest request
        self.worker = LatestOnlyWorker(self)
        self.worker.finished.connect(self._on_done)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(DEBOUNCE_MS)
        self._debounce.timeout.connect(self._on_still)
        view.view_changed.connect(self._on_view_changed)
        steering.session.map_changed.connect(lambda _p: self.refresh() if self.enabled else None)

    def _state(self) -> tuple:
        v = self.view
        return v.camera.version, v.canvas.device_size(), v.cloud.versions[:2], id(v.positions)

    def _changed(self) -> bool:
        return self.enabled and self._state() != self._asked

    def _on_view_changed(self) -> None:
        if self._changed():
            self._debounce.start()

    def _on_still(self) -> None:
        """The view has not moved for `DEBOUNCE_MS`: an atlas of it, unless one was asked for."""
        if self._changed():
            self.refresh()

    def set_enabled(self, on: bool) -> None:
        self.enabled = bool(on)
        if self.enabled:
            self.refresh()
        else:
            self._debounce.stop()
            self._clear()

    def _clear(self) -> None:
        self._asked = None
        self.tiles = 0
        self.view.set_backdrop(None)

    def tile_positions(self, nx: int, ny: int) -> np.ndarray:
        """(ny·nx, 3) map points under the centres of an nx × ny grid over the view, rows top-down."""
        v = self.view
        w, h, _ = v.canvas.device_size()
        depth = v.screen.update(w, h).depth_per_cell(nx, ny, w, h)
        gx, gy = np.meshgrid((np.arange(nx) + 0.5) * w / nx, (np.arange(ny) + 0.5) * h / ny)
        return v.camera.unproject(gx.ravel(), gy.ravel(), w, h, depth.ravel())

    def refresh(self) -> None:
        decoder, v = self.steering.decoder, self.view
        if (not self.enabled or decoder is None or decoder.model is None or decoder.dim != 3
                or v.positions is None or len(v.positions) != len(decoder.embedding)):
            self._clear()
            return
        width, height = max(1, v.canvas.width()), max(1, v.canvas.height())
        nx = int(np.clip(width // TILE_PIXELS, 4, MAX_TILES))
        ny = int(np.clip(round(nx * height / width), 3, MAX_TILES))
        positions = self.tile_positions(nx, ny)
        self._asked = self._state()
        self.worker.submit((decoder, nx, ny, self._asked), lambda: decoder.decode_many(positions))

    def _on_done(self, key, result) -> None:
        decoder, nx, ny, asked = key
        if decoder is not self.steering.decoder or not self.enabled or asked != self._asked:
            return  # a newer request is on its way
        images, confidence = result
        rgba = compose(images, confidence, nx, ny, bottom_up=False)
        rgba[..., 3] = (rgba[..., 3] * OPACITY).astype(np.uint8)
        h, w = rgba.shape[:2]
        image = QImage(rgba.data, w, h, w * 4, QImage.Format.Format_RGBA8888).copy()
        self.view.set_backdrop(image)
        self.tiles = nx
        self.shown.emit(nx)

    def shutdown(self) -> None:
        self.worker.shutdown()


__all__ = ["Atlas3D"]
