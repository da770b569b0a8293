"""The dataset every later stage reads: images, labels, attributes, and what was skipped."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Skipped:
    """A file that could not be used, with a reason a person understands."""

    path: str
    reason: str

    def to_dict(self) -> dict[str, str]:
        return {"path": self.path, "reason": self.reason}


@dataclass
class Dataset:
    """Images as uint8 ``(N, H, W, C)`` with C = 1 (grey) or 3 (RGB), or ``None`` for embeddings.
    A folder's are the decode cache's pack, memory-mapped read-only: read rows (`gather`), a
    batch at a time; a copy of them all costs the folder's size in memory.

    ``labels`` are integer codes into ``label_names`` (``-1`` = no label) or ``None`` when the
    source has no labels. ``attributes`` are continuous (float, NaN where missing);
    ``categories`` are text attributes as integer codes into ``category_names[name]``.
    ``source`` is a JSON-able description sufficient to reload the same data
    (never a copy of the user's images).
    """

    images: np.ndarray | None
    labels: np.ndarray | None = None
    label_names: list[str] = field(default_factory=list)
    attributes: dict[str, np.ndarray] = field(default_factory=dict)
    categories: dict[str, np.ndarray] = field(default_factory=dict)
    category_names: dict[str, list[str]] = field(default_factory=dict)
    paths: list[str] | None = None
    skipped: list[Skipped] = field(default_factory=list)
    source: dict[str, Any] = field(default_factory=dict)
    vectors: np.ndarray | None = None  # precomputed embeddings, when there are no images
    warnings: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        if self.images is not None:
            return int(self.images.shape[0])
        if self.vectors is not None:
            return int(self.vectors.shape[0])
        if self.paths is not None:  # a workspace's dataset before its images are reloaded
            return len(self.paths)
        return 0 if self.labels is None else int(len(self.labels))

    @property
    def has_images(self) -> bool:
        return self.images is not None

    @property
    def image_size(self) -> int | None:
        return None if self.images is None else int(self.images.shape[1])

    @property
    def channels(self) -> int | None:
        return None if self.images is None else int(self.images.shape[3])

    @property
    def is_labelled(self) -> bool:
        return self.labels is not None and bool(np.any(self.labels >= 0))

    def images_float(self, indices: np.ndarray | None = None) -> np.ndarray:
        """Images as float32 ``(N, C, H, W)`` in [0, 1], the layout the models take (a whole
        folder's worth without ``indices``: pass them, batch by batch, for large folders)."""
        if self.images is None:
            raise ValueError("this dataset has no images")
        imgs = self.images if indices is None else gather(self.images, indices)
        out = imgs.transpose(0, 3, 1, 2).astype(np.float32, order="C")
        out /= 255.0  # in place: one float copy of the batch, not two
        return out

    def label_list(self) -> list[str | None] | None:
        if self.labels is None:
            return None
        return [self.label_names[i] if i >= 0 else None for i in self.labels]


def gather(images: np.ndarray, indices) -> np.ndarray:
    """``images[indices]`` read in ascending row order, then put back in the order asked: the
    images may be memory-mapped, and a shuffled batch then reads the file forwards."""
    idx = np.asarray(indices, dtype=np.intp)
    if idx.ndim != 1 or len(idx) < 2 or bool(np.all(idx[1:] >= idx[:-1])):
        return images[idx]
    order = np.argsort(idx, kind="stable")
    out = np.empty((len(idx),) + images.shape[1:], images.dtype)
    out[order] = images[idx[order]]
    return out
