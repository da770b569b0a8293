"""List the image candidates under a folder: recursive, sorted, links followed safely.

Nothing is opened here (only ``stat``), so a FIFO or a device in the tree can never hang the
scan. Folders reached through links are walked after the real tree, so when the same folder
or file is reachable twice the plain path wins and the linked one is reported as a duplicate.
"""
from __future__ import annotations

import errno
import os
import stat
from collections import deque
from dataclasses import dataclass, field

from latent_explorer.data.dataset import Skipped
from latent_explorer.data.images import not_regular_reason
from latent_explorer.errors import UserError
from latent_explorer.infra.tasks import CancelToken

ATTRIBUTES_FILE = "attributes.csv"
_JUNK_NAMES = {"thumbs.db", "desktop.ini", "__macosx"}


@dataclass(frozen=True)
class FileEntry:
    """One candidate file. ``rel_path`` is printable (undecodable bytes shown as U+FFFD);
    ``abs_path`` keeps the exact name so it can always be opened."""

    rel_path: str
    abs_path: str
    size: int
    mtime_ns: int
    label: str | None


@dataclass
class FolderScan:
    root: str
    files: list[FileEntry] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    attributes_csv: str | None = None


def printable(name: str) -> str:
    """A file-system name as text a person can read: undecodable bytes become U+FFFD."""
    try:
        name.encode("utf-8")
        return name
    except UnicodeEncodeError:
        return name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


@dataclass
class _Candidate:
    rel: tuple[str, ...]  # raw name parts (may hold surrogate escapes)
    abs_path: str
    st: os.stat_result
    via_link: bool


def scan_folder(root: str | os.PathLike[str] | bytes, cancel: CancelToken | None = None) -> FolderScan:
    """Scan ``root`` recursively. Raises UserError when it is missing or not a folder."""
    root_str = os.path.abspath(os.fsdecode(root))
    try:
        root_st = os.stat(root_str)
    except FileNotFoundError:
        raise UserError(f"folder not found: {printable(root_str)}") from None
    except OSError as exc:
        raise UserError(f"cannot open folder {printable(root_str)}: {exc.strerror or exc}") from None
    if not stat.S_ISDIR(root_st.st_mode):
        raise UserError(f"not a folder: {printable(root_str)}")

    result = FolderScan(root=root_str)
    visited: dict[tuple[int, int], tuple[str, ...]] = {(root_st.st_dev, root_st.st_ino): ()}
    candidates: list[_Candidate] = []
    linked_dirs: deque[tuple[tuple[str, ...], str]] = deque()

    def walk(start_rel: tuple[str, ...], start_abs: str, via_link: bool) -> None:
        stack = [(start_rel, start_abs)]
        while stack:
            if cancel is not None:
                cancel.raise_if_cancelled()
            rel, path = stack.pop()
            try:
                with os.scandir(path) as it:
                    entries = sorted(it, key=lambda e: e.name)
            except OSError as exc:
                if not rel:
                    raise UserError(f"cannot read folder {printable(root_str)}: "
                                    f"{_why(exc)}") from None
                result.skipped.append(Skipped(_show(rel) + "/", f"folder unreadable: {_why(exc)}"))
                continue
            subdirs = []
            for entry in entries:
                name = entry.name
                if name.startswith(".") or name.lower() in _JUNK_NAMES:
                    continue
                child_rel = rel + (name,)
                if not rel and name.lower() == ATTRIBUTES_FILE:
                    result.attributes_csv = entry.path
                    continue
                try:
                    is_link = entry.is_symlink()
                    st = entry.stat(follow_symlinks=True)
                except OSError as exc:
                    result.skipped.append(Skipped(_show(child_rel), _stat_reason(exc, entry)))
                    continue
                if stat.S_ISDIR(st.st_mode):
                    if is_link:
                        linked_dirs.append((child_rel, entry.path))
                    elif _claim_dir(st, child_rel):
                        subdirs.append((child_rel, entry.path))
                elif stat.S_ISREG(st.st_mode):
                    candidates.append(_Candidate(child_rel, entry.path, st, via_link or is_link))
                else:
                    result.skipped.append(Skipped(_show(child_rel), not_regular_reason(st.st_mode)))
            stack.extend(reversed(subdirs))  # pop in sorted order

    def _claim_dir(st: os.stat_result, rel: tuple[str, ...]) -> bool:
        key = (st.st_dev, st.st_ino)
        first = visited.get(key)
        if first is None or st.st_ino == 0:  # st_ino 0: the file system gives no identity
            visited[key] = rel
            return True
        if rel[: len(first)] == first:
            where = "the top folder" if not first else f"'{_show(first)}'"
            reason = f"link loops back to {where}"
        else:
            reason = f"duplicate of '{_show(first)}/' (same folder via a link)"
        result.skipped.append(Skipped(_show(rel) + "/", reason))
        return False

    walk((), root_str, False)
    while linked_dirs:
        rel, path = linked_dirs.popleft()
        try:
            st = os.stat(path)
        except OSError as exc:
            result.skipped.append(Skipped(_show(rel) + "/", f"folder unreadable: {_why(exc)}"))
            continue
        if _claim_dir(st, rel):
            walk(rel, path, True)

    result.files, duplicates = _dedupe(candidates)
    result.skipped.extend(duplicates)
    result.skipped.sort(key=lambda s: s.path)
    return result


def _dedupe(candidates: list[_Candidate]) -> tuple[list[FileEntry], list[Skipped]]:
    """One entry per real file; a plain path beats a linked one, then the first in order."""
    candidates.sort(key=lambda c: (c.via_link, c.rel))
    first_by_key: dict[tuple[int, int], _Candidate] = {}
    keep: list[_Candidate] = []
    skipped: list[Skipped] = []
    for c in candidates:
        key = (c.st.st_dev, c.st.st_ino)
        first = first_by_key.get(key) if c.st.st_ino else None
        if first is not None:
            skipped.append(Skipped(_show(c.rel), f"duplicate of {_show(first.rel)} (same file via a link)"))
            continue
        first_by_key[key] = c
        keep.append(c)
    keep.sort(key=lambda c: c.rel)
    files = [
        FileEntry(
            rel_path=_show(c.rel),
            abs_path=c.abs_path,
            size=int(c.st.st_size),
            mtime_ns=int(c.st.st_mtime_ns),
            label=printable(c.rel[0]) if len(c.rel) > 1 else None,
        )
        for c in keep
    ]
    return files, skipped


def _show(rel: tuple[str, ...]) -> str:
    return "/".join(printable(p) for p in rel)


def _why(exc: OSError) -> str:
    if isinstance(exc, PermissionError):
        return "permission denied"
    return (exc.strerror or str(exc)).lower()


def _stat_reason(exc: OSError, entry: os.DirEntry) -> str:
    try:
        is_link = entry.is_symlink()
    except OSError:
        is_link = False
    if is_link:
        if isinstance(exc, FileNotFoundError):
            return "broken link (its target does not exist)"
        if exc.errno == errno.ELOOP:
            return "broken link (it loops back to itself)"
        return f"broken link ({_why(exc)})"
    if isinstance(exc, FileNotFoundError):
        return "file disappeared during the scan"
    return f"unreadable: {_why(exc)}"
