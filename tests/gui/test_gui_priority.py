"""Worker threads give way while the GUI thread is busy (gui/threads/gui_priority): a task's
steps wait while the window's thread runs a long chain of events, go on at full pace while it
is idle, and go on anyway when it is blocked (waiting for that very thread, say)."""
from __future__ import annotations

import time

from PySide6.QtWidgets import QApplication

from latent_explorer.gui.threads.gui_priority import GIVE_UP_S, LATE_S, gui_priority
from latent_explorer.gui.threads.workers import TaskRunner
from latent_explorer.infra.tasks import Cancelled, Progress

from .helpers import LONG


def stepping(steps: list, cancel):
    """Steps of about half a millisecond of Python work each, until cancelled."""
    while True:
        if cancel.cancelled:
            raise Cancelled()
        end = time.perf_counter() + 0.0005
        while time.perf_counter() < end:
            pass
        steps.append(time.monotonic())
        yield Progress(len(steps), 0)


def busy_gui_thread(seconds: float) -> None:
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        sum(range(100))  # Python work in the GUI thread: the GIL changes hands every 5 ms


def count(steps: list, start: float, end: float) -> int:
    return sum(start <= t < end for t in list(steps))


def test_a_task_waits_while_the_gui_thread_is_busy_and_not_while_it_is_idle_or_blocked(qtbot):
    runner = TaskRunner()
    steps: list[float] = []
    worker = runner.start("job", lambda token: stepping(steps, token))
    try:
        qtbot.waitUntil(lambda: len(steps) > 20, timeout=LONG)
        t0 = time.monotonic()
        qtbot.wait(150)  # the event loop runs: the beat is fresh
        idle = count(steps, t0, time.monotonic())
        t1 = time.monotonic()
        busy_gui_thread(0.15)  # a long chain of events: no beat
        busy = count(steps, t1 + 2 * LATE_S, time.monotonic())
        QApplication.processEvents()
        t2 = time.monotonic()
        busy_gui_thread(GIVE_UP_S + 0.2)  # blocked longer than the workers wait for it
        blocked = count(steps, t2 + GIVE_UP_S + 0.02, time.monotonic())
        QApplication.processEvents()
    finally:
        with qtbot.waitSignal(worker.done, timeout=LONG):
            worker.cancel()
        runner.shutdown()
    assert idle >= 30, idle  # ~150 steps in 150 ms on a quiet machine
    assert busy <= 3, busy  # without giving way: steps every 5 ms switch of the GIL, ~20
    assert blocked >= 5, blocked
    assert not gui_priority().timer.isActive()  # no beat once no task runs
