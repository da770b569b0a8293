"""A point's footprint on the map: a square up to 3 pixels, a disc above, stamped around each
lit pixel keeping the highest index (the point drawn on top), for the 2-D and 3-D raster maps.

Two ways to stamp the same picture: `stamp` writes each lit pixel's footprint (its cost grows
with the lit pixels), `stamp_dense` takes, for every pixel, the highest index in the footprint
around it, one row of the footprint at a time with running maxima (its cost grows with the
pixels). `stamp_auto` picks the cheaper: the second from a quarter of the pixels lit (a map of
a million points and more). Measured at 1400×900 with 6 px points: 4 vs 12 ms with 1 % lit,
53 vs 35 ms with half, 93 vs 35 ms with all."""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from latent_explorer.gui.render.hit_test import cached_njit

DENSE_FROM = 0.25  # share of lit pixels from which `stamp_dense` is the cheaper


@cached_njit
def stamp(centre, pad, span_dy, span_lo, span_hi, out):
    """Every lit centre stamps its index onto ``out`` (padded by ``pad`` more than ``centre``),
    keeping the highest: one contiguous run of pixels per stamp row, no bounds checks."""
    out[:] = -1
    hc, wc = centre.shape
    for r in range(hc):
        for c in range(wc):
            i = centre[r, c]
            if i < 0:
                continue
            for k in range(len(span_dy)):
                rr = r + pad + span_dy[k]
                for cc in range(c + pad + span_lo[k], c + pad + span_hi[k] + 1):
                    out[rr, cc] = max(out[rr, cc], i)


@cached_njit
def _row_max(src, width, tmp, dst):
    """dst[j] = max(src[j : j + width]) for every j where the window fits (running maxima of
    widths 1, 2, 4…, then two overlapping windows of the largest power of two)."""
    n = len(src)
    tmp[:n] = src
    p = 1
    while 2 * p <= width:
        for j in range(n - p):
            if tmp[j + p] > tmp[j]:
                tmp[j] = tmp[j + p]
        p *= 2
    for j in range(n - width + 1):
        a, b = tmp[j], tmp[j + width - p]
        dst[j] = a if a > b else b


@cached_njit
def stamp_dense(centre, pad, span_dy, span_lo, span_hi, out):
    """The same image as `stamp`: out[rr, cc] = the highest index among the lit pixels whose
    footprint covers (rr, cc)."""
    out[:] = -1
    hc, wc = centre.shape
    wo = out.shape[1]
    n_rows = len(span_dy)
    lo_min, hi_max = span_lo.min(), span_hi.max()
    edge = pad + hi_max  # -1s before a row, so every window lies inside the extended row
    ext = np.full(wc + edge + pad - lo_min + 2, -1, centre.dtype)
    tmp = np.empty_like(ext)
    first = np.empty(n_rows, np.int64)  # the footprint row whose span each row shares
    for k in range(n_rows):
        first[k] = k
        for j in range(k):
            if span_lo[j] == span_lo[k] and span_hi[j] == span_hi[k]:
                first[k] = j
                break
    rowmax = np.empty((n_rows, wo), centre.dtype)
    for r in range(hc):
        ext[edge:edge + wc] = centre[r]
        for k in range(n_rows):
            if first[k] == k:
                # out column cc takes centres cc - pad - hi … cc - pad - lo: ext[cc + edge - pad - hi …]
                start = edge - pad - span_hi[k]
                width = span_hi[k] - span_lo[k] + 1
                _row_max(ext[start:start + wo + width - 1], width, tmp, rowmax[k])
        for k in range(n_rows):
            src = rowmax[first[k]]
            dst = out[r + pad + span_dy[k]]
            for cc in range(wo):
                dst[cc] = max(dst[cc], src[cc])


def stamp_auto(centre, pad: int, size: int, out) -> None:
    """`stamp` or `stamp_dense`, whichever is cheaper for the share of lit pixels."""
    spans = stamp_spans(size)
    if np.count_nonzero(centre >= 0) >= DENSE_FROM * centre.size:
        stamp_dense(centre, pad, *spans, out)
    else:
        stamp(centre, pad, *spans, out)


@cached_njit
def stamp_list(idx, x, y, visible, ax, bx, ay, by, dy, dx, colours, single, use_single, img):
    """Stamps chosen points directly (the highlight), in the order given."""
    h, w = img.shape
    masked = len(visible) > 0
    for j in range(len(idx)):
        i = idx[j]
        if masked and not visible[i]:
            continue
        px = ax * x[i] + bx
        py = ay * y[i] + by
        if not (-64.0 < px < w + 64.0 and -64.0 < py < h + 64.0):
            continue
        c0 = int(np.floor(px))
        r0 = int(np.floor(py))
        colour = single if use_single else colours[i]
        for k in range(len(dy)):
            rr = r0 + dy[k]
            cc = c0 + dx[k]
            if 0 <= rr < h and 0 <= cc < w:
                img[rr, cc] = colour


@lru_cache(maxsize=32)
def stamp_offsets(size: int) -> tuple[np.ndarray, np.ndarray]:
    """Pixel offsets of a point ``size`` pixels wide: a square up to 3, a disc above. Even sizes
    are centred on a pixel corner (the pixel's right/bottom neighbour)."""
    size = max(1, int(size))
    half = size / 2
    lo, hi = -((size - 1) // 2), size // 2
    shift = 0.5 if size % 2 == 0 else 0.0
    d = np.arange(lo, hi + 1)
    dy, dx = (a.ravel() for a in np.meshgrid(d, d, indexing="ij"))
    if size > 3:
        keep = (dx - shift) ** 2 + (dy - shift) ** 2 <= half * half + 0.25
        dy, dx = dy[keep], dx[keep]
    return dy.astype(np.int64), dx.astype(np.int64)


@lru_cache(maxsize=32)
def stamp_spans(size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The stamp as rows: (dy, first dx, last dx)."""
    dy, dx = stamp_offsets(size)
    rows = np.unique(dy)
    lo = np.array([dx[dy == r].min() for r in rows], np.int64)
    hi = np.array([dx[dy == r].max() for r in rows], np.int64)
    return rows, lo, hi


def warm_up() -> None:
    centre = np.full((8, 8), -1, np.int32)
    centre[3, 4] = 1
    for size in (3, 6):
        pad = int(np.abs(stamp_offsets(size)[0]).max())
        out = np.empty((8 + 2 * pad, 8 + 2 * pad), np.int32)
        stamp(centre, pad, *stamp_spans(size), out)
        stamp_dense(centre, pad, *stamp_spans(size), out)
        stamp_dense(centre.astype(np.int64), pad, *stamp_spans(size), out.astype(np.int64))


__all__ = ["stamp", "stamp_auto", "stamp_dense", "stamp_list", "stamp_offsets", "stamp_spans", "warm_up"]
