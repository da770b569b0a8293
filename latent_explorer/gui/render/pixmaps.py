"""uint8 image arrays → Qt pixmaps, scaled up without smoothing so pixels stay pixels."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPixmap

_FORMATS = {1: QImage.Format.Format_Grayscale8, 3: QImage.Format.Format_RGB888,
            4: QImage.Format.Format_RGBA8888}


def to_qimage(image: np.ndarray) -> QImage:
    """(H, W), (H, W, 1), (H, W, 3) or (H, W, 4) uint8 → a QImage that owns its pixels."""
    a = np.asarray(image)
    if a.ndim == 2:
        a = a[:, :, None]
    if a.ndim != 3 or a.shape[2] not in _FORMATS:
        raise ValueError(f"cannot show an image of shape {a.shape}")
    a = np.ascontiguousarray(a, dtype=np.uint8)
    h, w, c = a.shape
    return QImage(a.data, w, h, w * c, _FORMATS[c]).copy()


def scaled_pixmap(image: np.ndarray, target: int) -> QPixmap:
    """The image enlarged by the largest whole factor that fits in ``target`` pixels (crisp
    pixels), or shrunk smoothly to fit when it is larger: a strip of eight 64 px reconstructions
    would otherwise widen the Model dock past its buttons."""
    qimg = to_qimage(image)
    side = max(qimg.width(), qimg.height())
    if side > target:
        return QPixmap.fromImage(qimg.scaled(target, target, Qt.AspectRatioMode.KeepAspectRatio,
                                             Qt.TransformationMode.SmoothTransformation))
    factor = max(1, target // side)
    return QPixmap.fromImage(
        qimg.scaled(qimg.width() * factor, qimg.height() * factor,
                    Qt.AspectRatioMode.IgnoreAspectRatio, Qt.TransformationMode.FastTransformation)
    )


def grid(rows: list[np.ndarray], gap: int = 1, fill: int = 255) -> np.ndarray:
    """Rows of equally sized images (each (k, H, W, C) uint8) tiled into one image with
    ``gap`` pixels of ``fill`` between them."""
    k = max(len(r) for r in rows)
    _, h, w, c = rows[0].shape
    out = np.full((len(rows) * (h + gap) - gap, k * (w + gap) - gap, c), fill, np.uint8)
    for i, row in enumerate(rows):
        for j, img in enumerate(row):
            out[i * (h + gap): i * (h + gap) + h, j * (w + gap): j * (w + gap) + w] = img
    return out


__all__ = ["grid", "scaled_pixmap", "to_qimage"]
