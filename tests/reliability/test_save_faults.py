"""Saving where it cannot succeed — a full disk, a read-only file system, a folder the user may
not write to — on real file systems (a small tmpfs; a real unprivileged user): one clear message,
the old file intact, nothing left behind, and the session kept so it can be saved elsewhere."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap

import numpy as np
import pytest

from latent_explorer.errors import WorkspaceError
from latent_explorer.session.session import Session
from latent_explorer.workspace.session_file import load_workspace
from latent_explorer.infra.tasks import run_task
from tests.reliability.mounts import remount_read_only, tmpfs

LINUX = sys.platform.startswith("linux")
NOBODY = 65534


@pytest.fixture
def session(saved_digits_workspace):
    s = Session()
    run_task(s.adopt_task(load_workspace(saved_digits_workspace)))
    return s


def grow(session: Session, nbytes: int) -> None:
    """An edit the user would not want to lose: a big array in the workspace, unsaved."""
    session.workspace.extra_arrays["notes"] = np.arange(nbytes // 8, dtype=np.float64)
    session.mark_dirty()


def assert_kept_and_saved_elsewhere(session: Session, ws, path, elsewhere) -> None:
    assert session.workspace is ws and session.dirty and session.path == str(path)
    saved = session.save(elsewhere)
    assert saved == str(elsewhere) and not session.dirty
    np.testing.assert_array_equal(load_workspace(elsewhere).extra_arrays["notes"],
                                  ws.extra_arrays["notes"])


def test_disk_full(session, saved_digits_workspace, tmp_path):
    room = 3 * os.path.getsize(saved_digits_workspace)
    with tmpfs(tmp_path / "small", room) as disk:
        path = disk / "run.lexp"
        session.save(path)
        before = path.read_bytes()
        ws = session.workspace
        grow(session, room)  # no longer fits beside the old file
        with pytest.raises(WorkspaceError) as info:
            session.save(path)
        assert str(info.value) == f"cannot save workspace to {path}: disk full"
        assert path.read_bytes() == before and "notes" not in load_workspace(path).extra_arrays
        assert os.listdir(disk) == ["run.lexp"]  # the partial temporary file is gone
        assert_kept_and_saved_elsewhere(session, ws, path, tmp_path / "elsewhere.lexp")


def test_read_only_file_system(session, saved_digits_workspace, tmp_path):
    with tmpfs(tmp_path / "ro", 3 * os.path.getsize(saved_digits_workspace)) as disk:
        path = disk / "run.lexp"
        session.save(path)
        before = path.read_bytes()
        remount_read_only(disk)
        ws = session.workspace
        grow(session, 1024)
        with pytest.raises(WorkspaceError) as info:
            session.save(path)
        assert str(info.value) == f"cannot save workspace to {path}: read-only file system"
        assert path.read_bytes() == before
        assert_kept_and_saved_elsewhere(session, ws, path, tmp_path / "elsewhere.lexp")


# Runs as an unprivileged user (root ignores permissions): the session of a real workspace,
# saved over a file in a folder that user may not write to, then saved elsewhere.
AS_USER = textwrap.dedent(
    """
    import json, os, sys
    import numpy as np
    from latent_explorer.errors import WorkspaceError
    from latent_explorer.infra.tasks import run_task
    from latent_explorer.session.session import Session
    from latent_explorer.workspace.session_file import load_workspace
    locked, elsewhere = sys.argv[1], sys.argv[2]
    s = Session()
    run_task(s.adopt_task(load_workspace(locked), path=locked, dirty=False))
    ws = s.workspace
    ws.extra_arrays["notes"] = np.arange(1000.0)
    s.mark_dirty()
    out = {"uid": os.getuid()}
    try:
        s.save(locked)
    except WorkspaceError as exc:
        out["error"] = str(exc)
    out["kept"] = s.workspace is ws and s.dirty and s.path == locked
    s.save(elsewhere)
    out["elsewhere"] = load_workspace(elsewhere).extra_arrays["notes"].tolist() == list(range(1000))
    print(json.dumps(out))
    """
)


def test_permission_denied(saved_digits_workspace):
    if not LINUX or os.geteuid() != 0 or shutil.which("setpriv") is None:
        pytest.skip("needs root and setpriv to run the save as an unprivileged user")
    top = tempfile.mkdtemp(prefix="lexp-perm-")  # outside pytest's private (0700) temp folder
    try:
        locked = os.path.join(top, "locked")
        open_dir = os.path.join(top, "open")
        os.mkdir(locked)
        os.mkdir(open_dir)
        os.chmod(top, 0o755)
        os.chmod(locked, 0o755)  # owned by root: others may read, not write
        os.chmod(open_dir, 0o777)
        path = os.path.join(locked, "run.lexp")
        shutil.copyfile(saved_digits_workspace, path)
        os.chmod(path, 0o644)
        before = open(path, "rb").read()
        env = {**os.environ, "HOME": top, "PYTHONDONTWRITEBYTECODE": "1"}
        for var in ("XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "NUMBA_CACHE_DIR",
                    "LATENT_EXPLORER_CACHE_DIR", "MPLCONFIGDIR"):
            env[var] = os.path.join(open_dir, var.lower())
        done = subprocess.run(
            ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups",
             sys.executable, "-c", AS_USER, path, os.path.join(open_dir, "mine.lexp")],
            capture_output=True, text=True, env=env, cwd=top, timeout=300)
        if done.returncode != 0 and "Operation not permitted" in done.stderr:
            pytest.skip(f"cannot switch user here: {done.stderr.strip()}")
        assert done.returncode == 0, done.stderr
        out = json.loads(done.stdout.strip().splitlines()[-1])
        assert out["uid"] == NOBODY
        assert out["error"] == f"cannot save workspace to {path}: permission denied"
        assert out["kept"] and out["elsewhere"]
        assert open(path, "rb").read() == before
        assert sorted(os.listdir(locked)) == ["run.lexp"]
    finally:
        shutil.rmtree(top, ignore_errors=True)
