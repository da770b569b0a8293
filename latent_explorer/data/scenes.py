"""The ``demo:scenes`` renderer: a small object on a floor before a wall, in colour (numpy only).

Like DeepMind's 3dshapes: six continuous factors — floor, wall and object hue, object scale, its
x and its y (where it stands on the floor, 0 = back, 1 = front) — and a shape (cube, cylinder,
sphere) drawn in a simple oblique view with Lambert shading and a soft shadow; the wall darkens
toward the corner and the floor toward the back, so the horizon reads as a line. Every image is
rendered supersampled (4×4 per pixel) and box-filtered down, so edges are anti-aliased.

The object is small on purpose (5–10 px wide at 32 px): a reconstruction loss can score well
while ignoring it, which is what this demo exists to show.
"""
from __future__ import annotations

import numpy as np

SCENE_SHAPES = ("cube", "cylinder", "sphere")
HORIZON = 0.5  # where the wall meets the floor, as a fraction of the height
RADIUS = (0.08, 0.16)  # the object's half-width at scale 0 and 1, as a fraction of the width
X_RANGE = (0.2, 0.8)  # the object's centre, left to right
Y_RANGE = (0.64, 0.92)  # the object's base on the floor, back to front
CHUNK_PIXELS = 1 << 21  # supersampled pixels per chunk: float32 temporaries stay near 8 MB
LIGHT = tuple(float(a) for a in np.array([-0.45, -0.55, 0.70]) / np.linalg.norm([-0.45, -0.55, 0.70]))  # upper left


def sample_factors(n: int, seed: int) -> dict[str, np.ndarray]:
    """The generative factors of ``n`` scenes, uniform, from ``seed``; ``shape`` as codes."""
    rng = np.random.default_rng(seed)
    return {
        "shape": rng.integers(0, len(SCENE_SHAPES), n),
        "floor_hue": rng.uniform(0.0, 1.0, n),
        "wall_hue": rng.uniform(0.0, 1.0, n),
        "object_hue": rng.uniform(0.0, 1.0, n),
        "scale": rng.uniform(0.0, 1.0, n),
        "x": rng.uniform(0.0, 1.0, n),
        "y": rng.uniform(0.0, 1.0, n),
    }


def render_scenes(size: int, factors: dict[str, np.ndarray], draw_object: bool = True,
                  supersample: int = 4) -> np.ndarray:
    """uint8 ``(N, size, size, 3)`` images of the scenes ``factors`` describe (as from
    `sample_factors`); without ``draw_object``, the same rooms empty (no object, no shadow)."""
    n = len(factors["shape"])
    out = np.empty((n, size, size, 3), np.uint8)
    step = int(np.clip(CHUNK_PIXELS // (size * supersample) ** 2, 1, 256))
    for start in range(0, n, step):
        sl = slice(start, min(n, start + step))
        out[sl] = _render_chunk(size, {k: v[sl] for k, v in factors.items()}, draw_object, supersample)
    return out


def hsv_to_rgb(h: np.ndarray, s: np.ndarray | float, v: np.ndarray | float) -> np.ndarray:
    """Vectorised HSV → RGB; the channels on a new last axis."""
    h, s, v = np.broadcast_arrays(np.asarray(h, np.float32), np.float32(s), np.float32(v))
    k = (np.array([5.0, 3.0, 1.0], np.float32) + h[..., None] * 6.0) % 6.0
    return v[..., None] - v[..., None] * s[..., None] * np.clip(np.minimum(k, 4.0 - k), 0.0, 1.0)


def _render_chunk(size: int, f: dict[str, np.ndarray], draw_object: bool, k: int) -> np.ndarray:
    """Each output pixel is the mean of its k×k supersamples. The room's colour depends on the
    row only, so it is filtered as a column; the object and its shadow are drawn in a window
    around them (a third of the image), and their grey coverage terms are filtered before they
    are coloured (the object's hue is one per image)."""
    n, s = len(f["shape"]), size * k
    c = (np.arange(s, dtype=np.float32) + 0.5) / s  # supersample centres in [0, 1]
    room = _room(f, c)  # (n, s, 1, 3)
    out = np.broadcast_to(_sum_rows(room * np.float32(k), k), (n, size, size, 3)).copy()
    if draw_object:
        _draw_object(out, f, room, size, k)
    return _to_uint8(out / k**2)


def _draw_object(out: np.ndarray, f: dict[str, np.ndarray], room: np.ndarray, size: int, k: int) -> None:
    """Paint each scene's object and its shadow into ``out`` (sums of k×k supersamples)."""
    n, s = len(f["shape"]), size * k
    r = (RADIUS[0] + (RADIUS[1] - RADIUS[0]) * f["scale"]).astype(np.float32)
    cx = (X_RANGE[0] + (X_RANGE[1] - X_RANGE[0]) * f["x"]).astype(np.float32)
    by = (Y_RANGE[0] + (Y_RANGE[1] - Y_RANGE[0]) * f["y"]).astype(np.float32)
    # the window holds the object (up to 1.35 r right, 2.6 r up) and its shadow (1.55 r left,
    # 2.25 r right, 0.62 r down) at the largest scale; output pixels, so the filter stays aligned
    w = min(size, int(np.ceil(3.9 * RADIUS[1] * size)) + 2)
    h = min(size, int(np.ceil(3.3 * RADIUS[1] * size)) + 2)
    x0 = np.clip(np.floor((cx - 1.6 * r) * size).astype(int), 0, size - w)
    y0 = np.clip(np.floor((by - 2.65 * r) * size).astype(int), 0, size - h)
    cols = x0[:, None] * k + np.arange(w * k)  # (n, w k) supersample indices
    rows = y0[:, None] * k + np.arange(h * k)
    gx = ((cols + 0.5) / s).astype(np.float32)[:, None, :]  # (n, 1, w k)
    gy = ((rows + 0.5) / s).astype(np.float32)[:, :, None]  # (n, h k, 1)
    r, cx, by = r[:, None, None], cx[:, None, None], by[:, None, None]
    # a soft shadow on the floor, cast to the lower right of the object's base
    d = ((gx - cx - 0.35 * r) / (1.5 * r)) ** 2 + ((gy - by - 0.05 * r) / (0.45 * r)) ** 2
    lit = 1.0 - 0.55 * np.clip(1.6 - d, 0.0, 1.0) * (gy > HORIZON)
    mask = np.zeros((n, h * k, w * k), bool)
    shade = np.zeros((n, h * k, w * k), np.float32)
    for code in range(len(SCENE_SHAPES)):
        idx = np.flatnonzero(f["shape"] == code)
        if len(idx):
            mask[idx], shade[idx] = _OBJECTS[code]((gx[idx] - cx[idx]) / r[idx], (gy[idx] - by[idx]) / r[idx])
    lit = np.where(mask, np.float32(0.0), lit)
    room_rows = np.take_along_axis(room, rows[:, :, None, None], axis=1)  # (n, h k, 1, 3)
    background = _sum_rows(_sum_cols(lit, k)[..., None] * room_rows, k)  # (n, h, w, 3)
    body = _sum_rows(_sum_cols(shade, k), k)[..., None]
    cover = _sum_rows(_sum_cols(mask.astype(np.float32), k), k)[..., None]
    colour = hsv_to_rgb(f["object_hue"], 0.8, 1.0)[:, None, None, :]  # (n, 1, 1, 3)
    ii = np.arange(n)[:, None, None]
    out[ii, y0[:, None, None] + np.arange(h)[:, None], x0[:, None, None] + np.arange(w)] = (
        background + colour * body + 0.04 * cover  # 0.04: ambient light on the object
    )


def _sum_cols(a: np.ndarray, k: int) -> np.ndarray:
    """(n, s, s) → (n, s, s/k): sums of k neighbouring columns (strided adds: faster than
    numpy's reduce over a short last axis)."""
    out = a[:, :, 0::k].copy()
    for j in range(1, k):
        out += a[:, :, j::k]
    return out


def _sum_rows(a: np.ndarray, k: int) -> np.ndarray:
    out = a[:, 0::k].copy()
    for j in range(1, k):
        out += a[:, j::k]
    return out


def _to_uint8(img: np.ndarray) -> np.ndarray:
    return (np.clip(img, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)


def _room(f: dict[str, np.ndarray], rows: np.ndarray) -> np.ndarray:
    """The empty room, one colour per row: (n, rows, 1, 3). The wall darkens toward the corner,
    the floor toward the back; a thin dark line where they meet."""
    wall = hsv_to_rgb(f["wall_hue"], 0.45, 0.9)[:, None, :]  # (n, 1, 3)
    floor = hsv_to_rgb(f["floor_hue"], 0.6, 0.95)[:, None, :]
    depth = (rows - HORIZON) / (1.0 - HORIZON)  # 0 at the horizon, 1 at the bottom
    wall_light = 1.0 - 0.3 * (rows / HORIZON) ** 2
    floor_light = 0.45 + 0.55 * np.sqrt(np.clip(depth, 0.0, 1.0))
    corner = 1.0 - 0.35 * np.exp(-((rows - HORIZON) / 0.012) ** 2)
    on_floor = (rows >= HORIZON)[None, :, None]
    room = np.where(on_floor, floor * floor_light[None, :, None], wall * wall_light[None, :, None])
    return (room * corner[None, :, None])[:, :, None, :].astype(np.float32)


def _lambert(nx, ny, nz) -> np.ndarray:
    return np.clip(nx * LIGHT[0] + ny * LIGHT[1] + nz * LIGHT[2], 0.0, 1.0).astype(np.float32)


# Each shape in its own frame: ``u`` across (±1 = the half-width), ``v`` down from its base
# (0 = where it stands, −2 ≈ its top); returns its coverage mask and brightness.

def _cube(u: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The front face, and its top receding up and to the right (an oblique view), lit."""
    t = (-2.0 - v) / 0.6  # 0 at the front top edge, 1 at the back
    front = (np.abs(u) <= 0.9) & (v <= 0.0) & (v >= -2.0)
    top = (t >= 0.0) & (t <= 1.0) & (np.abs(u - 0.45 * t) <= 0.9)
    return front | top, np.where(front, np.float32(0.72), np.where(top, np.float32(1.0), np.float32(0)))


def _cylinder(u: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A body shaded across its curve between two elliptic caps, the top cap lit."""
    a, cap, height = 0.85, 0.3, 1.9
    nx = np.clip(u / a, -1.0, 1.0)
    body = (np.abs(u) <= a) & (v <= 0.0) & (v >= -height)
    bottom = nx**2 + (v / cap) ** 2 <= 1.0
    top = nx**2 + ((v + height) / cap) ** 2 <= 1.0
    side = body | bottom
    light = 0.35 + 0.6 * _lambert(nx, 0.0, np.sqrt(1.0 - nx**2))
    return side | top, np.where(top, np.float32(1.0), np.where(side, light, np.float32(0)))


def _sphere(u: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A ball standing on the floor, Lambert-shaded."""
    w = v + 1.0
    rr = u**2 + w**2
    inside = rr <= 1.0
    light = 0.3 + 0.7 * _lambert(u, w, np.sqrt(np.clip(1.0 - rr, 0.0, 1.0)))
    return inside, np.where(inside, light, np.float32(0))


_OBJECTS = (_cube, _cylinder, _sphere)  # in SCENE_SHAPES order
