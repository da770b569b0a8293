"""Point colours as the raster maps draw them: any colour pyqtgraph understands, or integer codes
into a palette, turned into QImage's premultiplied ARGB32 (2-D and 3-D maps alike)."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg


def premultiplied_argb(rgba: np.ndarray) -> np.ndarray:
    """(N, 4) uint8 RGBA → (N,) uint32 in QImage's ARGB32_Premultiplied layout."""
    rgba = np.asarray(rgba, np.uint32)
    a = rgba[:, 3]
    r, g, b = ((rgba[:, k] * a + 127) // 255 for k in range(3))
    return (a << 24) | (r << 16) | (g << 8) | b


def rgba_array(colours) -> np.ndarray:
    """Colours given as (K, 4)/(K, 3) numbers or as anything pg.mkColor takes → (K, 4) uint8."""
    try:
        arr = np.asarray(colours)
    except ValueError:
        arr = None
    if arr is not None and arr.dtype.kind in "uif" and arr.ndim == 2 and arr.shape[1] in (3, 4):
        out = np.full((len(arr), 4), 255, np.uint8)
        out[:, :arr.shape[1]] = np.clip(arr, 0, 255)
        return out
    return np.array([pg.mkColor(c).getRgb() for c in colours], np.uint8).reshape(-1, 4)


def point_colours(colours, palette=None) -> tuple[np.ndarray | None, np.ndarray]:
    """(N, 4) RGBA, or (N,) integer codes into ``palette`` → (codes or None, (N,) premultiplied ARGB)."""
    colours = np.asarray(colours)
    if colours.ndim != 1:
        return None, premultiplied_argb(rgba_array(colours))
    if palette is None:
        raise ValueError("integer colour codes need a palette")
    codes = colours.astype(np.int64)
    table = premultiplied_argb(rgba_array(palette))
    return codes, table[np.clip(codes, 0, len(table) - 1)]


__all__ = ["point_colours", "premultiplied_argb", "rgba_array"]
