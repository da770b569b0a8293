"""The main window as a fixture: shown, closed after the test, and no thread left running."""
from __future__ import annotations

import os

import pytest

from latent_explorer.gui.main_window import MainWindow


@pytest.fixture
def window(qtbot):
    w = MainWindow()
    w.ask_before_discarding = False
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    yield w
    w.close()
    assert w.runner.running_threads() == 0 and w.direction_actions.runner.running_threads() == 0


@pytest.fixture(autouse=True)
def _fresh_settings():
    """Every test's window starts from no saved settings: a window closed by an earlier test
    saved its layout (the map 276 px wide, say) into the session's sandboxed settings file, and
    the next window restored it — tests then depended on their order."""
    from latent_explorer.gui.settings import AppSettings

    path = AppSettings().path
    if os.path.exists(path):
        os.remove(path)
    yield


@pytest.fixture(autouse=True)
def _no_unexpected_message_box(monkeypatch):
    """A message box no test expected would wait for a click that never comes (the run hangs
    until the timeout): fail at once with its text instead. A test that expects one patches
    `QMessageBox.warning` itself, after this."""
    from PySide6.QtWidgets import QMessageBox

    def refuse(_parent, title, text, *args, **kwargs):
        raise AssertionError(f"unexpected message box: {title}: {text}")

    monkeypatch.setattr(QMessageBox, "warning", refuse)


@pytest.fixture(scope="session", autouse=True)
def _renderer_compiled():
    """As the app does at start-up (`gui.app.start_warm_up`): the map's numba kernels compiled,
    torch and UMAP loaded, then what that loaded frozen out of the garbage collector's reach —
    so a test timing the GUI thread measures the app, not a cold compile on the first draw or a
    full collection walking every module (0.45 s in the t-SNE test without the freeze)."""
    import gc

    from latent_explorer.gui.map2d.scatter import warm_up
    from latent_explorer.session.warmup import warm_up_maps

    warm_up_maps([warm_up])
    gc.collect()
    gc.freeze()
    yield
    gc.unfreeze()


@pytest.fixture(autouse=True)
def _collect_garbage_in_the_gui_thread(qapp):
    """As the app does (`gui.gc_guard`): a closed test window freed by a worker thread's garbage
    collection would run Qt destructors outside the GUI thread and can deadlock."""
    import gc

    from latent_explorer.gui.threads import gc_guard
    gc_guard.install(qapp)
    yield
    assert not gc.isenabled(), "the test turned automatic garbage collection back on (the guard is off)"


# ---------------------------------------------------------------------- the map's point layer


@pytest.fixture
def plot(qtbot):
    """A real plot widget on screen, its view fixed on the two clouds of `make_points`."""
    import pyqtgraph as pg

    w = pg.PlotWidget(background="w")
    w.resize(420, 320)
    w.setRange(xRange=(-0.5, 3.5), yRange=(-0.5, 1.7), padding=0)
    w.plotItem.vb.setMouseEnabled(True, True)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    return w


@pytest.fixture
def raster(plot):
    """`make_points` drawn by the raster point layer, 5 px, red and blue."""
    from latent_explorer.gui.map2d.scatter import RasterScatterItem
    from tests.gui.scatter_helpers import BLUE, RED, make_points

    pos, codes = make_points()
    item = RasterScatterItem(size_px=5)
    item.setData(pos, colors=codes, palette=[RED, BLUE])
    plot.addItem(item)
    return plot, item, pos, codes
