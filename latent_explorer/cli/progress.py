"""Terminal progress for tasks: a tqdm bar on a terminal; otherwise a plain line per 10 %
(and at least every 10 s), which reads well in logs."""
from __future__ import annotations

import signal
import sys
import time
from contextlib import contextmanager
from typing import Any, Iterator

from latent_explorer.infra.tasks import CancelToken, Progress, run_task


class TerminalProgress:
    def __init__(self, stream=None) -> None:
        self.stream = stream or sys.stderr
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self._bar = None
        self._last_tenth = -1
        self._last_print = 0.0
        self._label = ""

    def __call__(self, p: Progress) -> None:
        label = p.message.split(" · ")[0]
        if self.tty:
            from tqdm import tqdm

            if self._bar is None or label.split(" ")[0] != self._label.split(" ")[0]:
                self.close()
                self._bar = tqdm(total=p.total, file=self.stream, leave=False, dynamic_ncols=True)
            self._bar.total = p.total
            self._bar.n = p.done
            self._bar.set_description(p.message, refresh=False)
            self._bar.refresh()
        else:
            tenth = int(p.fraction * 10)
            now = time.monotonic()
            if (
                tenth != self._last_tenth
                or label.split(" ")[0] != self._label.split(" ")[0]
                or now - self._last_print > 10.0
            ):
                self._last_tenth, self._last_print = tenth, now
                print(f"{p.fraction * 100:5.1f} %  {p.message}", file=self.stream, flush=True)
        self._label = label

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None


@contextmanager
def ctrl_c_cancels(cancel: CancelToken) -> Iterator[None]:
    """First Ctrl-C asks the task to stop cleanly (it still saves); a second one aborts."""
    previous = signal.getsignal(signal.SIGINT)

    def handler(signum, frame):
        if cancel.cancelled:
            raise KeyboardInterrupt
        cancel.cancel()
        print("\nstopping after this batch… (Ctrl-C again to abort without saving)", file=sys.stderr)

    try:
        signal.signal(signal.SIGINT, handler)
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def drive(task, cancel: CancelToken | None = None, quiet: bool = False) -> Any:
    progress = TerminalProgress()
    try:
        if cancel is None:
            return run_task(task, None if quiet else progress)
        with ctrl_c_cancels(cancel):
            return run_task(task, None if quiet else progress)
    finally:
        progress.close()


def print_json(value) -> None:
    """One line of JSON on stdout; non-ASCII text escaped when stdout cannot encode it (a
    Windows console, a latin-1 locale), so a file name never crashes the command."""
    import codecs
    import json

    encoding = getattr(sys.stdout, "encoding", None) or "ascii"
    try:
        utf = codecs.lookup(encoding).name.startswith("utf")
    except LookupError:
        utf = False
    print(json.dumps(value, ensure_ascii=not utf))

