"""Small real file systems for the fault tests: a tmpfs of a chosen size, remountable read-only.
Needs Linux and root (CAP_SYS_ADMIN); where that is missing the test skips and says why."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from contextlib import contextmanager

import pytest


def run(*cmd: str) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, text=True)


@contextmanager
def tmpfs(where, size: int):
    """A tmpfs of ``size`` bytes mounted at ``where`` (created) for the ``with`` block."""
    if not sys.platform.startswith("linux") or os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a small tmpfs needs Linux and root")
    where.mkdir()
    done = run("mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(where))
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield where
    finally:
        run("umount", "-l", str(where))


def remount_read_only(where) -> None:
    done = run("mount", "-o", "remount,ro", str(where))
    if done.returncode != 0:
        pytest.skip(f"cannot remount read-only: {done.stderr.strip()}")
