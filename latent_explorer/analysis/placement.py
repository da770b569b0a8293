"""Where new latents belong on a computed map, for layers below `explore` (the CLI): the same
rule as `explore.map_decoder.MapDecoder.place` — exact for a PCA map, otherwise the
inverse-square-distance blend of the map positions of the 8 nearest data latents (a data latent
lands exactly on its point). t-SNE/UMAP `transform` re-optimises and costs far more."""
from __future__ import annotations

import numpy as np

from ..errors import UserError
from .offdata import as_data_latents

PLACE_NEIGHBOURS = 8


def place_on_map(latents, data_latents, embedding, linear: tuple | None = None,
                 k: int = PLACE_NEIGHBOURS) -> np.ndarray:
    """Latents (M, D) → map positions (M, m) float32, given the data latents (N, D), their map
    ``embedding`` (N, m) (rows that are not finite are skipped) and, for PCA, ``linear`` =
    (mean (D,), components (m, D)) from `Projection.linear_inverse`."""
    from .neighbours import NeighbourIndex

    q = np.atleast_2d(np.asarray(latents, np.float32))
    z = as_data_latents(data_latents)
    y = np.asarray(embedding, np.float64)
    if q.shape[1] != z.shape[1]:
        raise UserError(f"latents have {q.shape[1]} dimensions, the map's {z.shape[1]}")
    if y.ndim != 2 or len(y) != len(z):
        raise UserError(f"the map {y.shape} does not match the latents {z.shape}")
    if linear is not None:
        mean, components = (np.asarray(a, np.float64) for a in linear)
        return ((q - mean) @ components.T).astype(np.float32)
    placed = np.isfinite(y).all(axis=1)
    z, y = z[placed], y[placed]
    if len(z) == 0:
        raise UserError("the map has no placed points")
    idx, dist = NeighbourIndex(z, exact_below=len(z) + 1).query(q, min(k, len(z)))
    dist = dist.astype(np.float64)
    exact = dist[:, 0] < 1e-9
    w = 1.0 / np.maximum(dist, 1e-12) ** 2
    out = np.einsum("mk,mkd->md", w, y[idx]) / w.sum(axis=1, keepdims=True)
    out[exact] = y[idx[exact, 0]]
    return out.astype(np.float32)


__all__ = ["place_on_map"]
