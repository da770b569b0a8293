"""Clusters as regions of a 2-D map: for each cluster an outline in map coordinates around
the densest ``coverage`` share of its points, where to write its name, its medoid, size and
dominant label with that label's share.

The outline is a contour of the cluster's smoothed point density (a histogram on a grid blurred
by a Gaussian as wide as about two neighbour spacings in that cluster), cut at the density that
``coverage`` of its points reach, so a few stray points do not stretch the region over the map
the way a convex hull does, and a cluster drawn as two islands gets two outlines. Where two
clusters' regions would overlap, each cell goes to the cluster with the higher density, so the
regions tile the map without covering one another. Contours come from marching squares."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from latent_explorer.errors import UserError

GRID = 200  # cells along the map's longer side
_SPACING_SAMPLE = 2000  # members a cluster's neighbour spacing is measured on
_MIN_LOOP_AREA = 0.015  # islands smaller than this share of a region's largest are dropped


@dataclass
class Region:
    """``outline``: closed loops (M, 2) in map coordinates, filled even-odd (a loop inside
    another is a hole); ``anchor`` (2,) the spot deepest inside the region; ``members`` every
    point of the cluster; ``label`` the commonest label code among its labelled members (None
    without labels), held by ``label_count`` of its ``labelled`` members."""

    cluster: int
    outline: list[np.ndarray]
    anchor: np.ndarray
    medoid: int
    members: int
    label: int | None = None
    label_count: int = 0
    labelled: int = 0

    @property
    def purity(self) -> float | None:
        """The dominant label's share of the labelled members."""
        return self.label_count / self.labelled if self.labelled else None

    def contains(self, points) -> np.ndarray:
        """(P,) bool: which map positions (P, 2) lie inside the outline."""
        return inside(self.outline, points)


def map_regions(positions, assignment, medoids, labels=None, coverage: float = 0.9,
                grid: int = GRID) -> list[Region]:
    """One `Region` per cluster 0..K−1 of ``assignment`` (N,) (−1: noise, in no region), drawn
    on the map ``positions`` (N, 2); ``medoids`` (K,) data indices; ``labels`` (N,) integer
    codes, −1 for unlabelled. A cluster without a placed point gets an empty outline."""
    pos = np.asarray(positions, np.float64)
    assign = np.asarray(assignment, np.int64)
    if pos.ndim != 2 or pos.shape[1] != 2:
        raise UserError(f"regions need a 2-D map, got positions of shape {pos.shape}")
    if assign.shape != (len(pos),):
        raise UserError(f"{len(pos)} map positions but {assign.shape} cluster assignments")
    if not 0 < coverage <= 1:
        raise UserError(f"coverage must be in (0, 1], got {coverage}")
    k = int(assign.max()) + 1 if len(assign) else 0
    medoids = np.asarray(medoids, np.int64)
    if len(medoids) != k:
        raise UserError(f"{k} clusters but {len(medoids)} medoids")
    lab = None if labels is None else np.asarray(labels)
    if lab is not None and lab.shape != (len(pos),):
        raise UserError(f"{len(pos)} map positions but labels of shape {lab.shape}")
    placed = np.isfinite(pos).all(axis=1) & (assign >= 0)
    regions = [Region(c, [], np.full(2, np.nan), int(medoids[c]), int(np.sum(assign == c)))
               for c in range(k)]
    if lab is not None:
        for r in regions:
            member_labels = lab[(assign == r.cluster) & (lab >= 0)].astype(np.int64)
            if len(member_labels):
                counts = np.bincount(member_labels)
                r.label, r.label_count, r.labelled = int(np.argmax(counts)), int(counts.max()), len(member_labels)
    if k == 0 or not placed.any():
        return regions
    frame = _Grid(pos[placed], grid)
    density, thresholds = _densities(frame, pos, assign, placed, k, coverage)
    owned = np.where(density >= thresholds[:, None, None], density, 0.0)
    leader = owned.argmax(axis=0)  # per cell: the cluster that owns it, and the runner-up's density
    top2 = np.sort(owned, axis=0)[-2:] if k > 1 else np.concatenate([np.zeros_like(owned), owned])
    for c in range(k):
        if not np.isfinite(thresholds[c]):
            continue
        others = np.where(leader == c, top2[0], top2[1])
        d = density[c]
        field = np.minimum(d / thresholds[c] - 1.0, (d - others) / (d + others + 1e-12))
        loops = [frame.to_map(loop) for loop in contours(field)]
        regions[c].outline = _without_specks(loops)
        regions[c].anchor = frame.to_map(_deepest(field))
    return regions


class _Grid:
    """Cell centres of a grid over the map's extent, with a margin for the blur."""

    def __init__(self, pos: np.ndarray, cells: int) -> None:
        lo, hi = pos.min(axis=0), pos.max(axis=0)
        span = float(np.max(hi - lo)) or 1.0
        self.step = span / cells
        lo, hi = lo - 0.08 * span, hi + 0.08 * span
        self.lo = lo
        self.shape = tuple(int(np.ceil((hi[i] - lo[i]) / self.step)) + 1 for i in (1, 0))  # rows (y), cols (x)

    def cells(self, pos: np.ndarray) -> np.ndarray:
        """Fractional (row, col) of map positions, cell centres at whole numbers."""
        return ((pos - self.lo) / self.step)[:, ::-1]

    def to_map(self, rc: np.ndarray) -> np.ndarray:
        return np.asarray(rc, np.float64)[..., ::-1] * self.step + self.lo


def _densities(frame: _Grid, pos, assign, placed, k: int, coverage: float):
    """(K, rows, cols) smoothed point counts and each cluster's cut: the density ``coverage``
    of its points reach."""
    from scipy.ndimage import gaussian_filter, map_coordinates

    rows, cols = frame.shape
    rc = frame.cells(pos[placed])
    cell = np.clip(np.rint(rc).astype(np.int64), 0, [rows - 1, cols - 1])
    flat = assign[placed] * (rows * cols) + cell[:, 0] * cols + cell[:, 1]
    counts = np.bincount(flat, minlength=k * rows * cols).reshape(k, rows, cols).astype(np.float64)
    density = np.empty_like(counts)
    thresholds = np.full(k, np.inf)
    rng = np.random.default_rng(0)
    own = assign[placed]
    for c in range(k):
        members = np.flatnonzero(own == c)
        if not len(members):
            density[c] = 0.0
            continue
        sample = members if len(members) <= _SPACING_SAMPLE else rng.choice(members, _SPACING_SAMPLE, replace=False)
        density[c] = gaussian_filter(counts[c], _blur(rc[sample], len(members), frame), mode="constant")
        at_points = map_coordinates(density[c], rc[sample].T, order=1, mode="constant")
        # a little below the cut, as the outline cuts corners between the cells it runs through
        thresholds[c] = max(0.8 * float(np.quantile(at_points, 1.0 - coverage)), 1e-9)
    return density, thresholds


def _blur(rc: np.ndarray, n: int, frame: _Grid) -> float:
    """Gaussian width in cells: twice the median distance to the nearest other member (measured
    on a sample, so scaled to the whole cluster), within 1.2 to 10 cells."""
    if len(rc) < 2:
        return 2.0
    from scipy.spatial import cKDTree

    d, _ = cKDTree(rc).query(rc, k=2)
    spacing = float(np.median(d[:, 1])) * np.sqrt(len(rc) / n)
    return float(np.clip(2.0 * spacing, 1.2, 10.0))


def _deepest(field: np.ndarray) -> np.ndarray:
    """(row, col) of the inside cell farthest from the outline."""
    from scipy.ndimage import distance_transform_edt

    depth = distance_transform_edt(field > 0)
    return np.array(np.unravel_index(int(np.argmax(depth)), field.shape), np.float64)


def _area(loop: np.ndarray) -> float:
    x, y = loop[:, 0], loop[:, 1]
    return 0.5 * abs(float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))))


def _without_specks(loops: list[np.ndarray]) -> list[np.ndarray]:
    if not loops:
        return loops
    areas = [_area(loop) for loop in loops]
    big = max(areas)
    return [loop for loop, a in zip(loops, areas) if a >= _MIN_LOOP_AREA * big]


# Marching squares. Corners of a square, counter-clockwise from (r, c): p0 (r, c), p1 (r, c+1),
# p2 (r+1, c+1), p3 (r+1, c); edges e0 p0–p1, e1 p1–p2, e2 p2–p3, e3 p3–p0. Case bit i: p_i inside.
_SEGMENTS = {
    1: [(3, 0)], 2: [(0, 1)], 3: [(3, 1)], 4: [(1, 2)], 6: [(0, 2)], 7: [(3, 2)], 8: [(2, 3)],
    9: [(0, 2)], 11: [(1, 2)], 12: [(1, 3)], 13: [(0, 1)], 14: [(3, 0)],
}
_SADDLES = {  # (centre inside, centre outside)
    5: ([(0, 1), (2, 3)], [(3, 0), (1, 2)]),
    10: ([(3, 0), (1, 2)], [(0, 1), (2, 3)]),
}


def contours(field: np.ndarray) -> list[np.ndarray]:
    """Closed loops (M, 2) of fractional (row, col) where ``field`` (rows, cols) crosses 0
    (inside: > 0), linearly interpolated along the cell edges; the grid's border counts as
    outside, so every loop closes."""
    f = np.pad(np.asarray(field, np.float64), 1, constant_values=-1.0)
    rows, cols = f.shape
    inside = f > 0
    case = (inside[:-1, :-1] * 1 | inside[:-1, 1:] * 2 | inside[1:, 1:] * 4 | inside[1:, :-1] * 8)
    h_edges = rows * cols  # edge ids: horizontal r*cols+c, vertical h_edges + r*cols+c

    def edge(r: int, c: int, e: int) -> int:
        return (r * cols + c, h_edges + r * cols + c + 1, (r + 1) * cols + c, h_edges + r * cols + c)[e]

    def point(eid: int) -> tuple[float, float]:
        vertical = eid >= h_edges
        r, c = divmod(eid - h_edges if vertical else eid, cols)
        r2, c2 = (r + 1, c) if vertical else (r, c + 1)
        a, b = f[r, c], f[r2, c2]
        t = a / (a - b)
        return r + t * (r2 - r) - 1.0, c + t * (c2 - c) - 1.0  # back to the unpadded grid

    links: dict[int, list[int]] = {}
    for r, c in zip(*np.nonzero((case > 0) & (case < 15))):
        kind = int(case[r, c])
        if kind in _SADDLES:
            centre = f[r, c] + f[r, c + 1] + f[r + 1, c + 1] + f[r + 1, c] > 0
            pairs = _SADDLES[kind][0 if centre else 1]
        else:
            pairs = _SEGMENTS[kind]
        for e1, e2 in pairs:
            a, b = edge(r, c, e1), edge(r, c, e2)
            links.setdefault(a, []).append(b)
            links.setdefault(b, []).append(a)
    loops, seen = [], set()
    for start in links:  # every crossed edge is in exactly two segments: the chains close
        if start in seen:
            continue
        chain, prev, here = [start], start, links[start][0]
        seen.add(start)
        while here != start:
            seen.add(here)
            chain.append(here)
            a, b = links[here]
            prev, here = here, (b if a == prev else a)
        if len(chain) >= 3:
            loops.append(np.array([point(e) for e in chain]))
    return loops


def inside(loops: list[np.ndarray], points) -> np.ndarray:
    """(P,) bool: which points (P, 2) lie inside the loops, even-odd (a ray to the right
    crosses an odd number of edges). Each edge looks only at the points in its band of y,
    found in the points sorted by y."""
    p = np.atleast_2d(np.asarray(points, np.float64))
    order = np.argsort(p[:, 1], kind="stable")
    xs, ys = p[order, 0], p[order, 1]
    odd = np.zeros(len(p), bool)
    for loop in loops:
        a, b = loop, np.roll(loop, -1, axis=0)
        starts = np.searchsorted(ys, np.minimum(a[:, 1], b[:, 1]), "left")
        ends = np.searchsorted(ys, np.maximum(a[:, 1], b[:, 1]), "left")
        for (ax, ay), (bx, by), i, j in zip(a, b, starts, ends):
            if j > i:
                odd[i:j] ^= xs[i:j] < ax + (ys[i:j] - ay) * (bx - ax) / (by - ay)
    out = np.empty(len(p), bool)
    out[order] = odd
    return out


__all__ = ["GRID", "Region", "contours", "inside", "map_regions"]
