"""Decoding anywhere on a map: a map position (2D or 3D) → a latent, with a confidence.

One method for every map: the latent at a position is a modified-Shepard blend of the latents of
its k nearest embedded points (weights ((R − d) / (R·d))², R the distance to the (k+1)-th point):
exact at data points, continuous everywhere, local. Held out digits were predicted this way about
one nearest-neighbour distance from their true latents, as well as Gaussian-kernel, Delaunay or
local-linear interpolation did. On a PCA map the exact linear inverse carries the blend: only each
latent's part off the PCA plane is interpolated, so positions between points move linearly.

Every position has three features (`features`): r_map, its distance to the nearest embedded point
in map spacings; r_lat, the produced latent's distance to the nearest data latent in latent
spacings; and spread, how far the k neighbours' latents lie from one another (their RMS
distance from their mean, nearer ones weighted more, in latent spacings) — where points that sit
together on the map hold unlike latents, the position does not say which image lies there.
The confidence is a function of them: a calibrated probability when one has been set
(`analysis.maps.confidence`, which needs the images and a decoder), else `uncalibrated_confidence`
— g(r_map) × g(r_lat), g(r) = exp(−½ (r / reach)²): 1 on a data point and falling away from it,
but not a probability of anything (with precomputed embeddings there is nothing to check it on)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
from scipy.spatial import cKDTree

from latent_explorer.errors import UserError


def _typical_map_spacing(tree: cKDTree, points: np.ndarray, sample: int = 2000) -> float:
    """Median distance from a point to its nearest other point (on a fixed sample)."""
    idx = np.random.default_rng(0).choice(len(points), min(sample, len(points)), replace=False)
    dist, _ = tree.query(points[idx], k=2)
    return _median_positive(dist[:, 1])


def _normalised(weights: np.ndarray, k: int) -> np.ndarray:
    """Rows of (M, k) weights scaled to sum to 1; a row of zeros (k + 1 neighbours all at one
    distance: a perfectly regular spot) weighs its k equally."""
    total = weights.sum(axis=1, keepdims=True)
    return np.where(total > 0, weights / np.where(total > 0, total, 1.0), 1.0 / k)


def _median_positive(distances: np.ndarray) -> float:
    positive = distances[distances > 0]
    return float(np.median(positive)) if len(positive) else 1.0


class _NearestLatent:
    """Distance to the nearest data latent, exact, by brute force in chunks: in 16+ dimensions a
    KD-tree searches most of the data for points off the data (0.4 ms per position at 50,000 ×
    32 this way, 6 ms with cKDTree; a 64 × 64 grid 1.2 s against 16 s)."""

    CHUNK = 1 << 22  # score-matrix entries per chunk (16 MB of float32)

    def __init__(self, latents: np.ndarray) -> None:
        self.latents = np.ascontiguousarray(latents, np.float32)
        self.squared = np.einsum("nd,nd->n", self.latents, self.latents)

    def distance(self, queries: np.ndarray, exclude=None) -> np.ndarray:
        """(M,) distances; ``exclude``: the data latents each query must skip, as (M,) indexes
        (-1: none) or M arrays of indexes."""
        q = np.asarray(queries, np.float32)
        out = np.empty(len(q))
        rows = max(1, self.CHUNK // len(self.latents))
        for start in range(0, len(q), rows):
            block = q[start : start + rows]
            score = self.squared - 2.0 * (block @ self.latents.T)  # |z|² − 2 z·q, per row
            if isinstance(exclude, np.ndarray):
                skip = exclude[start : start + rows]
                score[np.flatnonzero(skip >= 0), skip[skip >= 0]] = np.inf
            elif exclude is not None:
                for row, skip in enumerate(exclude[start : start + rows]):
                    score[row, skip] = np.inf
            best = self.latents[np.argmin(score, axis=1)]
            out[start : start + rows] = np.linalg.norm(best - block, axis=1)  # exact, no cancellation
        return out

    def typical_spacing(self, sample: int = 500) -> float:
        n = len(self.latents)
        idx = np.random.default_rng(0).choice(n, min(sample, n), replace=False)
        return _median_positive(self.distance(self.latents[idx], exclude=idx))


@dataclass(frozen=True)
class InverseFeatures:
    """What a confidence is computed from, for M positions."""

    latents: np.ndarray  # (M, D) float32, the produced latents
    r_map: np.ndarray  # (M,) distance to the nearest embedded point / map spacing
    r_lat: np.ndarray  # (M,) distance from the latent to the nearest data latent / latent spacing
    spread: np.ndarray  # (M,) RMS distance of the neighbours' latents from their mean / latent spacing


class InverseMap:
    """Fitted from data ``latents`` (N, D) and their map ``embedding`` (N, k); ``linear`` is
    (mean (D,), components (k, D)) for a PCA map. Rows of the embedding that are not finite
    (points UMAP could not place) are left out. Indexes are built once, here.

    ``confidence``: (r_map, r_lat, spread) → probabilities, e.g. a fitted
    `confidence.Calibration`'s ``predict``; None (the default) uses `uncalibrated_confidence`.
    Settable later."""

    def __init__(
        self, latents, embedding, k: int = 8, linear: tuple | None = None, reach: float = 2.0,
        confidence: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray] | None = None,
    ) -> None:
        z = np.asarray(latents, np.float64)
        y = np.asarray(embedding, np.float64)
        if z.ndim != 2 or y.ndim != 2 or len(z) != len(y):
            raise UserError(f"Latents {z.shape} and map {y.shape} do not match")
        if y.shape[1] not in (2, 3):
            raise UserError(f"A map has 2 or 3 dimensions, not {y.shape[1]}")
        placed = np.isfinite(y).all(axis=1)
        z, y = z[placed], y[placed]
        if len(z) < 2:
            raise UserError("Decoding a map needs at least 2 placed points")
        self.dim = y.shape[1]
        self.placed = placed  # (N,) the fitted rows that have a place, in the caller's numbering
        self.confidence = confidence
        self.k = int(min(max(1, k), len(z) - 1))
        self.reach = float(reach)
        self._map_tree = cKDTree(y)
        self._nearest_latent = _NearestLatent(z)
        self.map_spacing = _typical_map_spacing(self._map_tree, y)
        self.latent_spacing = self._nearest_latent.typical_spacing()
        self._linear = None
        self._values = z
        if linear is not None:
            mean, components = (np.asarray(a, np.float64) for a in linear)
            if components.shape != (self.dim, z.shape[1]) or mean.shape != (z.shape[1],):
                raise UserError("The linear inverse does not match the latents and the map")
            self._linear = (mean, components)
            self._values = z - (mean + y @ components)  # what the plane does not explain

    @classmethod
    def for_projection(cls, projection, latents, **kwargs) -> InverseMap:
        """For a fitted `Projection` of ``latents`` (uses PCA's exact inverse when it has one)."""
        if projection.embedding_ is None:
            raise UserError(f"The {projection.name} map has not been computed yet")
        return cls(latents, projection.embedding_, linear=projection.linear_inverse(), **kwargs)

    def subset(self, rows) -> InverseMap:
        """The same map over some of its placed points (``rows`` in the caller's numbering), with
        its own spacings and the uncalibrated confidence: calibrating on a sample of a big map."""
        at = (np.cumsum(self.placed) - 1)[np.asarray(rows, np.int64)]
        y = self._map_tree.data[at]
        z = self._values[at] + (0.0 if self._linear is None else self._linear[0] + y @ self._linear[1])
        return InverseMap(z, y, k=self.k, linear=self._linear, reach=self.reach)

    @property
    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """Lowest and highest corner of the embedded points."""
        return self._map_tree.mins.copy(), self._map_tree.maxes.copy()

    def grid(self, n: int, margin: float = 0.05) -> np.ndarray:
        """Tile centres of an n × n (× n in 3D) grid over the map and a margin: (n**dim, dim)."""
        lo, hi = self.bounds
        pad = (hi - lo) * margin
        axes = [np.linspace(a - p, b + p, n) for a, b, p in zip(lo, hi, pad)]
        mesh = np.meshgrid(*axes, indexing="xy")
        return np.stack([m.ravel() for m in mesh], axis=1)

    def inverse(self, positions) -> tuple[np.ndarray, np.ndarray]:
        """Positions (M, k) → (latents (M, D) float32, confidence (M,) float32 in [0, 1]).
        A single position (k,) is treated as (1, k)."""
        f = self.features(positions)
        return f.latents, self.confidence_of(f)

    @property
    def calibrated(self) -> bool:
        return self.confidence is not None

    def confidence_of(self, features: InverseFeatures) -> np.ndarray:
        f = features
        p = self.uncalibrated_confidence(f.r_map, f.r_lat) if self.confidence is None else \
            self.confidence(f.r_map, f.r_lat, f.spread)
        return np.clip(p, 0.0, 1.0).astype(np.float32)

    def uncalibrated_confidence(self, r_map, r_lat) -> np.ndarray:
        """The fallback: 1 on a data point, falling with both distances; not a probability."""
        return np.exp(-0.5 * np.square(np.asarray(r_map) / self.reach)
                      - 0.5 * np.square(np.asarray(r_lat) / self.reach))

    def _spread(self, latents: np.ndarray, dist: np.ndarray, radius: np.ndarray) -> np.ndarray:
        """(M,) RMS distance of the k neighbours' latents (M, k, D) from their mean, weighted by
        ((R − d) / R)²: smooth as the position moves, like the blend, but without the blend's 1/d,
        which near one point would hide how unlike its neighbours are (the decode there is that
        point's; whether it is also the image lying there depends on the neighbourhood)."""
        weights = _normalised(np.square(np.maximum(radius - dist[:, :-1], 0.0) / np.maximum(radius, 1e-300)), self.k)
        centre = np.einsum("mk,mkd->md", weights, latents)
        return np.sqrt(np.einsum("mk,mk->m", weights, np.square(latents - centre[:, None]).sum(axis=2)))

    def features(self, positions, hole=None) -> InverseFeatures:
        """The latents at positions (M, k) and their distances from the data. ``hole`` (M,) or
        a scalar: embedded points within that distance of each position are treated as absent
        (negative: none) — 0 decodes a data point's own position as if the point had never been
        there, larger values simulate a position that far from the data (calibration)."""
        p = np.asarray(positions, np.float64)
        if p.ndim == 1:
            p = p[None, :]
        if p.ndim != 2 or p.shape[1] != self.dim:
            raise UserError(f"Positions must be (M, {self.dim}), got {np.shape(positions)}")
        if not np.isfinite(p).all():
            raise UserError("Positions contain NaN or infinite values")
        gone = None
        if hole is None:
            dist, idx = self._map_tree.query(p, k=self.k + 1)
        else:
            hole = np.broadcast_to(np.asarray(hole, np.float64), (len(p),))
            count = np.zeros(len(p), np.int64)
            some = hole >= 0
            if some.any():
                count[some] = self._map_tree.query_ball_point(p[some], hole[some], return_length=True)
            count = np.minimum(count, len(self._values) - self.k - 1)  # k + 1 points always remain
            dist, idx = self._map_tree.query(p, k=self.k + 1 + int(count.max()))
            gone = [idx[m, : count[m]] for m in range(len(p))]
            cols = count[:, None] + np.arange(self.k + 1)
            dist, idx = np.take_along_axis(dist, cols, 1), np.take_along_axis(idx, cols, 1)
        radius = dist[:, -1:]
        near = np.maximum(dist[:, :-1], 1e-12 * self.map_spacing)
        weights = _normalised(np.square(np.maximum(radius - near, 0.0) / (radius * near)), self.k)
        blended = self._values[idx[:, :-1]]
        out = np.einsum("mk,mkd->md", weights, blended)
        if self._linear is not None:
            mean, components = self._linear
            out += mean + p @ components
            blended = blended + self._map_tree.data[idx[:, :-1]] @ components  # the whole latents, less the mean
        spread = self._spread(blended, dist, radius)
        off = self._nearest_latent.distance(out, exclude=gone)
        return InverseFeatures(out.astype(np.float32), dist[:, 0] / self.map_spacing,
                               off / self.latent_spacing, spread / self.latent_spacing)
