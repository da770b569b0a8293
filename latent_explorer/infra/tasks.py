"""Long work as generators: yield Progress / Partial, return the result, check a CancelToken.

The same generator is driven by the CLI (terminal progress bar) and by a Qt worker thread.
"""
from __future__ import annotations

import os
import sys
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, Generator, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Progress:
    done: float
    total: float
    message: str = ""

    @property
    def fraction(self) -> float:
        return 0.0 if self.total <= 0 else min(1.0, self.done / self.total)


@dataclass(frozen=True)
class Partial:
    """An intermediate result a view may show (an epoch's reconstructions, a map mid-optimisation)."""

    value: Any


class Cancelled(Exception):
    """Raised inside a task when its CancelToken was set."""


class CancelToken:
    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def raise_if_cancelled(self) -> None:
        if self._event.is_set():
            raise Cancelled()


Task = Generator[Any, None, T]


PROGRESS_INTERVAL = 0.05  # seconds between two progress reports a view sees (the last one always comes)


class Throttle:
    """Lets a Progress through at most every ``interval`` seconds; a finished one always."""

    def __init__(self, interval: float = PROGRESS_INTERVAL) -> None:
        self.interval = interval
        self._last = -float("inf")

    def due(self, item: Progress) -> bool:
        now = time.monotonic()
        if now - self._last >= self.interval or item.done >= item.total:
            self._last = now
            return True
        return False


def relay(
    task: Task,
    on_progress: Callable[[Progress], None] | None = None,
    on_partial: Callable[[Any], None] | None = None,
    interval: float = 0.0,
) -> Task:
    """The one loop over a task: yields each item on (so tasks nest), reporting progress
    (throttled to ``interval`` seconds) and partial values (``Partial.value``) on the way, and
    returns the task's result. Closing it closes the task."""
    throttle = Throttle(interval)
    try:
        while True:
            try:
                item = next(task)
            except StopIteration as stop:
                return stop.value
            if isinstance(item, Progress):
                if on_progress is not None and throttle.due(item):
                    on_progress(item)
            elif on_partial is not None:
                on_partial(item.value if isinstance(item, Partial) else item)
            yield item
    finally:
        task.close()


def run_task(
    task: Task,
    on_progress: Callable[[Progress], None] | None = None,
    on_partial: Callable[[Any], None] | None = None,
    interval: float = 0.0,
    stop: threading.Event | None = None,
    give_way: Callable[[], None] | None = None,
) -> T:
    """Drive a task generator to its end (the CLI, tests, worker threads) and return its result.
    ``stop`` set: the task is closed at its next yield and `Cancelled` raised. ``give_way`` is
    called between two yields (a worker thread pausing while the window's thread is busy)."""
    driven = relay(task, on_progress, on_partial, interval)
    while True:
        if stop is not None and stop.is_set():
            driven.close()
            raise Cancelled()
        try:
            next(driven)
        except StopIteration as done:
            return done.value
        if give_way is not None:
            give_way()


BACKGROUND_NICE = 5  # a worker thread's CPU share against the window's thread: about 1 to 3


def lower_thread_priority(step: int = BACKGROUND_NICE) -> None:
    """Let the calling (worker) thread give way when the window's thread needs a core. Only on
    Linux, where ``nice`` is per thread; elsewhere it would lower the whole process, once more
    for every task."""
    if not sys.platform.startswith("linux"):
        return
    try:
        os.nice(step)
    except OSError:
        pass
