"""The Generate dock: Interpolate (A → B as a film strip and a path on the map, GIF / PNG strip),
Sample (a grid of new images from the prior or a fitted density, markers on the map) and
Arithmetic (A − B + C with its nearest images). The dock asks; `generate_actions` runs the jobs;
what they make arrives through the `explore.generate.Generator`'s events."""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QAbstractItemView, QTabWidget, QWidget

from latent_explorer.session.generate import Generator
from latent_explorer.session.session import Session
from latent_explorer.gui.docks.generate_tabs import ArithmeticTab, InterpolateTab, SampleTab


class GeneratePanel(QTabWidget):
    """Views only: requests go out as signals, results come from the generator."""

    pick_requested = Signal(str)  # slot
    interpolate_requested = Signal(str, int)  # method, steps
    sample_requested = Signal(int, float, str, int)  # n, temperature, prior, seed
    arithmetic_requested = Signal(int)  # k
    export_requested = Signal(str, str)  # kind, ".gif" | ".png"
    cancel_requested = Signal(str)  # kind
    highlighted = Signal(str, int)  # kind, step / sample index (-1: none)

    def __init__(self, session: Session, generator: Generator, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.generator = generator
        self.interpolate = InterpolateTab()
        self.sample = SampleTab()
        self.arithmetic = ArithmeticTab()
        self.tabs = {t.kind: t for t in (self.interpolate, self.sample, self.arithmetic)}
        self.addTab(self.interpolate, "Interpolate")
        self.addTab(self.sample, "Sample")
        self.addTab(self.arithmetic, "Arithmetic")
        operands = (self.interpolate.a, self.interpolate.b, *self.arithmetic.operands)
        self.buttons = {b.slot: b for b in operands}
        for b in self.buttons.values():
            b.picked.connect(self.pick_requested)
        for kind, tab in self.tabs.items():
            tab.busy.cancel_requested.connect(lambda kind=kind: self.cancel_requested.emit(kind))
        t = self.interpolate
        t.go.clicked.connect(lambda: self.interpolate_requested.emit(t.method.currentData(), t.steps.value()))
        t.export_gif.clicked.connect(lambda: self.export_requested.emit("interpolation", ".gif"))
        t.export_png.clicked.connect(lambda: self.export_requested.emit("interpolation", ".png"))
        t.strip.currentRowChanged.connect(self._on_step)
        s = self.sample
        s.go.clicked.connect(lambda: self.sample_requested.emit(s.n.value(), s.temperature.value(),
                                                                s.prior.currentData(), s.seed.value()))
        s.export_png.clicked.connect(lambda: self.export_requested.emit("samples", ".png"))
        s.grid.currentRowChanged.connect(lambda i: self.highlighted.emit("samples", i))
        a = self.arithmetic
        a.go.clicked.connect(lambda: self.arithmetic_requested.emit(a.k.value()))
        a.export_png.clicked.connect(lambda: self.export_requested.emit("arithmetic", ".png"))
        a.nearest.itemClicked.connect(lambda item: session.select(item.data(Qt.ItemDataRole.UserRole)))
        generator.operand_changed.connect(self.show_operand)
        generator.result_changed.connect(self.show_result)
        session.workspace_changed.connect(self._on_workspace)
        self._on_workspace(session.workspace)

    def _on_workspace(self, ws) -> None:
        has = ws is not None and ws.latents is not None
        for tab in self.tabs.values():
            tab.go.setEnabled(has)
            tab.message.clear()
        for b in self.buttons.values():
            b.setEnabled(has)

    def show_operand(self, slot: str, indices) -> None:
        image = None
        if indices is not None and self.session.has_images:
            image = self.session.original(int(indices[0]))
        self.buttons[slot].show_images(indices, image)
        self.tabs[slot.split(".")[0]].message.clear()

    def show_result(self, kind: str, shown) -> None:
        tab = self.tabs[kind]
        if kind == "arithmetic":
            labels = None
            if shown is not None and self.session.labels is not None:
                labels = [self.session.label_of(int(i)) for i in shown.result.nearest]
            tab.show_result(shown, labels)
        elif kind == "interpolation":
            ws = self.session.workspace
            no_decoder = ws is not None and not ws.has_decoder
            tab.show_result(shown, "<br>no decoder: the path is drawn on the map only" if no_decoder else "")
        else:
            tab.show_result(shown)
        if shown is not None:
            tab.message.clear()

    def _on_step(self, i: int) -> None:
        strip = self.interpolate.strip
        if 0 <= i < strip.count():
            strip.scrollToItem(strip.item(i), QAbstractItemView.ScrollHint.PositionAtCenter)
        self.interpolate.show_step(i, self.generator.results.get("interpolation"))
        self.highlighted.emit("interpolation", i)

    def set_busy(self, kind: str, busy: bool) -> None:
        tab = self.tabs[kind]
        tab.busy.setVisible(busy)
        if busy:
            tab.busy.show_progress(None)
            tab.message.clear()

    def show_progress(self, kind: str, progress) -> None:
        self.tabs[kind].busy.show_progress(progress)

    def show_message(self, kind: str, text: str) -> None:
        self.tabs[kind].message.setText(text)


__all__ = ["GeneratePanel"]
