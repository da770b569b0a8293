"""Garbage holding Qt objects is collected in the GUI thread, never in a worker."""
from __future__ import annotations

import gc
import threading
import weakref

from PySide6.QtCore import QObject

from latent_explorer.gui import gc_guard


class Holder:
    def __init__(self) -> None:
        self.obj = QObject()
        self.obj.setObjectName("in a cycle")
        self.me = self  # a reference cycle: only the cyclic collector frees it
        self.freed_in = None

    def __del__(self) -> None:
        self.freed_in = threading.current_thread().name
        FREED.append(self.freed_in)


FREED: list[str] = []


def test_cycles_with_qt_objects_are_freed_by_the_gui_thread(qapp, qtbot):
    gc_guard.install(qapp)
    threshold = gc.get_threshold()
    assert not gc.isenabled()
    ref = weakref.ref(Holder())
    assert ref() is not None  # the cycle keeps it: nothing collects automatically

    def churn() -> None:  # a busy worker allocating far past the thresholds
        junk = [[i] for i in range(200_000)]
        del junk

    t = threading.Thread(target=churn, name="worker")
    t.start()
    t.join()
    assert ref() is not None
    gc.set_threshold(1, 1, 1)  # make the next timer tick collect everything
    try:
        qtbot.waitUntil(lambda: ref() is None, timeout=5000)
    finally:
        gc.set_threshold(*threshold)
    assert FREED[-1] == threading.main_thread().name
