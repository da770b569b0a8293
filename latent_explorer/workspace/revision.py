"""Which version of a workspace file a session holds, so that a save never silently replaces
what another program (a second window, the command line) saved there in the meantime.

Every save stamps the file with a fresh random *save id* (the zip archive's comment, readable
from the file's last bytes without unpacking anything). Opening or saving records it as a
`FileRevision`, together with the file's identity (inode, size, modification time). Before a
save replaces that file it compares: the save id decides; files without one (saved by an older
version) are compared by identity. The comparison and the rename happen under an exclusive lock
on the file being replaced, so of two processes that opened the same version and save at the
same moment, one wins and the other is told (`WorkspaceChangedError`) — never both."""
from __future__ import annotations

import contextlib
import os
import re
import secrets
import time
from dataclasses import dataclass
from typing import Iterator

from latent_explorer.errors import WorkspaceChangedError

try:
    import fcntl
except ImportError:  # Windows: a file being replaced cannot be held open there anyway
    fcntl = None  # type: ignore[assignment]

_COMMENT = b"latent-explorer save "
_COMMENT_RE = re.compile(rb"latent-explorer save ([0-9a-f]{32})")
_EOCD = b"PK\x05\x06"  # the zip's end-of-central-directory record: 22 bytes, then the comment
_TAIL = 22 + 0xFFFF
LOCK_TIMEOUT_S = 30.0  # a lock held longer than this is not waited for (a hung program)


@dataclass(frozen=True)
class FileRevision:
    """One version of a workspace file: where it is, its save id, and its identity on disk."""

    path: str  # absolute
    save_id: str | None  # None: saved by a version of the app that wrote none
    ino: int
    size: int
    mtime_ns: int

    @classmethod
    def of(cls, path: str, save_id: str | None, st: os.stat_result) -> FileRevision:
        return cls(os.path.abspath(path), save_id, st.st_ino, st.st_size, st.st_mtime_ns)

    def same_file(self, path: str | os.PathLike) -> bool:
        return os.path.normcase(os.path.abspath(os.fspath(path))) == os.path.normcase(self.path)


class Origin:
    """The file a workspace was read from or last saved to, shared by the copies made of it in
    memory (a resumed training's workspace is a copy: a save during the training moves this on
    for both, so the next save does not mistake the session's own save for another program's)."""

    __slots__ = ("revision",)

    def __init__(self, revision: FileRevision | None = None) -> None:
        self.revision = revision

    def __repr__(self) -> str:
        return f"Origin({self.revision!r})"


def new_save_id() -> str:
    return secrets.token_hex(16)


def comment_for(save_id: str) -> bytes:
    """The zip archive comment that carries ``save_id``."""
    return _COMMENT + save_id.encode("ascii")


def save_id_of_comment(comment: bytes) -> str | None:
    match = _COMMENT_RE.fullmatch(comment or b"")
    return None if match is None else match.group(1).decode("ascii")


def read_save_id(path: str | os.PathLike) -> str | None:
    """The save id of the workspace file at ``path`` (its last bytes only); None when it has
    none, is not a workspace, or cannot be read."""
    try:
        with open(path, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            f.seek(max(0, size - _TAIL))
            tail = f.read()
    except OSError:
        return None
    at = tail.rfind(_EOCD)
    if at < 0 or at + 22 > len(tail):
        return None
    length = int.from_bytes(tail[at + 20 : at + 22], "little")
    return save_id_of_comment(tail[at + 22 : at + 22 + length])


def changed_on_disk(expected: FileRevision) -> os.stat_result | None:
    """The file's status when the file at ``expected.path`` is no longer the version
    ``expected`` describes; None when it is, or when it is gone (nothing there to lose)."""
    try:
        st = os.stat(expected.path)
    except OSError:
        return None
    if expected.save_id is not None:
        return None if read_save_id(expected.path) == expected.save_id else st
    same = (st.st_ino, st.st_size, st.st_mtime_ns) == (expected.ino, expected.size, expected.mtime_ns)
    return None if same and read_save_id(expected.path) is None else st


def check_unchanged(expected: FileRevision) -> None:
    """Raise `WorkspaceChangedError` when another program saved over ``expected`` since."""
    st = changed_on_disk(expected)
    if st is not None:
        raise WorkspaceChangedError(expected.path, st.st_mtime)


@contextlib.contextmanager
def replacing(target: str, timeout: float = LOCK_TIMEOUT_S) -> Iterator[None]:
    """Hold an exclusive lock on the file now at ``target`` while the body checks and replaces
    it (nothing to hold when there is no file yet, or where locks are not available). A file
    replaced while this waited for its lock is let go, and the new one locked instead."""
    deadline = time.monotonic() + timeout
    while True:
        fd = _open_for_lock(target)
        if fd is None:
            yield
            return
        try:
            if _lock(fd, deadline) and not _still_at(fd, target) and time.monotonic() < deadline:
                continue  # someone replaced it while this waited: lock the file there now
            yield
            return
        finally:
            os.close(fd)  # the lock goes with it


def _open_for_lock(target: str) -> int | None:
    if fcntl is None:
        return None
    try:
        return os.open(target, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None


def _lock(fd: int, deadline: float) -> bool:
    """True once locked; False where the file system has no locks, or after ``deadline``."""
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.002)
        except OSError:
            return False


def _still_at(fd: int, target: str) -> bool:
    try:
        here, there = os.fstat(fd), os.stat(target)
    except OSError:
        return False
    return (here.st_dev, here.st_ino) == (there.st_dev, there.st_ino)


def beside(path: str | os.PathLike) -> str:
    """A free name next to ``path`` for a copy: ``NAME (2).lexp``, ``NAME (3).lexp``, …"""
    root, ext = os.path.splitext(os.fspath(path))
    k = 2
    while os.path.exists(f"{root} ({k}){ext}"):
        k += 1
    return f"{root} ({k}){ext}"


__all__ = [
    "FileRevision", "Origin", "WorkspaceChangedError", "beside", "changed_on_disk", "check_unchanged",
    "comment_for", "new_save_id", "read_save_id", "replacing", "save_id_of_comment",
]
