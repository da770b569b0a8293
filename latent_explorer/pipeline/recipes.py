"""What "auto" means for the network, reconstruction loss, learning rate and epochs of a source.

Every source trains the strided conv net with squared error at 1e-3 for about 2,500 steps,
except the demo made to show small objects: `demo:scenes`. There the conv net with squared error
reads neither the object's size nor its shape (README's scenes table), so its demo would show
nothing of what it was made for. It gets the spatial broadcast decoder with the focus loss, and a
learning rate of 4e-3, which reads the object in a third of the epochs 1e-3 needs (3,000 scenes,
three seeds: shape 5-NN 0.60–0.64 after 100 epochs at 4e-3, 0.61–0.69 after 300 at 1e-3).
On photos 2e-3 raised held-out PSNR but cost 5-NN at 64 px, so folders keep 1e-3."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

AUTO = "auto"


@dataclass(frozen=True)
class Recipe:
    arch: str = "conv"
    loss: str = "mse"
    lr: float = 1e-3
    steps: int = 2500  # optimiser steps the epochs are chosen for (`trainer.auto_epochs`)


DEFAULT = Recipe()
# 150 epochs of 3,000 scenes (2,400 in training): the demo's 6,000 get half as many epochs
_DEMOS = {"scenes": Recipe(arch="broadcast", loss="focus", lr=4e-3, steps=5700)}


def recipe_for(source: dict[str, Any] | None) -> Recipe:
    """The recipe for a dataset's ``source`` description (`Dataset.source`)."""
    source = source or {}
    if source.get("kind") == "demo":
        return _DEMOS.get(str(source.get("name")), DEFAULT)
    return DEFAULT


__all__ = ["AUTO", "DEFAULT", "Recipe", "recipe_for"]
