"""A map of a folder before any model: the principal components of its downsampled pixels.

What a person sees within seconds of opening their folder, and what the live latent map morphs
from while a model trains. Its "latents" are PCA coordinates, so neighbours, colouring, lasso
and hover thumbnails work at once; there is no decoder until a model is trained."""
from __future__ import annotations

import numpy as np

from latent_explorer.analysis.latent.latent_set import LatentSet
from latent_explorer.data.dataset import Dataset, gather
from latent_explorer.errors import UserError
from latent_explorer.training.split import make_split
from latent_explorer.workspace.session_file import PIXEL_STATUS, Workspace

PIXEL_SIDE = 16  # pixels per side the images are averaged down to: the layout and colours, not texture
PIXEL_COMPONENTS = 32
FIT_SAMPLE = 20_000  # images the components are fitted on; every image is then projected
CHUNK_BYTES = 32 * 1024**2  # float32 pixels converted per step (the images may be memory-mapped)


def pixel_features(images: np.ndarray, side: int = PIXEL_SIDE) -> np.ndarray:
    """uint8 (N, H, W, C) → float32 (N, h·w·C) in [0, 1], area-averaged to about ``side`` px."""
    n, h, w, c = images.shape
    f = max(1, min(h, w) // side)
    h2, w2 = (h // f) * f, (w // f) * f
    out = np.empty((n, (h2 // f) * (w2 // f) * c), np.float32)
    step = _rows(images)  # bounded float temporaries
    for start in range(0, n, step):
        part = images[start : start + step, :h2, :w2].astype(np.float32)
        x = part.reshape(len(part), h2 // f, f, w2 // f, f, c).mean(axis=(2, 4))
        out[start : start + len(part)] = x.reshape(len(part), -1) / 255.0
    return out


def _rows(images: np.ndarray) -> int:
    """Images per step so that a step's float32 copy stays near CHUNK_BYTES."""
    return max(1, CHUNK_BYTES // (4 * int(np.prod(images.shape[1:]))))


def pixel_latents(images: np.ndarray, seed: int = 0) -> np.ndarray:
    """PCA coordinates (N, ≤ 32) of the images' downsampled pixels, fitted on at most
    ``FIT_SAMPLE`` of them and applied to all in chunks (memory stays bounded). An eigen-
    decomposition of the ≤ 768² covariance: numpy alone, a tenth of a second at 20,000 images."""
    n = len(images)
    if n < 3:
        raise UserError(f"a map needs at least 3 images, this source has {n}")
    fit_idx = np.sort(np.random.default_rng(seed).choice(n, min(n, FIT_SAMPLE), replace=False))
    step = _rows(images)
    sample = np.concatenate([pixel_features(gather(images, fit_idx[s : s + step]))
                             for s in range(0, len(fit_idx), step)]).astype(np.float64)
    mean = sample.mean(axis=0)
    sample -= mean
    values, vectors = np.linalg.eigh(sample.T @ sample)
    k = int(min(PIXEL_COMPONENTS, sample.shape[1], len(sample) - 1))
    components = vectors[:, ::-1][:, :k]
    components *= np.where(components[np.abs(components).argmax(axis=0), range(k)] < 0, -1.0, 1.0)  # fixed signs
    out = np.empty((n, k), np.float32)
    for start in range(0, n, step):
        out[start : start + step] = (pixel_features(images[start : start + step]) - mean) @ components
    return out


def pixel_workspace(dataset: Dataset, seed: int = 0) -> Workspace:
    """A workspace of ``dataset`` whose points are its pixels' principal components."""
    if not dataset.has_images:
        raise UserError("this source has no images to map")
    train_idx, val_idx = make_split(len(dataset), dataset.labels, 0.2, seed)  # as a training would split it
    ws = Workspace(dataset=dataset, train_params={"seed": seed}, train_idx=train_idx, val_idx=val_idx)
    ws.latents = LatentSet(mean=pixel_latents(dataset.images, seed), logvar=None, recon_error=None)
    ws.train_status = PIXEL_STATUS
    ws.train_message = ("a map of the images' pixels (principal components of 16 px copies): "
                        "train a model to map what it learns")
    ws.report = {"n_images": len(dataset), "n_skipped": len(dataset.skipped)}
    return ws


__all__ = ["pixel_features", "pixel_latents", "pixel_workspace"]
