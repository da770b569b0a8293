"""Help ▸ About: what this is and the versions it runs on."""
from __future__ import annotations

import platform

import pyqtgraph as pg
from PySide6.QtCore import qVersion

from latent_explorer import __version__

APP_TITLE = "Latent Explorer"


def about_text() -> str:
    import numpy

    try:
        import torch

        torch_version = torch.__version__
    except ImportError:  # pragma: no cover - torch is a dependency
        torch_version = "not installed"
    import PySide6

    return (
        f"<h3>{APP_TITLE} {__version__}</h3>"
        "<p>See and steer the latent space of image models: train an autoencoder or VAE on "
        "your images, map, decode and edit its latent space. Fully offline.</p>"
        f"<p>Python {platform.python_version()} · Qt {qVersion()} · PySide6 {PySide6.__version__} · "
        f"pyqtgraph {pg.__version__} · torch {torch_version} · NumPy {numpy.__version__}</p>"
    )


__all__ = ["APP_TITLE", "about_text"]
