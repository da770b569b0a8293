"""Tiny TorchScript models, scripted and saved once per module: a 16-px grey VAE encoder and
decoder (for demo:digits) and a DCGAN-style tanh generator taking (B, D, 1, 1)."""
from __future__ import annotations

import warnings

import pytest
import torch
from torch import nn
from torch.nn import functional as F

LATENT = 6


class Encoder(nn.Module):
    def __init__(self, d: int = LATENT) -> None:
        super().__init__()
        self.conv = nn.Conv2d(1, 4, 4, stride=2, padding=1)  # 16 → 8
        self.fc = nn.Linear(4 * 8 * 8, 2 * d)
        self.d = d

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.fc(F.silu(self.conv(x)).flatten(1))
        return h[:, : self.d], h[:, self.d :]


class PlainEncoder(nn.Module):
    """Returns a bare tensor (an autoencoder)."""

    def __init__(self, d: int = LATENT) -> None:
        super().__init__()
        self.fc = nn.Linear(16 * 16, d)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(x.flatten(1))


class Decoder(nn.Module):
    def __init__(self, d: int = LATENT) -> None:
        super().__init__()
        self.fc = nn.Linear(d, 4 * 8 * 8)
        self.deconv = nn.ConvTranspose2d(4, 1, 4, stride=2, padding=1)  # 8 → 16

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        h = F.silu(self.fc(z)).view(-1, 4, 8, 8)
        return torch.sigmoid(self.deconv(h))


class Generator(nn.Module):
    """DCGAN-style: z (B, D, 1, 1) → RGB 16×16 in [-1, 1]."""

    def __init__(self, d: int = 8) -> None:
        super().__init__()
        self.up1 = nn.ConvTranspose2d(d, 8, 4, stride=1, padding=0)  # 1 → 4
        self.up2 = nn.ConvTranspose2d(8, 8, 4, stride=2, padding=1)  # 4 → 8
        self.up3 = nn.ConvTranspose2d(8, 3, 4, stride=2, padding=1)  # 8 → 16

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        h = F.relu(self.up2(F.relu(self.up1(z))))
        return torch.tanh(20.0 * self.up3(h))


class Shaped(nn.Module):
    """A decoder with a chosen (wrong) output shape: (B,) + shape."""

    def __init__(self, shape: list[int], d: int = LATENT) -> None:
        super().__init__()
        n = 1
        for s in shape:
            n *= s
        self.fc = nn.Linear(d, n)
        self.shape = shape

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        out = torch.sigmoid(self.fc(z))
        return out.view([z.shape[0]] + self.shape)


def save_script(module: nn.Module, path) -> str:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        torch.jit.save(torch.jit.script(module.eval()), str(path))
    return str(path)


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("torchscript")
    torch.manual_seed(0)
    return {
        "encoder": save_script(Encoder(), d / "encoder.pt"),
        "plain_encoder": save_script(PlainEncoder(), d / "plain_encoder.pt"),
        "decoder": save_script(Decoder(), d / "decoder.pt"),
        "generator": save_script(Generator(), d / "generator.pt"),
    }
