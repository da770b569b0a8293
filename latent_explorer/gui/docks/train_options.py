"""The model dock's training settings: model type, latent width, image size, network, loss and
epochs, read as TrainOptions fields and set back from a trained workspace."""
from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QFormLayout, QSpinBox, QWidget

from latent_explorer.pipeline.recipes import AUTO, recipe_for

MODELS = [("VAE", "vae"), ("β-VAE", "beta-vae"), ("Autoencoder", "ae")]
IMAGE_SIZES = ["auto", "16", "24", "32", "48", "64", "96", "128"]
NETWORKS = [("auto", AUTO), ("conv", "conv"), ("residual", "resnet"), ("broadcast", "broadcast")]
LOSSES = [("auto", AUTO), ("squared error", "mse"), ("focus", "focus")]


class TrainOptionsForm(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model_kind = _combo(MODELS, "")
        self.latent_dim = QSpinBox()
        self.latent_dim.setRange(1, 512)
        self.latent_dim.setValue(16)
        self.image_size = QComboBox()
        self.image_size.addItems(IMAGE_SIZES)
        self.image_size.setToolTip("pixels per side; auto: native for demos, 32 for folders")
        self.network = _combo(NETWORKS, "auto: the broadcast net for demo:scenes, else conv. conv: strided "
                                        "convolutions; residual: GroupNorm + SiLU blocks (slower a step); "
                                        "broadcast: a spatial broadcast decoder, where an object stands gets "
                                        "its own latent direction (about 3× a conv step)")
        self.loss = _combo(LOSSES, "auto: focus for demo:scenes, else squared error. focus: pixels that "
                                   "stand out from their background weigh more (small objects, texture); "
                                   "it costs photos about 0.9 dB of PSNR")
        self.epochs = QSpinBox()
        self.epochs.setRange(0, 5000)
        self.epochs.setSpecialValueText("auto")
        self.epochs.setToolTip("auto: about 2,500 optimiser steps (5,700 for demo:scenes); training "
                               "stops early when the held-out loss stops improving. Resume trains "
                               "this many more")
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow("Type", self.model_kind)
        form.addRow("Latent width", self.latent_dim)
        form.addRow("Image size", self.image_size)
        form.addRow("Network", self.network)
        form.addRow("Loss", self.loss)
        form.addRow("Epochs", self.epochs)

    def widgets(self) -> list[QWidget]:
        return [self.model_kind, self.latent_dim, self.image_size, self.network, self.loss, self.epochs]

    def more_epochs(self) -> int | None:
        """The Epochs box: how many more epochs Resume trains (None: auto, finish the plan)."""
        return self.epochs.value() or None

    def options(self) -> dict:
        """The training options the widgets describe, as TrainOptions fields (a plain dict:
        TrainOptions lives beside torch, which the GUI thread does not import)."""
        size = self.image_size.currentText()
        return {
            "model": str(self.model_kind.currentData()),
            "latent_dim": self.latent_dim.value(),
            "image_size": None if size == "auto" else int(size),
            "epochs": self.more_epochs(),
            "arch": str(self.network.currentData()),
            "loss": str(self.loss.currentData()),
        }

    def show_trained(self, ws) -> None:
        """The settings workspace ``ws`` was trained with; network and loss stay on auto where
        auto chose them for its source."""
        cfg = ws.model_config
        if cfg is None:
            return
        if (i := self.model_kind.findData(cfg.kind)) >= 0:
            self.model_kind.setCurrentIndex(i)
        self.latent_dim.setValue(int(cfg.latent_dim))
        if (i := self.image_size.findText(str(cfg.image_size))) >= 0:
            self.image_size.setCurrentIndex(i)
        recipe = recipe_for(ws.dataset.source, len(ws.dataset), ws.dataset.image_size)  # as TrainOptions.resolved asks
        for combo, used, auto in ((self.network, getattr(cfg, "arch", None), recipe.arch),
                                  (self.loss, getattr(cfg, "loss", None), recipe.loss)):
            if used is not None and (i := combo.findData(AUTO if used == auto else used)) >= 0:
                combo.setCurrentIndex(i)


def _combo(items: list[tuple[str, str]], tip: str) -> QComboBox:
    combo = QComboBox()
    for text, value in items:
        combo.addItem(text, value)
    combo.setToolTip(tip)
    return combo


__all__ = ["TrainOptionsForm"]
