"""A worker thread for requests where only the newest matters (decode under the mouse, decode
while a slider is dragged): a new request replaces the waiting one instead of queueing behind
it, so the answer always catches up with the hand."""
from __future__ import annotations

import threading
import traceback
from typing import Any, Callable

from PySide6.QtCore import QObject, QThread, Signal

from ..errors import UserError


class _Loop(QThread):
    done = Signal(object, object)  # key, result
    failed = Signal(object, str)  # key, message

    def __init__(self) -> None:
        super().__init__()
        self._cond = threading.Condition()
        self._pending: tuple[Any, Callable[[], Any]] | None = None
        self._stop = False

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
            try:
                result = fn()
            except Exception as exc:  # noqa: BLE001 - reported to the view, never a crash
                if isinstance(exc, UserError):
                    self.failed.emit(key, str(exc))
                else:
                    self.failed.emit(key, f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=4)}")
            else:
                self.done.emit(key, result)


class LatestOnlyWorker(QObject):
    """``submit(key, fn)`` runs ``fn()`` in the worker thread; ``finished(key, result)`` or
    ``failed(key, message)`` arrive in the owner's thread. Requests submitted while one runs
    collapse into the newest. ``shutdown()`` waits for the thread."""

    finished = Signal(object, object)
    failed = Signal(object, str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._loop = _Loop()
        self._loop.done.connect(self.finished)
        self._loop.failed.connect(self.failed)
        self._loop.start()
        self.submitted = 0

    def submit(self, key: Any, fn: Callable[[], Any]) -> None:
        self.submitted += 1
        self._loop.submit(key, fn)

    def shutdown(self) -> None:
        self._loop.stop()
        self._loop.wait()

    def is_running(self) -> bool:
        return self._loop.isRunning()


__all__ = ["LatestOnlyWorker"]
