"""Build a model from its configuration."""
from __future__ import annotations

from latent_explorer.models.config import ModelConfig
from latent_explorer.models.conv import ConvAutoencoder


def build_model(config: ModelConfig) -> ConvAutoencoder:
    return ConvAutoencoder(config.validate())
