"""The decoded atlas's tiles, for the 2-D and the 3-D map alike: their size on screen, how
many per side, and `compose`, which lays decoded images out as one RGBA picture."""
from __future__ import annotations

import numpy as np

TILE_PIXELS = 56  # target tile size on screen
MAX_TILES = 24  # per side
OPACITY = 0.85


def compose(images: np.ndarray, confidence: np.ndarray, nx: int, ny: int, bottom_up: bool = True) -> np.ndarray:
    """ny rows × nx tiles (rows from the bottom up) → one RGBA image, faded to transparent where the
    decoder is guessing; returned with rows from the bottom up, as pyqtgraph's ImageItem
    draws with ``axisOrder='row-major'`` and an inverted-y view. ``bottom_up=False``: tile rows
    and image rows both top-down (a screen image)."""
    k, h, w, c = images.shape
    rgb = images if c == 3 else np.repeat(images, 3, axis=3)
    alpha = (255 * (0.25 + 0.75 * np.clip(confidence, 0, 1))).astype(np.uint8)
    rgba = np.concatenate([rgb, np.broadcast_to(alpha[:, None, None, None], (k, h, w, 1))], axis=3)
    grid = rgba.reshape(ny, nx, h, w, 4)
    if bottom_up:
        grid = grid[:, :, ::-1]  # each tile's rows bottom-up, like the map
    return np.ascontiguousarray(grid.transpose(0, 2, 1, 3, 4).reshape(ny * h, nx * w, 4))


__all__ = ["MAX_TILES", "OPACITY", "TILE_PIXELS", "compose"]
