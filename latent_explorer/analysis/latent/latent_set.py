"""The latents of a dataset, as plain arrays: what a workspace keeps and reads without torch."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class LatentSet:
    """``mean`` (N, D); ``logvar`` (N, D) for a VAE, else None; ``recon_error`` (N,) is the
    per-pixel mean squared error of each image's reconstruction from its mean latent."""

    mean: np.ndarray
    logvar: np.ndarray | None
    recon_error: np.ndarray | None

    @property
    def spread(self) -> np.ndarray | None:
        """Posterior standard deviation per dimension (VAE only)."""
        return None if self.logvar is None else np.exp(0.5 * self.logvar)


__all__ = ["LatentSet"]
