"""Long work as generators: yield Progress / Partial, return the result, check a CancelToken.

The same generator is driven by the CLI (terminal progress bar) and by a Qt worker thread.
"""
from __future__ import annotations

import threading
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


def run_task(
    task: Task,
    on_progress: Callable[[Progress], None] | None = None,
    on_partial: Callable[[Any], None] | None = None,
) -> T:
    """Drive a task generator to its end and return its result."""
    while True:
        try:
            item = next(task)
        except StopIteration as stop:
            return stop.value
        if isinstance(item, Progress):
            if on_progress is not None:
                on_progress(item)
        elif on_partial is not None:
            on_partial(item.value if isinstance(item, Partial) else item)
