"""What "auto" means for the network, reconstruction loss, learning rate and epochs of a source.

Every source trains the strided conv net with squared error at 1e-3 for about 2,500 steps,
except the demo made to show small objects: `demo:scenes`. There the conv net with squared error
reads neither the object's size nor its shape (README's scenes table), so its demo would show
nothing of what it was made for. It gets the spatial broadcast decoder with the focus loss, and a
learning rate of 4e-3, which reads the object in a third of the epochs 1e-3 needs (3,000 scenes,
three seeds: shape 5-NN 0.60–0.64 after 100 epochs at 4e-3, 0.61–0.69 after 300 at 1e-3).
Folders of over 1,000 photos at up to 64 px train at 3e-3, annealed over the last 30 % of the
steps: 0.5–0.6 dB more held-out PSNR than 1e-3 held at 32 px, 0.3–0.5 dB at 64 px. Smaller
folders and bigger images keep 1e-3."""
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
    schedule: str = "constant"  # `training.schedule.SCHEDULES`


DEFAULT = Recipe()
LARGE_FOLDER = 1000  # images: above, `default_width` gives the 16-wide net
LARGE_FOLDER_PIXELS = 64  # image sizes up to this
# Measured on 1,600 photo crops at 32 px, training seeds 0/1/2 (README): held-out PSNR over PCA
# +1.71/+1.68/+1.62 dB against +1.09/+1.16/+1.02 at 1e-3 held, 5-NN within 0.009 of PCA's, prior
# samples 1.24–1.58× the photos' Fréchet distance (1.67–1.94× before). The decay is what pays:
# 2e-3 held gave +1.43/+1.37/+1.34 dB, 2e-3 with it +1.54/+1.52/+1.39, and 1e-3 with it lost
# 0.04 dB. On 400–800 photos the 32-wide net memorised at 2e-3 (the train − held-out gap beyond
# PCA's own reached 1.24 dB): those keep 1e-3 held. At 64 px, since training zooms into the
# photos (README), 3e-3 annealed on 1,600 crops, training seeds 0/1 (1e-3 held, seed 0):
# scikit-learn's +1.75/+1.70 dB over PCA (+1.24), gap 0.57/0.47 dB (0.37), 5-NN −0.016/−0.013
# (−0.012), samples 1.22/1.24× the photos' Fréchet distance (1.47×); scikit-image's +1.01/+0.97
# dB (+0.66), 5-NN −0.019/−0.016 (−0.034), samples 1.17/1.29× (1.57×). What it costs: more
# samples darker than a mean pixel of 0.06, 1.4 %/2.2 % on scikit-image's (0.2 %; 0.75 % of the
# photos, the Hubble deep field's crops lying at 0.05–0.08): dim, blurred star fields, none off
# the data. (Before the zoom it left a gap of 1.02 dB.) Above 64 px nothing was measured.
# What did not pay, on scikit-image's 1,600 crops at 32 px, seed 0, 2 threads (auto: +1.21 dB,
# 62 s): 4e-3 annealed +0.92 dB; 200 epochs in place of 125, +1.43 dB but 105 s (past the 90 s
# a 32 px folder is given) and 1.9 % dark samples (0.2 %); a likelihood σ of 0.03 or 0.02 in
# place of 0.05, +1.20 and +1.25 dB: the KL term is not what holds the PSNR back; a net 24
# wide in place of 16, +1.42 dB but 97 s and 5-NN 0.834 (PCA 0.884).
_LARGE_FOLDER = Recipe(lr=3e-3, schedule="decay")
# 150 epochs of 3,000 scenes (2,400 in training): the demo's 6,000 get half as many epochs.
# Nothing read the shape sooner (50 epochs, seed 0, held 4e-3: shape 5-NN 0.50): annealing over
# them 0.47; a focus gain of 100 in place of 30, 0.54 with held-out PSNR under PCA's (23.1 dB
# against 24.1); batches of 32 at 4e-3, which stopped early at 16.7 dB (size R² 0.11).
_DEMOS = {"scenes": Recipe(arch="broadcast", loss="focus", lr=4e-3, steps=5700)}


def recipe_for(source: dict[str, Any] | None, n_images: int | None = None,
               image_size: int | None = None) -> Recipe:
    """The recipe for a dataset's ``source`` description (`Dataset.source`) of ``n_images``
    images of ``image_size`` pixels."""
    source = source or {}
    if source.get("kind") == "demo":
        return _DEMOS.get(str(source.get("name")), DEFAULT)
    if (source.get("kind") == "folder" and (n_images or 0) > LARGE_FOLDER
            and image_size is not None and image_size <= LARGE_FOLDER_PIXELS):
        return _LARGE_FOLDER
    return DEFAULT


__all__ = ["AUTO", "DEFAULT", "Recipe", "recipe_for"]
