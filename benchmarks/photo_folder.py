"""A realistic folder of a person's colour photos, made offline from photographs that installed
packages ship: crops at many scales and places, saved as JPEG and PNG files of varied sizes
(40–240 px), a sub-folder per "source".

- ``sklearn`` (the default): scikit-learn's two photos (a temple in China, a flower); each photo's
  four quarters are the eight sources, so the 5-NN score asks whether the latent tells places apart.
- ``skimage``: scikit-image's eight colour photographs (astronaut, a cat, coffee, the Hubble deep
  field, stained tissue, a motorcycle, a retina, a rocket), read from its package folder without
  importing it; each photo is a source. Issue #15's "toward chelsea" comes from such a folder.

    .venv/bin/python benchmarks/photo_folder.py OUT_DIR [--n 1600] [--seed 0] [--photos skimage]
"""
from __future__ import annotations

import argparse
import importlib.util
from pathlib import Path

import numpy as np
from PIL import Image

PHOTO_SETS = ("sklearn", "skimage")
SKIMAGE_PHOTOS = ("astronaut.png", "chelsea.png", "coffee.png", "hubble_deep_field.jpg", "ihc.png",
                  "motorcycle_left.png", "retina.jpg", "rocket.jpg")


def sources(photos: str = "sklearn") -> list[tuple[str, np.ndarray]]:
    """(label, RGB array) of each source of the photo set."""
    if photos == "skimage":
        spec = importlib.util.find_spec("skimage")
        if spec is None or not spec.submodule_search_locations:
            raise RuntimeError("the skimage photo set needs scikit-image installed (requirements.lock)")
        data = Path(list(spec.submodule_search_locations)[0]) / "data"
        return [(name.split(".")[0], np.asarray(Image.open(data / name).convert("RGB"))) for name in SKIMAGE_PHOTOS]
    if photos != "sklearn":
        raise ValueError(f"photos must be one of {PHOTO_SETS}, got {photos!r}")
    from sklearn.datasets import load_sample_images

    out = []
    for name, photo in zip(("china", "flower"), load_sample_images().images):
        h, w, _ = photo.shape
        for qy in range(2):
            for qx in range(2):
                part = photo[qy * h // 2:(qy + 1) * h // 2, qx * w // 2:(qx + 1) * w // 2]
                out.append((f"{name}_{'tb'[qy]}{'lr'[qx]}", part))
    return out


def build(root: Path, n: int = 1600, seed: int = 0, photos: str = "sklearn") -> Path:
    rng = np.random.default_rng(seed)
    parts = sources(photos)
    for i in range(n):
        label, part = parts[i % len(parts)]
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
    parser.add_argument("--photos", choices=PHOTO_SETS, default="sklearn")
    args = parser.parse_args()
    print(build(Path(args.out), args.n, args.seed, args.photos))
