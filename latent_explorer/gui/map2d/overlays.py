"""What the Generate dock made, drawn on the map where it belongs: the interpolation path as a
line through its steps (segments off the data red and dashed) from A to B, samples as squares
(off-data ones hollow red), the arithmetic result as a labelled hexagon; the frame or sample
picked in the dock is ringed. `hidden_while_empty` keeps these and the map's own markers out of
a frame while they hold nothing."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt

ON_PATH = "#1a4f9c"
OFF_PATH = "#d62728"
SAMPLE = "#ff9f1c"
RESULT = "#2ca02c"
Z = 14  # above the points and the edit arrow


def hidden_while_empty(*items: pg.GraphicsObject) -> None:
    """Hide each scatter or line item while it holds no points, and show it when it gets some:
    an empty pyqtgraph item still runs its Python paint on every frame of the map."""
    for item in items:
        def sync(_=None, item=item) -> None:
            points = item.data if isinstance(item, pg.ScatterPlotItem) else item.xData
            item.setVisible(points is not None and len(points) > 0)

        item.sigPlotChanged.connect(sync)
        sync()


def _ends(off: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``connect`` arrays for the on-data and off-data segments (a segment is off the data when
    either end is)."""
    seg = off[:-1] | off[1:]
    return np.append(~seg, False), np.append(seg, False)


class GeneratedOverlays:
    """Items on ``plot`` (a PlotItem); `show` takes a `explore.generate.Shown` (or None)."""

    def __init__(self, plot: pg.PlotItem) -> None:
        self.plot = plot
        self.path_on = pg.PlotDataItem(pen=pg.mkPen(ON_PATH, width=3))
        self.path_off = pg.PlotDataItem(pen=pg.mkPen(OFF_PATH, width=3, style=Qt.PenStyle.DashLine))
        self.steps = pg.ScatterPlotItem(size=7, pen=pg.mkPen("#ffffff", width=1))
        self.samples = pg.ScatterPlotItem(size=10, symbol="s")
        self.result = pg.ScatterPlotItem(size=18, symbol="h", pen=pg.mkPen("#000", width=1.5),
                                         brush=pg.mkBrush(RESULT))
        self.ring = pg.ScatterPlotItem(size=22, symbol="o", pen=pg.mkPen("#000000", width=2.5), brush=None)
        self.labels = {name: pg.TextItem(name, color="#000000", anchor=(0.5, 1.25), border="#555555",
                                         fill=pg.mkBrush(255, 255, 255, 210))
                       for name in ("A", "B", "A−B+C")}
        items = [self.samples, self.path_on, self.path_off, self.steps, self.result, self.ring,
                 *self.labels.values()]
        for i, item in enumerate(items):
            item.setZValue(Z + i)
            plot.addItem(item, ignoreBounds=True)
        hidden_while_empty(self.samples, self.path_on, self.path_off, self.steps, self.result, self.ring)
        self.positions: dict[str, np.ndarray | None] = {}
        self._ringed: tuple[str, int] | None = None

    def show(self, kind: str, shown) -> None:
        pos = None if shown is None else shown.positions
        if pos is not None and (pos.ndim != 2 or pos.shape[1] < 2 or not np.isfinite(pos).all()):
            pos = None
        self.positions[kind] = pos
        off = None if pos is None else shown.off_data
        if kind == "interpolation":
            self._show_path(pos, off)
        elif kind == "samples":
            self._show_samples(pos, off)
        elif kind == "arithmetic":
            self._put(self.result, pos)
            self._label("A−B+C", pos, 0)
        if self._ringed is not None and self._ringed[0] == kind:
            self.highlight(kind, self._ringed[1])

    def _show_path(self, pos, off) -> None:
        if pos is None:
            for item in (self.path_on, self.path_off):
                item.setData([], [])
            self._put(self.steps, None)
            self._label("A", None, 0)
            self._label("B", None, 0)
            return
        on_connect, off_connect = _ends(off)
        self.path_on.setData(pos[:, 0], pos[:, 1], connect=on_connect)
        self.path_off.setData(pos[:, 0], pos[:, 1], connect=off_connect)
        brushes = [pg.mkBrush(OFF_PATH if o else ON_PATH) for o in off]
        self.steps.setData(pos[:, 0], pos[:, 1], brush=brushes)
        self._label("A", pos, 0)
        self._label("B", pos, len(pos) - 1)

    def _show_samples(self, pos, off) -> None:
        if pos is None:
            self._put(self.samples, None)
            return
        brushes = [pg.mkBrush(255, 255, 255, 200) if o else pg.mkBrush(SAMPLE) for o in off]
        pens = [pg.mkPen(OFF_PATH if o else "#000000", width=1.5) for o in off]
        self.samples.setData(pos[:, 0], pos[:, 1], brush=brushes, pen=pens)

    @staticmethod
    def _put(item, pos) -> None:
        if pos is None:
            item.setData([], [])
        else:
            item.setData(pos[:, 0], pos[:, 1])

    def _label(self, name: str, pos, i: int) -> None:
        label = self.labels[name]
        label.setVisible(pos is not None)
        if pos is not None:
            label.setPos(float(pos[i, 0]), float(pos[i, 1]))

    def highlight(self, kind: str, index: int) -> None:
        """Ring step / sample ``index`` of ``kind`` (-1: none)."""
        pos = self.positions.get(kind)
        self._ringed = (kind, index) if index >= 0 else None
        if pos is None or not 0 <= index < len(pos):
            self.ring.setData([], [])
        else:
            self.ring.setData([pos[index, 0]], [pos[index, 1]])

    def drawn(self, kind: str) -> np.ndarray | None:
        """The positions drawn for ``kind`` (the path's vertices, the samples' markers)."""
        item = {"interpolation": self.path_on, "samples": self.samples, "arithmetic": self.result}[kind]
        if kind == "interpolation":
            x, y = item.getData()
            return None if x is None or len(x) == 0 else np.column_stack([x, y])
        data = item.getData()
        return None if len(data[0]) == 0 else np.column_stack(data)


__all__ = ["GeneratedOverlays"]
