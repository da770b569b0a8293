"""Worker threads give way while the window's thread is busy.

Python runs one thread at a time (the GIL), and this machine has two cores for the GUI thread,
the training thread and the BLAS and torch pools. While the GUI thread ran its longest chains
of events (a new map drawn, the trained workspace adopted), it held the CPU for only half of
the time (its /proc thread time against the wall clock): the rest went to the worker, and the
chain took twice as long. A timer in the GUI thread beats every few milliseconds while any
task runs; a worker that finds the beat late (the GUI thread is inside a chain) sleeps a
millisecond at a time between two of its task's yields until the beat comes again. A GUI thread
late for longer than `GIVE_UP_S` is blocked, not busy (a modal wait, a test waiting for the
thread): the workers then carry on at full speed."""
from __future__ import annotations

import time

import shiboken6
from PySide6.QtCore import QObject, Qt, QTimer

BEAT_MS = 4
LATE_S = 0.012
GIVE_UP_S = 0.2
SLEEP_S = 0.001


class GuiPriority(QObject):
    """One per GUI thread: ``task_started`` and ``task_ended`` count the tasks running (the beat
    runs while there are any), ``give_way()`` is for their drivers."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._last = time.monotonic()
        self._tasks = 0  # also read by the workers (a QTimer is not theirs to ask)
        self.timer = QTimer(self)
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.timeout.connect(self._beat)

    def _beat(self) -> None:
        self._last = time.monotonic()

    def task_started(self) -> None:
        self._tasks += 1
        self._beat()
        if self._tasks == 1:
            self.timer.start(BEAT_MS)

    def task_ended(self) -> None:
        self._tasks -= 1
        if not self._tasks:
            self.timer.stop()

    def give_way(self) -> None:
        """In a worker thread: return once the GUI thread's beat is fresh, or it is blocked."""
        if not self._tasks:
            return
        late = time.monotonic() - self._last
        while LATE_S < late < GIVE_UP_S:
            time.sleep(SLEEP_S)
            late = time.monotonic() - self._last


_INSTANCE: GuiPriority | None = None


def gui_priority() -> GuiPriority:
    """The GUI thread's one (made on first use, in the GUI thread, owned by the application)."""
    global _INSTANCE
    if _INSTANCE is None or not shiboken6.isValid(_INSTANCE):
        from PySide6.QtWidgets import QApplication

        _INSTANCE = GuiPriority(QApplication.instance())
    return _INSTANCE


__all__ = ["GuiPriority", "gui_priority"]
