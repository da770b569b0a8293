"""Build a model from its configuration."""
from __future__ import annotations

from .config import ModelConfig
from .conv import ConvAutoencoder


def build_model(config: ModelConfig) -> ConvAutoencoder:
    return ConvAutoencoder(config.validate())
