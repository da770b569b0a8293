"""How points look on both maps (2-D and 3-D): the label palette, the colour of unlabelled
points, how near the cursor a point must be to be picked, how many legend entries are drawn."""
from __future__ import annotations

import pyqtgraph as pg

PALETTE = [  # matplotlib's tab10 then the light half of tab20
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
    "#bcbd22", "#17becf", "#aec7e8", "#ffbb78", "#98df8a", "#ff9896", "#c5b0d5", "#c49c94",
    "#f7b6d2", "#c7c7c7", "#dbdb8d", "#9edae5",
]
UNLABELLED = "#9a9a9a"
PICK_RADIUS = 10  # pixels
MAX_LEGEND = 30


def with_alpha(colour: str, alpha: int = 200) -> tuple[int, int, int, int]:
    c = pg.mkColor(colour)
    return (c.red(), c.green(), c.blue(), alpha)


__all__ = ["MAX_LEGEND", "PALETTE", "PICK_RADIUS", "UNLABELLED", "with_alpha"]
