"""Which map points are under the mouse, inside a lasso or inside a box, fast at a million points.

A uniform grid of buckets over the data coordinates (a counting sort, built once per data
change). Unlike a k-d tree on pixel-scaled coordinates it does not depend on zoom or aspect
ratio, so pan and zoom never rebuild it; a query only visits the cells that the pick radius,
rectangle or polygon's bounding box overlaps. Hidden points (legend toggles) are skipped by a
mask given at query time. The kernels are numba-compiled (`warm_up` compiles them early)."""
from __future__ import annotations

import threading

import numpy as np

POINTS_PER_CELL = 4
MAX_CELLS_PER_AXIS = 2048
_NO_MASK = np.ones(0, np.bool_)
_COMPILE_LOCK = threading.Lock()


class _LazyKernel:
    """A numba kernel made on its first call: importing numba costs 0.25 s or more, which the
    first window should not wait for (the background warm-up calls the kernels early)."""

    def __init__(self, fn) -> None:
        self.fn = fn
        self.dispatcher = None
        self.__doc__, self.__name__ = fn.__doc__, fn.__name__

    def __call__(self, *args):
        if self.dispatcher is None:
            _make_kernels(self.fn.__globals__)
        return self.dispatcher(*args)


def _make_kernels(namespace: dict) -> None:
    """Every lazy kernel of one module at once, each module global replaced by its dispatcher
    so kernels calling kernels compile (numba resolves globals when it compiles)."""
    from numba import njit

    with _COMPILE_LOCK:
        for name, obj in list(namespace.items()):
            if isinstance(obj, _LazyKernel) and obj.dispatcher is None:
                try:
                    obj.dispatcher = njit(cache=True)(obj.fn)
                except RuntimeError:  # a frozen app shipped without .py sources: nowhere to cache
                    obj.dispatcher = njit(obj.fn)
                namespace[name] = obj.dispatcher


def cached_njit(fn) -> _LazyKernel:
    """``njit(cache=True)``, made when first called (or uncached where numba finds nowhere to
    cache)."""
    return _LazyKernel(fn)


@cached_njit
def grid_sort(x, y, x0, y0, inv_w, inv_h, nx, ny):
    """The points sorted into an nx × ny grid of cells (cell (cx, cy) starts at x0 + cx / inv_w,
    y0 + cy / inv_h; points outside go to the edge cells, non-finite ones nowhere), stably:
    (starts, order, xs, ys) — the points of cell c are order[starts[c]:starts[c + 1]], in
    ascending index, at xs, ys of the same range."""
    n = len(x)
    cell = np.empty(n, np.int64)
    counts = np.zeros(nx * ny + 1, np.int64)
    for i in range(n):
        if not (np.isfinite(x[i]) and np.isfinite(y[i])):
            cell[i] = -1
            continue
        cx = min(max(int((x[i] - x0) * inv_w), 0), nx - 1)
        cy = min(max(int((y[i] - y0) * inv_h), 0), ny - 1)
        c = cy * nx + cx
        cell[i] = c
        counts[c + 1] += 1
    for c in range(nx * ny):
        counts[c + 1] += counts[c]
    fill = counts[:-1].copy()
    order = np.empty(counts[-1], np.int32)
    xs = np.empty(counts[-1], np.float64)
    ys = np.empty(counts[-1], np.float64)
    for i in range(n):
        c = cell[i]
        if c >= 0:
            k = fill[c]
            order[k] = i
            xs[k] = x[i]
            ys[k] = y[i]
            fill[c] = k + 1
    return counts, order, xs, ys


@cached_njit
def _cell_range(lo, hi, origin, inv, n):
    """Cells a..b that [lo, hi] overlaps, clamped to the grid: a > b (never outside 0..n) when
    it lies wholly beside the data, so every loop over it is empty and every index valid."""
    a = int(np.floor((lo - origin) * inv))
    b = int(np.floor((hi - origin) * inv))
    return min(max(a, 0), n), max(min(b, n - 1), -1)


@cached_njit
def _nearest(g0, g1, starts, order, xs, ys, nx, ny, x, y, rx, ry, sx, sy, r2, visible):
    cx0, cx1 = _cell_range(x - rx, x + rx, g0[0], g1[0], nx)
    cy0, cy1 = _cell_range(y - ry, y + ry, g0[1], g1[1], ny)
    best = -1
    best_d = r2
    masked = len(visible) > 0
    for cy in range(cy0, cy1 + 1):
        for k in range(starts[cy * nx + cx0], starts[cy * nx + cx1 + 1]):
            dx = (xs[k] - x) * sx
            dy = (ys[k] - y) * sy
            d = dx * dx + dy * dy
            if d < best_d or (d == best_d and order[k] > best):
                i = order[k]
                if masked and not visible[i]:
                    continue
                best_d = d
                best = i
    return best


@cached_njit
def _in_rect(g0, g1, starts, order, xs, ys, nx, ny, x0, y0, x1, y1, visible):
    cx0, cx1 = _cell_range(x0, x1, g0[0], g1[0], nx)
    cy0, cy1 = _cell_range(y0, y1, g0[1], g1[1], ny)
    out = np.empty(len(order), np.int32)
    m = 0
    masked = len(visible) > 0
    if cx1 < cx0:
        return out[:0]
    for cy in range(cy0, cy1 + 1):
        for k in range(starts[cy * nx + cx0], starts[cy * nx + cx1 + 1]):
            if x0 <= xs[k] <= x1 and y0 <= ys[k] <= y1:
                i = order[k]
                if masked and not visible[i]:
                    continue
                out[m] = i
                m += 1
    return out[:m]


@cached_njit
def _in_polygon(g0, g1, starts, order, xs, ys, nx, ny, px, py, visible):
    """Even-odd rule; each grid row only tests the polygon edges that cross its y band."""
    nv = len(px)
    cx0, cx1 = _cell_range(px.min(), px.max(), g0[0], g1[0], nx)
    cy0, cy1 = _cell_range(py.min(), py.max(), g0[1], g1[1], ny)
    out = np.empty(len(order), np.int32)
    m = 0
    masked = len(visible) > 0
    if cx1 < cx0 or cy1 < cy0:
        return out[:0]
    edges = np.empty(nv, np.int64)
    for cy in range(cy0, cy1 + 1):
        band0 = g0[1] + cy / g1[1]
        band1 = g0[1] + (cy + 1) / g1[1]
        tol = 1e-7 / g1[1]
        band0 -= tol
        band1 += tol
        if cy == 0:
            band0 = -np.inf
        if cy == ny - 1:
            band1 = np.inf
        ne = 0
        for e in range(nv):
            a = py[e]
            b = py[(e + 1) % nv]
            if max(a, b) >= band0 and min(a, b) <= band1 and a != b:
                edges[ne] = e
                ne += 1
        if ne == 0:
            continue
        for k in range(starts[cy * nx + cx0], starts[cy * nx + cx1 + 1]):
            qx = xs[k]
            qy = ys[k]
            inside = False
            for j in range(ne):
                e = edges[j]
                ax, ay = px[e], py[e]
                bx, by = px[(e + 1) % nv], py[(e + 1) % nv]
                if (ay > qy) != (by > qy):
                    if qx < ax + (qy - ay) * (bx - ax) / (by - ay):
                        inside = not inside
            if inside:
                i = order[k]
                if masked and not visible[i]:
                    continue
                out[m] = i
                m += 1
    return out[:m]


class PointPicker:
    """Spatial queries over fixed 2-D positions; indices refer to rows of ``pos``.

    ``visible`` (bool, N) hides points from every query; ``None`` means all are visible."""

    def __init__(self, pos: np.ndarray) -> None:
        pos = np.asarray(pos, np.float64)
        if pos.ndim != 2 or pos.shape[1] < 2:
            raise ValueError(f"positions must be (N, 2), got {pos.shape}")
        self.n = len(pos)
        x = np.ascontiguousarray(pos[:, 0])
        y = np.ascontiguousarray(pos[:, 1])
        finite = np.isfinite(x) & np.isfinite(y)
        if finite.any():
            lo = np.array([x[finite].min(), y[finite].min()])
            hi = np.array([x[finite].max(), y[finite].max()])
        else:
            lo, hi = np.zeros(2), np.ones(2)
        extent = np.where(hi > lo, hi - lo, 1.0)
        cells = max(1, int(finite.sum()) // POINTS_PER_CELL)
        side = np.sqrt(cells * extent / extent[::-1])
        self.nx, self.ny = (int(np.clip(np.ceil(s), 1, MAX_CELLS_PER_AXIS)) for s in side)
        inv = np.array([self.nx, self.ny]) / extent
        self._origin, self._inv = lo, inv
        self.starts, self.order, self.xs, self.ys = grid_sort(x, y, lo[0], lo[1], inv[0], inv[1],
                                                           self.nx, self.ny)
        self.visible: np.ndarray | None = None

    def set_visible(self, visible: np.ndarray | None) -> None:
        self.visible = None if visible is None else np.ascontiguousarray(visible, np.bool_)

    def _mask(self) -> np.ndarray:
        return _NO_MASK if self.visible is None else self.visible

    def _grid(self):
        return self._origin, self._inv, self.starts, self.order, self.xs, self.ys, self.nx, self.ny

    def nearest(self, x: float, y: float, max_dist_px: float,
                px_per_unit_x: float, px_per_unit_y: float) -> int | None:
        """The visible point nearest to (x, y) in screen pixels, within ``max_dist_px``; ties go
        to the higher index (drawn on top)."""
        if not self.n or not (px_per_unit_x > 0 and px_per_unit_y > 0) or not np.isfinite([x, y]).all():
            return None
        r = float(max_dist_px)
        i = _nearest(*self._grid(), float(x), float(y), r / px_per_unit_x, r / px_per_unit_y,
                     float(px_per_unit_x), float(px_per_unit_y), r * r * (1 + 1e-12), self._mask())
        return None if i < 0 else int(i)

    def in_rect(self, x0: float, y0: float, x1: float, y1: float) -> np.ndarray:
        """Sorted indices of the visible points inside the rectangle (edges included)."""
        x0, x1 = sorted((float(x0), float(x1)))
        y0, y1 = sorted((float(y0), float(y1)))
        if not self.n:
            return np.zeros(0, np.int64)
        return np.sort(_in_rect(*self._grid(), x0, y0, x1, y1, self._mask())).astype(np.int64)

    def in_polygon(self, vertices: np.ndarray) -> np.ndarray:
        """Sorted indices of the visible points inside the polygon (even-odd rule; it closes itself)."""
        v = np.asarray(vertices, np.float64).reshape(-1, 2)
        v = v[np.isfinite(v).all(axis=1)]
        if not self.n or len(v) < 3:
            return np.zeros(0, np.int64)
        px, py = np.ascontiguousarray(v[:, 0]), np.ascontiguousarray(v[:, 1])
        return np.sort(_in_polygon(*self._grid(), px, py, self._mask())).astype(np.int64)


def warm_up() -> None:
    """Compile (or load from NUMBA_CACHE_DIR) every kernel on a tiny input."""
    p = PointPicker(np.array([[0.0, 0.0], [1.0, 1.0], [0.5, 0.2]]))
    p.nearest(0.1, 0.1, 5, 10, 10)
    p.in_rect(0, 0, 1, 1)
    p.in_polygon(np.array([[0, 0], [1, 0], [1, 1]]))
    p.set_visible(np.array([True, False, True]))
    p.nearest(0.1, 0.1, 5, 10, 10)


__all__ = ["PointPicker", "warm_up"]
