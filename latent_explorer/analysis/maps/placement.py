"""Where new latents belong on a computed map — for the CLI and for
`explore.map_decoder.MapDecoder.place` (which keeps one neighbour index per map): exact for a
PCA map, otherwise the inverse-square-distance blend of the map positions of the 8 nearest data
latents (a data latent lands exactly on its point). t-SNE/UMAP `transform` re-optimises and
costs far more."""
from __future__ import annotations

import numpy as np

from latent_explorer.errors import UserError
from latent_explorer.analysis.latent.offdata import as_data_latents

PLACE_NEIGHBOURS = 8


def place_on_map(latents, data_latents, embedding, linear: tuple | None = None,
                 k: int = PLACE_NEIGHBOURS, index=None) -> np.ndarray:
    """Latents (M, D) → map positions (M, m) float32, given the data latents (N, D), their map
    ``embedding`` (N, m) (rows that are not finite are skipped) and, for PCA, ``linear`` =
    (mean (D,), components (m, D)) from `Projection.linear_inverse`. ``index``: an exact
    `NeighbourIndex` of the placed data latents (`placement_index`), for a caller that places
    many times over the same map (building one costs 90 ms at 200,000 latents; the data latents
    are then not checked again)."""
    q = np.atleast_2d(np.asarray(latents, np.float32))
    z = as_data_latents(data_latents) if index is None else np.asarray(data_latents, np.float32)
    y = np.asarray(embedding, np.float64)
    if q.shape[1] != z.shape[1]:
        raise UserError(f"latents have {q.shape[1]} dimensions, the map's {z.shape[1]}")
    if y.ndim != 2 or len(y) != len(z):
        raise UserError(f"the map {y.shape} does not match the latents {z.shape}")
    if linear is not None:
        mean, components = (np.asarray(a, np.float64) for a in linear)
        return ((q - mean) @ components.T).astype(np.float32)
    if index is None or len(index) != len(y):  # an index over every row: all are placed
        placed = np.isfinite(y).all(axis=1)
        if not placed.all():
            z, y = z[placed], y[placed]
    if len(z) == 0:
        raise UserError("the map has no placed points")
    if index is None:
        index = placement_index(z, y)
    idx, dist = index.query(q, min(k, len(z)))
    dist = dist.astype(np.float64)
    exact = dist[:, 0] < 1e-9
    w = 1.0 / np.maximum(dist, 1e-12) ** 2
    out = np.einsum("mk,mkd->md", w, y[idx]) / w.sum(axis=1, keepdims=True)
    out[exact] = y[idx[exact, 0]]
    return out.astype(np.float32)


def placement_index(data_latents, embedding):
    """The exact neighbour index `place_on_map` searches: over the data latents whose map
    position is finite."""
    from latent_explorer.analysis.latent.neighbours import NeighbourIndex

    z = as_data_latents(data_latents)
    placed = np.isfinite(np.asarray(embedding, np.float64)).all(axis=1)
    if not placed.all():
        z = z[placed]
    return NeighbourIndex(z, exact_below=len(z) + 1)


__all__ = ["place_on_map", "placement_index"]
