"""What the rest of the app needs of a model: the trained `ConvAutoencoder` and an imported
TorchScript `ExternalModel` both provide it, so nothing asks ``getattr(model, "has_encoder", …)``."""
from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    import torch

    from latent_explorer.models.config import ModelConfig


@runtime_checkable
class LatentModel(Protocol):
    config: ModelConfig

    @property
    def latent_dim(self) -> int: ...

    @property
    def has_encoder(self) -> bool:
        """False for a decoder alone (a GAN generator): nothing can be encoded or reconstructed."""
        ...

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Images (B, C, H, W) in [0, 1] → (mean, log-variance or None)."""
        ...

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """Latents (B, D) → images (B, C, H, W) in [0, 1]."""
        ...


__all__ = ["LatentModel"]
