"""What the trained architectures share (`conv.ConvAutoencoder`, `residual.ResidualAutoencoder`):
the latent's size, the encoder head's split into mean and log-variance, and sampling in
``forward``; each architecture supplies ``encode_features`` and ``decode``."""
from __future__ import annotations

import torch
from torch import nn

from latent_explorer.models.config import ModelConfig


class Autoencoder(nn.Module):
    config: ModelConfig

    @property
    def latent_dim(self) -> int:
        return self.config.latent_dim

    @property
    def has_encoder(self) -> bool:
        return True

    def encode_features(self, x: torch.Tensor) -> torch.Tensor:
        """The encoder's last layer: (N, 2 × latent) for a VAE, (N, latent) otherwise."""
        raise NotImplementedError

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Return (mean, log-variance); log-variance is None for a plain autoencoder."""
        out = self.encode_features(x)
        if not self.config.is_variational:
            return out, None
        mu, logvar = out.chunk(2, dim=1)
        return mu, logvar.clamp(-12.0, 8.0)

    def forward(self, x: torch.Tensor, sample: bool = True):
        mu, logvar = self.encode(x)
        if logvar is not None and sample:
            z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)
        else:
            z = mu
        return self.decode(z), mu, logvar
