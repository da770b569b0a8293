"""The model dock: source, model options, Train / Stop, progress with ETA, a live loss plot,
live reconstructions of fixed held-out images, and the diagnostics of the finished model."""
from __future__ import annotations

import html
import os

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox, QFileDialog, QFormLayout, QGroupBox, QHBoxLayout, QLabel, QLayout, QProgressBar,
    QPushButton, QSizePolicy, QSpinBox, QVBoxLayout, QWidget,
)

from ..session import Session
from ..tasks import Progress
from .pixmaps import grid, scaled_pixmap

DEMOS = [("Digits (built-in demo)", "demo:digits"), ("Sprites (built-in demo)", "demo:sprites")]
MODELS = [("VAE", "vae"), ("β-VAE", "beta-vae"), ("Autoencoder", "ae")]
IMAGE_SIZES = ["auto", "16", "24", "32", "48", "64", "96", "128"]
CURVES = [  # (history key, legend name, colour, dashed)
    ("train_recon", "reconstruction", "#1f77b4", False),
    ("val_recon", "reconstruction, held-out", "#1f77b4", True),
    ("train_kl", "KL", "#ff7f0e", False),
    ("val_kl", "KL, held-out", "#ff7f0e", True),
]
STRIP_WIDTH = 300


class LossPlot(pg.PlotWidget):
    """Loss per image against epoch (log scale), train solid, held-out dashed."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, background="w")
        self.setFixedHeight(170)
        self.setLogMode(y=True)
        self.showGrid(x=True, y=True, alpha=0.2)
        self.setLabel("bottom", "epoch")
        self.setLabel("left", "loss per image")
        self.setMouseEnabled(x=False, y=False)
        self.hideButtons()
        self.curves = {}
        for key, name, colour, dashed in CURVES:
            style = Qt.PenStyle.DashLine if dashed else Qt.PenStyle.SolidLine
            pen = pg.mkPen(colour, width=2, style=style)
            self.curves[key] = self.plot([], [], pen=pen, antialias=True, symbol="o", symbolSize=4,
                                         symbolBrush=colour, symbolPen=None)
        self._rows: list[dict] = []

    def clear_history(self) -> None:
        self.set_history([])

    def set_history(self, rows: list[dict]) -> None:
        self._rows = list(rows)
        self._redraw()

    def add_epoch(self, row: dict) -> None:
        self._rows.append(row)
        self._redraw()

    def point_count(self) -> int:
        return sum(len(c.getData()[0] if c.getData()[0] is not None else []) for c in self.curves.values())

    def _redraw(self) -> None:
        for key, curve in self.curves.items():
            pts = [(r["epoch"], r[key]) for r in self._rows if r.get(key) is not None and r[key] > 0]
            if pts:
                x, y = np.array(pts, np.float64).T
                curve.setData(x, y)
            else:
                curve.setData([], [])


def curve_legend() -> str:
    """The loss plot's legend as rich text (a legend inside the plot hides the curves)."""
    seen, parts = set(), []
    for _, name, colour, _dashed in CURVES:
        base = name.split(",")[0]
        if base not in seen:
            seen.add(base)
            parts.append(f"<span style='color:{colour}'>■</span> {base}")
    return " &nbsp; ".join(parts) + " &nbsp; — dashed: held-out"


class ModelPanel(QWidget):
    train_requested = Signal(str, object)  # source spec, options dict (TrainOptions fields)
    stop_requested = Signal()

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        # never squeezed below what it needs (the scroll area scrolls instead of overlapping)
        layout.setSizeConstraint(QLayout.SizeConstraint.SetMinimumSize)

        box = QGroupBox("Source")
        row = QHBoxLayout()
        self.source = QComboBox()
        self.source.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.source.setMinimumContentsLength(14)
        for text, spec in DEMOS:
            self.source.addItem(text, spec)
        self.open_folder_button = QPushButton("Open folder…")
        self.open_folder_button.clicked.connect(self.choose_folder)
        row.addWidget(self.source, 1)
        row.addWidget(self.open_folder_button)
        self.source_info = QLabel("Pick a demo or a folder of images, then Train.")
        self.source_info.setWordWrap(True)
        self.source_info.setOpenExternalLinks(False)
        self.source_info.linkActivated.connect(lambda _link: self.show_skipped())
        col = QVBoxLayout(box)
        col.addLayout(row)
        col.addWidget(self.source_info)
        layout.addWidget(box)

        box = QGroupBox("Model")
        form = QFormLayout(box)
        self.model_kind = QComboBox()
        for text, kind in MODELS:
            self.model_kind.addItem(text, kind)
        self.latent_dim = QSpinBox()
        self.latent_dim.setRange(1, 512)
        self.latent_dim.setValue(16)
        self.image_size = QComboBox()
        self.image_size.addItems(IMAGE_SIZES)
        self.image_size.setToolTip("pixels per side; auto: native for demos, 32 for folders")
        self.epochs = QSpinBox()
        self.epochs.setRange(0, 5000)
        self.epochs.setSpecialValueText("auto")
        self.epochs.setToolTip("auto: about 2,500 optimiser steps; training stops early when "
                               "the held-out loss stops improving")
        form.addRow("Type", self.model_kind)
        form.addRow("Latent width", self.latent_dim)
        form.addRow("Image size", self.image_size)
        form.addRow("Epochs", self.epochs)
        buttons = QHBoxLayout()
        self.train_button = QPushButton("Train")
        self.train_button.setDefault(True)
        self.train_button.clicked.connect(self._on_train_clicked)
        self.stop_button = QPushButton("Stop")
        self.stop_button.setToolTip("stop after the current batch and keep what was trained")
        self.stop_button.setEnabled(False)
        self.stop_button.clicked.connect(self.stop_requested)
        buttons.addWidget(self.train_button)
        buttons.addWidget(self.stop_button)
        form.addRow(buttons)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setValue(0)
        self.progress.setTextVisible(True)
        self.progress.setFormat("%p%")
        self.progress_text = QLabel(" ")
        form.addRow(self.progress)
        form.addRow(self.progress_text)
        self._option_widgets = [self.source, self.open_folder_button, self.model_kind,
                                self.latent_dim, self.image_size, self.epochs]
        layout.addWidget(box)

        box = QGroupBox("Training")
        col = QVBoxLayout(box)
        self.loss_plot = LossPlot()
        col.addWidget(self.loss_plot)
        legend = QLabel(curve_legend())
        legend.setStyleSheet("color: gray")
        col.addWidget(legend)
        self.strip = QLabel()
        self.strip.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.strip.setMinimumHeight(2 * 32 + 4)
        self.strip_caption = QLabel("Top: held-out images · bottom: reconstructions")
        self.strip_caption.setStyleSheet("color: gray")
        col.addWidget(self.strip)
        col.addWidget(self.strip_caption)
        layout.addWidget(box)

        box = QGroupBox("Diagnostics")
        col = QVBoxLayout(box)
        self.diagnostics = QLabel("No model yet.")
        self.diagnostics.setWordWrap(True)
        self.diagnostics.setTextFormat(Qt.TextFormat.RichText)
        self.diagnostics.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.diagnostics.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        col.addWidget(self.diagnostics)
        layout.addWidget(box)
        layout.addStretch(1)

        session.training_started.connect(self._on_training_started)
        session.training_progress.connect(self.show_progress)
        session.epoch_finished.connect(self._on_epoch)
        session.workspace_changed.connect(self._on_workspace)

    # ------------------------------------------------------------------ what the user asks for

    def source_spec(self) -> str:
        return str(self.source.currentData())

    def set_source(self, spec: str) -> None:
        """Select ``spec`` (a demo or a folder path), adding it to the list when new."""
        i = self.source.findData(spec)
        if i < 0:
            name = os.path.basename(os.path.normpath(spec)) or spec
            self.source.addItem(f"Folder: {name}", spec)
            i = self.source.count() - 1
            self.source.setItemData(i, spec, Qt.ItemDataRole.ToolTipRole)
        self.source.setCurrentIndex(i)

    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Open a folder of images")
        if folder:
            self.set_source(folder)

    def options(self) -> dict:
        """The training options the widgets describe, as TrainOptions fields (a plain dict:
        TrainOptions lives beside torch, which the GUI thread does not import)."""
        size = self.image_size.currentText()
        return {
            "model": str(self.model_kind.currentData()),
            "latent_dim": self.latent_dim.value(),
            "image_size": None if size == "auto" else int(size),
            "epochs": self.epochs.value() or None,
        }

    def _on_train_clicked(self) -> None:
        self.train_requested.emit(self.source_spec(), self.options())

    def set_training(self, training: bool) -> None:
        self.train_button.setEnabled(not training)
        self.stop_button.setEnabled(training)
        for w in self._option_widgets:
            w.setEnabled(not training)
        if not training and self.progress.value() < self.progress.maximum():
            self.progress_text.setText(self.progress_text.text().split(" · ETA")[0])

    # ------------------------------------------------------------------ what the session says

    def show_progress(self, p: Progress) -> None:
        self.progress.setValue(int(round(p.fraction * self.progress.maximum())))
        self.progress_text.setText(p.message or " ")

    def _on_training_started(self, source: str) -> None:
        self.loss_plot.clear_history()
        self.strip.clear()
        self.progress.setValue(0)
        self.progress_text.setText(f"loading {source}…")
        self.diagnostics.setText("Training…")

    def _on_epoch(self, report) -> None:
        self.loss_plot.add_epoch(report.to_dict())
        if report.originals is not None and report.reconstructions is not None:
            self.show_strip(report.originals, report.reconstructions)

    def show_strip(self, originals: np.ndarray, reconstructions: np.ndarray) -> None:
        tiles = grid([originals, reconstructions], gap=1)
        self.strip.setPixmap(scaled_pixmap(tiles, STRIP_WIDTH))

    def show_skipped(self):
        """Open the list of skipped files with their reasons (returns the dialog)."""
        from .skipped_dialog import SkippedDialog

        ws = self.session.workspace
        dialog = SkippedDialog([] if ws is None else ws.dataset.skipped, self)
        dialog.setModal(False)
        dialog.show()
        self._skipped_dialog = dialog
        return dialog

    def _on_workspace(self, ws) -> None:
        if ws is None:
            self.loss_plot.clear_history()
            self.strip.clear()
            self.diagnostics.setText("No model yet.")
            return
        history = [] if ws.train_state is None else ws.train_state.history
        self.loss_plot.set_history(history)
        pairs = self.session.preview_pairs()
        if pairs is not None:
            self.show_strip(*pairs)
        else:
            self.strip.clear()
        if ws.train_state is not None:
            self.progress.setValue(self.progress.maximum())
            self.progress_text.setText(ws.train_message or ws.train_status)
        n, skipped = len(ws.dataset), ws.dataset.skipped
        info = f"{n:,} images loaded, {len(skipped)} skipped"
        if skipped:
            info += " — <a href='#skipped'>show why</a>"
        self.source_info.setText(info)
        self.source_info.setToolTip("\n".join(f"{s.path}: {s.reason}" for s in skipped[:30]))
        rows = "".join(
            f"<tr><td style='color:gray; padding-right:8px'>{html.escape(k)}</td>"
            f"<td>{html.escape(v)}</td></tr>"
            for k, v in self.session.diagnostics()
        )
        self.diagnostics.setText(f"<table>{rows}</table>")


__all__ = ["LossPlot", "ModelPanel"]
