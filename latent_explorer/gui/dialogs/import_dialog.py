"""Your own model: a dialog with the options of `latent-explorer import` (TorchScript decoder,
optional encoder, images to encode or prior samples, latent width, output range). It checks
what it can without loading the files; the import itself runs in a worker."""
from __future__ import annotations

import os

from PySide6.QtWidgets import (
    QComboBox, QDialog, QDialogButtonBox, QFileDialog, QFormLayout, QHBoxLayout, QLabel,
    QLineEdit, QPushButton, QSpinBox, QVBoxLayout, QWidget,
)

MODEL_FILTER = "TorchScript model (*.pt *.pth *.ts *.torchscript *.zip);;All files (*)"
NO_SOURCE = "none: samples from the prior"
DEMO_SOURCES = [("Digits (built-in demo)", "demo:digits"), ("Sprites (built-in demo)", "demo:sprites"),
                ("Scenes (built-in colour demo)", "demo:scenes")]
RANGES = [("auto (detected)", "auto"), ("0 … 1", "0,1"), ("-1 … 1 (tanh)", "-1,1")]
MAX_SAMPLES = 1_000_000


class ImportDialog(QDialog):
    def __init__(self, parent: QWidget | None = None, folders: list[str] | tuple = ()) -> None:
        super().__init__(parent)
        self.setWindowTitle("Import a TorchScript model")
        self.setMinimumWidth(460)
        layout = QVBoxLayout(self)
        intro = QLabel("Explore your own model: a decoder (a GAN generator is one) saved with "
                       "<code>torch.jit.save</code>, and optionally its encoder. Pickled "
                       "<code>torch.save</code> files are refused: they can run code.")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.decoder = QLineEdit()
        self.decoder.setPlaceholderText("required")
        self.encoder = QLineEdit()
        self.encoder.setPlaceholderText("optional")
        form.addRow("Decoder", self._with_browse(self.decoder, "Choose the decoder"))
        form.addRow("Encoder", self._with_browse(self.encoder, "Choose the encoder"))
        self.source = QComboBox()
        self.source.addItem(NO_SOURCE, None)
        for text, spec in DEMO_SOURCES:
            self.source.addItem(text, spec)
        for folder in folders:
            self.add_folder(folder)
        self.source.setCurrentIndex(0)
        folder_button = QPushButton("Folder…")
        folder_button.clicked.connect(self._choose_folder)
        row = QHBoxLayout()
        row.addWidget(self.source, 1)
        row.addWidget(folder_button)
        form.addRow("Images to encode", row)
        self.latent_dim = QSpinBox()
        self.latent_dim.setRange(0, 65536)
        self.latent_dim.setSpecialValueText("from the encoder")
        self.samples = QSpinBox()
        self.samples.setRange(1, MAX_SAMPLES)
        self.samples.setValue(2000)
        self.samples.setToolTip("points drawn from N(0, I) when no images are encoded")
        self.output_range = QComboBox()
        for text, value in RANGES:
            self.output_range.addItem(text, value)
        self.seed = QSpinBox()
        self.seed.setRange(0, 2**31 - 1)
        form.addRow("Latent width", self.latent_dim)
        form.addRow("Prior samples", self.samples)
        form.addRow("Output range", self.output_range)
        form.addRow("Seed", self.seed)
        layout.addLayout(form)
        self.hint = QLabel()
        self.hint.setWordWrap(True)
        layout.addWidget(self.hint)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Import")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        for edit in (self.decoder, self.encoder):
            edit.textChanged.connect(self._update)
        self.source.currentIndexChanged.connect(self._update)
        self.latent_dim.valueChanged.connect(self._update)
        self._update()

    def _with_browse(self, edit: QLineEdit, title: str) -> QHBoxLayout:
        row = QHBoxLayout()
        button = QPushButton("Browse…")
        button.clicked.connect(lambda: self._browse(edit, title))
        row.addWidget(edit, 1)
        row.addWidget(button)
        return row

    def _browse(self, edit: QLineEdit, title: str) -> None:
        path, _ = QFileDialog.getOpenFileName(self, title, os.path.dirname(edit.text()), MODEL_FILTER)
        if path:
            edit.setText(path)

    def add_folder(self, folder: str) -> None:
        i = self.source.findData(folder)
        if i < 0:
            self.source.addItem(f"Folder: {os.path.basename(os.path.normpath(folder)) or folder}", folder)
            i = self.source.count() - 1
        self.source.setCurrentIndex(i)

    def _choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Images to encode")
        if folder:
            self.add_folder(folder)

    def problem(self) -> str | None:
        """What keeps the import from starting, in words (None: nothing)."""
        decoder, encoder = self.decoder.text().strip(), self.encoder.text().strip()
        if not decoder:
            return "Choose the decoder file."
        for role, path in (("decoder", decoder), ("encoder", encoder)):
            if path and not os.path.isfile(path):
                return f"The {role} file does not exist: {path}"
        if self.source.currentData() is not None and not encoder:
            return "Encoding images needs the encoder; without one the map shows prior samples."
        if not encoder and self.latent_dim.value() == 0:
            return "Without an encoder, give the latent width (the decoder's input size)."
        return None

    def _update(self) -> None:
        problem = self.problem()
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(problem is None)
        self.samples.setEnabled(self.source.currentData() is None)
        warn = problem is not None and bool(self.decoder.text().strip())
        self.hint.setStyleSheet("color: #b03a2e" if warn else "color: gray")
        self.hint.setText(problem or "The map shows the encoded images, or samples from the prior "
                          "decoded by your model.")

    def options(self) -> dict:
        """`import_torchscript`'s arguments by name."""
        return {
            "decoder_path": self.decoder.text().strip(),
            "encoder_path": self.encoder.text().strip() or None,
            "source": self.source.currentData(),
            "latent_dim": self.latent_dim.value() or None,
            "n_samples": self.samples.value(),
            "seed": self.seed.value(),
            "output_range": str(self.output_range.currentData()),
        }


__all__ = ["ImportDialog"]
