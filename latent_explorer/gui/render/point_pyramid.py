"""A level-of-detail pyramid for maps with far more points than pixels (10 million and up).

Drawing a map visits every point once to find the one that shows at each pixel; at 10 million
points that pass alone takes 200 ms. Here the points are sorted once into a grid of
``FINEST``² cells (a counting sort), and each cell keeps the point that would show there (the
highest index, as the plain pass draws it). Coarser levels keep the same for 2×2, 4×4… cells.
A frame then visits cells, not points:
- with more than `EXACT_POINTS` in view, the coarsest level whose cells are at most
  `CELL_PX` (1.5) pixels: about one cell per pixel of the view, each drawing the point it keeps
  over the pixels it covers (within a cell of where that point lies: 5–8 % of the lit pixels
  differ from the plain pass's, at the edges of the clouds; 1.0 px halves that and costs half
  again as much time at 10 M points);
- else the points of the cells in view only, each at its own position: the plain pass's image.
Hover and selection still use every point."""
from __future__ import annotations

import math

import numpy as np

from latent_explorer.gui.render.hit_test import cached_njit, grid_sort

FINEST = 4096  # cells per side at the finest level
COARSEST = 64
MIN_POINTS = 2_000_000  # fewer points: every frame visits every point (fast enough, exact)
CELL_PX = 1.5  # the largest size on screen of the cells a frame draws
EXACT_POINTS = 1_000_000  # at most this many points in view: each drawn at its own position


@cached_njit
def _top(starts, order, visible, masked, top):
    """top[c] = the highest visible index in cell c (-1: none): the last of its run in ``order``."""
    for c in range(len(top)):
        top[c] = -1
        for k in range(starts[c + 1] - 1, starts[c] - 1, -1):
            i = order[k]
            if not masked or visible[i]:
                top[c] = i
                break


@cached_njit
def _pool(fine, coarse):
    g = coarse.shape[0]
    for r in range(g):
        for c in range(g):
            coarse[r, c] = max(max(fine[2 * r, 2 * c], fine[2 * r, 2 * c + 1]),
                               max(fine[2 * r + 1, 2 * c], fine[2 * r + 1, 2 * c + 1]))


@cached_njit
def _pixels(a, b, u, n):
    """The pixels (first, last) that cell unit ``u`` covers along an axis where u lies at a·u + b:
    the one under its centre when it is under a pixel wide, else every pixel it touches."""
    if abs(a) < 1.0:
        p = a * (u + 0.5) + b
        return (int(p), int(p)) if 0.0 <= p < n else (0, -1)
    p0, p1 = a * u + b, a * (u + 1) + b
    lo, hi = min(p0, p1), max(p0, p1)
    return max(0, int(math.floor(lo))), min(n - 1, int(math.ceil(hi)) - 1)


@cached_njit
def _splat_cells(top, r0, r1, c0, c1, ax, bx, ay, by, centre):
    """Cell (r, c) of ``top`` spans cell units [c, c + 1) × [r, r + 1): ax, bx, ay, by map a
    cell unit to pixels."""
    h, w = centre.shape
    for r in range(r0, r1):
        y_lo, y_hi = _pixels(ay, by, r, h)
        if y_hi < y_lo:
            continue
        for c in range(c0, c1):
            i = top[r, c]
            if i < 0:
                continue
            x_lo, x_hi = _pixels(ax, bx, c, w)
            for row in range(y_lo, y_hi + 1):
                for col in range(x_lo, x_hi + 1):
                    if i > centre[row, col]:
                        centre[row, col] = i


@cached_njit
def _splat_points(xs, ys, order, starts, g, r0, r1, c0, c1, visible, masked, ax, bx, ay, by, centre):
    """The points of the cells in view, each at its own position (``xs``, ``ys``: in cell order)."""
    h, w = centre.shape
    for r in range(r0, r1):
        for k in range(starts[r * g + c0], starts[r * g + c1]):
            i = order[k]
            if masked and not visible[i]:
                continue
            px = ax * xs[k] + bx
            py = ay * ys[k] + by
            if 0.0 <= px < w and 0.0 <= py < h:
                row, col = int(py), int(px)
                if i > centre[row, col]:
                    centre[row, col] = i


@cached_njit
def _count(starts, g, r0, r1, c0, c1):
    total = 0
    for r in range(r0, r1):
        total += starts[r * g + c1] - starts[r * g + c0]
    return total


class PointPyramid:
    """The points ``x``, ``y`` sorted into cells, with the point shown in each cell at every
    level for a visibility mask (`set_visible`)."""

    def __init__(self, x: np.ndarray, y: np.ndarray, finest: int = FINEST) -> None:
        self.g = int(finest)
        finite = np.isfinite(x) & np.isfinite(y)
        if finite.any():
            self.x0, x1 = float(x[finite].min()), float(x[finite].max())
            self.y0, y1 = float(y[finite].min()), float(y[finite].max())
        else:
            self.x0, x1, self.y0, y1 = 0.0, 1.0, 0.0, 1.0
        self.sx = self.g / (x1 - self.x0) if x1 > self.x0 else 1.0
        self.sy = self.g / (y1 - self.y0) if y1 > self.y0 else 1.0
        # xs, ys in cell order: a frame reads the points of the cells in view in sequence
        self.starts, self.order, self.xs, self.ys = grid_sort(x, y, self.x0, self.y0, self.sx, self.sy,
                                                              self.g, self.g)
        self.mask: np.ndarray | None = None
        self.levels: list[np.ndarray] = []
        self.set_visible(None)

    def set_visible(self, mask: np.ndarray | None) -> None:
        self.mask = mask
        top = np.empty(self.g * self.g, np.int32)
        _top(self.starts, self.order, np.ones(0, np.bool_) if mask is None else mask, mask is not None, top)
        self.levels = [top.reshape(self.g, self.g)]
        while self.levels[-1].shape[0] > COARSEST:
            fine = self.levels[-1]
            coarse = np.empty((fine.shape[0] // 2,) * 2, np.int32)
            _pool(fine, coarse)
            self.levels.append(coarse)

    def splat(self, ax: float, bx: float, ay: float, by: float, centre: np.ndarray) -> None:
        """As `scatter_raster._splat_centres`: ``centre[row, col]`` = the index of the point
        shown at that pixel (-1: none), for pixel (col, row) = (ax·x + bx, ay·y + by)."""
        centre[:] = -1
        h, w = centre.shape
        c0, c1 = _span(ax / self.sx, ax * self.x0 + bx, w, self.g)
        r0, r1 = _span(ay / self.sy, ay * self.y0 + by, h, self.g)
        if _count(self.starts, self.g, r0, r1, c0, c1) <= EXACT_POINTS:
            visible = np.ones(0, np.bool_) if self.mask is None else self.mask
            _splat_points(self.xs, self.ys, self.order, self.starts, self.g, r0, r1, c0, c1, visible,
                          self.mask is not None, ax, bx, ay, by, centre)
            return
        cell_px = math.sqrt(abs(ax) / self.sx * abs(ay) / self.sy)  # a finest cell's size on screen
        level = 0 if cell_px >= CELL_PX else min(int(math.floor(math.log2(CELL_PX / cell_px))), len(self.levels) - 1)
        k = 2 ** level
        top = self.levels[level]
        cax, cbx = ax * k / self.sx, ax * self.x0 + bx  # one cell unit of this level in pixels
        cay, cby = ay * k / self.sy, ay * self.y0 + by
        c0, c1 = _span(cax, cbx, w, top.shape[1])
        r0, r1 = _span(cay, cby, h, top.shape[0])
        _splat_cells(top, r0, r1, c0, c1, cax, cbx, cay, cby, centre)


def _span(a: float, b: float, pixels: int, g: int) -> tuple[int, int]:
    """The cells (of ``g``) whose extent meets pixels [0, pixels) when cell u lies at a·u + b."""
    if a == 0:
        return 0, g
    lo, hi = sorted(((0.0 - b) / a, (pixels - b) / a))
    return max(0, int(math.floor(lo)) - 1), min(g, int(math.ceil(hi)) + 1)


def warm_up() -> None:
    """Compile (or load from numba's cache) the kernels on a tiny input."""
    x = np.array([0.0, 1.0, 0.5, np.nan])
    pyramid = PointPyramid(x, x.copy(), finest=128)
    pyramid.set_visible(np.array([True, False, True, True]))
    for scale in (10.0, 1000.0):
        pyramid.splat(scale, 1.0, -scale, 1.0 + scale, np.empty((20, 20), np.int32))


__all__ = ["MIN_POINTS", "PointPyramid", "warm_up"]
