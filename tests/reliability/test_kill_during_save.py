"""SIGKILL in the middle of saving, many times at random moments: the workspace on disk is
always a whole one (the previous or the new), and the next save removes the killed saves'
temporary files — but never the temporary file of a save still in progress."""
from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

from latent_explorer.workspace import tempfiles
from latent_explorer.workspace.container import Container, load_container, save_container
from latent_explorer.workspace.session_file import load_workspace, save_workspace

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")

KILLS = 40
EXTRA = 2_000_000  # int32 values per generation: an 8 MB array, so a save takes a while

# Re-saves a real workspace (read at container level: no torch import, fast start) in a loop,
# each generation stamped in the metadata *and* in a big array, printing each one once saved.
SAVER = textwrap.dedent(
    """
    import sys
    import numpy as np
    from latent_explorer.workspace.container import load_container, save_container
    src, target, gen = sys.argv[1], sys.argv[2], int(sys.argv[3])
    c = load_container(src)
    print("ready", flush=True)
    while True:
        gen += 1
        c.meta["extra"]["gen"] = gen
        c.arrays["extra.gen"] = np.full(%d, gen, np.int32)
        save_container(target, c)
        print(gen, flush=True)
    """ % EXTRA
)


def generation(path) -> int:
    """The generation in a workspace, checking that it is one whole save, not a mix."""
    ws = load_workspace(path)  # the full reader: any damage raises WorkspaceError
    gen = ws.extra_meta["gen"]
    values = ws.extra_arrays["gen"]
    assert values.shape == (EXTRA,) and (values == gen).all(), "a mix of two saves"
    assert len(ws.dataset) == 1797 and "weights" in load_container(path).tensors
    return gen


def temp_files(folder) -> list[str]:
    return sorted(n for n in os.listdir(folder) if n.endswith(".tmp"))


def test_killed_saves_leave_the_old_or_the_new_workspace(saved_digits_workspace, tmp_path):
    ws = load_workspace(saved_digits_workspace)
    ws.extra_meta["gen"] = 0
    ws.extra_arrays["gen"] = np.zeros(EXTRA, np.int32)
    target = tmp_path / "run.lexp"
    save_workspace(target, ws)
    seed = random.randrange(1 << 30)
    rng = random.Random(seed)
    last, mid_save, t0 = 0, 0, time.monotonic()
    for kill in range(KILLS):
        proc = subprocess.Popen(
            [sys.executable, "-c", SAVER, str(saved_digits_workspace), str(target), str(last)],
            stdout=subprocess.PIPE, text=True, env=os.environ.copy())
        try:
            assert proc.stdout.readline().strip() == "ready"
            time.sleep(rng.uniform(0.0, 0.5))  # anywhere in the first few saves
        finally:
            proc.send_signal(signal.SIGKILL)
            out = proc.communicate(timeout=30)[0]
        assert proc.returncode == -signal.SIGKILL
        printed = [int(line) for line in out.split()]
        gen = generation(target)
        # every save that reported success is on disk; at most one more may have landed
        expect = printed[-1] if printed else last
        assert gen in (expect, expect + 1), (seed, kill, gen, printed)
        mid_save += bool(temp_files(tmp_path))
        last = gen
    elapsed = time.monotonic() - t0
    print(f"\n{KILLS} kills in {elapsed:.1f} s (seed {seed}); {mid_save} landed mid-write "
          f"(a temporary file was left); final generation {last}")
    assert mid_save >= KILLS // 4, "the kills did not land while saving: the test proves nothing"
    assert last > 0, "no save ever completed between kills"

    # the next save (by anyone) cleans up what the killed saves left behind
    print(f"left before the next save: {temp_files(tmp_path)}")
    ws.extra_meta["gen"] = last + 1
    ws.extra_arrays["gen"] = np.full(EXTRA, last + 1, np.int32)
    save_workspace(target, ws, force=True)  # over the killed processes' saves: on purpose
    assert os.listdir(tmp_path) == ["run.lexp"]
    assert generation(target) == last + 1


HOLDER = textwrap.dedent(
    """
    import os, sys, time
    from latent_explorer.workspace import tempfiles
    tmp = tempfiles.temp_path(sys.argv[1])
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL)
    tempfiles.hold(fd)
    os.write(fd, b"half a workspace")
    print(tmp, flush=True)
    time.sleep(60)
    """
)


def test_a_save_in_progress_elsewhere_is_left_alone(tmp_path):
    target = str(tmp_path / "run.lexp")
    writer = subprocess.Popen([sys.executable, "-c", HOLDER, target], stdout=subprocess.PIPE,
                              text=True, env=os.environ.copy())
    try:
        theirs = writer.stdout.readline().strip()
        assert os.path.exists(theirs)
        save_container(target, Container(meta={"v": 1}))
        assert os.path.exists(theirs), "another process's save in progress was deleted"
    finally:
        writer.kill()
        writer.communicate(timeout=30)
    save_container(target, Container(meta={"v": 2}))  # its writer is gone now
    assert not os.path.exists(theirs)
    assert temp_files(tmp_path) == [] and load_container(target).meta == {"v": 2}


def test_only_this_targets_leftovers_are_removed(tmp_path):
    target = str(tmp_path / "run.lexp")
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()
    keep = [
        ".run.lexp.notes.tmp",  # not a name our saves use
        f".other.lexp.{dead}-0123456789abcdef.tmp",  # another workspace's leftover
        f".run.lexp.{os.getpid()}-0123456789abcdef.tmp",  # this process: may be another thread
        "run.lexp.tmp",
        ".run.lexp.aaaaaaaaaaaaaaaa.tmp",  # an older save's name, writer unknown, recent
    ]
    gone = [f".run.lexp.{dead}-0123456789abcdef.tmp"]
    for name in keep + gone:
        (tmp_path / name).write_bytes(b"x")
    old = f".run.lexp.{'fedcba9876543210'}.tmp"  # an older save's name, without the writer
    (tmp_path / old).write_bytes(b"x")
    day_ago = time.time() - tempfiles.STALE_AFTER_S - 60
    os.utime(tmp_path / old, (day_ago, day_ago))
    save_container(target, Container(meta={"v": 1}))
    assert sorted(os.listdir(tmp_path)) == sorted(keep + ["run.lexp"])
