"""Latent Explorer: see and steer the latent space of image models."""

__version__ = "0.1.0"
APP_NAME = "latent-explorer"
