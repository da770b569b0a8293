"""Temporary files of atomic saves, and the leftovers of saves that were killed.

A save writes ``.<name>.<pid>-<random>.tmp`` beside the target, holds an exclusive ``flock`` on
it while writing, then renames it over the target. A process killed mid-save (SIGKILL, power
cut) leaves that file behind; the next save of the same target removes it once it is sure the
writer is gone: its process no longer exists and nobody holds its lock. Where neither can be
checked (Windows), a leftover is removed when it is more than a day old.
"""
from __future__ import annotations

import os
import re
import secrets
import time

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]

STALE_AFTER_S = 24 * 3600
_OWNER_RE = re.compile(r"(?:(\d+)-)?[0-9a-f]{16}")  # "<pid>-<hex>", or just "<hex>" (older saves)


def temp_path(target: str) -> str:
    """A fresh temporary name beside ``target`` that names this process as its writer."""
    directory, base = os.path.split(target)
    return os.path.join(directory, f".{base}.{os.getpid()}-{secrets.token_hex(8)}.tmp")


def hold(fd: int) -> None:
    """Mark a temporary file as being written (the lock ends with the process, however it ends)."""
    if fcntl is not None:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:  # a file system without locks: the process check still protects it
            pass


def fsync_dir(directory: str) -> None:
    try:  # Windows cannot open directories; the replace is atomic there all the same
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError:
        pass


def remove_stale(target: str) -> int:
    """Remove what killed saves of ``target`` left behind; returns how many files went.

    Never raises: a leftover that cannot be removed now is removed by a later save.
    """
    directory, base = os.path.split(target)
    prefix = f".{base}."
    try:
        names = os.listdir(directory or ".")
    except OSError:
        return 0
    removed = 0
    for name in names:
        if not (name.startswith(prefix) and name.endswith(".tmp")):
            continue
        match = _OWNER_RE.fullmatch(name[len(prefix) : -len(".tmp")])
        if match is None:
            continue  # not one of ours (another target whose name starts like this one)
        pid = int(match.group(1)) if match.group(1) else None
        if pid == os.getpid():
            continue  # another thread of this process may be saving right now
        removed += _remove_if_abandoned(os.path.join(directory, name), pid)
    return removed


def _remove_if_abandoned(path: str, pid: int | None) -> int:
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return 0
    try:
        old = time.time() - os.fstat(fd).st_mtime > STALE_AFTER_S
        if not old and _writer_may_live(pid):
            return 0
        if fcntl is None:  # Windows cannot delete a file that is open
            os.close(fd)
            fd = -1
        else:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return 0  # still being written
            except OSError:
                pass
        os.unlink(path)
        return 1
    except OSError:
        return 0
    finally:
        if fd >= 0:
            os.close(fd)


def _writer_may_live(pid: int | None) -> bool:
    if pid is None or os.name != "posix":  # on Windows os.kill would terminate the process
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists but belongs to someone else, or cannot tell
        return True
    return True
