"""Decoded images cached on disk, so reopening a folder does not decode it again.

One *pack* per (folder root, image size), not one file per image: a uint8 ``.npy`` holding
every decoded image (memory-mapped on lookup, so reopening 10,000 images costs one JSON parse
and one mmap) and a JSON index naming, row by row, the file each image came from. A file is
identified by its path, byte size and modification time, so an edited file is decoded again.
Files that could not be decoded are remembered with their reason, so known-bad files are not
re-read on every scan.

The cache is an optimisation only: a damaged, foreign or unwritable cache is ignored (and
rebuilt when possible); nothing here raises on I/O problems.
"""
from __future__ import annotations

import hashlib
import json
import os
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator, Mapping, Protocol, Sequence

import numpy as np
import platformdirs

from latent_explorer import APP_NAME
from latent_explorer.data.images import DECODER_VERSION
from latent_explorer.infra.files import atomic_write

ENV_VAR = "LATENT_EXPLORER_CACHE_DIR"
FORMAT = "latent-explorer-decode-cache"
FORMAT_VERSION = 1
DEFAULT_MAX_BYTES = 4 * 1024**3
_ORPHAN_AGE_S = 3600  # data files no index points to are removed after this long


class Entry(Protocol):
    abs_path: str
    size: int
    mtime_ns: int


def default_cache_dir() -> Path:
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env)
    return Path(platformdirs.user_cache_dir(APP_NAME)) / "decoded"


def entry_key(entry: Entry) -> str:
    return f"{entry.abs_path}\x00{int(entry.size)}\x00{int(entry.mtime_ns)}"


@dataclass
class _Pack:
    stamp: tuple[int, int, int]  # the index file's (mtime_ns, size, inode) when read
    rows: dict[str, int]
    skips: dict[str, str]
    data: np.ndarray | None
    data_name: str | None


class DecodeCache:
    """Packs of decoded images under ``directory`` (default: the user cache, or $LATENT_EXPLORER_CACHE_DIR)."""

    def __init__(self, directory: str | os.PathLike[str] | None = None,
                 max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.directory = Path(directory) if directory is not None else default_cache_dir()
        self.max_bytes = max_bytes
        self._packs: dict[str, _Pack] = {}

    # -- reading ---------------------------------------------------------------------------
    def lookup(self, root: str, size: int, entries: Sequence[Entry]) -> dict[int, np.ndarray]:
        """Entry index → cached ``(size, size, 3)`` image (a read-only memory-mapped view)."""
        return self.lookup_all(root, size, entries)[0]

    def lookup_skips(self, root: str, size: int, entries: Sequence[Entry]) -> dict[int, str]:
        """Entry index → remembered skip reason, for files already known not to decode."""
        return self.lookup_all(root, size, entries)[1]

    def lookup_all(self, root: str, size: int, entries: Sequence[Entry]
                   ) -> tuple[dict[int, np.ndarray], dict[int, str]]:
        data, rows, skips = self.lookup_rows(root, size, entries)
        return {int(i): data[rows[i]] for i in np.flatnonzero(rows >= 0)}, skips

    def lookup_rows(self, root: str, size: int, entries: Sequence[Entry]
                    ) -> tuple[np.ndarray, np.ndarray, dict[int, str]]:
        """``(data, rows, skips)``: the pack's read-only memory-mapped ``(M, size, size, 3)``
        images, each entry's row in it (-1: not cached) and the remembered skip reasons."""
        rows = np.full(len(entries), -1, np.int64)
        skips: dict[int, str] = {}
        empty = np.zeros((0, size, size, 3), np.uint8)
        try:
            pack = self.pack(root, size)
            if pack is None:
                return empty, rows, skips
            for i, entry in enumerate(entries):
                key = entry_key(entry)
                row = pack.rows.get(key)
                if row is not None and pack.data is not None:
                    rows[i] = row
                elif key in pack.skips:
                    skips[i] = pack.skips[key]
        except Exception:  # the cache must never break loading
            return empty, np.full(len(entries), -1, np.int64), {}
        return (empty if pack.data is None else pack.data), rows, skips

    def companion(self, root: str, size: int, tag: str, channels: int,
                  make: Callable[[np.ndarray], Iterator[np.ndarray]]) -> np.ndarray | None:
        """An array derived from the current pack (its grey copy, say), written once beside it
        from the chunks ``make(pack images)`` yields and memory-mapped; None when it cannot be."""
        try:
            pack = self.pack(root, size)
            if pack is None or pack.data is None or pack.data_name is None:
                return None
            path = self.directory / f"{pack.data_name[:-4]}.{tag}.npy"
            shape = (len(pack.data), size, size, channels)
            for attempt in range(2):
                if path.exists():
                    data = np.load(path, mmap_mode="r", allow_pickle=False).view(np.ndarray)
                    if data.dtype == np.uint8 and data.shape == shape:
                        return data
                if attempt == 0:
                    atomic_write(path, lambda f: _write_npy(f, shape, make(pack.data)))
        except Exception:
            return None
        return None

    def pack(self, root: str, size: int) -> _Pack | None:
        """The current pack of ``root`` at ``size`` (re-read when its index changed on disk), or None."""
        stem = pack_stem(root, size)
        index_path = self.directory / f"{stem}.json"
        try:
            st = index_path.stat()
        except OSError:
            self._packs.pop(stem, None)
            return None
        stamp = (st.st_mtime_ns, st.st_size, st.st_ino)
        pack = self._packs.get(stem)
        if pack is not None and pack.stamp == stamp:
            return pack
        pack = self._read_pack(index_path, stem, root, size, stamp)
        if pack is None:
            self._packs.pop(stem, None)
        else:
            self._packs[stem] = pack
            try:  # recency for pruning
                os.utime(index_path)
                new = index_path.stat()
                pack.stamp = (new.st_mtime_ns, new.st_size, new.st_ino)
            except OSError:
                pass
        return pack

    def _read_pack(self, index_path: Path, stem: str, root: str, size: int,
                   stamp: tuple[int, int, int]) -> _Pack | None:
        try:
            with open(index_path, encoding="utf-8") as f:
                index = json.load(f)
            if not (
                isinstance(index, dict)
                and index.get("format") == FORMAT
                and index.get("version") == FORMAT_VERSION
                and index.get("decoder") == DECODER_VERSION
                and index.get("root") == root
                and index.get("size") == size
            ):
                return None
            keys, skips, data_name = index.get("keys"), index.get("skips"), index.get("data")
            if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
                return None
            if not isinstance(skips, dict) or not all(isinstance(v, str) for v in skips.values()):
                return None
            data = None
            if keys:
                if not (isinstance(data_name, str) and data_name.startswith(stem + "-")
                        and data_name.endswith(".npy") and "/" not in data_name
                        and "\\" not in data_name):
                    return None
                data = np.load(self.directory / data_name, mmap_mode="r", allow_pickle=False)
                data = data.view(np.ndarray)  # plain views index ~3x faster than np.memmap's
                if data.dtype != np.uint8 or data.shape != (len(keys), size, size, 3):
                    return None
            return _Pack(stamp, {k: r for r, k in enumerate(keys)}, dict(skips), data,
                         data_name if keys else None)
        except Exception:
            return None

    # -- writing ---------------------------------------------------------------------------
    def store(self, root: str, size: int, entries: Sequence[Entry],
              images: Mapping[int, np.ndarray], skips: Mapping[int, str] | None = None) -> bool:
        """Replace the pack for (root, size) with these images and skip reasons.

        Returns False when nothing could be written (the cache is then just not used).
        """
        order = sorted(i for i, img in images.items()
                       if img.shape == (size, size, 3) and img.dtype == np.uint8)
        keys = [entry_key(entries[i]) for i in order]
        skip_map = {entry_key(entries[i]): str(r) for i, r in (skips or {}).items()}
        stem = pack_stem(root, size)
        try:
            current = self.pack(root, size)
            if current is not None and current.skips == skip_map and list(current.rows) == keys:
                return True  # unchanged: no rewrite
            self.directory.mkdir(parents=True, exist_ok=True)
            data_name = None
            if keys:
                data_name = f"{stem}-{uuid.uuid4().hex}.npy"
                shape = (len(keys), size, size, 3)
                atomic_write(self.directory / data_name,
                              lambda f: _write_npy(f, shape, (images[i] for i in order)))
            self.write_index(root, size, stem, data_name, keys, skip_map)
        except Exception:
            return False
        self.settle(stem, data_name)
        return True

    def write_index(self, root: str, size: int, stem: str, data_name: str | None,
                    keys: list[str], skip_map: dict[str, str]) -> None:
        """Name the data file in the pack's index (the data file is removed when this fails)."""
        index = {"format": FORMAT, "version": FORMAT_VERSION, "decoder": DECODER_VERSION,
                 "root": root, "size": size, "data": data_name, "keys": keys,
                 "skips": skip_map, "written": time.time()}
        payload = json.dumps(index).encode("ascii")  # ascii: lone surrogates are escaped
        try:
            atomic_write(self.directory / f"{stem}.json", lambda f: f.write(payload))
        except BaseException:
            if data_name:
                unlink_quietly(self.directory / data_name)
            raise

    def settle(self, stem: str, data_name: str | None) -> None:
        """After a new index: drop the older data files (and what was derived from them)."""
        self._packs.pop(stem, None)
        for old in self.directory.glob(f"{stem}-*.npy"):
            if old.name != data_name:
                unlink_quietly(old)  # may fail while mapped on Windows: pruned later
        self._prune(keep=stem)

    def clear(self) -> None:
        """Remove every pack (e.g. from a "clear cache" menu item)."""
        self._packs.clear()
        try:
            for p in self.directory.iterdir():
                if p.suffix in (".npy", ".json") or _is_temp(p.name):
                    unlink_quietly(p)
        except OSError:
            pass

    def _prune(self, keep: str) -> None:
        """Keep the cache under ``max_bytes``: drop the least recently used packs first.

        Also removes leftovers of crashed writers (temp files, data files no index names).
        """
        try:
            files = [(p, p.stat()) for p in self.directory.iterdir() if p.is_file()]
        except OSError:
            return
        now = time.time()
        packs: dict[str, list[tuple[Path, os.stat_result]]] = {}
        for p, st in files:
            stem = p.name.split("-", 1)[0].split(".", 1)[0]
            stale = now - st.st_mtime > _ORPHAN_AGE_S
            if _is_temp(p.name) or (
                    p.suffix == ".npy" and not (self.directory / f"{stem}.json").exists()):
                if stale:
                    unlink_quietly(p)
            elif p.suffix in (".npy", ".json") and stem:
                packs.setdefault(stem, []).append((p, st))
        total = sum(st.st_size for group in packs.values() for _, st in group)

        def last_used(stem: str) -> float:
            return max((st.st_mtime for p, st in packs[stem] if p.suffix == ".json"), default=0.0)

        for stem in sorted(packs, key=last_used):
            if total <= self.max_bytes:
                break
            if stem == keep:
                continue
            for p, st in packs[stem]:
                unlink_quietly(p)
                total -= st.st_size
            self._packs.pop(stem, None)


def _is_temp(name: str) -> bool:
    """A temporary file of ``atomic_write`` (``.<name>.<hex>.tmp``), left by a killed writer."""
    return name.startswith(".") and name.endswith(".tmp")


def pack_stem(root: str, size: int) -> str:
    """The file-name stem of the pack of ``root`` at ``size``."""
    digest = hashlib.sha256(f"{root}\x00{size}".encode("utf-8", "surrogateescape"))
    return digest.hexdigest()[:24]


def _write_npy(f, shape: tuple[int, ...], rows) -> None:
    """Stream rows into an .npy file: no second copy of all images in memory."""
    np.lib.format.write_array_header_1_0(
        f, {"descr": np.dtype(np.uint8).str, "fortran_order": False, "shape": shape})
    for row in rows:
        f.write(np.ascontiguousarray(row, dtype=np.uint8).tobytes())


def unlink_quietly(path: Path) -> None:
    """Remove ``path``; a file already gone or still mapped (Windows) is left to a later prune."""
    try:
        os.unlink(path)
    except OSError:
        pass
