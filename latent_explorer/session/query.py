"""Query by example: any image file, encoded by the workspace's model, placed on its map, with
its nearest images and its reconstruction — and made the image the sliders edit, so a person can
move their own photo along a direction. Qt-free; the task runs in a worker."""
from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from latent_explorer.errors import UserError
from latent_explorer.infra.tasks import CancelToken, Progress, Task

NEIGHBOURS = 8
STRIP_STEPS = 8


@dataclass(frozen=True)
class Query:
    """``image``: the file as the model sees it (uint8 (H, W, C)); ``position`` on the map the
    query was made for (None without one); ``neighbours``: data indices, nearest first, with
    their latent ``distances``; ``spacing``: the data's median nearest-neighbour distance (so a
    distance reads as "as close as images are to each other", or not)."""

    path: str
    image: np.ndarray
    latent: np.ndarray
    reconstruction: np.ndarray | None
    position: np.ndarray | None
    neighbours: np.ndarray
    distances: np.ndarray
    spacing: float
    neighbour_images: np.ndarray | None = None  # uint8, of ``neighbours``, when the data's images are loaded

    @property
    def name(self) -> str:
        return os.path.basename(self.path)

    @property
    def closeness(self) -> float:
        """Distance to the nearest image in units of the data's typical spacing."""
        return float(self.distances[0] / self.spacing) if len(self.distances) and self.spacing > 0 else float("nan")


def read_query_image(path: str, size: int, channels: int) -> np.ndarray:
    """The file decoded as the workspace's images were: a centre square of ``size`` px, grey
    (Pillow's luma) for a grey model. Any file that cannot be used raises UserError."""
    from PIL import Image

    from latent_explorer.data.images import ImageSkip, decode_image

    try:
        rgb = decode_image(path, size)
    except ImageSkip as exc:
        raise UserError(f"{os.path.basename(path)} cannot be used: {exc}") from None
    if channels == 1:
        return np.asarray(Image.fromarray(rgb).convert("L"))[..., None]
    return rgb


def find_image_task(session, steering, path: str, k: int = NEIGHBOURS, cancel: CancelToken | None = None) -> Task:
    """Task → `Query` for image file ``path`` against ``session``'s workspace (its model must
    have an encoder). Reads the session in the caller's thread; nothing of it changes."""
    ws, model, dataset = session.workspace, session.model, session.dataset
    if ws is None or ws.latents is None:
        raise UserError("open a workspace or train a model first: there is nothing to compare the image with")
    if model is None or not model.has_encoder:
        raise UserError("this workspace has no encoder: an image cannot be placed on its map")
    size, channels = model.config.image_size, model.config.channels
    latents = np.asarray(ws.latents.mean, np.float32)
    images = dataset.images if session.has_images else None
    return _find(path, size, channels, model, latents, images, steering.decoder, k, cancel or CancelToken())


def _find(path, size, channels, model, latents, images, decoder, k, cancel) -> Task:
    from latent_explorer.analysis.latent.latents import decode_latents, encode_images
    from latent_explorer.analysis.latent.neighbours import NeighbourIndex

    yield Progress(0, 3, f"reading {os.path.basename(path)}")
    image = read_query_image(path, size, channels)
    cancel.raise_if_cancelled()
    yield Progress(1, 3, "encoding it")
    latent = encode_images(model, image[None])[0]
    reconstruction = decode_latents(model, latent[None])[0]
    yield Progress(2, 3, "finding its neighbours")
    index = NeighbourIndex(latents)
    idx, dist = index.query(latent[None], min(k, len(latents)))
    sample = np.random.default_rng(0).choice(len(latents), min(500, len(latents)), replace=False)
    own = index.query_index(sample, 1)[1][:, 0]
    spacing = float(np.median(own[own > 0])) if np.any(own > 0) else 0.0
    position = None if decoder is None else np.asarray(decoder.place(latent[None])[0], np.float64)
    yield Progress(3, 3, "found")
    near = None if images is None else images[idx[0]]
    return Query(str(path), image, latent, reconstruction, position, idx[0], dist[0].astype(np.float64), spacing, near)


def edit_strip(decoder, edit, steps: int = STRIP_STEPS) -> np.ndarray:
    """The edited image's way from its origin to the edit, ``steps`` images side by side
    (uint8 (H, steps·(W + 1) − 1, C), white between them)."""
    t = np.linspace(0.0, 1.0, steps)[:, None]
    latents = (1 - t) * edit.origin_latent[None] + t * edit.latent[None]
    images = decoder.decode(latents)
    h, w, c = images.shape[1:]
    out = np.full((h, steps * (w + 1) - 1, c), 255, np.uint8)
    for i, image in enumerate(images):
        out[:, i * (w + 1) : i * (w + 1) + w] = image
    return out


__all__ = ["NEIGHBOURS", "Query", "edit_strip", "find_image_task", "read_query_image"]
