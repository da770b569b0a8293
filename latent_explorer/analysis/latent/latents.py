"""Encode every image, measure its reconstruction error, decode arbitrary latents in batches."""
from __future__ import annotations

import numpy as np
import torch

from latent_explorer.analysis.latent.latent_set import LatentSet
from latent_explorer.data.dataset import Dataset


def _device_of(model: torch.nn.Module) -> torch.device:
    return next(model.parameters()).device


@torch.no_grad()
def encode_dataset(model, dataset: Dataset, batch_size: int = 256) -> LatentSet:
    """Every image's latent mean (and log-variance) and reconstruction error, batch by batch.
    The outputs are allocated once, before the first batch: small arrays kept from each batch
    sat between the batches' freed buffers in glibc's heap, so no buffer was reused and the heap
    grew by a float copy of every image (4,988 MB anonymous at 100,000 images of 64 px)."""
    device = _device_of(model)
    was_training = model.training
    model.eval()
    n, d = len(dataset), model.latent_dim
    means, logvars, errors = np.zeros((n, d), np.float32), np.zeros((n, d), np.float32), np.zeros(n, np.float32)
    has_logvar = False
    for start in range(0, n, batch_size):
        stop = min(n, start + batch_size)
        x = torch.from_numpy(dataset.images_float(np.arange(start, stop))).to(device)
        mu, logvar = model.encode(x)
        recon = model.decode(mu)
        means[start:stop] = mu.cpu().numpy()
        if logvar is not None:
            logvars[start:stop] = logvar.cpu().numpy()
            has_logvar = True
        errors[start:stop] = (recon - x).pow(2).mean(dim=(1, 2, 3)).cpu().numpy()
        del x, mu, logvar, recon
    model.train(was_training)
    return LatentSet(mean=means, logvar=logvars if has_logvar else None, recon_error=errors)


@torch.no_grad()
def decode_latents(model, z: np.ndarray, batch_size: int = 256) -> np.ndarray:
    """Latents (N, D) → uint8 images (N, H, W, C)."""
    device = _device_of(model)
    was_training = model.training  # a model in eval mode is left alone: walking its modules
    if was_training:                # costs 0.25 ms a call, and another thread may be decoding
        model.eval()
    z = np.asarray(z, np.float32).reshape(-1, model.latent_dim)
    out = []
    for start in range(0, len(z), batch_size):
        img = model.decode(torch.from_numpy(z[start : start + batch_size]).to(device))
        out.append((img.clamp(0, 1) * 255 + 0.5).to(torch.uint8).permute(0, 2, 3, 1).cpu().numpy())
    if was_training:
        model.train(True)
    if not out:
        c, s = model.config.channels, model.config.image_size
        return np.zeros((0, s, s, c), np.uint8)
    return np.concatenate(out)


def reconstruct(model, dataset: Dataset, indices: np.ndarray) -> np.ndarray:
    """Reconstructions (uint8) of the given images from their mean latents."""
    with torch.no_grad():
        x = torch.from_numpy(dataset.images_float(np.asarray(indices))).to(_device_of(model))
        was_training = model.training
        if was_training:
            model.eval()
        mu, _ = model.encode(x)
        if was_training:
            model.train(True)
    return decode_latents(model, mu.cpu().numpy())


@torch.no_grad()
def encode_images(model, images: np.ndarray) -> np.ndarray:
    """Mean latents (M, D) float32 of uint8 images (M, H, W, C) the model's size."""
    x = torch.from_numpy(np.array(np.asarray(images).transpose(0, 3, 1, 2))).float().div_(255.0)  # a writable copy
    was_training = model.training
    if was_training:
        model.eval()
    mu, _ = model.encode(x.to(_device_of(model)))
    if was_training:
        model.train(True)
    return mu.float().cpu().numpy()
