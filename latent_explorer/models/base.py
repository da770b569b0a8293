"""What the trained architectures share (`conv.ConvAutoencoder`, `residual.ResidualAutoencoder`):
the latent's size, the encoder head's split into mean and log-variance, and sampling in
``forward``; each architecture supplies ``encode_features`` and ``decode``."""
from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn import functional as F

from latent_explorer.models.config import ModelConfig


def spatial_sizes(size: int) -> list[int]:
    """Sizes after each stride-2 conv, stopping at 4–7 pixels (works for 28, 32, 64, 100…)."""
    sizes = [size]
    while sizes[-1] > 7:
        sizes.append(math.ceil(sizes[-1] / 2))
    return sizes


class Autoencoder(nn.Module):
    config: ModelConfig

    def start_ladder(self, config: ModelConfig) -> list[int]:
        """Check ``config`` and lay out the resolutions (``sizes``, ``top_size``): returns the
        channels at each, the image's first, doubling from the width (at most 256)."""
        self.config = config.validate()
        self.sizes = spatial_sizes(config.image_size)
        n_down = len(self.sizes) - 1
        chans = [config.channels] + [min(config.width * 2**i, 256) for i in range(n_down)]
        self.top_ch, self.top_size = chans[-1], self.sizes[-1]
        return chans

    def add_dense_layers(self, dense_decoder: bool = True) -> None:
        """The layers between the convolutions and the latent, both ways (``enc_fc``,
        ``enc_out``, and ``dec_fc`` unless the decoder starts from the latent itself). Called
        where each architecture always created them: the order of creation fixes the initial
        weights and a saved optimizer's parameter order."""
        z = self.config.latent_dim
        flat = self.top_ch * self.top_size**2
        hidden = max(64, min(512, 8 * z))
        self.enc_fc = nn.Linear(flat, hidden)
        self.enc_out = nn.Linear(hidden, 2 * z if self.config.is_variational else z)
        if dense_decoder:
            self.dec_fc = nn.Sequential(nn.Linear(z, hidden), nn.SiLU(), nn.Linear(hidden, flat))

    def encode_ladder(self, h: torch.Tensor) -> torch.Tensor:
        """The encoder's stride-2 convs (``enc_convs``, odd sizes padded so each output is
        ceil(size / 2)), then the dense layers to the latent's parameters."""
        for conv in self.enc_convs:
            if h.shape[-1] % 2:
                h = F.pad(h, (0, 1, 0, 1))
            h = F.silu(conv(h))
        return self.enc_out(F.silu(self.enc_fc(h.flatten(1))))

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
