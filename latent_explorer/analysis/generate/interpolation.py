"""Paths between two latents — straight, spherical, or along the data — with every step judged
on or off the data (see `offdata.OffDataScale`).

"path" follows the data: the shortest path in the k-nearest-neighbour graph of the data latents
(edges weighted by squared length, so many short hops through the data beat one long jump
across a gap), from the data latent nearest A to the one nearest B, then A and B themselves;
resampled at equal arc length and smoothed (a Gaussian along the arc, its width a fraction of the
path length; the endpoints stay exact). When A and B lie in different components of the graph
there is no such path: the result is the straight line, with ``fallback`` saying why."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from latent_explorer.errors import UserError
from latent_explorer.infra.tasks import CancelToken, Progress, Task, run_task
from latent_explorer.analysis.latent.offdata import OffDataScale, as_data_latents, resolve_latent

METHODS = ("linear", "slerp", "path")
MAX_STEPS = 1000


@dataclass
class Interpolation:
    """``latents`` (steps, D) float32 from A to B (both exact); ``distance_ratio`` (steps,) is
    each step's distance to the nearest data latent over the typical neighbour distance, and
    ``off_data`` (steps,) = ratio > ``threshold``. ``via``: the data indices the "path" passes,
    in order (empty for the other methods). ``positions``: map positions, when a caller placed
    the steps on a map (`placement.place_on_map`)."""

    KIND: ClassVar[str] = "interpolation"

    method: str
    latents: np.ndarray
    distance_ratio: np.ndarray
    off_data: np.ndarray
    threshold: float
    via: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    fallback: str | None = None
    positions: np.ndarray | None = None

    @property
    def steps(self) -> int:
        return len(self.latents)

    @property
    def n_off_data(self) -> int:
        return int(np.count_nonzero(self.off_data))

    def to_dict(self) -> dict[str, Any]:
        """JSON-able summary (no latents)."""
        out = {
            "method": self.method, "steps": self.steps, "n_off_data": self.n_off_data,
            "off_data": self.off_data.tolist(),
            "distance_ratio": [round(float(r), 4) for r in self.distance_ratio],
            "threshold": round(self.threshold, 4), "via": self.via.tolist(), "fallback": self.fallback,
        }
        if self.positions is not None:
            out["positions"] = np.round(self.positions, 4).tolist()
        return out

    def to_state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        meta = {"method": self.method, "threshold": self.threshold, "fallback": self.fallback}
        arrays = {"latents": self.latents, "distance_ratio": self.distance_ratio,
                  "off_data": self.off_data, "via": self.via}
        if self.positions is not None:
            arrays["positions"] = self.positions
        return meta, arrays

    @classmethod
    def from_state(cls, meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> Interpolation:
        z = np.asarray(arrays["latents"], np.float32)
        out = cls(
            method=str(meta["method"]), latents=z,
            distance_ratio=np.asarray(arrays["distance_ratio"], np.float32),
            off_data=np.asarray(arrays["off_data"], bool), threshold=float(meta["threshold"]),
            via=np.asarray(arrays.get("via", np.zeros(0)), np.int64),
            fallback=None if meta.get("fallback") is None else str(meta["fallback"]),
            positions=arrays.get("positions"),
        )
        if z.ndim != 2 or out.distance_ratio.shape != (len(z),) or out.off_data.shape != (len(z),):
            raise UserError("the saved interpolation is damaged")
        return out


def linear_path(a: np.ndarray, b: np.ndarray, t: np.ndarray) -> np.ndarray:
    return (1.0 - t)[:, None] * a[None, :] + t[:, None] * b[None, :]


def slerp_path(a: np.ndarray, b: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Spherical interpolation of the direction (about the origin) with the norm interpolated
    linearly — the usual path for Gaussian latents, whose mass sits on a shell, where the
    straight line's middle dips towards the empty centre. A zero endpoint has no direction:
    the path is then the straight line; opposite endpoints turn through a fixed perpendicular."""
    a64, b64, t = (np.asarray(x, np.float64) for x in (a, b, t))
    na, nb = np.linalg.norm(a64), np.linalg.norm(b64)
    if na == 0 or nb == 0:
        return linear_path(a64, b64, t)
    ua, ub = a64 / na, b64 / nb
    omega = float(np.arccos(np.clip(ua @ ub, -1.0, 1.0)))
    norm = (1.0 - t) * na + t * nb
    if omega < 1e-6:
        return linear_path(a64, b64, t)
    if np.sin(omega) < 1e-6:  # opposite: any great circle will do; take a fixed one
        axis = np.zeros_like(ua)
        axis[np.argmin(np.abs(ua))] = 1.0
        perp = axis - (axis @ ua) * ua
        perp /= np.linalg.norm(perp)
        u = np.cos(t * np.pi)[:, None] * ua + np.sin(t * np.pi)[:, None] * perp
    else:
        u = (np.sin((1.0 - t) * omega)[:, None] * ua + np.sin(t * omega)[:, None] * ub) / np.sin(omega)
    return u * norm[:, None]


class LatentGraph:
    """The symmetric k-nearest-neighbour graph of the data latents (exact below 50,000 latents,
    approximate above: `neighbours.NeighbourIndex`), built once by `build_task`, reused by every
    "path" interpolation over the same latents."""

    def __init__(self, latents, k: int = 10) -> None:
        from latent_explorer.analysis.latent.neighbours import NeighbourIndex

        self.latents = as_data_latents(latents)
        if len(self.latents) < 3:
            raise UserError("a path along the data needs at least 3 data latents")
        self.k = int(min(max(1, k), len(self.latents) - 1))
        self.index = NeighbourIndex(self.latents)
        self.graph = None
        self.components: np.ndarray | None = None

    def build_task(self, cancel: CancelToken | None = None) -> Task:
        from scipy.sparse import coo_matrix
        from scipy.sparse.csgraph import connected_components

        if self.graph is not None:
            return self
        idx, dist = yield from self.index.neighbour_graph_task(self.k, cancel)
        n = len(self.latents)
        rows = np.repeat(np.arange(n), self.k)
        # squared lengths, floored so that duplicate latents still count as an edge
        weight = np.maximum(dist.reshape(-1).astype(np.float64) ** 2, 1e-12)
        g = coo_matrix((weight, (rows, idx.reshape(-1))), shape=(n, n)).tocsr()
        self.graph = g.maximum(g.T).tocsr()
        _, self.components = connected_components(self.graph, directed=False)
        yield Progress(1, 1, f"{self.k}-nearest-neighbour graph of {n:,} latents")
        return self

    def build(self) -> LatentGraph:
        return run_task(self.build_task())

    def nearest(self, z: np.ndarray) -> int:
        idx, _ = self.index.query(z, 1)
        return int(idx[0, 0])

    def shortest(self, start: int, end: int) -> np.ndarray | None:
        """Data indices from ``start`` to ``end`` along the graph, or None when unconnected."""
        from scipy.sparse.csgraph import dijkstra

        if self.graph is None:
            self.build()
        if self.components[start] != self.components[end]:
            return None
        if start == end:
            return np.array([start], np.int64)
        _, pred = dijkstra(self.graph, directed=False, indices=start, return_predecessors=True)
        out = [end]
        while out[-1] != start:
            out.append(int(pred[out[-1]]))
        return np.array(out[::-1], np.int64)


def resample(points: np.ndarray, n: int) -> np.ndarray:
    """``n`` points at equal arc length along the polyline ``points`` (ends included)."""
    seg = np.linalg.norm(np.diff(points, axis=0), axis=1)
    arc = np.concatenate([[0.0], np.cumsum(seg)])
    if arc[-1] == 0:
        return np.repeat(points[:1], n, axis=0)
    keep = np.concatenate([[True], seg > 0])  # np.interp needs increasing positions
    arc, points = arc[keep], points[keep]
    s = np.linspace(0.0, arc[-1], n)
    return np.stack([np.interp(s, arc, points[:, j]) for j in range(points.shape[1])], axis=1)


def smooth_path(points: np.ndarray, width: float) -> np.ndarray:
    """Gaussian smoothing along a densely, evenly sampled path (σ = ``width`` × its number of
    points), then a linear correction so both ends stay exactly where they were."""
    n = len(points)
    sigma = width * n
    if sigma < 0.5 or n < 3:
        return points
    from scipy.ndimage import gaussian_filter1d

    out = gaussian_filter1d(points, sigma, axis=0, mode="nearest")
    t = np.linspace(0.0, 1.0, n)[:, None]
    return out + (1.0 - t) * (points[0] - out[0]) + t * (points[-1] - out[-1])


def interpolate_task(
    data_latents, a, b, method: str = "linear", steps: int = 16, k: int = 10,
    smooth: float = 0.05, scale: OffDataScale | None = None, graph: LatentGraph | None = None,
    cancel: CancelToken | None = None,
) -> Task:
    """Task form of `interpolate` (the kNN graph of "path" is the long part)."""
    z = as_data_latents(data_latents)
    if method not in METHODS:
        raise UserError(f"unknown interpolation {method!r}: choose one of {', '.join(METHODS)}")
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or not 2 <= steps <= MAX_STEPS:
        raise UserError(f"steps must be a whole number from 2 to {MAX_STEPS}, got {steps!r}")
    if not 0.0 <= float(smooth) <= 0.5:
        raise UserError(f"smooth must be 0–0.5 (a fraction of the path), got {smooth!r}")
    za, zb = resolve_latent(z, a, "A"), resolve_latent(z, b, "B")
    t = np.linspace(0.0, 1.0, int(steps))
    via, fallback = np.zeros(0, np.int64), None
    if method == "linear":
        out = linear_path(za, zb, t)
    elif method == "slerp":
        out = slerp_path(za, zb, t)
    else:
        if graph is None or graph.latents.shape != z.shape:
            graph = LatentGraph(z, k)
        yield from graph.build_task(cancel)
        found = graph.shortest(graph.nearest(za), graph.nearest(zb))
        if found is None:
            out = linear_path(za, zb, t)
            fallback = (f"A and B lie in unconnected parts of the {graph.k}-nearest-neighbour "
                        "graph: this is the straight line")
        else:
            via = found
            poly = np.concatenate([za[None], graph.latents[via], zb[None]]).astype(np.float64)
            if smooth > 0:
                poly = smooth_path(resample(poly, max(256, 8 * int(steps))), smooth)
            out = resample(poly, int(steps))
    if scale is None:
        scale = yield from OffDataScale.fit_task(z, cancel=cancel)
    out = out.astype(np.float32)
    out[0], out[-1] = za, zb
    ratio = scale.ratio(out)
    yield Progress(1, 1, f"{method} interpolation")
    return Interpolation(method, out, ratio, scale.flag(ratio), scale.threshold, via, fallback)


def interpolate(
    data_latents, a, b, method: str = "linear", steps: int = 16, k: int = 10,
    smooth: float = 0.05, scale: OffDataScale | None = None, graph: LatentGraph | None = None,
) -> Interpolation:
    """``steps`` latents from A to B over the data ``data_latents`` (N, D).

    A and B: data indices (a list of indices means their mean latent) or latent vectors (D,).
    ``method``: "linear", "slerp" (`slerp_path`) or "path" (along the data: the module's
    docstring; ``k`` neighbours per latent, ``smooth`` the Gaussian's width as a fraction of the
    path). ``scale`` and ``graph`` (fitted / built on the same data latents; a graph keeps its
    own k) may be passed in to reuse them across calls."""
    return run_task(interpolate_task(data_latents, a, b, method, steps, k, smooth, scale, graph))


__all__ = [
    "METHODS", "Interpolation", "LatentGraph", "interpolate", "interpolate_task", "linear_path",
    "resample", "slerp_path", "smooth_path",
]
