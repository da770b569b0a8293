"""Python's cyclic garbage collector runs in whichever thread happens to allocate. When it frees
a Qt object there — a closed window's menu caught in a reference cycle, say — Qt's destructor
runs outside the GUI thread and can deadlock against it (seen: a t-SNE worker thread collecting a
QMenu while the GUI thread deleted another, each holding what the other waited for). So the app
turns automatic collection off and collects in the GUI thread, from a timer, as often as the
usual thresholds would — except full collections, which walk every object of the process (about
0.1–0.5 s with torch loaded): those come at most every FULL_INTERVAL_S seconds (CPython itself
defers them until long-lived objects grew by a quarter). Every TRIM_INTERVAL_S the C heap's
free pages go back to the system (`infra.memory`: about a millisecond)."""
from __future__ import annotations

import gc
import time

from PySide6.QtCore import QObject, QTimer

from latent_explorer.infra.memory import release_free_memory

INTERVAL_MS = 200
FULL_INTERVAL_S = 30.0
TRIM_INTERVAL_S = 10.0


class MainThreadGarbageCollector(QObject):
    def __init__(self, parent: QObject | None = None, interval_ms: int = INTERVAL_MS) -> None:
        super().__init__(parent)
        self.collections = 0
        self._last_full = self._last_trim = time.monotonic()
        gc.disable()
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.check)
        self.timer.start(interval_ms)

    def check(self) -> None:
        """Collect the oldest generation whose count passed its threshold, like gc would."""
        counts, threshold = gc.get_count(), gc.get_threshold()
        for generation in (2, 1, 0):
            if counts[generation] > threshold[generation]:
                if generation == 2:
                    if time.monotonic() - self._last_full < FULL_INTERVAL_S:
                        continue
                    self._last_full = time.monotonic()
                gc.collect(generation)
                self.collections += 1
                break
        if time.monotonic() - self._last_trim >= TRIM_INTERVAL_S:
            self._last_trim = time.monotonic()
            release_free_memory()

    def freeze(self) -> None:
        """Move everything alive now (modules, compiled kernels: they live as long as the
        process) out of the collector's reach, so a full collection no longer walks it: a few
        milliseconds instead of a visible stall. Called in the GUI thread after the warm-up."""
        gc.freeze()

    def stop(self) -> None:
        self.timer.stop()
        gc.enable()


_INSTALLED: MainThreadGarbageCollector | None = None


def install(app: QObject) -> MainThreadGarbageCollector:
    """Once per application: automatic GC off, collection from the GUI thread."""
    global _INSTALLED
    if _INSTALLED is None:
        _INSTALLED = MainThreadGarbageCollector(app)
    return _INSTALLED


__all__ = ["MainThreadGarbageCollector", "install"]
