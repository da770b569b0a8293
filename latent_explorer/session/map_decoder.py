"""Map position ↔ latent ↔ image for one (model, latents, map): what hover, the decoded atlas and
the sliders ask for many times a second.

Thread-safe: the inverse map is built once under a lock, and decoding only reads the model, so
a worker thread may decode while the GUI thread places points."""
from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np

from latent_explorer.errors import UserError


@dataclass(frozen=True)
class Decoded:
    """One decoded map position. ``confidence`` is 1 on the data and falls towards 0 away
    from it (see `analysis.inverse`)."""

    position: np.ndarray
    latent: np.ndarray
    confidence: float
    image: np.ndarray | None


class MapDecoder:
    def __init__(self, model, latents: np.ndarray, projection) -> None:
        self.model = model
        self.latents = np.ascontiguousarray(latents, np.float32)
        self.projection = projection
        self.embedding = np.asarray(projection.embedding_, np.float64)
        self._linear = projection.linear_inverse()
        self._inverse = None
        self._index = None
        self._lock = threading.Lock()

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
        return self.inverse_map.inverse(positions)

    def decode(self, latents) -> np.ndarray:
        """Latents (M, D) → uint8 images (M, H, W, C)."""
        if self.model is None:
            raise UserError("this workspace has no decoder")
        from latent_explorer.analysis.latent.latents import decode_latents

        return decode_latents(self.model, np.asarray(latents, np.float32))

    def decode_at(self, position) -> Decoded:
        p = np.asarray(position, np.float64).reshape(1, -1)
        z, conf = self.latent_at(p)
        image = None if self.model is None else self.decode(z)[0]
        return Decoded(p[0], z[0], float(conf[0]), image)

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
