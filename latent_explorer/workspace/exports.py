"""Files for other tools: map coordinates and selections as CSV (with image paths and labels)
or .npy, and images as PNG, written atomically."""
from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np

from latent_explorer.errors import UserError
from latent_explorer.infra.files import atomic_write, atomic_write_bytes


def _rows_csv(header: list[str], rows) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue().encode("utf-8")


def _meta(dataset, i: int) -> tuple[str, str]:
    path = dataset.paths[i] if dataset.paths else ""
    label = ""
    if dataset.labels is not None and dataset.labels[i] >= 0:
        label = dataset.label_names[dataset.labels[i]]
    return path, label


def write_map_coordinates(target, embedding: np.ndarray, dataset) -> Path:
    """One row per image: index, path, label, map x, y (, z) — or an (N, k) .npy."""
    target = Path(target)
    emb = np.asarray(embedding)
    ext = target.suffix.lower()
    if ext == ".npy":
        atomic_write(target, lambda f: np.save(f, emb.astype(np.float32), allow_pickle=False))
    elif ext == ".csv":
        axes = [f"map_{a}" for a in "xyz"[: emb.shape[1]]]
        rows = ([i, *_meta(dataset, i), *(f"{v:.6g}" for v in row)] for i, row in enumerate(emb))
        atomic_write_bytes(target, _rows_csv(["index", "path", "label", *axes], rows))
    else:
        raise UserError(f"write map coordinates to .csv or .npy, not '{target.suffix or target.name}'")
    return target


def write_selection(target, indices, dataset, embedding: np.ndarray | None = None) -> Path:
    """The selected images as CSV: index, path, label (and their map position)."""
    target = Path(target)
    if target.suffix.lower() != ".csv":
        raise UserError(f"write a selection to .csv, not '{target.suffix or target.name}'")
    idx = np.asarray(indices, np.int64)
    axes = [] if embedding is None else [f"map_{a}" for a in "xyz"[: embedding.shape[1]]]
    rows = ([int(i), *_meta(dataset, int(i)), *([] if embedding is None else
             (f"{v:.6g}" for v in embedding[i]))] for i in idx)
    atomic_write_bytes(target, _rows_csv(["index", "path", "label", *axes], rows))
    return target


def write_png(target, image: np.ndarray) -> Path:
    """An image (uint8 (H, W, C), C = 1 or 3) as a PNG file, written atomically."""
    from PIL import Image

    target = Path(target)
    if target.suffix.lower() != ".png":
        raise UserError(f"save the image as .png, not '{target.suffix or target.name}'")
    img = np.asarray(image, np.uint8)
    buf = io.BytesIO()
    Image.fromarray(img[..., 0] if img.ndim == 3 and img.shape[2] == 1 else img).save(buf, "PNG")
    atomic_write_bytes(target, buf.getvalue())
    return target
