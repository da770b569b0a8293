"""Map position ↔ latent ↔ image for one (model, latents, map): what hover, the decoded atlas and
the sliders ask for many times a second.

Thread-safe: the inverse map is built once under a lock, and decoding only reads the model, so
a worker thread may decode while the GUI thread places points.

With a decoder and the images, the confidence is calibrated (`analysis.maps.confidence`): about
a second of decoding, once per map, in a thread of its own started on first use. Callers wait
for it, except `decode_at` in the main thread (a hover the preview decodes inline): until it is
ready that answer carries the uncalibrated confidence, marked ``calibrated=False``, so a first
hover after a map change cannot freeze the window."""
from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np

from latent_explorer.errors import UserError


@dataclass(frozen=True)
class Decoded:
    """One decoded map position. ``confidence``, when ``calibrated``: the chance that the image
    is what the model would show for an image lying there, as measured on the workspace's
    held-out images (`analysis.maps.confidence`); otherwise (no images or decoder to check it
    on, or still calibrating) a score that is 1 on the data and falls towards 0 away from it
    (`InverseMap.uncalibrated_confidence`), not a probability."""

    position: np.ndarray
    latent: np.ndarray
    confidence: float
    image: np.ndarray | None
    calibrated: bool = False


class MapDecoder:
    """``images``: uint8 (N, H, W, C) of the same N points as ``latents`` (None without them);
    ``held_out``: the rows the calibration is checked on (the validation images)."""

    def __init__(self, model, latents: np.ndarray, projection, images: np.ndarray | None = None,
                 held_out=None) -> None:
        self.model = model
        self.latents = np.ascontiguousarray(latents, np.float32)
        self.projection = projection
        self.embedding = np.asarray(projection.embedding_, np.float64)
        self.images = images if images is not None and len(images) == len(self.latents) else None
        self.held_out = None if held_out is None else np.asarray(held_out, np.int64)
        self.calibration = None  # a `confidence.Calibration` once fitted
        self.calibration_note: str | None = None  # why there is none, when there cannot be one
        self._linear = projection.linear_inverse()
        self._inverse = None
        self._index = None
        self._lock = threading.Lock()
        self._calibrating: threading.Thread | None = None
        self._calibrated = threading.Event()
        if self.model is None or self.images is None:
            self.calibration_note = "no decoder" if self.model is None else "no images to calibrate on"
            self._calibrated.set()

    @property
    def dim(self) -> int:
        return self.embedding.shape[1]

    @property
    def inverse_map(self):
        with self._lock:
            if self._inverse is None:
                from latent_explorer.analysis.maps.inverse import InverseMap

                self._inverse = InverseMap.for_projection(self.projection, self.latents)
            return self._inverse

    def latent_at(self, positions) -> tuple[np.ndarray, np.ndarray]:
        """Positions (M, k) → latents (M, D) and confidence (M,)."""
        z, conf, _ = self._latent_at(positions)
        return z, conf

    def _latent_at(self, positions, wait: bool = True) -> tuple[np.ndarray, np.ndarray, bool]:
        inverse = self.inverse_map
        calibration = self._calibration(wait)
        features = inverse.features(positions)
        if calibration is None:
            return features.latents, inverse.confidence_of(features), False
        conf = np.clip(calibration.predict(features.r_map, features.r_lat, features.spread), 0.0, 1.0)
        return features.latents, conf.astype(np.float32), True

    def _calibration(self, wait: bool = True):
        """The fitted calibration, or None: without images or decoder, when it failed, or while
        it is still being fitted and ``wait`` is False."""
        if not self._calibrated.is_set():
            with self._lock:
                if self._calibrating is None:
                    self._calibrating = threading.Thread(target=self._calibrate, name="confidence calibration")
                    self._calibrating.start()
            if wait:
                self._calibrated.wait()
        return self.calibration if self._calibrated.is_set() else None

    def _calibrate(self) -> None:
        from latent_explorer.analysis.maps.confidence import calibrate

        try:
            inverse = self.inverse_map
            calibration = calibrate(inverse, self.embedding, self.images, self.decode, held_out=self.held_out)
            inverse.confidence = calibration.predict
            self.calibration = calibration
        except Exception as exc:  # noqa: BLE001 - decoding goes on with the uncalibrated confidence
            self.calibration_note = f"confidence not calibrated: {exc}"
        finally:
            self._calibrated.set()

    def wait_calibrated(self, timeout: float | None = None) -> bool:
        """Block until the calibration is fitted or known impossible (starting it if need be)."""
        self._calibration(wait=False)
        return self._calibrated.wait(timeout)

    def decode(self, latents) -> np.ndarray:
        """Latents (M, D) → uint8 images (M, H, W, C)."""
        if self.model is None:
            raise UserError("this workspace has no decoder")
        from latent_explorer.analysis.latent.latents import decode_latents

        return decode_latents(self.model, np.asarray(latents, np.float32))

    def decode_at(self, position) -> Decoded:
        p = np.asarray(position, np.float64).reshape(1, -1)
        inline = threading.current_thread() is threading.main_thread()
        z, conf, calibrated = self._latent_at(p, wait=not inline)
        image = None if self.model is None else self.decode(z)[0]
        return Decoded(p[0], z[0], float(conf[0]), image, calibrated)

    def decode_many(self, positions) -> tuple[np.ndarray, np.ndarray]:
        """Map positions (M, dim) → images (M, H, W, C) and confidence (M,): the atlas's tiles."""
        z, conf = self.latent_at(np.asarray(positions, np.float64).reshape(-1, self.dim))
        return self.decode(z), conf

    def atlas(self, n: int, lo=None, hi=None, ny: int | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """A grid of n columns × ``ny`` (default n) rows of tile centres spanning lo..hi (default:
        the whole 2-D map): (centres (ny*n, 2), images (ny*n, H, W, C), confidence (ny*n,)),
        rows from the bottom (lowest y) up."""
        if self.dim != 2:
            raise UserError("the decoded atlas tiles a 2-D map")
        if lo is None or hi is None:
            lo, hi = self.inverse_map.bounds
        xs = np.linspace(lo[0], hi[0], n)
        ys = np.linspace(lo[1], hi[1], ny or n)
        gx, gy = np.meshgrid(xs, ys, indexing="xy")
        centres = np.stack([gx.ravel(), gy.ravel()], axis=1)
        return (centres, *self.decode_many(centres))

    def place(self, latents) -> np.ndarray:
        """Where latents (M, D) belong on the map (`analysis.placement.place_on_map`: exact for
        PCA, else the blend of their nearest data latents' positions — a t-SNE/UMAP `transform`
        re-optimises and costs far too much for a slider drag), over a neighbour index built
        once."""
        from latent_explorer.analysis.maps.placement import place_on_map, placement_index

        if self._linear is None:
            with self._lock:
                if self._index is None:
                    self._index = placement_index(self.latents, self.embedding)
        return place_on_map(latents, self.latents, self.embedding, self._linear, index=self._index)


__all__ = ["Decoded", "MapDecoder"]
