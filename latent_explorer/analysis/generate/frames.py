"""Decoded images to files a person opens anywhere: an animated GIF (loops forever) or a PNG
strip / grid. Small images are enlarged by a whole factor with nearest-neighbour sampling (no
blur) to at least `MIN_SIDE` pixels; images flagged off the data get a red border, the others a
grey one. Files are written atomically."""
from __future__ import annotations

import io
import math
import os
from typing import Sequence

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from latent_explorer.errors import UserError
from latent_explorer.infra.files import atomic_write_bytes

MIN_SIDE = 128
DURATION_MS = 100  # per GIF frame: 16 steps play in 1.6 s
HOLD = 5  # the first and last frame of an interpolation stay this many frames long
OFF_COLOUR = (220, 30, 30)
ON_COLOUR = (140, 140, 140)
BACKGROUND = (255, 255, 255)
SUFFIXES = (".gif", ".png")


def as_uint8(images) -> np.ndarray:
    """Images (N, H, W[, C]) — float in [0, 1] (clipped) or uint8 — as uint8 (N, H, W, 1 or 3)."""
    a = np.asarray(images)
    if a.ndim == 3:
        a = a[..., None]
    if a.ndim != 4 or a.shape[0] == 0 or a.shape[3] not in (1, 3) or min(a.shape[1:3]) == 0:
        raise UserError(f"images must be (N, H, W[, 1 or 3]), got shape {np.shape(images)}")
    if a.dtype == np.uint8:
        return a
    if a.dtype.kind not in "fiub":
        raise UserError(f"images must be numbers, got {a.dtype}")
    a = np.nan_to_num(a.astype(np.float32), nan=0.0)
    return (np.clip(a, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)


def upscale_factor(side: int, min_side: int = MIN_SIDE) -> int:
    return max(1, math.ceil(min_side / max(1, side)))


def _tiles(images, flags, min_side: int) -> list[Image.Image]:
    """RGB tiles, enlarged, each with a border (red when flagged)."""
    imgs = as_uint8(images)
    if flags is not None and len(flags) != len(imgs):
        raise UserError(f"{len(flags)} off-data flags for {len(imgs)} images")
    factor = upscale_factor(max(imgs.shape[1:3]), min_side)
    border = 0 if flags is None else max(2, factor * max(imgs.shape[1:3]) // 40)
    out = []
    for i, img in enumerate(imgs):
        rgb = np.repeat(img, 3, axis=2) if img.shape[2] == 1 else img
        big = np.repeat(np.repeat(rgb, factor, axis=0), factor, axis=1)
        if border:
            colour = OFF_COLOUR if flags[i] else ON_COLOUR
            big = np.pad(big, ((border, border), (border, border), (0, 0)))
            big[:border], big[-border:], big[:, :border], big[:, -border:] = (colour,) * 4
        out.append(Image.fromarray(np.ascontiguousarray(big), "RGB"))
    return out


def gif_bytes(
    images, flags: Sequence[bool] | None = None, duration_ms: int = DURATION_MS,
    pingpong: bool = False, hold_ends: bool = True, min_side: int = MIN_SIDE,
) -> bytes:
    """An animated GIF that loops forever; ``pingpong`` plays back to the start; ``hold_ends``
    keeps the first and last image on screen longer."""
    if not 10 <= int(duration_ms) <= 10_000:
        raise UserError(f"frame duration must be 10–10,000 ms, got {duration_ms!r}")
    tiles = _tiles(images, flags, min_side)
    order = list(range(len(tiles)))
    if pingpong and len(tiles) > 2:
        order += order[-2:0:-1]
    durations = [int(duration_ms)] * len(order)
    if hold_ends and len(tiles) > 1:
        for pos, i in enumerate(order):
            if i in (0, len(tiles) - 1):
                durations[pos] = int(duration_ms) * HOLD
    frames = [tiles[i] for i in order]
    buf = io.BytesIO()
    frames[0].save(buf, format="GIF", save_all=True, append_images=frames[1:], loop=0,
                   duration=durations if len(frames) > 1 else durations[0], disposal=1, optimize=False)
    return buf.getvalue()


def grid_bytes(
    images, flags: Sequence[bool] | None = None, columns: int | None = None,
    captions: Sequence[str] | None = None, gap_after: Sequence[int] = (), min_side: int = MIN_SIDE,
) -> bytes:
    """A PNG of the images in rows of ``columns`` (default: one row), each with its caption
    below when given; a wider gap follows each tile index in ``gap_after``."""
    tiles = _tiles(images, flags, min_side)
    n = len(tiles)
    cols = n if columns is None else max(1, min(int(columns), n))
    rows = math.ceil(n / cols)
    tw, th = tiles[0].size
    gap = max(4, tw // 24)
    font = ImageFont.load_default(size=max(10, min(24, tw // 8))) if captions else None
    text_h = 0 if font is None else int(font.size * 1.6)
    xs, x = [], gap
    for c in range(cols):
        xs.append(x)
        x += tw + gap * (4 if c in gap_after else 1)
    width, height = x, gap + rows * (th + text_h + gap)
    sheet = Image.new("RGB", (width, height), BACKGROUND)
    draw = ImageDraw.Draw(sheet) if font is not None else None
    for i, tile in enumerate(tiles):
        r, c = divmod(i, cols)
        top = gap + r * (th + text_h + gap)
        sheet.paste(tile, (xs[c], top))
        if draw is not None and i < len(captions) and captions[i]:
            draw.text((xs[c] + tw / 2, top + th + text_h / 2), str(captions[i]), fill=(0, 0, 0),
                      font=font, anchor="mm")
    buf = io.BytesIO()
    sheet.save(buf, format="PNG", optimize=True)
    return buf.getvalue()


def check_output(path: str | os.PathLike, allowed: Sequence[str] = SUFFIXES) -> str:
    """The lower-case suffix of ``path`` when it is one of ``allowed`` and its folder exists."""
    p = os.fspath(path)
    suffix = os.path.splitext(p)[1].lower()
    if suffix not in allowed:
        raise UserError(f"write {' or '.join(allowed)}, not '{suffix or os.path.basename(p)}'")
    folder = os.path.dirname(os.path.abspath(p))
    if not os.path.isdir(folder):
        raise UserError(f"cannot write {p}: the folder {folder} does not exist")
    return suffix


def write_frames(
    path: str | os.PathLike, images, flags: Sequence[bool] | None = None, columns: int | None = None,
    captions: Sequence[str] | None = None, **gif_options,
) -> None:
    """``.gif`` → `gif_bytes` (``gif_options``: duration_ms, pingpong, hold_ends); ``.png`` →
    `grid_bytes`. Written atomically."""
    if check_output(path) == ".gif":
        data = gif_bytes(images, flags, **gif_options)
    else:
        data = grid_bytes(images, flags, columns, captions)
    atomic_write_bytes(path, data)


__all__ = ["MIN_SIDE", "as_uint8", "check_output", "gif_bytes", "grid_bytes", "upscale_factor", "write_frames"]
