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
