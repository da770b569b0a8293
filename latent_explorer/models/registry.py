"""Build a model from its configuration."""
from __future__ import annotations

from torch import nn

from latent_explorer.models.broadcast import BroadcastAutoencoder
from latent_explorer.models.config import ModelConfig
from latent_explorer.models.conv import ConvAutoencoder
from latent_explorer.models.residual import ResidualAutoencoder


def build_model(config: ModelConfig) -> nn.Module:
    """A `ConvAutoencoder`, or for ``arch="resnet"`` a `ResidualAutoencoder`, for
    ``arch="broadcast"`` a `BroadcastAutoencoder` (the same API)."""
    config = config.validate()
    return {"resnet": ResidualAutoencoder, "broadcast": BroadcastAutoencoder}.get(config.arch, ConvAutoencoder)(config)
