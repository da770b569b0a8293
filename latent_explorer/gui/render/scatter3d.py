"""The 3-D map's points: the data both drawing paths share, and the CPU path's drawing.

`render_cloud` is the 2-D raster kernels (`scatter_raster`) with a depth test: each point is
rotated and perspective-projected in one numba pass that keeps, per device pixel, the point
nearest the camera — the pixel holds a key (nearness << 32 | index), so "keep the highest"
keeps the nearest — then the same `stamp` grows every pixel into a disc (nearer discs cover
farther ones) and a last pass colours the pixels, fading far points towards the background.
The cost is one pass over the points plus one over the pixels, whatever the camera. The keys
stay in the buffers afterwards, so picking reads the point drawn under the mouse
(`pick_key`) — the GL path computes the same keys, without colours, just for picking."""
from __future__ import annotations

import numpy as np

from latent_explorer.gui.render.camera3d import Frame
from latent_explorer.gui.render.hit_test import cached_njit
from latent_explorer.gui.render.point_colours import point_colours, premultiplied_argb
from latent_explorer.gui.render.scatter_raster import work_buffer
from latent_explorer.gui.render.stamps import stamp_auto, stamp_list, stamp_offsets

NEAR_MAX = (1 << 30) - 1  # nearness levels in a key
INDEX_MASK = (1 << 32) - 1
DEPTH_FADE = 0.5  # how far towards the background the farthest points fade
RINGS = ((10, (0, 0, 0, 255)), (6, (255, 215, 0, 255)))  # around a selected point: (pixels wider, RGBA)
CHOSEN_RINGS = ((4, (255, 200, 0, 255)),)  # around a lasso/box selection's points, as in 2-D
_ALL = np.ones(0, np.bool_)


@cached_njit
def _splat_depth(p, visible, m, f, cx, cy, near, inv_span, centre):
    """centre[r, c] = the key of the visible point nearest the camera whose pixel is (r, c)."""
    centre[:] = -1
    h, w = centre.shape
    masked = len(visible) > 0
    lit = 0
    for i in range(p.shape[0]):
        if masked and not visible[i]:
            continue
        x, y, z = p[i, 0], p[i, 1], p[i, 2]
        depth = -(m[2, 0] * x + m[2, 1] * y + m[2, 2] * z + m[2, 3])
        if not depth > 1e-12:  # behind the camera, or not finite
            continue
        s = f / depth
        px = cx + (m[0, 0] * x + m[0, 1] * y + m[0, 2] * z + m[0, 3]) * s
        py = cy - (m[1, 0] * x + m[1, 1] * y + m[1, 2] * z + m[1, 3]) * s
        if 0.0 <= px < w and 0.0 <= py < h:
            t = min(max((depth - near) * inv_span, 0.0), 1.0)
            key = (np.int64((1.0 - t) * NEAR_MAX) << 32) | i
            r, c = int(py), int(px)
            if key > centre[r, c]:
                centre[r, c] = key
            lit += 1
    return lit


@cached_njit
def _shade(keys, colours, fade, img):
    """Each pixel the colour of its key's point, faded towards white (premultiplied) with depth."""
    h, w = keys.shape
    scale = fade / NEAR_MAX
    for r in range(h):
        for c in range(w):
            key = keys[r, c]
            if key < 0:
                img[r, c] = 0
                continue
            colour = np.int64(colours[key & INDEX_MASK])
            k = fade - scale * (key >> 32)  # 0 nearest … fade farthest
            a = (colour >> 24) & 255
            red = (colour >> 16) & 255
            green = (colour >> 8) & 255
            blue = colour & 255
            red += np.int64((a - red) * k)
            green += np.int64((a - green) * k)
            blue += np.int64((a - blue) * k)
            img[r, c] = np.uint32((a << 24) | (red << 16) | (green << 8) | blue)


class Cloud:
    """Points (N, 3) with one colour each (premultiplied ARGB uint32), colour codes when given
    as codes + palette (then `set_group_visible` hides a code), a visibility mask (None: all
    shown), highlighted points (the clicked one), chosen points (a lasso/box selection, ringed
    more lightly) and ``fade``: how far the farthest points fade towards the
    background. ``versions`` = (positions, colours with the mask and fade, highlight) counts
    changes, for caches and GL buffers."""

    def __init__(self) -> None:
        self.positions = np.zeros((0, 3))
        self.colours = np.zeros(0, np.uint32)
        self.codes: np.ndarray | None = None
        self.visible: np.ndarray | None = None
        self.highlight = np.zeros(0, np.int64)
        self.chosen = np.zeros(0, np.int64)
        self.fade = DEPTH_FADE
        self.lo, self.hi = -np.ones(3), np.ones(3)
        self.centre, self.radius = np.zeros(3), 1.0  # a sphere around every finite point
        self.versions = (0, 0, 0)

    def __len__(self) -> int:
        return len(self.positions)

    def _bump(self, positions: int = 0, colours: int = 0, highlight: int = 0) -> None:
        p, c, h = self.versions
        self.versions = (p + positions, c + colours, h + highlight)

    def set_positions(self, positions) -> None:
        """New positions; the colours stay when the count does (an animating map)."""
        p = np.ascontiguousarray(np.asarray(positions, np.float64).reshape(-1, 3))
        resized = len(p) != len(self.positions)
        self.positions = p
        finite = np.isfinite(p).all(axis=1)
        if finite.any():
            q = p[finite]
            self.lo, self.hi = q.min(axis=0), q.max(axis=0)
            self.centre = (self.lo + self.hi) / 2
            self.radius = float(np.sqrt(((q - self.centre) ** 2).sum(axis=1).max()))
        if resized:
            self.colours = np.full(len(p), premultiplied_argb(np.array([[31, 119, 180, 255]]))[0], np.uint32)
            self.codes, self.visible = None, None
            self.highlight = self.chosen = np.zeros(0, np.int64)
        self._bump(positions=1, colours=int(resized), highlight=int(resized))

    def set_colours(self, colours, palette=None, fade: float = DEPTH_FADE) -> None:
        """(N, 4) RGBA, or (N,) integer codes into ``palette``; shows every point again."""
        self.fade = float(fade)
        self.codes, self.colours = point_colours(colours, palette)
        if len(self.colours) != len(self.positions):
            raise ValueError(f"{len(self.colours)} colours for {len(self.positions)} points")
        self.visible = None
        self._bump(colours=1)

    def set_group_visible(self, code: int, visible: bool) -> None:
        if self.codes is None:
            raise ValueError("groups need colours given as codes + palette")
        mask = np.ones(len(self), bool) if self.visible is None else self.visible.copy()
        mask[self.codes == code] = visible
        self.visible = None if mask.all() else mask
        self._bump(colours=1)

    def _valid(self, indices) -> np.ndarray:
        idx = np.asarray([] if indices is None else indices, np.int64).ravel()
        return idx[(idx >= 0) & (idx < len(self))]

    def set_highlight(self, indices) -> None:
        self.highlight = self._valid(indices)
        self._bump(highlight=1)

    def set_chosen(self, indices) -> None:
        self.chosen = self._valid(indices)
        self._bump(highlight=1)

    def is_visible(self, index: int) -> bool:
        return 0 <= index < len(self) and (self.visible is None or bool(self.visible[index]))


def _frame_args(frame: Frame, pad: float):
    span = max(frame.far - frame.near, 1e-12)
    return frame.m, frame.f, frame.cx + pad, frame.cy + pad, frame.near, 1.0 / span


def render_keys(cloud: Cloud, frame: Frame, w: int, h: int, size: int, buffers: dict) -> int:
    """Fills ``buffers["keys"]`` ((h + 4·pad, w + 4·pad) int64: the point drawn at each device
    pixel, padded by 2·pad) and ``buffers["centre"]``; returns pad."""
    dy, dx = stamp_offsets(size)
    pad = int(max(np.abs(dy).max(), np.abs(dx).max()))
    centre = work_buffer(buffers, "centre", (h + 2 * pad, w + 2 * pad), np.int64)
    keys = work_buffer(buffers, "keys", (h + 4 * pad, w + 4 * pad), np.int64)
    visible = _ALL if cloud.visible is None else cloud.visible
    shift = 0.5 if size % 2 == 0 else 0.0
    _splat_depth(cloud.positions, visible, *_frame_args(frame, pad - shift), centre)
    stamp_auto(centre, pad, size, keys)
    buffers["pad"] = pad
    return pad


def ring_stamps(size: int, dpr: float = 1.0, rings=RINGS) -> list[tuple[int, int]]:
    """(stamp size, premultiplied ARGB) of the rings around a highlighted point, outer first."""
    return [(size + max(2, round(grow * dpr)), int(premultiplied_argb(np.array([rgba]))[0]))
            for grow, rgba in rings]


def render_cloud(cloud: Cloud, frame: Frame, w: int, h: int, size: int, rings: list[tuple[int, int]],
                 buffers: dict, chosen_rings: list[tuple[int, int]] | None = None) -> np.ndarray:
    """(h, w) uint32 premultiplied ARGB, transparent where no point is; chosen points, then
    highlighted ones, on top of everything inside ``chosen_rings`` / ``rings`` (see
    `ring_stamps`). The result is one of ``buffers``."""
    pad = render_keys(cloud, frame, w, h, size, buffers)
    img = work_buffer(buffers, "image", (h, w), np.uint32)
    _shade(buffers["keys"][2 * pad:2 * pad + h, 2 * pad:2 * pad + w], cloud.colours, cloud.fade, img)
    chosen_rings = ring_stamps(size, 1.0, CHOSEN_RINGS) if chosen_rings is None else chosen_rings
    for idx, stamps in ((cloud.chosen, chosen_rings), (cloud.highlight, rings)):
        _draw_on_top(cloud, frame, idx, size, stamps, img)
    return img


def _draw_on_top(cloud: Cloud, frame: Frame, idx: np.ndarray, size: int, rings, img: np.ndarray) -> None:
    """Points ``idx`` over everything, each inside ``rings``."""
    if cloud.visible is not None:
        idx = idx[cloud.visible[idx]]
    if not len(idx):
        return
    p = cloud.positions[idx]
    cam = p @ frame.m[:, :3].T + frame.m[:, 3]
    front = -cam[:, 2] > 1e-12
    s = frame.f / -cam[front, 2]
    x = frame.cx + cam[front, 0] * s
    y = frame.cy - cam[front, 1] * s
    order = np.arange(len(x))
    colours = np.ascontiguousarray(cloud.colours[idx[front]])
    stamps = [(width, np.uint32(argb), True) for width, argb in rings] + [(size, np.uint32(0), False)]
    for width, single, use_single in stamps:
        shift = 0.5 if width % 2 == 0 else 0.0
        sdy, sdx = stamp_offsets(width)
        stamp_list(order, x, y, _ALL, 1.0, -shift, 1.0, -shift, sdy, sdx, colours, single, use_single, img)


def pick_key(buffers: dict, x: int, y: int, radius: int) -> int:
    """The point drawn at device pixel (x, y) by the last `render_keys`; else the nearest point
    centre within ``radius`` pixels (the nearer to the camera on a tie); else -1."""
    keys, centre, pad = buffers.get("keys"), buffers.get("centre"), buffers.get("pad", 0)
    if keys is None:
        return -1
    h, w = keys.shape[0] - 4 * pad, keys.shape[1] - 4 * pad
    if not (0 <= x < w and 0 <= y < h):
        return -1
    key = int(keys[y + 2 * pad, x + 2 * pad])
    if key >= 0:
        return key & INDEX_MASK
    r0, r1 = max(y - radius, 0), min(y + radius + 1, h)
    c0, c1 = max(x - radius, 0), min(x + radius + 1, w)
    window = centre[r0 + pad:r1 + pad, c0 + pad:c1 + pad]
    rows, cols = np.nonzero(window >= 0)
    if not len(rows):
        return -1
    d2 = (rows + r0 - y) ** 2 + (cols + c0 - x) ** 2
    found = window[rows, cols]
    ok = d2 <= radius * radius
    if not ok.any():
        return -1
    best = np.lexsort((-found[ok], d2[ok]))[0]
    return int(found[ok][best]) & INDEX_MASK


def warm_up() -> None:
    """Compile (or load from the cache) this module's kernels on a tiny input; no Qt involved."""
    from latent_explorer.gui.render.camera3d import OrbitCamera

    cloud = Cloud()
    cloud.set_positions(np.array([[0.0, 0, 0], [1, 1, 1]]))
    cloud.set_colours(np.array([0, 1]), [(255, 0, 0, 255), (0, 0, 255, 255)])
    cloud.set_highlight([1])
    cam = OrbitCamera()
    cam.fit(cloud.centre, cloud.radius)
    for size in (3, 6):
        render_cloud(cloud, cam.frame(20, 20), 20, 20, size, ring_stamps(size), {})


__all__ = ["Cloud", "pick_key", "render_cloud", "render_keys", "ring_stamps", "warm_up"]
