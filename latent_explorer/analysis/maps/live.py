"""Frames of the live latent map: each snapshot of a training model's latents becomes the 2-D
PCA map of that moment, its axes flipped where that brings it closest to the frame before (the
first one: to the pixel map on screen), so the map morphs from one snapshot to the next instead
of mirroring — and stays a true PCA map (its axes are principal components), which is what the
training ends on (`Projection.orient_like` faces that one the same way). Rows outside the
snapshot's sample are NaN (not drawn)."""
from __future__ import annotations

import numpy as np


def pca_2d(latents: np.ndarray) -> np.ndarray:
    """(n, D) → (n, 2): the two leading principal components, centred."""
    z = np.asarray(latents, np.float64)
    z = z - z.mean(axis=0)
    if z.shape[1] < 2:
        return np.column_stack([z[:, :1], np.zeros(len(z))])
    _, _, vt = np.linalg.svd(z, full_matrices=False)
    return z @ vt[:2].T


def axis_signs(moving: np.ndarray, target: np.ndarray) -> np.ndarray:
    """(k,) ±1: which axes of ``moving`` (n, k) to flip to agree best with ``target`` (n, k);
    rows not finite in either take no part."""
    ok = np.isfinite(target).all(axis=1) & np.isfinite(moving).all(axis=1)
    signs = np.ones(moving.shape[1])
    if ok.sum() < 3:
        return signs
    a, b = moving[ok], target[ok]
    agreement = ((a - a.mean(axis=0)) * (b - b.mean(axis=0))).sum(axis=0)
    signs[agreement < 0] = -1.0
    return signs


class LiveFrames:
    """Turns snapshots of ``n_points``' latents into map frames (n_points, 2) float32."""

    def __init__(self, n_points: int, start: np.ndarray | None = None) -> None:
        self.n_points = int(n_points)
        self.previous = None
        if start is not None and np.shape(start) == (self.n_points, 2):
            self.previous = np.asarray(start, np.float64)
        self.frames = 0

    def frame(self, indices: np.ndarray, latents: np.ndarray) -> np.ndarray:
        indices = np.asarray(indices, np.int64)
        moving = pca_2d(latents)
        if self.previous is not None:
            moving = moving * axis_signs(moving, self.previous[indices])
        out = np.full((self.n_points, 2), np.nan)
        out[indices] = moving
        self.previous = out
        self.frames += 1
        return out.astype(np.float32)


__all__ = ["LiveFrames", "axis_signs", "pca_2d"]
