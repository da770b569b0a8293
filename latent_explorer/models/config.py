"""Model configuration: plain data, validated once, stored in the workspace as JSON."""
from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

from latent_explorer.errors import UserError
from latent_explorer.models.losses import LOSSES

MODEL_KINDS = ("ae", "vae", "beta-vae")
ARCHS = ("conv", "resnet", "broadcast")  # models.conv, models.residual, models.broadcast
MIN_IMAGE_SIZE, MAX_IMAGE_SIZE = 16, 128
MIN_LATENT, MAX_LATENT = 2, 256


@dataclass(frozen=True)
class ModelConfig:
    """``recon_sigma`` is the std of the Gaussian likelihood: the reconstruction term is
    ``Σ (x - x̂)² / (2σ²)``. A small σ means a low effective β, which keeps many latent units
    active (measured: BCE with β=1 leaves ~4 active units on digits and loses kNN accuracy)."""

    kind: str = "vae"
    latent_dim: int = 16
    image_size: int = 32
    channels: int = 1
    beta: float = 1.0
    recon_sigma: float = 0.05
    width: int = 32
    loss: str = "mse"  # models.losses.LOSSES; "mse" for workspaces saved before there was a choice
    arch: str = "conv"  # ARCHS; "conv" for workspaces saved before there was a choice

    def validate(self) -> "ModelConfig":
        if self.kind not in MODEL_KINDS:
            raise UserError(f"unknown model '{self.kind}': choose one of {', '.join(MODEL_KINDS)}")
        if not MIN_LATENT <= self.latent_dim <= MAX_LATENT:
            raise UserError(f"latent width must be {MIN_LATENT}–{MAX_LATENT}, got {self.latent_dim}")
        if not MIN_IMAGE_SIZE <= self.image_size <= MAX_IMAGE_SIZE:
            raise UserError(
                f"image size must be {MIN_IMAGE_SIZE}–{MAX_IMAGE_SIZE} pixels, got {self.image_size}"
            )
        if self.channels not in (1, 3):
            raise UserError(f"images must be grey (1 channel) or RGB (3), got {self.channels}")
        if not self.beta > 0:
            raise UserError(f"β must be positive, got {self.beta}")
        if not self.recon_sigma > 0:
            raise UserError(f"recon_sigma must be positive, got {self.recon_sigma}")
        if self.loss not in LOSSES:
            raise UserError(f"unknown loss '{self.loss}': choose one of {', '.join(LOSSES)}")
        if self.arch not in ARCHS:
            raise UserError(f"unknown architecture '{self.arch}': choose one of {', '.join(ARCHS)}")
        if not 4 <= self.width <= 256:
            raise UserError(f"width must be 4–256, got {self.width}")
        return self

    @property
    def is_variational(self) -> bool:
        return self.kind != "ae"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "ModelConfig":
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in names}).validate()
