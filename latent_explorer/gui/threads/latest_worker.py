"""A worker thread for requests where only the newest matters (decode under the mouse, decode
while a slider is dragged): a new request replaces the waiting one instead of queueing behind
it, so the answer always catches up with the hand.

A worker may also run a request in the caller's (GUI) thread when requests have been cheap:
handing a 2 ms decode to a thread and back costs about as much again (waking the thread,
queueing the result, a second event-loop turn), so below ``inline_below_ms`` (judged on a
moving average of measured run times, in either thread) and with the thread idle, it is
cheaper to decode where the image is shown. A slow run raises the average and sends the next
requests back to the thread."""
from __future__ import annotations

import threading
import time
import traceback
from typing import Any, Callable

from PySide6.QtCore import QObject, QThread, Signal

from latent_explorer.errors import UserError

COST_WEIGHT = 0.3  # of the newest run time in the moving average


class _Loop(QThread):
    done = Signal(object, object)  # key, result
    failed = Signal(object, str)  # key, message

    def __init__(self) -> None:
        super().__init__()
        self._cond = threading.Condition()
        self._pending: tuple[Any, Callable[[], Any]] | None = None
        self._busy = False
        self._stop = False
        self.cost_s: float | None = None  # moving average of how long a request takes

    def measured(self, seconds: float) -> None:
        self.cost_s = seconds if self.cost_s is None else (1 - COST_WEIGHT) * self.cost_s + COST_WEIGHT * seconds

    def idle(self) -> bool:
        with self._cond:
            return self._pending is None and not self._busy

    def submit(self, key: Any, fn: Callable[[], Any]) -> None:
        with self._cond:
            self._pending = (key, fn)
            self._cond.notify()

    def stop(self) -> None:
        with self._cond:
            self._stop = True
            self._pending = None
            self._cond.notify()

    def run(self) -> None:
        while True:
            with self._cond:
                while self._pending is None and not self._stop:
                    self._cond.wait()
                if self._stop:
                    return
                key, fn = self._pending
                self._pending = None
                self._busy = True
            try:
                _run(self, key, fn, self.done, self.failed)
            finally:
                with self._cond:
                    self._busy = False


def _run(loop: _Loop, key: Any, fn: Callable[[], Any], done, failed) -> None:
    """``fn()``, timed, its result to ``done`` or its error to ``failed``."""
    start = time.perf_counter()
    try:
        result = fn()
    except Exception as exc:  # noqa: BLE001 - reported to the view, never a crash
        loop.measured(time.perf_counter() - start)
        if isinstance(exc, UserError):
            failed.emit(key, str(exc))
        else:
            failed.emit(key, f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=4)}")
    else:
        loop.measured(time.perf_counter() - start)
        done.emit(key, result)


class LatestOnlyWorker(QObject):
    """``submit(key, fn)`` runs ``fn()`` in the worker thread; ``finished(key, result)`` or
    ``failed(key, message)`` arrive in the owner's thread. Requests submitted while one runs
    collapse into the newest. With ``inline_below_ms``, a request submitted while the thread is
    idle and requests have been taking less than that runs at once in the caller's thread
    (its signal is emitted before `submit` returns). ``shutdown()`` waits for the thread."""

    finished = Signal(object, object)
    failed = Signal(object, str)

    def __init__(self, parent: QObject | None = None, inline_below_ms: float | None = None) -> None:
        super().__init__(parent)
        self.inline_below_s = None if inline_below_ms is None else inline_below_ms / 1e3
        self.ran_inline = 0
        self._loop = _Loop()
        self._loop.done.connect(self.finished)
        self._loop.failed.connect(self.failed)
        self._loop.start()
        self.submitted = 0

    def submit(self, key: Any, fn: Callable[[], Any]) -> None:
        self.submitted += 1
        cost = self._loop.cost_s
        if (self.inline_below_s is not None and cost is not None and cost < self.inline_below_s
                and self._loop.idle()):  # idle: no older answer can arrive after this one
            self.ran_inline += 1
            _run(self._loop, key, fn, self.finished, self.failed)
        else:
            self._loop.submit(key, fn)

    def shutdown(self) -> None:
        self._loop.stop()
        self._loop.wait()

    def is_running(self) -> bool:
        return self._loop.isRunning()


__all__ = ["LatestOnlyWorker"]
