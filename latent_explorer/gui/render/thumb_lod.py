"""Images as points, Qt-free: which images to draw at which size for a view, their sprites, and
the frame composited from them.

Level of detail keeps a frame cheap at any count: the sprite size follows the zoom (the mean
spacing of the points on screen, quantised to `LEVELS`, from 12 to 96 logical pixels), and the
screen is cut into cells one sprite (plus a gap) wide, anchored to the data's origin so that
panning keeps every choice; each cell shows one image, the one nearest its centre, drawn at its
own point. So a frame draws at most a few thousand sprites, whether 1,000 or 1,000,000 images
are in view, and zooming in shows more (and larger) images. Sprites are resized from the
dataset's images (box filter down, bilinear up) when first needed and kept per size in a
`SpriteCache`; a frame makes at most ``budget`` new ones and says whether it is complete, so
the first look at 100,000 images comes in a few quick frames instead of one long one."""
from __future__ import annotations

import math

import numpy as np

from latent_explorer.gui.render.hit_test import cached_njit

LEVELS = (12, 16, 24, 32, 48, 64, 96)  # sprite sizes in logical pixels
SPACING = 1.6  # sprite size ≈ SPACING × the points' mean spacing on screen
GAP = 2  # pixels at least between two neighbouring sprites
ROOM = 1.25  # a screen cell is this much wider than its sprite: room to follow the point
MAX_ENLARGE = 2  # sprites at most twice the images' own size
MAX_SPRITES = 8000  # per frame, whatever the view
CACHE_BYTES = 48 * 2**20  # per sprite size
CACHED_SIZES = 3  # sprite sizes kept at once (the most recently used)
BUDGET = 3000  # new sprites made per frame
SELECTED_RING = np.uint32(0xFFFFC800)  # opaque amber
OUTLINE = np.uint32(0xFF000000)
_ALL = np.ones(0, np.bool_)


def sprite_level(n_points: int, data_w_px: float, data_h_px: float, dpr: float = 1.0,
                 image_px: int | None = None) -> int:
    """The logical sprite size for ``n_points`` spread over a data rectangle drawn
    ``data_w_px`` × ``data_h_px`` device pixels: the largest level not above the points' mean
    spacing × `SPACING` (at least the smallest level), and not above `MAX_ENLARGE` × the
    images' own size ``image_px`` (larger would only blur them)."""
    if n_points <= 0:
        return LEVELS[0]
    w, h = max(float(data_w_px), 1.0), max(float(data_h_px), 1.0)
    side = max(w, h)
    area = max(w * h, side * side * 0.05)  # points along a line still get room
    want = math.sqrt(area / n_points) * SPACING / max(dpr, 1e-6)
    if image_px:
        want = min(want, MAX_ENLARGE * image_px)
    fitting = [s for s in LEVELS if s <= want]
    return fitting[-1] if fitting else LEVELS[0]


def frame_width(size: int) -> int:
    """Pixels of the coloured frame around a sprite of ``size`` device pixels."""
    return 1 if size < 24 else 2


def cell_size(size: int) -> int:
    """The screen cell (device pixels) that shows one sprite of ``size``: `ROOM` × the framed
    sprite, plus the gap. A sprite kept inside its cell overlaps no other and, with ROOM = 1.25,
    still reaches its own point (within its frame) wherever that lies in the cell."""
    return int(round(ROOM * (size + 2 * frame_width(size)))) + GAP


@cached_njit
def _choose(x, y, visible, ax, bx, ay, by, w, h, margin, cell, gx0, gy0, best, best_d):
    """best[cell] = the visible point nearest the centre of each screen cell (cells anchored
    at the data origin: cell column = floor(ax·x / cell) - gx0)."""
    best[:] = -1
    ncy, ncx = best.shape
    masked = len(visible) > 0
    for i in range(len(x)):
        if masked and not visible[i]:
            continue
        u = ax * x[i]
        v = ay * y[i]
        px = u + bx
        py = v + by
        if not (-margin <= px <= w + margin and -margin <= py <= h + margin):
            continue  # NaN fails too
        cx = int(np.floor(u / cell)) - gx0
        cy = int(np.floor(v / cell)) - gy0
        if cx < 0 or cy < 0 or cx >= ncx or cy >= ncy:
            continue
        du = u - (cx + gx0 + 0.5) * cell
        dv = v - (cy + gy0 + 0.5) * cell
        d = du * du + dv * dv
        if best[cy, cx] < 0 or d < best_d[cy, cx]:
            best[cy, cx] = i
            best_d[cy, cx] = d


@cached_njit
def _resize(images, idx, s, out, first):
    """out[first + k] = images[idx[k]] resized to s×s as opaque ARGB: the mean of each output
    pixel's box when shrinking, bilinear when enlarging."""
    h, w, c = images.shape[1], images.shape[2], images.shape[3]
    for k in range(len(idx)):
        img = images[idx[k]]
        for r in range(s):
            for q in range(s):
                acc0 = 0.0
                acc1 = 0.0
                acc2 = 0.0
                if s <= h and s <= w:
                    r0 = r * h // s
                    r1 = max((r + 1) * h // s, r0 + 1)
                    q0 = q * w // s
                    q1 = max((q + 1) * w // s, q0 + 1)
                    for rr in range(r0, r1):
                        for qq in range(q0, q1):
                            acc0 += img[rr, qq, 0]
                            if c >= 3:
                                acc1 += img[rr, qq, 1]
                                acc2 += img[rr, qq, 2]
                    norm = 1.0 / ((r1 - r0) * (q1 - q0))
                else:
                    fy = min(max((r + 0.5) * h / s - 0.5, 0.0), h - 1.0)
                    fx = min(max((q + 0.5) * w / s - 0.5, 0.0), w - 1.0)
                    y0 = int(fy)
                    x0 = int(fx)
                    y1 = min(y0 + 1, h - 1)
                    x1 = min(x0 + 1, w - 1)
                    ty = fy - y0
                    tx = fx - x0
                    for ch in range(min(c, 3)):
                        top = img[y0, x0, ch] * (1.0 - tx) + img[y0, x1, ch] * tx
                        bottom = img[y1, x0, ch] * (1.0 - tx) + img[y1, x1, ch] * tx
                        val = top * (1.0 - ty) + bottom * ty
                        if ch == 0:
                            acc0 = val
                        elif ch == 1:
                            acc1 = val
                        else:
                            acc2 = val
                    norm = 1.0
                red = int(acc0 * norm + 0.5)
                if c >= 3:
                    green = int(acc1 * norm + 0.5)
                    blue = int(acc2 * norm + 0.5)
                else:
                    green = red
                    blue = red
                out[first + k, r, q] = np.uint32(0xFF000000) | np.uint32(red << 16) \
                    | np.uint32(green << 8) | np.uint32(blue)


@cached_njit
def _opaque(colour):
    """A premultiplied ARGB colour made opaque (its hue kept)."""
    a = (colour >> 24) & 0xFF
    if a == 0:
        return np.uint32(0xFF808080)
    r = min(255, ((colour >> 16) & 0xFF) * 255 // a)
    g = min(255, ((colour >> 8) & 0xFF) * 255 // a)
    b = min(255, (colour & 0xFF) * 255 // a)
    return np.uint32(0xFF000000) | np.uint32(r << 16) | np.uint32(g << 8) | np.uint32(b)


@cached_njit
def _fill(img, r0, c0, r1, c1, colour):
    h, w = img.shape
    for r in range(max(r0, 0), min(r1, h)):
        for c in range(max(c0, 0), min(c1, w)):
            img[r, c] = colour


@cached_njit
def _blit(order, x, y, ax, bx, ay, by, cell, slots, pool, colours, frame, selected, img, placed):
    """Each image of ``order`` (with a sprite: slots >= 0) framed in its point's colour,
    centred on its point as far as its screen cell allows (so no two overlap, and the sprite
    still covers its point); ``selected`` (if >= 0) last, ringed in amber and black.
    placed[k] = (image, top row, left column) of the k-th sprite drawn; returns how many."""
    s = pool.shape[1]
    inset = frame + GAP // 2
    h, w = img.shape
    drawn = 0
    for j in range(len(order) + 1):
        if j < len(order):
            i = order[j]
            if i == selected:
                continue
        else:
            i = selected
            if i < 0:
                break
        slot = slots[i]
        if slot < 0:
            continue
        u = ax * x[i]
        v = ay * y[i]
        left = np.floor(u / cell) * cell + bx  # the point's cell on screen
        top = np.floor(v / cell) * cell + by
        c0 = int(np.floor(min(max(u + bx - s / 2.0, left + inset), left + cell - s - inset) + 0.5))
        r0 = int(np.floor(min(max(v + by - s / 2.0, top + inset), top + cell - s - inset) + 0.5))
        f = frame
        if i == selected:
            f = frame + 2
            _fill(img, r0 - f - 1, c0 - f - 1, r0 + s + f + 1, c0 + s + f + 1, OUTLINE)
            _fill(img, r0 - f, c0 - f, r0 + s + f, c0 + s + f, SELECTED_RING)
        else:
            _fill(img, r0 - f, c0 - f, r0 + s + f, c0 + s + f, _opaque(colours[i]))
        sprite = pool[slot]
        for r in range(max(0, -r0), min(s, h - r0)):
            for c in range(max(0, -c0), min(s, w - c0)):
                img[r0 + r, c0 + c] = sprite[r, c]
        placed[drawn, 0] = i
        placed[drawn, 1] = r0
        placed[drawn, 2] = c0
        drawn += 1
    return drawn


class SpriteCache:
    """Sprites of one dataset's images at the sizes recently drawn: per size a slot for each
    image (-1: not made yet) and a pool of made sprites, emptied when it outgrows
    `CACHE_BYTES`. Belongs to one layer (one window), never shared."""

    def __init__(self, images: np.ndarray) -> None:
        self.source = images  # as given (its owner compares it to tell a change)
        images = np.asarray(images)  # a memory-mapped pack as a plain array (for numba)
        if images.ndim != 4 or images.shape[3] not in (1, 3, 4):
            raise ValueError(f"images of shape {images.shape}: expected (N, H, W, C)")
        self.images = images
        self._sizes: dict[int, tuple[np.ndarray, list]] = {}  # size -> (slots, [pool, count])

    def __len__(self) -> int:
        return len(self.images)

    def _level(self, size: int) -> tuple[np.ndarray, list]:
        entry = self._sizes.pop(size, None)
        if entry is None:
            entry = (np.full(len(self.images), -1, np.int32), [np.empty((0, size, size), np.uint32), 0])
        self._sizes[size] = entry  # most recently used last
        while len(self._sizes) > CACHED_SIZES:
            del self._sizes[next(iter(self._sizes))]
        return entry

    def sprites(self, size: int, wanted: np.ndarray, budget: int = BUDGET) -> tuple[np.ndarray, np.ndarray, bool]:
        """(slots per image, the pool) at ``size`` with up to ``budget`` of ``wanted`` made
        now; the flag says whether every wanted image has its sprite."""
        slots, state = self._level(size)
        wanted = np.asarray(wanted, np.int64)
        missing = wanted[slots[wanted] < 0]
        cap = max(int(CACHE_BYTES // (size * size * 4)), len(wanted), 1)
        if len(missing) and state[1] + min(len(missing), budget) > cap:
            slots[:] = -1  # full: start again with what this view needs
            state[1] = 0
            missing = wanted
        make = missing[:budget]
        if len(make):
            pool, count = state
            if count + len(make) > len(pool):
                grown = np.empty((min(cap, max(2 * len(pool), count + len(make), 256)), size, size), np.uint32)
                grown[:count] = pool[:count]
                state[0] = pool = grown
            _resize(self.images, make, size, pool, count)
            slots[make] = np.arange(count, count + len(make), dtype=np.int32)
            state[1] = count + len(make)
        return slots, state[0], len(make) == len(missing)


def choose(x, y, visible, transform, w: int, h: int, cell: float, margin: float) -> np.ndarray:
    """The images to draw: one per screen cell of ``cell`` device pixels (the visible one
    nearest its centre), for a view where device pixel = (ax·x + bx, ay·y + by)."""
    ax, bx, ay, by = (float(v) for v in transform)
    if not (np.isfinite([ax, bx, ay, by]).all() and ax and ay) or not len(x):
        return np.zeros(0, np.int64)
    # the cells the screen (plus margin) covers, in the data-anchored grid
    us = sorted(((-margin - bx) / cell, (w + margin - bx) / cell))
    vs = sorted(((-margin - by) / cell, (h + margin - by) / cell))
    gx0, gy0 = math.floor(us[0]) - 1, math.floor(vs[0]) - 1
    ncx, ncy = math.floor(us[1]) - gx0 + 2, math.floor(vs[1]) - gy0 + 2
    if ncx * ncy > 4 * MAX_SPRITES:
        return np.zeros(0, np.int64)
    best = np.empty((ncy, ncx), np.int64)
    best_d = np.empty((ncy, ncx), np.float64)
    _choose(x, y, _ALL if visible is None else visible, ax, bx, ay, by, float(w), float(h), float(margin),
            float(cell), gx0, gy0, best, best_d)
    chosen = best[best >= 0]
    return np.sort(chosen)[:MAX_SPRITES]


def render_thumbnails(x, y, visible, colours, cache: SpriteCache, transform, w: int, h: int,
                      size: int, selected: int = -1, budget: int = BUDGET) -> tuple[np.ndarray, np.ndarray, bool]:
    """(h, w) uint32 premultiplied ARGB, transparent but for the sprites (``size`` device
    pixels) of the images chosen for this view; with where they were drawn ((k, 3): image, top
    row, left column, in drawing order) and whether the frame is complete (False: ``budget``
    stopped the making of sprites; draw again)."""
    img = np.zeros((h, w), np.uint32)
    n = min(len(x), len(cache))
    if n == 0:
        return img, np.zeros((0, 3), np.int64), True
    x, y = x[:n], y[:n]
    visible = None if visible is None or not len(visible) else visible[:n]
    f = frame_width(size)
    cell = cell_size(size)
    chosen = choose(x, y, visible, transform, w, h, cell, margin=size / 2 + f)
    if 0 <= selected < n and (visible is None or visible[selected]):
        wanted = np.append(chosen, selected)
    else:
        wanted, selected = chosen, -1
    slots, pool, complete = cache.sprites(size, wanted, budget)
    ax, bx, ay, by = (float(v) for v in transform)
    placed = np.empty((len(chosen) + 1, 3), np.int64)
    drawn = _blit(chosen, x, y, ax, bx, ay, by, float(cell), slots, pool,
                  np.ascontiguousarray(colours[:n], np.uint32), f, int(selected), img, placed)
    return img, placed[:drawn], bool(complete)


def sprite_at(placed: np.ndarray, size: int, col: float, row: float, selected: int = -1) -> int:
    """The image whose sprite (with its frame, the ``selected`` one's ring; ``placed`` as
    `render_thumbnails` gives it) is drawn over device pixel (col, row), the topmost; -1 for none."""
    if not len(placed):
        return -1
    f = np.where(placed[:, 0] == selected, frame_width(size) + 3, frame_width(size))
    r0, c0 = placed[:, 1], placed[:, 2]
    hit = np.flatnonzero((col >= c0 - f) & (col < c0 + size + f) & (row >= r0 - f) & (row < r0 + size + f))
    return int(placed[hit[-1], 0]) if len(hit) else -1


def warm_up() -> None:
    """Compile (or load from numba's cache) the kernels on a tiny input."""
    rng = np.random.default_rng(0)
    cache = SpriteCache(rng.integers(0, 255, (4, 8, 8, 3), dtype=np.uint8))
    x, y = rng.normal(size=4), rng.normal(size=4)
    colours = np.full(4, 0xC81F77B4, np.uint32)
    for size in (4, 16):
        render_thumbnails(x, y, None, colours, cache, (20.0, 40.0, -20.0, 40.0), 80, 80, size, 1)
        render_thumbnails(x, y, np.array([True, False, True, True]), colours, cache,
                          (20.0, 40.0, -20.0, 40.0), 80, 80, size, 1)
    SpriteCache(rng.integers(0, 255, (2, 8, 8, 1), dtype=np.uint8)).sprites(4, np.array([0, 1]))


__all__ = ["LEVELS", "SpriteCache", "cell_size", "choose", "frame_width", "render_thumbnails", "sprite_at",
           "sprite_level", "warm_up"]
