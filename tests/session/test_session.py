"""The session without Qt: results reach the session's thread through its dispatch, a task that a
newer one replaced changes nothing, cancelling a map keeps the one shown, and every session owns
its map cache. The "thread" here is a queue the test empties, as the GUI's event loop would."""
from __future__ import annotations

import shutil

import numpy as np
import pytest

from latent_explorer.errors import UserError
from latent_explorer.infra.tasks import Cancelled, CancelToken, run_task
from latent_explorer.session.session import Session

TSNE = {"n_iter": 60, "early_exaggeration_iter": 30, "random_state": 0}


class Queue:
    """A dispatch that holds callables until `flush` runs them (the GUI thread's turn)."""

    def __init__(self) -> None:
        self.pending: list = []

    def __call__(self, fn) -> None:
        self.pending.append(fn)

    def flush(self) -> int:
        ran = 0
        while self.pending:
            self.pending.pop(0)()
            ran += 1
        return ran


@pytest.fixture
def queued():
    q = Queue()
    return Session(dispatch=q), q


@pytest.fixture
def two_files(saved_digits_workspace, tmp_path):
    a, b = tmp_path / "a.lexp", tmp_path / "b.lexp"
    shutil.copyfile(saved_digits_workspace, a)
    shutil.copyfile(saved_digits_workspace, b)
    return str(a), str(b)


def record(session: Session) -> list:
    events: list = []
    for name in ("workspace_changed", "map_changed", "selection_changed", "file_changed", "dirty_changed"):
        getattr(session, name).connect(lambda *args, n=name: events.append(n))
    return events


def test_nothing_changes_until_the_sessions_thread_runs_what_the_task_handed_over(queued, two_files):
    s, q = queued
    events = record(s)
    ws = run_task(s.open_task(two_files[0]))
    assert s.workspace is None and events == []  # the task ran; the session's thread did not yet
    q.flush()
    assert s.workspace is ws and s.path == two_files[0] and not s.dirty
    assert events == ["workspace_changed", "map_changed", "selection_changed", "file_changed", "dirty_changed"]
    assert s.map.shape == (len(ws.dataset), 2) and s.selected == -1


def test_a_replaced_open_delivers_nothing(queued, two_files):
    s, q = queued
    first, second = two_files
    paths = []
    s.file_changed.connect(paths.append)
    run_task(s.open_task(first))  # its adoption waits in the queue …
    run_task(s.open_task(second))  # … when a newer open starts
    q.flush()
    assert paths == [second] and s.path == second  # the first one's adoption was dropped


def test_a_new_workspace_drops_the_old_workspaces_map_still_being_computed(queued, two_files):
    s, q = queued
    run_task(s.open_task(two_files[0]))
    q.flush()
    task = s.map_task(method="tsne", **TSNE)
    next(task)  # the t-SNE has started
    run_task(s.adopt_task(None))  # another workspace (here: none) is adopted meanwhile
    run_task(task)  # the old map finishes and hands its result over
    q.flush()
    assert s.workspace is None and s.map is None and s.projection is None


def test_a_cancelled_map_keeps_the_map_on_screen(saved_digits_workspace):
    s = Session()
    s.open(saved_digits_workspace)
    before = s.map.copy()
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        run_task(s.map_task(token, method="tsne", **TSNE))
    assert s.projection.method != "tsne" and np.array_equal(s.map, before)


def test_bad_map_requests_are_refused_before_any_work(saved_digits_workspace):
    s = Session()
    with pytest.raises(UserError, match="no latents"):
        s.map_task(method="pca")
    s.open(saved_digits_workspace)
    with pytest.raises(UserError, match="unknown map method"):
        s.map_task(method="mds")


def test_each_session_owns_its_map_cache(saved_digits_workspace):
    a, b = Session(), Session()
    a.open(saved_digits_workspace)
    b.open(saved_digits_workspace)
    run_task(a.map_task(method="tsne", **TSNE))
    assert len(a.map_cache) == 1 and len(b.map_cache) == 0
    again = list(a.map_task(method="tsne", **TSNE))
    assert len(again) == 2  # from a's cache: "cached" and the map, no optimisation steps
    computed = list(b.map_task(method="tsne", **TSNE))
    assert len(computed) > 2 and np.allclose(a.map, b.map, atol=1e-4)


def test_a_preparer_runs_in_the_task_and_its_result_arrives_with_the_workspace(queued, two_files):
    s, q = queued
    seen = []

    def prepare(ws, dataset):
        seen.append(len(q.pending))  # runs in the task, before anything was handed over
        return {"test.count": len(ws.dataset)}

    s.add_preparer(prepare)
    ws = run_task(s.open_task(two_files[0]))
    assert seen == [0] and s.prepared == {}
    q.flush()
    assert s.prepared == {"test.count": len(ws.dataset)}
    assert s.model is not None and s.preview_pairs() is not None
