"""Task generators run in worker threads, with Qt signals for progress, partials and the end.

One task per purpose: starting a task cancels the one it replaces (whose results are then
dropped); closing the window cancels every task and waits for its thread. Two ways to stop:
``cancel()`` asks the task to wind down and return what it has (Stop keeps the weights trained
so far), ``abort()`` also stops driving the generator at its next yield and drops its result."""
from __future__ import annotations

import threading
import traceback
from typing import Any, Callable

from PySide6.QtCore import QObject, Qt, QThread, QTimer, Signal, Slot

from latent_explorer.gui.threads.gui_priority import gui_priority
from latent_explorer.infra.tasks import PROGRESS_INTERVAL, Cancelled, CancelToken, Progress, Task, run_task

class MainThreadDispatcher(QObject):
    """Runs callables in the thread this object lives in (the GUI thread): the ``dispatch``
    a `Session` uses to hand results over from a worker."""

    _call = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._call.connect(self._run, Qt.ConnectionType.QueuedConnection)

    def __call__(self, fn: Callable[[], Any]) -> None:
        if QThread.currentThread() == self.thread():
            fn()
        else:
            self._call.emit(fn)

    @Slot(object)
    def _run(self, fn: Callable[[], Any]) -> None:
        fn()


class _Driver(QThread):
    """The thread: drives the generator, reports what it yields, stops when aborted."""

    progressed = Signal(object)
    partial = Signal(object)
    returned = Signal(object)
    failed = Signal(object, str)
    cancelled = Signal()

    def __init__(self, task: Task, abort: threading.Event, give_way: Callable[[], None] | None = None) -> None:
        super().__init__()
        self._task: Task | None = task
        self._abort = abort
        self._give_way = give_way

    def run(self) -> None:
        try:
            value = run_task(self._task, self.progressed.emit, self.partial.emit, PROGRESS_INTERVAL,
                             stop=self._abort, give_way=self._give_way)
        except Cancelled:
            self.cancelled.emit()
        except BaseException as exc:  # noqa: BLE001 - every failure must reach the user
            self.failed.emit(exc, traceback.format_exc())
        else:
            self.returned.emit(value)
        finally:
            self._task = None


class TaskWorker(QObject):
    """One task in its own thread. Its signals are emitted in the GUI thread, and never after
    the worker was aborted (a replaced task's results are dropped). ``done`` always comes last."""

    progressed = Signal(object)  # Progress
    partial = Signal(object)  # Partial.value
    finished = Signal(object)  # the task's return value
    failed = Signal(object, str)  # the exception and its traceback
    cancelled = Signal()  # the task raised Cancelled, or was aborted
    done = Signal()

    def __init__(self, purpose: str, task: Task, cancel: CancelToken, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.purpose = purpose
        self.cancel_token = cancel
        self._abort = threading.Event()
        self._priority = gui_priority()
        self._driver = _Driver(task, self._abort, self._give_way)
        queued = Qt.ConnectionType.QueuedConnection
        self._driver.progressed.connect(self._on_progressed, queued)
        self._driver.partial.connect(self._on_partial, queued)
        self._driver.returned.connect(self._on_returned, queued)
        self._driver.failed.connect(self._on_failed, queued)
        self._driver.cancelled.connect(self._on_cancelled, queued)
        self._driver.finished.connect(self._on_thread_finished, queued)

    def start(self) -> None:
        self._priority.task_started()  # ended when the thread has finished: the two always pair
        self._driver.start()

    def _give_way(self) -> None:
        if not self.cancel_token.cancelled:  # winding down: as fast as it can
            self._priority.give_way()

    def cancel(self) -> None:
        """Ask the task to stop soon; it still returns (and reports) what it has."""
        self.cancel_token.cancel()

    def abort(self) -> None:
        """Cancel, stop driving the task at its next yield, and drop whatever it delivers."""
        self.cancel_token.cancel()
        self._abort.set()

    @property
    def aborted(self) -> bool:
        return self._abort.is_set()

    def is_running(self) -> bool:
        return self._driver.isRunning()

    def wait(self, msecs: int | None = None) -> bool:
        """Block until the thread has ended (or ``msecs`` passed); True when it has ended."""
        if msecs is None:
            return self._driver.wait()
        return self._driver.wait(msecs)

    @Slot(object)
    def _on_progressed(self, item: Progress) -> None:
        if not self.aborted:
            self.progressed.emit(item)

    @Slot(object)
    def _on_partial(self, value: Any) -> None:
        if not self.aborted:
            self.partial.emit(value)

    @Slot(object)
    def _on_returned(self, value: Any) -> None:
        if not self.aborted:
            self.finished.emit(value)

    @Slot(object, str)
    def _on_failed(self, exc: BaseException, tb: str) -> None:
        if not self.aborted:
            self.failed.emit(exc, tb)

    @Slot()
    def _on_cancelled(self) -> None:
        self.cancelled.emit()

    @Slot()
    def _on_thread_finished(self) -> None:
        self._priority.task_ended()
        self.done.emit()


class TaskRunner(QObject):
    """Starts tasks by purpose ("workspace", "map", …) and keeps track of their threads."""

    started = Signal(str, object)  # purpose, TaskWorker
    stopped = Signal(str, object)  # purpose, TaskWorker — the current worker of a purpose ended

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._current: dict[str, TaskWorker] = {}
        self._alive: set[TaskWorker] = set()
        self._ended: list[TaskWorker] = []  # released once their last signal has been delivered
        self._bury_timer = QTimer(self)
        self._bury_timer.setSingleShot(True)
        self._bury_timer.setInterval(0)
        self._bury_timer.timeout.connect(self._bury)
        self._closed = False

    def start(self, purpose: str, make_task: Callable[[CancelToken], Task]) -> TaskWorker:
        """Abort the task running for ``purpose``, make a new one with a fresh CancelToken and
        run it. Errors raised by ``make_task`` itself (bad options) propagate to the caller."""
        if self._closed:
            raise RuntimeError("this runner was shut down")
        token = CancelToken()
        task = make_task(token)  # first: when this fails, the running task goes on
        old = self._current.pop(purpose, None)
        if old is not None:
            old.abort()
            self.stopped.emit(purpose, old)
        worker = TaskWorker(purpose, task, token, self)
        worker.done.connect(self._on_worker_done)
        self._current[purpose] = worker
        self._alive.add(worker)
        worker.start()
        self.started.emit(purpose, worker)
        return worker

    def current(self, purpose: str) -> TaskWorker | None:
        return self._current.get(purpose)

    def is_busy(self, purpose: str) -> bool:
        return purpose in self._current

    def cancel(self, purpose: str) -> bool:
        """Ask the task of ``purpose`` to wind down (it keeps and returns what it has)."""
        worker = self._current.get(purpose)
        if worker is not None:
            worker.cancel()
        return worker is not None

    def running_threads(self) -> int:
        """Worker threads still running, replaced ones included."""
        return sum(1 for w in self._alive if w.is_running())

    def shutdown(self) -> None:
        """Abort every task and wait until every worker thread has ended."""
        self._closed = True
        for worker in list(self._alive):
            worker.abort()
        for worker in list(self._alive):
            worker.wait()
        self._current.clear()

    @Slot()
    def _on_worker_done(self) -> None:
        worker = self.sender()
        if not isinstance(worker, TaskWorker):
            return
        self._alive.discard(worker)
        if self._current.get(worker.purpose) is worker:
            del self._current[worker.purpose]
            self.stopped.emit(worker.purpose, worker)
        # Not deleteLater: PySide aborts when a parent dies with a child's deletion pending.
        # Owned by Python from here on, the worker goes when the last reference to it does.
        worker.setParent(None)
        self._ended.append(worker)
        self._bury_timer.start()

    @Slot()
    def _bury(self) -> None:
        self._ended.clear()


__all__ = ["MainThreadDispatcher", "TaskRunner", "TaskWorker"]
