"""Two programs and one workspace file: real processes (spawned `python`, as a second window or
the command line would be) saving the same `.lexp` at the same moment never leave a broken or
mixed file — it is always exactly one writer's whole version — and a save over a file that
another program saved since it was opened is refused with `WorkspaceChangedError` (nothing
written) unless forced."""
from __future__ import annotations

import contextlib
import multiprocessing
import os
import shutil
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from latent_explorer.errors import WorkspaceChangedError
from latent_explorer.session.session import Session
from latent_explorer.workspace.session_file import load_workspace, save_workspace

ROUNDS = 20
TIMEOUT_S = 120  # per barrier: generous on a loaded 2-core machine
WRITERS = {"A": (60_000, np.float32), "B": (90_000, np.float64)}  # different sizes: a mix shows


def _payload(name: str, round_: int) -> np.ndarray:
    n, dtype = WRITERS[name]
    return np.arange(n, dtype=dtype) * (1 if name == "A" else -1) + round_


def tiny_workspace():
    """The cheapest real workspace: the pixel map of 60 small random pictures (no training)."""
    from latent_explorer.data.dataset import Dataset
    from latent_explorer.pipeline.pixels import pixel_workspace

    images = np.random.default_rng(0).integers(0, 256, (60, 16, 16, 1), dtype=np.uint8)
    labels = np.arange(60) % 3
    return pixel_workspace(Dataset(images=images, labels=labels, label_names=["a", "b", "c"],
                                   paths=[f"{i}.png" for i in range(60)]))


@pytest.fixture
def saved(tmp_path):
    path = tmp_path / "shared.lexp"
    save_workspace(path, tiny_workspace())
    return str(path)


def _whose(path: str, round_: int, latents: np.ndarray) -> str:
    """Which writer's version of ``round_`` the file at ``path`` is, all of it; fails otherwise."""
    ws = load_workspace(path)  # a damaged file raises here
    who = ws.extra_meta["writer"]
    assert who["round"] == round_ and who["name"] in WRITERS
    payload = ws.extra_arrays["payload"]
    expected = _payload(who["name"], round_)
    assert payload.dtype == expected.dtype and np.array_equal(payload, expected)  # not the other's
    assert np.array_equal(ws.latents.mean, latents)
    return who["name"]


def _stamp(ws, name: str, round_: int) -> None:
    ws.extra_meta["writer"] = {"name": name, "round": round_}
    ws.extra_arrays["payload"] = _payload(name, round_)


def _forced_writer(path: str, name: str, barrier, errors) -> None:
    """Each round: wait for the start, save this writer's version over the file (forced)."""
    try:
        ws = load_workspace(path)
        for r in range(ROUNDS):
            _stamp(ws, name, r)
            barrier.wait(TIMEOUT_S)
            save_workspace(path, ws, force=True)
            barrier.wait(TIMEOUT_S)
    except BaseException as exc:  # noqa: BLE001 - reported to the test
        errors.put(f"{name}: {type(exc).__name__}: {exc}")
        barrier.abort()


def _checked_writer(path: str, name: str, rounds: int, barrier, results) -> None:
    """Each round: read the file, wait for the other writer to have read the same version,
    save over it unforced; report whether the save went through or was refused."""
    try:
        for r in range(rounds):
            barrier.wait(TIMEOUT_S)
            ws = load_workspace(path)
            _stamp(ws, name, r)
            barrier.wait(TIMEOUT_S)  # both hold the same version now
            try:
                save_workspace(path, ws)
            except WorkspaceChangedError:
                results.put((r, name, "refused"))
            else:
                results.put((r, name, "saved"))
            barrier.wait(TIMEOUT_S)
    except BaseException as exc:  # noqa: BLE001
        results.put((-1, name, f"{type(exc).__name__}: {exc}"))
        barrier.abort()


@contextlib.contextmanager
def _writers(ctx, barrier, target, args_of):
    """One spawned process per writer running ``target(*args_of(name))``; the barrier is broken
    if the test fails (so no writer waits forever) and every writer is joined."""
    procs = [ctx.Process(target=target, args=args_of(name), daemon=True) for name in WRITERS]
    for p in procs:
        p.start()
    try:
        yield procs
    except Exception:
        barrier.abort()
        raise
    finally:
        for p in procs:
            p.join(TIMEOUT_S)


def test_two_processes_saving_at_once_always_leave_one_whole_version(saved):
    latents = load_workspace(saved).latents.mean
    ctx = multiprocessing.get_context("spawn")
    barrier, errors = ctx.Barrier(3), ctx.Queue()
    winners = []
    with _writers(ctx, barrier, _forced_writer, lambda name: (saved, name, barrier, errors)) as procs:
        for r in range(ROUNDS):
            barrier.wait(TIMEOUT_S)  # go: both save now
            barrier.wait(TIMEOUT_S)  # both saved
            winners.append(_whose(saved, r, latents))
    assert errors.empty(), errors.get()
    assert all(p.exitcode == 0 for p in procs)
    assert len(winners) == ROUNDS
    leftovers = [n for n in os.listdir(os.path.dirname(saved)) if n != "shared.lexp"]
    assert leftovers == []  # no temporary file left behind by either writer


def test_of_two_processes_saving_the_same_version_one_wins_and_the_other_is_told(saved):
    rounds = 8
    latents = load_workspace(saved).latents.mean
    ctx = multiprocessing.get_context("spawn")
    barrier, results = ctx.Barrier(3), ctx.Queue()
    with _writers(ctx, barrier, _checked_writer, lambda name: (saved, name, rounds, barrier, results)) as procs:
        for r in range(rounds):
            barrier.wait(TIMEOUT_S)  # read the file
            barrier.wait(TIMEOUT_S)  # both read it: save
            barrier.wait(TIMEOUT_S)  # both answered
            outcome = dict(results.get(timeout=TIMEOUT_S)[1:] for _ in WRITERS)
            assert sorted(outcome.values()) == ["refused", "saved"], outcome
            winner = next(n for n, what in outcome.items() if what == "saved")
            assert _whose(saved, r, latents) == winner
    assert all(p.exitcode == 0 for p in procs)


OTHER_PROGRAM = textwrap.dedent("""
    import sys
    from latent_explorer.workspace.session_file import load_workspace, save_workspace
    ws = load_workspace(sys.argv[1])
    ws.extra_meta["note"] = "saved by the other program"
    save_workspace(sys.argv[1], ws)
""")


def _other_program_saves(path: str) -> None:
    subprocess.run([sys.executable, "-c", OTHER_PROGRAM, path], check=True, timeout=300)


def test_a_save_over_a_file_another_process_saved_since_is_refused_unless_forced(saved, tmp_path):
    session = Session()
    session.open(saved)
    session.mark_dirty()
    _other_program_saves(saved)
    theirs = open(saved, "rb").read()

    with pytest.raises(WorkspaceChangedError) as caught:
        session.save(saved)
    assert caught.value.path == saved and "changed on disk by another program" in str(caught.value)
    assert open(saved, "rb").read() == theirs  # untouched
    assert session.dirty  # nothing was saved
    assert sorted(os.listdir(tmp_path)) == ["shared.lexp"]  # and no temporary file left

    session.save(saved, force=True)
    assert "note" not in load_workspace(saved).extra_meta  # ours replaced theirs
    session.save(saved)  # and from now on the file is ours again: no question
    assert not session.dirty


def test_what_is_not_another_programs_save_does_not_count_as_one(saved, tmp_path):
    """A touch, a copy of the same version put back, and the session's own saves."""
    ws = load_workspace(saved)
    os.utime(saved, (1_000_000_000, 1_000_000_000))
    save_workspace(saved, ws)
    shutil.copy(saved, tmp_path / "backup.lexp")
    os.remove(saved)
    shutil.copy(tmp_path / "backup.lexp", saved)  # another inode, the same version
    save_workspace(saved, ws)
    os.remove(saved)
    save_workspace(saved, ws)  # the file was deleted: nothing there to lose
    save_workspace(tmp_path / "elsewhere.lexp", ws)  # saved elsewhere, then back here
    _other_program_saves(saved)
    save_workspace(saved, ws)  # not the file this workspace came from or went to last: no check
