"""A realistic folder of a person's colour photos, made offline from the two photographs
scikit-learn ships (a temple in China, a flower): crops at many scales and places, saved as JPEG
and PNG files of varied sizes (40–240 px). Each photo's four quarters are the folder's eight
"sources" (sub-folders), so the 5-NN score asks whether the latent tells places apart.

    .venv/bin/python benchmarks/photo_folder.py OUT_DIR [--n 1600] [--seed 0]
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from PIL import Image


def build(root: Path, n: int = 1600, seed: int = 0) -> Path:
    from sklearn.datasets import load_sample_images

    rng = np.random.default_rng(seed)
    photos = load_sample_images().images
    sources = []
    for name, photo in zip(("china", "flower"), photos):
        h, w, _ = photo.shape
        for qy in range(2):
            for qx in range(2):
                part = photo[qy * h // 2:(qy + 1) * h // 2, qx * w // 2:(qx + 1) * w // 2]
                sources.append((f"{name}_{'tb'[qy]}{'lr'[qx]}", part))
    for i in range(n):
        label, part = sources[i % len(sources)]
        h, w, _ = part.shape
        side = int(rng.integers(32, min(h, w) * 3 // 4))
        y, x = int(rng.integers(0, h - side)), int(rng.integers(0, w - side))
        out = int(rng.integers(40, 241))
        crop = Image.fromarray(part[y:y + side, x:x + side]).resize((out, out), Image.Resampling.LANCZOS)
        folder = root / label
        folder.mkdir(parents=True, exist_ok=True)
        if rng.random() < 0.7:
            crop.save(folder / f"{label}_{i:05d}.jpg", quality=int(rng.integers(75, 96)))
        else:
            crop.save(folder / f"{label}_{i:05d}.png")
    return root


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--n", type=int, default=1600)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    print(build(Path(args.out), args.n, args.seed))
