"""Garbage holding Qt objects is collected in the GUI thread, never in a worker."""
from __future__ import annotations

import gc
import threading
import weakref

from PySide6.QtCore import QObject

from latent_explorer.gui.threads import gc_guard
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


def test_full_collections_are_rationed(qapp):
    """A full collection walks every object of the process (0.1-0.5 s with torch loaded): the
    guard runs one at most every FULL_INTERVAL_S, younger generations as usual."""
    guard = gc_guard.install(qapp)
    threshold = gc.get_threshold()
    runs: list[int] = []

    def record(phase, info):
        if phase == "start":
            runs.append(info["generation"])

    gc.callbacks.append(record)
    gc.set_threshold(1, 1, 1)
    try:
        guard._last_full = 0.0  # long ago
        kept = []
        for _ in range(20):
            kept.append([[i] for i in range(1000)])  # live allocations move the counters
            guard.check()
    finally:
        gc.callbacks.remove(record)
        gc.set_threshold(*threshold)
    assert runs.count(2) == 1
    assert len(runs) == 20
