"""The plots' axes are drawn when their range changes, not with every repaint of the points:
a pyqtgraph axis with a grid covers its whole plot, so recolouring the map or the live map's
next frame drew both axes' ticks, labels and grid again (1.5-3 ms each, in the GUI thread)."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QApplication

from .helpers import LONG, lightness


def test_recolouring_the_map_copies_its_axes_and_a_new_range_draws_new_ticks(window, qtbot, saved_digits_workspace,
                                                                           monkeypatch):
    drawn = []
    paint = pg.AxisItem.paint
    # ids, not the axes: the list must not keep the window's items alive after the test
    monkeypatch.setattr(pg.AxisItem, "paint", lambda axis, *args: (drawn.append(id(axis)), paint(axis, *args))[1])
    window.resize(1024, 700)
    window.session.open(saved_digits_workspace)
    view = window.map_view
    qtbot.waitUntil(lambda: view.legend.isVisible() and view.legend.settled, timeout=LONG)
    for _ in range(5):
        QApplication.processEvents()
    bottom, left = id(view.plotItem.getAxis("bottom")), id(view.plotItem.getAxis("left"))
    ticks_before = lightness(view)[-40:]
    drawn.clear()
    combo = window.map_toolbar.colour
    keys = [combo.itemData(i) for i in range(combo.count())]
    for key in ("recon_error", "label", "recon_error"):
        combo.setCurrentIndex(keys.index(key))
        view.viewport().repaint()
    assert bottom not in drawn and left not in drawn  # each repaint drew both before
    x0, x1 = view.plotItem.vb.viewRange()[0]
    view.setXRange(x0 + 0.3 * (x1 - x0), x1, padding=0)
    view.viewport().repaint()
    assert bottom in drawn
    assert np.abs(lightness(view)[-40:].astype(int) - ticks_before).max() > 100  # new tick labels shown


def test_a_map_of_tiny_or_huge_coordinates_keeps_plain_axis_names(window, qtbot, saved_digits_workspace):
    """A map's units are arbitrary: pyqtgraph's SI scaling named a pixel map's axis "PC 1 (x0.001)"."""
    window.session.open(saved_digits_workspace)
    view, positions = window.map_view, window.session.map
    for scale in (1e-3, 1e4):
        view.set_map(positions * scale)
        view.repaint()
        for side, name in (("bottom", "PC 1"), ("left", "PC 2")):
            label = view.plotItem.getAxis(side).labelString()
            assert f">{name} <" in label and "(x" not in label, label
