"""The latest-only worker: newest request wins, and cheap requests run where they are shown."""
from __future__ import annotations

import threading
import time

from latent_explorer.gui.threads.latest_worker import LatestOnlyWorker


def _job(seconds: float, where: list):
    def fn():
        where.append(threading.current_thread() is threading.main_thread())
        time.sleep(seconds)
        return seconds
    return fn


def test_cheap_requests_run_in_the_gui_thread_and_slow_ones_go_back_to_the_worker(qtbot):
    worker = LatestOnlyWorker(inline_below_ms=8)
    got, where = [], []
    worker.finished.connect(lambda key, result: got.append(key))
    try:
        with qtbot.waitSignal(worker.finished, timeout=5000):
            worker.submit(1, _job(0.001, where))  # nothing measured yet: the worker runs it
        assert where == [False]
        worker.submit(2, _job(0.001, where))  # measured cheap, worker idle: runs at once, here
        assert got == [1, 2] and where[-1] is True and worker.ran_inline == 1
        worker.submit(3, _job(0.06, where))  # still cheap on average: here, but it was slow
        assert got[-1] == 3 and where[-1] is True
        with qtbot.waitSignal(worker.finished, timeout=5000):
            worker.submit(4, _job(0.001, where))  # the average is over the limit now: the worker
        assert got[-1] == 4 and where[-1] is False and worker.ran_inline == 2
    finally:
        worker.shutdown()
    assert not worker.is_running()


def test_without_the_option_everything_runs_in_the_worker_and_the_newest_wins(qtbot):
    worker = LatestOnlyWorker()
    got, where = [], []
    worker.finished.connect(lambda key, result: got.append(key))
    gate, started = threading.Event(), threading.Event()
    try:
        worker.submit("blocker", lambda: (started.set(), gate.wait(5)))
        assert started.wait(5)
        for k in range(5):
            worker.submit(k, _job(0.0, where))
        with qtbot.waitSignal(worker.finished, timeout=5000, check_params_cb=lambda key, _r: key == 4):
            gate.set()
        assert got == ["blocker", 4] and where == [False] and worker.ran_inline == 0
    finally:
        worker.shutdown()


def test_an_error_in_a_request_run_at_once_is_reported_not_raised(qtbot):
    worker = LatestOnlyWorker(inline_below_ms=50)
    errors = []
    worker.failed.connect(lambda key, message: errors.append((key, message)))
    try:
        with qtbot.waitSignal(worker.finished, timeout=5000):
            worker.submit("warm", lambda: None)
        worker.submit("bad", lambda: 1 / 0)
        assert errors and errors[0][0] == "bad" and "ZeroDivisionError" in errors[0][1]
    finally:
        worker.shutdown()
