"""The plots' axes, drawn as rarely as they change. A pyqtgraph axis with a grid covers its whole
plot, so every repaint of anything in the plot (a point's colour, the live map's next frame, a
new loss) painted its ticks, labels and grid lines again: 1.5-3 ms an axis, four times a frame
between the map and the loss plot while training. Cached in a pixmap, an axis is drawn again
only when its range or size changes; other repaints copy the pixmap."""
from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtWidgets import QGraphicsItem


def light_axes(plot: pg.PlotItem, sides=("bottom", "left")) -> None:
    """No sub-minor ticks (2.8 ms a frame instead of 4.5) and a device-pixel cache."""
    for side in sides:
        axis = plot.getAxis(side)
        axis.setStyle(maxTickLevel=1)
        axis.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)


__all__ = ["light_axes"]
