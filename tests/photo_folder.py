"""A labelled folder of real photographs, built from the two photos scikit-learn ships
(a temple in China, a flower): random crops at random scales, saved as JPEG files."""
from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image


def build_photo_folder(root: Path, per_class: int = 100, seed: int = 0) -> Path:
    from sklearn.datasets import load_sample_images

    bunch = load_sample_images()
    rng = np.random.default_rng(seed)
    for name, photo in zip(("china", "flower"), bunch.images):
        folder = root / name
        folder.mkdir(parents=True, exist_ok=True)
        h, w, _ = photo.shape
        for i in range(per_class):
            side = int(rng.integers(48, 160))
            y, x = int(rng.integers(0, h - side)), int(rng.integers(0, w - side))
            crop = Image.fromarray(photo[y : y + side, x : x + side])
            crop.save(folder / f"{name}_{i:03d}.jpg", quality=90)
    return root
