"""The three tabs of the Generate dock — Interpolate, Sample, Arithmetic — as widgets that show
a result (`explore.generate.Shown`); `generate_panel` wires them."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox, QDoubleSpinBox, QFormLayout, QGridLayout, QHBoxLayout, QLabel, QPushButton, QSlider,
    QSpinBox, QVBoxLayout, QWidget,
)

from latent_explorer.gui.docks.generate_widgets import BusyRow, OperandButton, fill, image_list, message_label, tile

FRAME = 60  # film strip frames, pixels
CURRENT = 184  # the scrubbed frame
SAMPLE = 64
NEIGHBOUR = 56
RESULT = 112
PICK_TIP = ("Click an image on the map (or lasso a group: Shift-drag), then press this to use it; "
            "a group counts as its mean latent.")
ALT_TIP = "Quicker: click A on the map, then Alt+click B — it interpolates at once."


def _hint(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setStyleSheet("color: #666")
    return label


class _Tab(QWidget):
    def __init__(self, kind: str) -> None:
        super().__init__()
        self.kind = kind
        self.layout_ = QVBoxLayout(self)
        self.layout_.setContentsMargins(6, 6, 6, 6)
        self.busy = BusyRow()
        self.message = message_label()
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.RichText)


class InterpolateTab(_Tab):
    def __init__(self) -> None:
        super().__init__("interpolation")
        lay = self.layout_
        lay.addWidget(_hint("A walk through latent space from A to B. " + ALT_TIP))
        row = QHBoxLayout()
        self.a = OperandButton("interpolation.a", "A", PICK_TIP + "\n" + ALT_TIP)
        self.b = OperandButton("interpolation.b", "B", PICK_TIP + "\n" + ALT_TIP)
        form = QFormLayout()
        self.method = QComboBox()
        for text, key, tip in (("along the data", "path", "the shortest path through the data's "
                                "nearest-neighbour graph, smoothed: stays where images are"),
                               ("straight line", "linear", "linear interpolation"),
                               ("slerp", "slerp", "spherical: keeps the norm, for Gaussian latents")):
            self.method.addItem(text, key)
            self.method.setItemData(self.method.count() - 1, tip, Qt.ItemDataRole.ToolTipRole)
        self.steps = QSpinBox()
        self.steps.setRange(2, 64)
        self.steps.setValue(16)
        form.addRow("Method", self.method)
        form.addRow("Steps", self.steps)
        self.go = QPushButton("Interpolate")
        form.addRow(self.go)
        row.addWidget(self.a)
        row.addWidget(self.b)
        row.addStretch(1)
        lay.addLayout(row)
        lay.addLayout(form)  # below A and B: the dock fits beside the map in a 1024-pixel window
        lay.addWidget(self.busy)
        lay.addWidget(self.message)
        self.strip = image_list(FRAME, wrap=False, hint="the walk's steps, from A to B")
        self.strip.setToolTip("each step decoded; a red frame: off the data")
        lay.addWidget(self.strip)
        self.scrub = QSlider(Qt.Orientation.Horizontal)
        self.scrub.setToolTip("scrub along the path: the step is ringed on the map")
        lay.addWidget(self.scrub)
        row = QHBoxLayout()
        self.current = QLabel()
        self.current.setFixedSize(CURRENT, CURRENT)
        self.current.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.current.setStyleSheet("background: #f4f4f4; color: #888")
        self.step_caption = QLabel()
        self.step_caption.setWordWrap(True)
        words = QVBoxLayout()
        words.addWidget(self.step_caption)
        words.addWidget(self.summary)
        words.addStretch(1)
        row.addWidget(self.current)
        row.addLayout(words, 1)
        lay.addLayout(row)
        buttons = QHBoxLayout()
        self.export_gif = QPushButton("Export GIF…")
        self.export_png = QPushButton("Export PNG strip…")
        buttons.addWidget(self.export_gif)
        buttons.addWidget(self.export_png)
        lay.addLayout(buttons)
        lay.addStretch(1)
        self.scrub.valueChanged.connect(self.strip.setCurrentRow)
        self.strip.currentRowChanged.connect(self.scrub.setValue)
        self.show_result(None)

    def show_result(self, shown, note: str = "") -> None:
        r = None if shown is None else shown.result
        has = r is not None
        for w in (self.scrub, self.export_gif, self.export_png):
            w.setEnabled(has and (w is self.scrub or shown.images is not None))
        fill(self.strip, None if shown is None else shown.images, FRAME, None if r is None else r.off_data,
             None if r is None else [str(i + 1) for i in range(r.steps)])
        if not has:
            self.summary.setText("")
            self.show_step(-1, None)
            self.scrub.setRange(0, 0)
            return
        self.scrub.blockSignals(True)
        self.scrub.setRange(0, r.steps - 1)
        self.scrub.setValue(0)
        self.scrub.blockSignals(False)
        colour = "#c0392b" if r.n_off_data else "#2e8b57"
        text = (f"<b style='color:{colour}'>{r.n_off_data} of {r.steps} steps off the data</b> "
                f"(threshold {r.threshold:.2f}× the typical spacing) · {r.method}")
        if len(r.via):
            text += f", via {len(r.via)} data images"
        if r.fallback:
            text += f"<br>{r.fallback}"
        self.summary.setText(text + note)
        self.show_step(0, shown)

    def show_step(self, i: int, shown) -> None:
        self.current.clear()
        if shown is None:
            self.current.setText("the step\nunder the slider")
            self.step_caption.setText("Choose A and B, then Interpolate: the steps line up above; "
                                      "drag the slider to see one here, with how far it lies from the data.")
            return
        if not 0 <= i < shown.result.steps:
            self.step_caption.setText("")
            return
        r = shown.result
        if shown.images is not None:
            self.current.setPixmap(tile(shown.images[i], CURRENT, bool(r.off_data[i])))
        verdict = "<span style='color:#c0392b'>off the data</span>" if r.off_data[i] else "on the data"
        self.step_caption.setText(f"<b>Step {i + 1} of {r.steps}</b><br>{r.distance_ratio[i]:.2f}× the "
                                  f"typical spacing from the nearest image: {verdict}")


class SampleTab(_Tab):
    def __init__(self) -> None:
        super().__init__("samples")
        lay = self.layout_
        lay.addWidget(_hint("New images from the model's prior — or, for an autoencoder or a VAE whose "
                            "latents left it, from a density fitted to the latents."))
        form = QGridLayout()
        self.n = QSpinBox()
        self.n.setRange(1, 400)
        self.n.setValue(16)
        self.temperature = QDoubleSpinBox()
        self.temperature.setRange(0.05, 10.0)
        self.temperature.setSingleStep(0.1)
        self.temperature.setValue(1.0)
        self.temperature.setToolTip("below 1: typical images; above 1: adventurous ones")
        self.prior = QComboBox()
        for key, tip in (("auto", "N(0, I) for a VAE whose latents follow it, else a fitted density"),
                         ("normal", "N(0, T²I), the VAE prior"),
                         ("density", "a Gaussian mixture fitted to the latents")):
            self.prior.addItem(key, key)
            self.prior.setItemData(self.prior.count() - 1, tip, Qt.ItemDataRole.ToolTipRole)
        self.seed = QSpinBox()
        self.seed.setRange(0, 999_999)
        self.seed.setToolTip("the same seed draws the same samples")
        for col, (name, w) in enumerate((("n", self.n), ("T", self.temperature), ("prior", self.prior),
                                         ("seed", self.seed))):
            form.addWidget(QLabel(name), 0, col)
            form.addWidget(w, 1, col)
        lay.addLayout(form)
        row = QHBoxLayout()
        self.go = QPushButton("Sample")
        self.new_seed = QPushButton("Sample again (new seed)")
        self.new_seed.clicked.connect(lambda: (self.seed.setValue(self.seed.value() + 1), self.go.click()))
        row.addWidget(self.go)
        row.addWidget(self.new_seed)
        lay.addLayout(row)
        lay.addWidget(self.busy)
        lay.addWidget(self.message)
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setStyleSheet("color: #8a5a00")
        lay.addWidget(self.summary)
        lay.addWidget(self.note)
        self.grid = image_list(SAMPLE, wrap=True, hint="New images show here; a red frame marks one that lies off the data.")
        self.grid.setToolTip("click a sample to ring it on the map; faded with a red frame: off the data")
        lay.addWidget(self.grid, 1)
        self.export_png = QPushButton("Export PNG grid…")
        lay.addWidget(self.export_png)
        self.show_result(None)

    def show_result(self, shown) -> None:
        r = None if shown is None else shown.result
        fill(self.grid, None if shown is None else shown.images, SAMPLE, None if r is None else r.off_data,
             fade=True)
        self.export_png.setEnabled(shown is not None and shown.images is not None)
        self.note.setText("" if r is None or not r.note else f"auto: {r.note}")
        if r is None:
            self.summary.setText("")
            return
        self._show_inputs(shown.inputs)
        what = "N(0, T²I)" if r.prior == "normal" else f"a {r.n_components}-component Gaussian mixture"
        if shown.inputs.get("prior") == "auto":
            what += " (chosen by auto)"
        colour = "#c0392b" if r.n_off_data else "#2e8b57"
        self.summary.setText(f"{len(r)} samples from {what} at T = {r.temperature:g}: "
                             f"<b style='color:{colour}'>{r.n_off_data} off the data</b>")


    def _show_inputs(self, inputs: dict) -> None:
        """The settings that drew the samples on screen (a reopened workspace's too)."""
        for key, set_value in (("n", self.n.setValue), ("temperature", self.temperature.setValue),
                               ("seed", self.seed.setValue)):
            if inputs.get(key) is not None:
                set_value(inputs[key])
        if (i := self.prior.findData(inputs.get("prior"))) >= 0:
            self.prior.setCurrentIndex(i)


class ArithmeticTab(_Tab):
    def __init__(self) -> None:
        super().__init__("arithmetic")
        lay = self.layout_
        lay.addWidget(_hint("A − B + C: what A has that B lacks, added to C — e.g. a sunlit wall − "
                            "the same wall in shade + another shaded scene ≈ that scene sunlit. "
                            "A lassoed group counts as its mean latent."))
        row = QHBoxLayout()
        self.operands = [OperandButton(f"arithmetic.{x}", x.upper(), PICK_TIP, side=56) for x in "abc"]
        row.addStretch(1)
        for sign, button in zip(("", "−", "+"), self.operands):
            if sign:
                row.addWidget(QLabel(f"<b>{sign}</b>"))
            row.addWidget(button)
        row.addStretch(1)
        lay.addLayout(row)
        row = QHBoxLayout()
        self.k = QSpinBox()
        self.k.setRange(1, 24)
        self.k.setValue(8)
        self.k.setPrefix("nearest ")
        self.go = QPushButton("Compute A − B + C")
        row.addWidget(self.k)
        row.addWidget(self.go, 1)
        lay.addLayout(row)
        lay.addWidget(self.busy)
        lay.addWidget(self.message)
        row = QHBoxLayout()
        self.result = QLabel()
        self.result.setFixedSize(RESULT, RESULT)
        self.result.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.result.setStyleSheet("background: #f4f4f4; color: #888")
        row.addWidget(self.result)
        row.addWidget(self.summary, 1)
        lay.addLayout(row)
        lay.addWidget(QLabel("Nearest images (click one to select it on the map):"))
        self.nearest = image_list(NEIGHBOUR, wrap=True, hint="The real images nearest the result show here.")
        lay.addWidget(self.nearest, 1)
        self.export_png = QPushButton("Export PNG…")
        lay.addWidget(self.export_png)
        self.show_result(None)

    def show_result(self, shown, labels=None) -> None:
        r = None if shown is None else shown.result
        self.export_png.setEnabled(shown is not None and shown.images is not None)
        self.result.clear()
        if r is None:
            self.result.setText("= ?")
            self.summary.setText("")
            fill(self.nearest, None, NEIGHBOUR)
            return
        if shown.images is not None:
            self.result.setPixmap(tile(shown.images[3], RESULT, bool(r.off_data)))
        captions = [f"#{i}" + (f" {labels[j]}" if labels and labels[j] else "")
                    for j, i in enumerate(r.nearest)]
        fill(self.nearest, shown.nearest_images, NEIGHBOUR, captions=captions, data=r.nearest)
        state = ("<b style='color:#c0392b'>off the data</b>" if r.off_data
                 else "<b style='color:#2e8b57'>on the data</b>")
        self.summary.setText(f"A − B + C is {state}: {r.distance_ratio:.2f}× the typical spacing from "
                             f"the nearest image (threshold {r.threshold:.2f}). Its point on the map is "
                             "the green hexagon.")


__all__ = ["ArithmeticTab", "InterpolateTab", "SampleTab"]
