"""The 2-D map's legend of colour groups. A click on an entry — its dot or its text — shows or
hides that group's points; a check mark says which groups are shown (as in the 3-D legend);
and the legend sits in the corner of the map that covers the fewest points (matplotlib's "best"),
chosen again whenever the view's range or size changes, moving only when another corner hides
far fewer (the legend moves, never the view). For a new map, when every corner would hide points,
`make_room` widens the view's range on the legend's side just enough to clear it, along the
axis that shrinks the map least."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from latent_explorer.gui.map2d.legend_box import HIDDEN, SHOWN, LegendBox
from latent_explorer.gui.render.point_colours import rgba_array

MARGIN = 8  # pixels between the legend and the edge of the plot
CORNERS = {  # (legend's anchor point, the view's anchor point, offset sign)
    "top right": ((1, 0), (1, 0), (-1, 1)),
    "top left": ((0, 0), (0, 0), (1, 1)),
    "bottom right": ((1, 1), (1, 1), (-1, -1)),
    "bottom left": ((0, 1), (0, 1), (1, -1)),
}
COUNT_SAMPLE = 20_000  # points counted per corner at most


class MapLegend:
    def __init__(self, plot: pg.PlotWidget, scatter, point_size: int) -> None:
        self.plot = plot
        self.scatter = scatter
        self.item = LegendBox(point_size)
        self.item.setParentItem(plot.plotItem.vb)
        self.item.anchor(itemPos=(1, 0), parentPos=(1, 0), offset=(-MARGIN, MARGIN))
        self.item.setVisible(False)
        self.item.toggled.connect(self.toggle)
        self.positions: np.ndarray | None = None  # what `place` last placed it against
        self.item.geometryChanged.connect(lambda: self.place(self.positions))
        self.corner = "top right"
        self.settled = False  # a new legend has found its corner
        self._codes: list[int] = []

    def isVisible(self) -> bool:  # noqa: N802 (as the Qt item it stands for)
        return self.item.isVisible()

    def setVisible(self, visible: bool) -> None:  # noqa: N802
        self.item.setVisible(visible)

    def clear(self) -> None:
        self.item.set_entries([])
        self._codes = []
        self.settled = False

    def fill(self, entries: list) -> None:
        """``entries``: (colour code, colour, text) per group; shown when there are two or more."""
        self._codes = [code for code, _, _ in entries]
        colours = [pg.mkColor(*rgba_array([colour])[0][:3]) for _, colour, _ in entries]
        self.item.set_entries(list(zip(colours, [text for _, _, text in entries])),
                              columns=1 if len(entries) <= 12 else 2)
        self.item.setVisible(len(entries) > 1)

    def toggle(self, index: int) -> None:
        """Show or hide entry ``index``'s group (a click on its dot or its text)."""
        shown = not self.item.shown[index]
        self.item.set_shown(index, shown)
        self.scatter.setGroupVisible(self._codes[index], shown)

    def entry_texts(self) -> list[str]:
        """The groups' names as listed (without the check marks)."""
        return list(self.item.texts)

    def entry_label(self, index: int) -> str:
        """Entry ``index`` as the legend shows it, with its check mark."""
        return f"{SHOWN if self.item.shown[index] else HIDDEN} {self.item.texts[index]}"

    def entry_scene_rect(self, index: int):
        return self.item.mapRectToScene(self.item.entry_rect(index))

    def contains_scene(self, scene_pos) -> bool:
        return self.item.isVisible() and self.item.sceneBoundingRect().contains(scene_pos)

    def shown(self) -> list[bool]:
        return list(self.item.shown)

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

    def make_room(self, positions: np.ndarray | None) -> bool:
        """Place the legend, then widen the view so no point of ``positions`` lies under it
        (a new map; a map that would shrink by more than half keeps its range). True when
        the range changed."""
        corner = self.place(positions)
        if positions is None or not self.item.isVisible() or len(positions) == 0:
            return False
        vb = self.plot.plotItem.vb
        (x0, x1), (y0, y1) = vb.viewRange()
        width, height = vb.width(), vb.height()
        lw, lh = self.item.width() + 2 * MARGIN, self.item.height() + 2 * MARGIN
        if width <= lw or height <= lh or x1 <= x0 or y1 <= y0:
            return False
        x, y = positions[:, 0], positions[:, 1]
        top, right = corner.startswith("top"), corner.endswith("right")
        # the points in the legend's column (to clear vertically) and in its row (horizontally)
        column = (x >= x1 - lw / width * (x1 - x0)) if right else (x <= x0 + lw / width * (x1 - x0))
        row = (y >= y1 - lh / height * (y1 - y0)) if top else (y <= y0 + lh / height * (y1 - y0))
        if not (column & row).any():
            return False
        options = []
        if column.any():
            edge = y[column].max() if top else y[column].min()
            if top:
                new = (edge * height - lh * y0) / (height - lh)
                options.append(((y1 - y0) / (new - y0), "y", (y0, new)))
            else:
                new = (edge * height - lh * y1) / (height - lh)
                options.append(((y1 - y0) / (y1 - new), "y", (new, y1)))
        if row.any():
            edge = x[row].max() if right else x[row].min()
            if right:
                new = (edge * width - lw * x0) / (width - lw)
                options.append(((x1 - x0) / (new - x0), "x", (x0, new)))
            else:
                new = (edge * width - lw * x1) / (width - lw)
                options.append(((x1 - x0) / (x1 - new), "x", (new, x1)))
        scale, axis, span = max(options)  # the share of the old range kept: the most
        if not 0.5 <= scale < 1.0:
            return False
        if axis == "y":
            vb.setYRange(*span, padding=0)
        else:
            vb.setXRange(*span, padding=0)
        return True


__all__ = ["MapLegend"]
