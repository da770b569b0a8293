"""Wires the Generate dock into the window: the dock (tabbed with Sliders and Insights), the
overlays on the 2-D and 3-D maps, Alt+click on either map, and the jobs — each kind in the
window's worker under its own purpose, so a new interpolation replaces a running one but not a
sampling."""
from __future__ import annotations

import os

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog

from latent_explorer.errors import UserError
from latent_explorer.session.generate import KINDS, Generator
from latent_explorer.gui.docks.generate_panel import GeneratePanel
from latent_explorer.gui.map3d.marks import GeneratedOverlays3D
from latent_explorer.gui.map2d.overlays import GeneratedOverlays
from latent_explorer.gui.window_services import WindowServices

RESTORE = "generate-restore"
_FILTERS = {".gif": "Animated GIF (*.gif)", ".png": "PNG image (*.png)"}


class GenerateActions:
    def __init__(self, window: WindowServices) -> None:
        self.window = window
        s = window.session
        self.generator = Generator(s, window.steering)
        self.panel = GeneratePanel(s, self.generator)
        self.dock = window.add_dock("Generate", "generate_dock", self.panel,
                                 Qt.DockWidgetArea.RightDockWidgetArea)
        window.tabifyDockWidget(window.insights_dock, self.dock)
        self.overlays = GeneratedOverlays(window.map_view.plotItem)
        self.overlays3d = GeneratedOverlays3D(window.map_view3d)
        for overlays in (self.overlays, self.overlays3d):
            self.generator.result_changed.connect(overlays.show)
            self.panel.highlighted.connect(overlays.highlight)
        self.panel.pick_requested.connect(self.pick)
        self.panel.interpolate_requested.connect(self.interpolate)
        self.panel.sample_requested.connect(self.sample)
        self.panel.arithmetic_requested.connect(self.arithmetic)
        self.panel.export_requested.connect(self.export)
        self.panel.cancel_requested.connect(lambda kind: window.runner.cancel(kind))
        window.map_view.alt_clicked.connect(self.interpolate_to)
        window.map_view3d.alt_clicked.connect(self.interpolate_to)
        window.runner.stopped.connect(self._on_stopped)
        s.map_changed.connect(lambda _map: self._restore())

    def pick(self, slot: str) -> bool:
        """The map's selection (lasso/box group, else the clicked image) becomes ``slot``."""
        try:
            self.generator.set_operand(slot, self.window.selected_indices())
        except UserError as exc:
            self.panel.show_message(slot.split(".")[0], str(exc))
            self.window.show_status(str(exc))
            return False
        return True

    def interpolate(self, method: str = "path", steps: int = 16):
        return self._start("interpolation", lambda t: self.generator.interpolation_task(method, steps, t))

    def sample(self, n: int = 16, temperature: float = 1.0, prior: str = "auto", seed: int = 0):
        return self._start("samples", lambda t: self.generator.samples_task(n, temperature, prior, seed, t))

    def arithmetic(self, k: int = 8):
        return self._start("arithmetic", lambda t: self.generator.arithmetic_task(k, t))

    def interpolate_to(self, index: int):
        """Alt+click: from the selection (A) to the Alt-clicked image (B), with the dock's method
        and steps."""
        self.dock.show()
        self.dock.raise_()
        self.panel.setCurrentWidget(self.panel.interpolate)
        if not len(self.window.selected_indices()):
            text = "Click an image first: Alt+click then interpolates from it to the Alt-clicked one"
            self.panel.show_message("interpolation", text)
            self.window.show_status(text)
            return None
        self.pick("interpolation.a")
        self.generator.set_operand("interpolation.b", [index])
        tab = self.panel.interpolate
        return self.interpolate(tab.method.currentData(), tab.steps.value())

    def _start(self, kind: str, make):
        w = self.window
        try:
            worker = w.runner.start(kind, make)
        except UserError as exc:
            self.panel.show_message(kind, str(exc))
            w.show_status(str(exc))
            return None
        self.panel.set_busy(kind, True)
        worker.progressed.connect(lambda p: self.panel.show_progress(kind, p))
        worker.finished.connect(self._adopt)
        worker.failed.connect(lambda exc, tb: w.report_failure(f"Cannot make the {kind}", exc, tb))
        worker.cancelled.connect(lambda: w.show_status(f"{kind} cancelled"))
        return worker

    def _adopt(self, shown) -> None:
        if self.generator.adopt(shown):
            r = shown.result
            if shown.kind == "interpolation":
                text = f"{r.method} interpolation: {r.n_off_data} of {r.steps} steps off the data"
            elif shown.kind == "samples":
                text = f"{len(r)} samples: {r.n_off_data} off the data"
            else:
                text = f"A − B + C is {'off' if r.off_data else 'on'} the data"
            self.window.show_status(text)

    def _restore(self) -> None:
        """Decode the results a reopened workspace brought (their paths are drawn already)."""
        try:
            if self.generator.restore_task() is None:
                return
        except UserError:
            return
        worker = self.window.runner.start(RESTORE, lambda t: self.generator.restore_task(t))
        worker.finished.connect(lambda done: [self.generator.adopt(s, store=False) for s in done])
        worker.failed.connect(
            lambda exc, tb: self.window.show_status(f"cannot decode the saved results: {exc}"))

    def _on_stopped(self, purpose: str, _worker) -> None:
        if purpose in KINDS and self.window.runner.current(purpose) is None:
            self.panel.set_busy(purpose, False)

    def export(self, kind: str, suffix: str, path: str | None = None) -> bool:
        w = self.window
        if path is None:
            base = os.path.splitext(w.session.path or "latent")[0]
            start = f"{base}-{kind}{suffix}"
            path, _ = QFileDialog.getSaveFileName(w, f"Export the {kind}", start, _FILTERS[suffix])
            if not path:
                return False
            if not path.lower().endswith(suffix):
                path += suffix
        try:
            self.generator.export(kind, path)
        except (UserError, OSError) as exc:
            w.show_error("Cannot export", str(exc))
            return False
        w.show_status(f"wrote {path}")
        return True


__all__ = ["GenerateActions"]
