"""The main window as a fixture: shown, closed after the test, and no thread left running."""
from __future__ import annotations

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
    assert w.runner.running_threads() == 0


@pytest.fixture(scope="session", autouse=True)
def _renderer_compiled():
    """As the app does at start-up (in the background): the map's numba kernels compiled, so a
    test timing the GUI thread measures the app, not a cold compile on the first draw."""
    from latent_explorer.gui.map2d.scatter import warm_up

    warm_up()


@pytest.fixture(autouse=True)
def _collect_garbage_in_the_gui_thread(qapp):
    """As the app does (`gui.gc_guard`): a closed test window freed by a worker thread's garbage
    collection would run Qt destructors outside the GUI thread and can deadlock."""
    from latent_explorer.gui.threads import gc_guard
    gc_guard.install(qapp)
    yield
