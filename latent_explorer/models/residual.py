"""A residual convolutional autoencoder / VAE (``ModelConfig.arch == "resnet"``): the same
latent, likelihood and API as `conv.ConvAutoencoder`, with GroupNorm + SiLU residual blocks at
every resolution below the image's and a decoder of nearest-neighbour upsampling + 3×3 convs
(no transposed convs, so no checkerboard). No block runs at full resolution: that would cost
most of a CPU step for little (the first stride-2 conv halves the pixels)."""
from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn import functional as F

from latent_explorer.models.base import Autoencoder
from latent_explorer.models.config import ModelConfig


def _norm(channels: int) -> nn.GroupNorm:
    return nn.GroupNorm(math.gcd(8, channels), channels)


class ResidualBlock(nn.Module):
    def __init__(self, channels: int) -> None:
        super().__init__()
        self.body = nn.Sequential(
            _norm(channels), nn.SiLU(), nn.Conv2d(channels, channels, 3, padding=1),
            _norm(channels), nn.SiLU(), nn.Conv2d(channels, channels, 3, padding=1),
        )

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        return h + self.body(h)


class ResidualAutoencoder(Autoencoder):
    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        chans = self.start_ladder(config)
        n_down = len(chans) - 1
        self.downs = nn.ModuleList(nn.Conv2d(chans[i], chans[i + 1], 4, stride=2, padding=1) for i in range(n_down))
        self.enc_blocks = nn.ModuleList(ResidualBlock(chans[i + 1]) for i in range(n_down))
        self.enc_head = nn.Sequential(_norm(self.top_ch), nn.SiLU())
        self.add_dense_layers()
        self.dec_blocks = nn.ModuleList(ResidualBlock(chans[i + 1]) for i in reversed(range(n_down)))
        self.ups = nn.ModuleList(nn.Conv2d(chans[i + 1], chans[i], 3, padding=1) for i in reversed(range(n_down)))
        self.dec_head = nn.ModuleList(nn.Sequential(_norm(chans[i + 1]), nn.SiLU())
                                      for i in reversed(range(n_down)))

    def encode_features(self, x: torch.Tensor) -> torch.Tensor:
        h = x
        for down, block in zip(self.downs, self.enc_blocks):
            if h.shape[-1] % 2:  # odd sizes: pad so the output is ceil(size / 2)
                h = F.pad(h, (0, 1, 0, 1))
            h = block(down(h))
        return self.enc_out(F.silu(self.enc_fc(self.enc_head(h).flatten(1))))

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        h = self.dec_fc(z).view(-1, self.top_ch, self.top_size, self.top_size)
        targets = list(reversed(self.sizes[:-1]))
        for block, head, up, size in zip(self.dec_blocks, self.dec_head, self.ups, targets):
            h = up(F.interpolate(head(block(h)), size=(size, size), mode="nearest"))
        return torch.sigmoid(h)
