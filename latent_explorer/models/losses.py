"""Reconstruction losses (``ModelConfig.loss``), per image, as sums over pixels and channels.

- ``mse``: the squared error, a Gaussian likelihood with std ``recon_sigma``.
- ``focus``: the squared error weighted per pixel by how much the *target* stands out from its
  background (its distance to a median-filtered copy, which removes small things and keeps large
  regions and straight edges), the weights normalised to a mean of 1 per image,
  so the loss keeps MSE's scale. Plain MSE can score well while ignoring a small object.

None looks at labels or factors: every weight comes from the image being reconstructed.
"""
from __future__ import annotations

import torch
from torch.nn import functional as F

LOSSES = ("mse", "focus")
FOCUS_GAIN = 30.0  # weight of a pixel = 1 + gain × its distance to the background (summed over channels)
BACKGROUND_GRID = 8  # the background is estimated on an 8×8 grid of cell means


def _median_1d(x: torch.Tensor, k: int, dim: int) -> torch.Tensor:
    p = k // 2
    pad = (p, p, 0, 0) if dim == 3 else (0, 0, p, p)
    return F.pad(x, pad, mode="replicate").unfold(dim, k, 1).median(-1).values


def background(x: torch.Tensor) -> torch.Tensor:
    """What the image would be without its small things: the means of an 8×8 grid of cells,
    a separable 5-cell median (rows, then columns), smoothly enlarged back. The median keeps
    large regions and straight edges (a horizon) and removes what spans under three cells (an
    object up to a quarter of the image wide, a texture); on the small grid it costs nothing."""
    cells = F.adaptive_avg_pool2d(x, BACKGROUND_GRID)
    smooth = _median_1d(_median_1d(cells, 5, 3), 5, 2)
    return F.interpolate(smooth, size=x.shape[-2:], mode="bilinear", align_corners=False)


def focus_weights(x: torch.Tensor, gain: float = FOCUS_GAIN) -> torch.Tensor:
    """(N, 1, H, W) weights, mean 1 per image, from the target images ``x`` (N, C, H, W)."""
    w = 1.0 + gain * (x - background(x)).abs().sum(1, keepdim=True)
    return w / w.mean(dim=(2, 3), keepdim=True)


def reconstruction_error(loss: str, recon: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """Per image: the (weighted) sum of squared errors the loss ``loss`` minimises."""
    sq = (recon - x).pow(2)
    if loss == "focus":
        with torch.no_grad():
            w = focus_weights(x)
        return (sq * w).flatten(1).sum(1)
    return sq.flatten(1).sum(1)
