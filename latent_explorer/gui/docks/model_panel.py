"""The model dock: source (demo, folder, precomputed embeddings, your own TorchScript model),
model options, Train / Stop / Resume, progress with ETA, a live loss plot, live reconstructions
of fixed held-out images, and the diagnostics of the finished model."""
from __future__ import annotations

import html
import os

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox, QFileDialog, QFormLayout, QGroupBox, QHBoxLayout, QLabel, QLayout,
    QPushButton, QSizePolicy, QVBoxLayout, QWidget,
)

from latent_explorer.data.sources import describe_source, source_spec
from latent_explorer.session.session import Session
from latent_explorer.session.training import PLAN_DONE, resume_problem
from latent_explorer.infra.tasks import Progress
from latent_explorer.gui.docks.loss_plot import LossPlot, curve_legend
from latent_explorer.gui.docks.missing_folder import MissingFolderBar
from latent_explorer.gui.docks.train_options import TrainOptionsForm
from latent_explorer.gui.widgets.status_widgets import QuietProgressBar, StatusLine
from latent_explorer.gui.render.pixmaps import grid, scaled_pixmap

DEMOS = [("Digits (built-in demo)", "demo:digits"), ("Sprites (built-in demo)", "demo:sprites"),
         ("Scenes (built-in colour demo)", "demo:scenes")]
STRIP_WIDTH = 280  # the Model dock at its narrowest (330 px) holds it beside its margins and scroll bar
EMBEDDINGS_FILTER = "Precomputed embeddings (*.npy *.csv)"


class ModelPanel(QWidget):
    train_requested = Signal(str, object)  # source spec, options dict (TrainOptions fields)
    stop_requested = Signal()
    resume_requested = Signal(object)  # more epochs, or None: finish the planned ones
    import_requested = Signal(object)  # import_torchscript's arguments by name (a dict)
    folder_opened = Signal(str)  # a folder the user chose: map it now

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self._training = False
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
        row2 = QHBoxLayout()
        self.open_embeddings_button = QPushButton("Embeddings…")
        self.open_embeddings_button.setToolTip("open vectors you computed elsewhere (.npy with an optional "
                                               ".meta.csv beside it, or .csv): mapped, not decoded")
        self.open_embeddings_button.clicked.connect(self.choose_embeddings)
        self.import_button = QPushButton("TorchScript model…")
        self.import_button.setToolTip("import your own TorchScript decoder (or GAN generator) and encoder")
        self.import_button.clicked.connect(self.choose_model)
        row2.addWidget(self.open_embeddings_button)
        row2.addWidget(self.import_button)
        self.source_info = QLabel("Pick a demo or a folder of images, then Train.")
        self.source_info.setWordWrap(True)
        self.source_info.setOpenExternalLinks(False)
        self.source_info.linkActivated.connect(lambda _link: self.show_skipped())
        col = QVBoxLayout(box)
        col.addLayout(row)
        col.addLayout(row2)
        col.addWidget(self.source_info)
        self.missing_folder = MissingFolderBar(session)  # the images' folder moved: Locate folder…
        col.addWidget(self.missing_folder)
        layout.addWidget(box)

        box = QGroupBox("Model")
        form = QFormLayout(box)
        self.form = TrainOptionsForm()
        form.addRow(self.form)
        buttons = QHBoxLayout()
        self.train_button = QPushButton("Train")
        self.train_button.setDefault(True)
        self.train_button.clicked.connect(self._on_train_clicked)
        self.stop_button = QPushButton("Stop")
        self.stop_button.setToolTip("stop after the current batch and keep what was trained")
        self.stop_button.setEnabled(False)
        self.stop_button.clicked.connect(self.stop_requested)
        self.resume_button = QPushButton("Resume")
        self.resume_button.clicked.connect(self._on_resume_clicked)
        buttons.addWidget(self.train_button)
        buttons.addWidget(self.stop_button)
        buttons.addWidget(self.resume_button)
        form.addRow(buttons)
        self.progress = QuietProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setValue(0)
        self.progress.setTextVisible(True)
        self.progress.setFormat("%p%")
        self.progress_text = StatusLine(" ")  # wrapped: a long line must not widen the dock past its edge
        form.addRow(self.progress)
        form.addRow(self.progress_text)
        self._option_widgets = [self.source, self.open_folder_button, self.open_embeddings_button,
                                self.import_button, *self.form.widgets()]
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
        self.strip.setWordWrap(True)
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
        self.source.currentIndexChanged.connect(self._on_source_changed)
        self.form.epochs.valueChanged.connect(lambda _n: self._update_resume())
        self._update_resume()

    # ------------------------------------------------------------------ what the user asks for

    def source_spec(self) -> str:
        return str(self.source.currentData())

    def set_source(self, spec: str) -> None:
        """Select ``spec`` (a demo, a folder or an embeddings file), adding it when new."""
        i = self.source.findData(spec)
        if i < 0:
            name = os.path.basename(os.path.normpath(spec)) or spec
            kind = "Embeddings" if describe_source(spec) == "embeddings" else "Folder"
            self.source.addItem(f"{kind}: {name}", spec)
            i = self.source.count() - 1
            self.source.setItemData(i, spec, Qt.ItemDataRole.ToolTipRole)
        self.source.setCurrentIndex(i)

    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Open a folder of images")
        if folder:
            self.folder_opened.emit(folder)

    def choose_embeddings(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open precomputed embeddings", "", EMBEDDINGS_FILTER)
        if path:
            self.open_embeddings(path)

    def open_embeddings(self, path: str) -> None:
        """Select the file as the source and load it (there is nothing to train: no decoder)."""
        self.set_source(path)
        self.train_requested.emit(path, self.options())

    def choose_model(self):
        """Ask for a TorchScript model in a dialog; on Import, ask for it to be imported.
        Returns the dialog, which is modal."""
        from latent_explorer.gui.dialogs.import_dialog import ImportDialog

        folders = [self.source.itemData(i) for i in range(self.source.count())
                   if describe_source(str(self.source.itemData(i))) == "folder"]
        dialog = ImportDialog(self, folders)
        dialog.accepted.connect(lambda: self.import_requested.emit(dialog.options()))
        dialog.open()
        self._import_dialog = dialog
        return dialog

    def _on_source_changed(self) -> None:
        loads_only = describe_source(self.source_spec()) == "embeddings"
        self.train_button.setText("Load" if loads_only else "Train")
        self.train_button.setToolTip("precomputed embeddings: nothing to train, they are mapped as they are"
                                     if loads_only else "")

    def options(self) -> dict:
        return self.form.options()

    def _on_train_clicked(self) -> None:
        self.train_requested.emit(self.source_spec(), self.options())

    def _on_resume_clicked(self) -> None:
        self.resume_requested.emit(self.form.more_epochs())

    def _update_resume(self) -> None:
        more = self.form.more_epochs()
        problem = resume_problem(self.session, more)
        self.resume_button.setEnabled(problem is None and not self._training)
        self.resume_button.setToolTip(problem or (f"train this model {more} more epochs (the Epochs box)"
                                                  if more else "finish the planned epochs"))

    def refresh(self) -> None:
        """Show the current workspace again (after a task that changed nothing)."""
        self._on_workspace(self.session.workspace)

    def show_resuming(self) -> None:
        """Resume started: the loss plot goes on where it was."""
        self.progress.setValue(0)
        self.progress_text.setText("resuming…")
        self.diagnostics.setText("Training…")

    def set_training(self, training: bool) -> None:
        self._training = training
        self._update_resume()
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
        from latent_explorer.gui.dialogs.skipped_dialog import SkippedDialog

        ws = self.session.workspace
        dialog = SkippedDialog([] if ws is None else ws.dataset.skipped, self)
        dialog.setModal(False)
        dialog.show()
        self._skipped_dialog = dialog
        return dialog

    def _on_workspace(self, ws) -> None:
        self._update_resume()
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
            why = ("no decoder" if not ws.has_decoder else "no images" if not self.session.has_images
                   else "no encoder")
            self.strip.setText(f"{why}: nothing to reconstruct")
        if ws.is_pixel_map and self._training:
            pass  # the map a training starts from: the progress goes on
        elif ws.is_pixel_map:
            self.progress.setValue(0)
            self.progress_text.setText("the images are mapped by their pixels: Train learns a model of them")
        elif ws.train_state is not None:
            self.progress.setValue(round(self._share_done(ws) * self.progress.maximum()))
            self.progress_text.setText(ws.train_message or ws.train_status)
        else:
            self.progress.setValue(self.progress.maximum())
            done = {"no-model": "loaded: nothing to train"}.get(ws.train_status, ws.train_status)
            self.progress_text.setText(done)
        self._show_trained_options(ws)
        self.source_info.setText(self._source_text(ws))
        skipped = ws.dataset.skipped
        self.source_info.setToolTip("\n".join(f"{s.path}: {s.reason}" for s in skipped[:30]))
        rows = "".join(
            f"<tr><td style='color:gray; padding-right:8px'>{html.escape(k)}</td>"
            f"<td>{html.escape(v)}</td></tr>"
            for k, v in self.session.diagnostics()
        )
        self.diagnostics.setText(f"<table>{rows}</table>")

    @staticmethod
    def _share_done(ws) -> float:
        """How much of the planned training is done: all of it once finished or stopped early,
        else epochs done of those planned (7 of 30 after a Stop at epoch 7)."""
        history = ws.train_state.history
        if ws.train_status in PLAN_DONE or not history:
            return 1.0 if ws.train_status in PLAN_DONE else 0.0
        planned = history[-1].get("epochs") or ws.train_state.epoch
        return min(1.0, ws.train_state.epoch / max(1, planned))

    def _show_trained_options(self, ws) -> None:
        """The source and model settings the workspace was trained with (Train again, or
        Resume, starts from what is on screen)."""
        spec = source_spec(ws.dataset.source)
        if spec is not None and spec != self.source_spec():
            self.set_source(spec)
        self.form.show_trained(ws)

    @staticmethod
    def _source_text(ws) -> str:
        """What loaded (and what was skipped, one click away), as rich text."""
        ds, source = ws.dataset, ws.dataset.source
        if source.get("kind") == "embeddings":
            width = ds.vectors.shape[1] if ds.vectors is not None else source.get("dim")
            name = html.escape(os.path.basename(str(source.get("path", ""))))
            return (f"{len(ds):,} vectors ({width}-d) from {name}. <i>No decoder:</i> the map, colours, "
                    "neighbours and anomalies work; images and previews need a model.")
        if ws.train_status == "imported":
            return html.escape(ws.train_message)
        info = f"{len(ds):,} images loaded, {len(ds.skipped)} skipped"
        if ds.skipped:
            info += " — <a href='#skipped'>show why</a>"
        return info


__all__ = ["LossPlot", "ModelPanel"]
