"""A spatial broadcast decoder (Watters et al. 2019, "Spatial Broadcast Decoder: A Simple
Architecture for Learning Disentangled Representations in VAEs"): ``ModelConfig.arch ==
"broadcast"``.

The decoder copies the latent to every pixel, appends the pixel's x and y, and runs stride-1
3×3 convolutions at the image's own resolution. Drawing an object at a place is then a
comparison of the latent with the coordinates, so the object's place gets its own, nearly linear,
latent direction — where a dense layer reshaped to 4×4 and upsampled can hide it in any tangle.
The encoder is the conv net's ladder with the coordinates appended to the image (CoordConv).

Measured on demo:scenes (3,000 scenes, 32 px, 50 epochs, VAE): the object's x read linearly from
the latent with R² 0.84, 0.07 and 0.84 over three seeds, against the conv net's 0.12 (PCA of the
pixels: 0.72); the object's size and shape stay unreadable with either. Broadcasting at
half resolution and upsampling lost it (0.18). Every layer of the decoder runs at full resolution,
so a step costs about 3× the conv net's at 32 px, and 4× that again at 64 px: an option for
scenes of objects, not the default for photos."""
from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from latent_explorer.models.base import Autoencoder
from latent_explorer.models.config import ModelConfig

DECODER_LAYERS = 3  # 3×3 convs before the output layer


def coordinate_grid(n: int, size: int, like: torch.Tensor) -> torch.Tensor:
    """(n, 2, size, size): each pixel's x and y in [-1, 1]."""
    c = torch.linspace(-1.0, 1.0, size, device=like.device, dtype=like.dtype)
    yy, xx = torch.meshgrid(c, c, indexing="ij")
    return torch.stack([xx, yy]).expand(n, 2, size, size)


class BroadcastAutoencoder(Autoencoder):
    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        chans = self.start_ladder(config)
        n_down = len(chans) - 1
        self.enc_convs = nn.ModuleList(
            nn.Conv2d(chans[i] + (2 if i == 0 else 0), chans[i + 1], 4, stride=2, padding=1)
            for i in range(n_down)
        )
        self.add_dense_layers(dense_decoder=False)
        z, width = config.latent_dim, config.width
        self.dec_convs = nn.ModuleList(
            nn.Conv2d(z + 2 if i == 0 else width, width, 3, padding=1) for i in range(DECODER_LAYERS)
        )
        self.dec_out = nn.Conv2d(width, config.channels, 3, padding=1)

    def encode_features(self, x: torch.Tensor) -> torch.Tensor:
        return self.encode_ladder(torch.cat([x, coordinate_grid(len(x), x.shape[-1], x)], 1))

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        size = self.config.image_size
        h = torch.cat([z[:, :, None, None].expand(-1, -1, size, size), coordinate_grid(len(z), size, z)], 1)
        for conv in self.dec_convs:
            h = F.silu(conv(h))
        return torch.sigmoid(self.dec_out(h))
