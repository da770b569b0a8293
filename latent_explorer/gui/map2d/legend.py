"""The 2-D map's legend of colour groups. A click on an entry — its dot or its text — shows or
hides that group's points; a check mark says which groups are shown (as in the 3-D legend);
and the legend sits in the corner of the map that covers the fewest points (matplotlib's "best"),
chosen again whenever the view's range or size changes, moving only when another corner hides
far fewer (the legend moves, never the view)."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from latent_explorer.gui.map2d.scatter import legend_proxy

MARGIN = 8  # pixels between the legend and the edge of the plot
CORNERS = {  # (legend's anchor point, the view's anchor point, offset sign)
    "top right": ((1, 0), (1, 0), (-1, 1)),
    "top left": ((0, 0), (0, 0), (1, 1)),
    "bottom right": ((1, 1), (1, 1), (-1, -1)),
    "bottom left": ((0, 1), (0, 1), (1, -1)),
}
SHOWN, HIDDEN = "✓", "✗"
COUNT_SAMPLE = 20_000  # points counted per corner at most


class MapLegend:
    def __init__(self, plot: pg.PlotWidget, scatter, point_size: int) -> None:
        self.plot = plot
        self.scatter = scatter
        self.point_size = point_size
        self.item = plot.addLegend(offset=(-MARGIN, MARGIN), brush=pg.mkBrush(255, 255, 255, 215),
                                   pen=pg.mkPen("#cccccc"), labelTextSize="9pt")
        self.positions: np.ndarray | None = None  # what `place` last placed it against
        self.item.geometryChanged.connect(lambda: self.place(self.positions))  # its size is known late
        self.corner = "top right"
        self.settled = False  # a new legend has found its corner
        self._proxies: list = []
        self._texts: list[str] = []

    @property
    def items(self) -> list:
        """(sample, label) pairs, as `pg.LegendItem.items`."""
        return self.item.items

    def isVisible(self) -> bool:  # noqa: N802 (as the Qt item it stands for)
        return self.item.isVisible()

    def setVisible(self, visible: bool) -> None:  # noqa: N802
        self.item.setVisible(visible)

    def clear(self) -> None:
        self.item.clear()
        self._proxies, self._texts = [], []
        self.settled = False

    def fill(self, entries: list) -> None:
        """``entries``: (colour code, colour, text) per group; shown when there are two or more."""
        self.clear()
        for code, colour, text in entries:
            proxy = legend_proxy(self.scatter, code, colour, self.point_size)
            self._proxies.append(proxy)
            self._texts.append(text)
            self.item.addItem(proxy, self._entry_text(text, True))
            sample, label = self.item.items[-1]
            label.mouseClickEvent = sample.mouseClickEvent  # the text toggles the group as the dot does
            proxy.visibleChanged.connect(lambda p=proxy, lab=label, t=text: lab.setText(self._entry_text(t, p.isVisible())))
        self.item.setColumnCount(1 if len(self._proxies) <= 12 else 2)
        self.item.setVisible(len(self._proxies) > 1)

    def _entry_text(self, text: str, shown: bool) -> str:
        mark = SHOWN if shown else HIDDEN
        colour = "#222222" if shown else "#999999"
        return f"<span style='color:{colour}'>{mark} {text}</span>"

    def entry_texts(self) -> list[str]:
        """The groups' names as listed (without the check marks)."""
        return list(self._texts)

    def shown(self) -> list[bool]:
        return [p.isVisible() for p in self._proxies]

    def place(self, positions: np.ndarray | None) -> str:
        """Put the legend in the corner where it hides the fewest of ``positions`` (N, 2) as the
        view shows them now; returns that corner."""
        self.positions = positions
        if positions is None or not self.item.isVisible():
            return self.corner
        vb = self.plot.plotItem.vb
        (x0, x1), (y0, y1) = vb.viewRange()
        width, height = vb.width(), vb.height()
        lw, lh = self.item.width() + MARGIN, self.item.height() + MARGIN
        if width <= 0 or height <= 0 or x1 <= x0 or y1 <= y0:
            return self.corner
        if len(positions) > COUNT_SAMPLE:  # it runs on every pan and zoom: a fixed sample counts as well
            positions = positions[:: len(positions) // COUNT_SAMPLE]
        px = (positions[:, 0] - x0) / (x1 - x0) * width
        py = (y1 - positions[:, 1]) / (y1 - y0) * height  # from the top
        ok = np.isfinite(px) & np.isfinite(py)
        px, py = px[ok], py[ok]
        left, right, top, bottom = px < lw, px > width - lw, py < lh, py > height - lh
        covered = {"top right": (top & right).sum(), "top left": (top & left).sum(),
                   "bottom right": (bottom & right).sum(), "bottom left": (bottom & left).sum()}
        best = min(CORNERS, key=lambda c: (covered[c], list(CORNERS).index(c)))  # ties: top right first
        if covered[self.corner] <= 2 * covered[best] + 2:  # not worth a jump (a pan must not make it hop)
            best = self.corner
        item_pos, parent_pos, (sx, sy) = CORNERS[best]
        self.item.anchor(itemPos=item_pos, parentPos=parent_pos, offset=(sx * MARGIN, sy * MARGIN))
        self.corner = best
        self.settled = True
        return best


__all__ = ["MapLegend"]
