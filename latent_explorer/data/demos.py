"""Built-in demo datasets, generated offline: scikit-learn's bundled digits, procedural sprites
and scenes.

``demo:sprites`` is a dSprites-like set with known generative factors (shape, scale, rotation,
x, y) sampled uniformly from a fixed seed, so attribute directions can be checked against truth.
``demo:scenes`` is a 3dshapes-like colour set (`data.scenes`): a small object on a floor before a
wall, with floor, wall and object hue, object scale, x and y, and its shape as the label.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from latent_explorer.errors import UserError
from latent_explorer.data.dataset import Dataset

DEMOS = ("digits", "sprites", "scenes")
SPRITE_SHAPES = ("square", "ellipse", "heart")
DEFAULT_SIZES = {"digits": 16, "sprites": 32, "scenes": 32}


def parse_demo(spec: str) -> tuple[str, dict[str, Any]]:
    """``demo:NAME`` or ``demo:NAME?n=4000&seed=1`` → (name, params)."""
    body = spec.split(":", 1)[1] if ":" in spec else spec
    name, _, query = body.partition("?")
    if name not in DEMOS:
        raise UserError(f"unknown demo '{name}': choose one of {', '.join('demo:' + d for d in DEMOS)}")
    params: dict[str, Any] = {}
    for part in filter(None, query.split("&")):
        key, _, value = part.partition("=")
        if key not in ("n", "seed"):
            raise UserError(f"unknown demo parameter '{key}' (use n= and seed=)")
        try:
            params[key] = int(value)
        except ValueError:
            raise UserError(f"demo parameter {key} must be an integer, got '{value}'") from None
    return name, params


def load_demo(name: str, image_size: int | None = None, **params: Any) -> Dataset:
    size = image_size or DEFAULT_SIZES[name]
    if name == "digits":
        return digits(size)
    if name == "sprites":
        return sprites(size, **params)
    if name == "scenes":
        return scenes(size, **params)
    raise UserError(f"unknown demo '{name}'")


def _resize_stack(images: np.ndarray, size: int) -> np.ndarray:
    """Bilinear resize of a float (N, h, w) stack in [0, 1] to uint8 (N, size, size, 1)."""
    import torch
    from torch.nn import functional as F

    t = torch.from_numpy(images.astype(np.float32))[:, None]
    if t.shape[-1] != size:
        t = F.interpolate(t, size=(size, size), mode="bilinear", align_corners=False)
    out = (t.clamp(0, 1) * 255.0 + 0.5).to(torch.uint8).numpy()
    return out.transpose(0, 2, 3, 1).copy()


def digits(image_size: int = 16) -> Dataset:
    from sklearn.datasets import load_digits

    bunch = load_digits()
    images = _resize_stack(bunch.images / 16.0, image_size)
    return Dataset(
        images=images,
        labels=bunch.target.astype(np.int64),
        label_names=[str(i) for i in range(10)],
        paths=[f"digit_{i:04d}.png" for i in range(len(images))],
        source={"kind": "demo", "name": "digits", "image_size": image_size, "params": {}},
    )


SPRITE_CHUNK_PIXELS = 1 << 22


def sprites(image_size: int = 32, n: int = 6000, seed: int = 0) -> Dataset:
    if not 100 <= n <= 200_000:
        raise UserError(f"demo:sprites n must be 100–200000, got {n}")
    rng = np.random.default_rng(seed)
    shape = rng.integers(0, len(SPRITE_SHAPES), n)
    scale = rng.uniform(0.5, 1.0, n)
    rotation = rng.uniform(0.0, 360.0, n)
    x = rng.uniform(0.0, 1.0, n)
    y = rng.uniform(0.0, 1.0, n)
    images = np.empty((n, image_size, image_size, 1), np.uint8)
    for start in range(0, n, (step := _sprites_per_chunk(image_size))):
        sl = slice(start, min(n, start + step))
        images[sl, :, :, 0] = _render_sprites(
            image_size, shape[sl], scale[sl], rotation[sl], x[sl], y[sl]
        )
    return Dataset(
        images=images,
        labels=shape.astype(np.int64),
        label_names=list(SPRITE_SHAPES),
        attributes={"scale": scale, "rotation": rotation, "x": x, "y": y},
        categories={"shape": shape.astype(np.int64)},
        category_names={"shape": list(SPRITE_SHAPES)},
        paths=[f"sprite_{i:05d}.png" for i in range(n)],
        source={
            "kind": "demo",
            "name": "sprites",
            "image_size": image_size,
            "params": {"n": n, "seed": seed},
        },
    )


def scenes(image_size: int = 32, n: int = 6000, seed: int = 0) -> Dataset:
    from latent_explorer.data.scenes import SCENE_SHAPES, render_scenes, sample_factors

    if not 100 <= n <= 200_000:
        raise UserError(f"demo:scenes n must be 100–200000, got {n}")
    factors = sample_factors(n, seed)
    shape = factors["shape"].astype(np.int64)
    return Dataset(
        images=render_scenes(image_size, factors),
        labels=shape,
        label_names=list(SCENE_SHAPES),
        attributes={k: v for k, v in factors.items() if k != "shape"},
        categories={"shape": shape.copy()},
        category_names={"shape": list(SCENE_SHAPES)},
        paths=[f"scene_{i:05d}.png" for i in range(n)],
        source={"kind": "demo", "name": "scenes", "image_size": image_size, "params": {"n": n, "seed": seed}},
    )


def _sprites_per_chunk(image_size: int, supersample: int = 4) -> int:
    """Sprites rendered per call: about 4M supersampled pixels, so the float64 temporaries
    stay near 30 MB each (512 sprites of 64 px made a dozen of 270 MB: 2.8 GB at the peak)."""
    return int(np.clip(SPRITE_CHUNK_PIXELS // (image_size * supersample) ** 2, 1, 512))


def _render_sprites(size, shape, scale, rotation, x, y, supersample: int = 4) -> np.ndarray:
    """Antialiased white shapes on black: test each supersampled pixel against the shape's
    implicit inequality in the shape's own (rotated, scaled) frame."""
    s = size * supersample
    coords = (np.arange(s) + 0.5) / s  # in [0, 1]
    gy, gx = np.meshgrid(coords, coords, indexing="ij")
    radius = 0.22 * scale[:, None, None]
    margin = 0.22
    cx = (margin + x * (1 - 2 * margin))[:, None, None]
    cy = (margin + y * (1 - 2 * margin))[:, None, None]
    theta = np.deg2rad(rotation)[:, None, None]
    dx, dy = gx[None] - cx, gy[None] - cy
    u = (np.cos(theta) * dx + np.sin(theta) * dy) / radius
    v = (-np.sin(theta) * dx + np.cos(theta) * dy) / radius
    sh = shape[:, None, None]
    square = (np.abs(u) <= 0.8) & (np.abs(v) <= 0.8)
    ellipse = (u / 1.0) ** 2 + (v / 0.55) ** 2 <= 1.0
    hu, hv = u * 1.15, -v * 1.15 + 0.15
    heart = (hu**2 + hv**2 - 1) ** 3 - hu**2 * hv**3 <= 0
    mask = np.where(sh == 0, square, np.where(sh == 1, ellipse, heart)).astype(np.float32)
    k = supersample
    mask = mask.reshape(len(shape), size, k, size, k).mean(axis=(2, 4))
    return (mask * 255.0 + 0.5).astype(np.uint8)
