"""The model dock's live loss plot: loss per image against epoch, train solid, held-out dashed."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from latent_explorer.gui.render.axes import light_axes

CURVES = [  # (history key, legend name, colour, dashed)
    ("train_recon", "reconstruction", "#1f77b4", False),
    ("val_recon", "reconstruction, held-out", "#1f77b4", True),
    ("train_kl", "KL", "#ff7f0e", False),
    ("val_kl", "KL, held-out", "#ff7f0e", True),
]
MIN_EPOCHS_SHOWN = 5  # the epoch axis spans at least 1 … this


class LossPlot(pg.PlotWidget):
    """Loss per image against epoch (log scale), train solid, held-out dashed."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, background="w")
        self.setFixedHeight(170)
        self.setLogMode(y=True)
        self.showGrid(x=True, y=True, alpha=0.2)
        light_axes(self.plotItem)
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
        if rows and rows == self._rows:  # the training just watched live arrives as a workspace
            return
        self._rows = list(rows)
        self._redraw()

    def add_epoch(self, row: dict) -> None:
        self._rows.append(row)
        self._redraw()

    def epochs(self) -> list[int]:
        """The epochs plotted, in order."""
        return [int(r["epoch"]) for r in self._rows]

    def point_count(self) -> int:
        return sum(len(c.getData()[0] if c.getData()[0] is not None else []) for c in self.curves.values())

    def _redraw(self) -> None:
        if self._rows:  # epochs from 1: auto-ranging one epoch would tick −3 … 5
            self.setXRange(1, max(MIN_EPOCHS_SHOWN, max(int(r["epoch"]) for r in self._rows)), padding=0.05)
            self.enableAutoRange(axis="y")
        else:  # an empty log axis would tick 2, 3, … 9 on top of each other
            self.setRange(xRange=(1, 10), yRange=(0, 3), padding=0)
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


__all__ = ["CURVES", "LossPlot", "curve_legend"]
