"""The model dock's loss plot: epochs on its axis begin at 1, however few have run."""
from __future__ import annotations

import numpy as np

from latent_explorer.gui.docks.loss_plot import LossPlot


def _row(epoch: int) -> dict:
    return {"epoch": epoch, "train_recon": 5e4 / epoch, "val_recon": 5.2e4 / epoch, "train_kl": 20.0, "val_kl": 21.0}


def test_the_epoch_axis_never_shows_epochs_before_the_first(qtbot):
    plot = LossPlot()
    qtbot.addWidget(plot)
    plot.resize(300, 170)
    plot.show()
    plot.add_epoch(_row(1))  # auto-ranging one point spread the axis over −3 … 5
    (x0, x1), _ = plot.viewRange()
    assert 0.5 < x0 < 1 and 5 <= x1 < 5.5
    qtbot.waitUntil(lambda: plot.viewRange()[1][0] <= np.log10(20.0) and plot.viewRange()[1][1] >= np.log10(5.2e4))
    for epoch in range(2, 13):
        plot.add_epoch(_row(epoch))
    (x0, x1), _ = plot.viewRange()
    assert 0 < x0 < 1 and 12 <= x1 < 13
    qtbot.waitUntil(lambda: plot.viewRange()[1][0] <= np.log10(20.0))
