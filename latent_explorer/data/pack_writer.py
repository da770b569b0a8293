"""A new pack of the decode cache written row after row, in scan order, as a folder is decoded:
no copy of the images is held in memory, and the finished pack is what the Dataset maps."""
from __future__ import annotations

import os
import struct
import uuid
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np

from latent_explorer.data.cache import DecodeCache, Entry, pack_stem, unlink_quietly, entry_key

_HEADER_BYTES = 128  # PackWriter's fixed .npy header: rewritten in place with the final count


def _npy_header(shape: tuple[int, ...]) -> bytes:
    """A version 1.0 .npy header of exactly _HEADER_BYTES bytes for uint8 C-order ``shape``."""
    text = repr({"descr": "|u1", "fortran_order": False, "shape": tuple(int(d) for d in shape)})
    pad = _HEADER_BYTES - 11 - len(text)
    if pad < 0:
        raise ValueError(f"no room in the header for shape {shape}")
    return (b"\x93NUMPY\x01\x00" + struct.pack("<H", _HEADER_BYTES - 10) + text.encode("latin1")
            + b" " * pad + b"\n")


class PackWriter:
    """A new pack of (root, size): rows appended in order into a temporary file beside the
    packs (no copy of them in memory); ``finish`` makes it the pack and maps it."""

    @classmethod
    def open(cls, cache: DecodeCache, root: str, size: int) -> "PackWriter | None":
        """None when the cache folder is unwritable."""
        try:
            cache.directory.mkdir(parents=True, exist_ok=True)
            return cls(cache, root, size)
        except OSError:
            return None

    def __init__(self, cache: DecodeCache, root: str, size: int) -> None:
        self.cache, self.root, self.size = cache, root, size
        self.stem = pack_stem(root, size)
        self.data_name = f"{self.stem}-{uuid.uuid4().hex}.npy"
        self.tmp = cache.directory / f".{self.data_name}.{uuid.uuid4().hex[:12]}.tmp"
        self.count = 0
        self._f = open(self.tmp, "wb")
        try:
            self._f.write(_npy_header((0, size, size, 3)))
        except BaseException:
            self.abort()
            raise

    def add(self, rows: np.ndarray) -> None:
        """Append uint8 ``(k, size, size, 3)`` rows; OSError when the disk is full."""
        rows = np.ascontiguousarray(rows, dtype=np.uint8)
        self._f.write(memoryview(rows.reshape(-1)))
        self.count += len(rows)

    def written(self) -> np.ndarray:
        """The rows added so far, read back into memory (before giving up on the file)."""
        if not self._f.closed:
            self._f.flush()
        rows = np.fromfile(self.tmp, np.uint8, offset=_HEADER_BYTES)
        return rows[: self.count * self.size**2 * 3].reshape(self.count, self.size, self.size, 3)

    def finish(self, entries: Sequence[Entry], loaded: Sequence[int],
               skips: Mapping[int, str]) -> np.ndarray:
        """Make the rows (of ``entries[loaded]``, in order) the pack of (root, size), with the
        remembered ``skips``, and return them read-only and memory-mapped; when that fails, the
        rows read back into memory (the cache is then just not used)."""
        keys = [entry_key(entries[i]) for i in loaded]
        skip_map = {entry_key(entries[i]): str(r) for i, r in skips.items()}
        empty = np.zeros((0, self.size, self.size, 3), np.uint8)
        final = self.cache.directory / self.data_name
        try:
            if self.count != len(keys):
                raise ValueError(f"{self.count} rows written for {len(keys)} files")
            current = self.cache.pack(self.root, self.size)
            if current is not None and current.skips == skip_map and list(current.rows) == keys:
                self.abort()  # unchanged (a transient failure was retried): keep the old pack
                return empty if current.data is None else current.data
            if not keys:
                self.abort()
                self.cache.write_index(self.root, self.size, self.stem, None, keys, skip_map)
                self.cache.settle(self.stem, None)
                return empty
            self._f.seek(0)
            self._f.write(_npy_header((self.count, self.size, self.size, 3)))
            self._f.flush()
            os.fsync(self._f.fileno())
            self._f.close()
            os.replace(self.tmp, final)
            images = np.load(final, mmap_mode="r", allow_pickle=False).view(np.ndarray)
        except Exception:
            if not self.tmp.exists():
                return empty if not keys else self._read(final)
            rows = self.written()
            self.abort()
            return rows
        try:  # the rows are mapped already: on failure the data file goes, the mapping stays
            self.cache.write_index(self.root, self.size, self.stem, self.data_name, keys, skip_map)
        except Exception:
            return images
        self.cache.settle(self.stem, self.data_name)
        return images

    def _read(self, path: Path) -> np.ndarray:
        rows = np.fromfile(path, np.uint8, offset=_HEADER_BYTES)
        unlink_quietly(path)
        return rows.reshape(-1, self.size, self.size, 3)[: self.count]

    def abort(self) -> None:
        try:
            self._f.close()
        except OSError:
            pass
        unlink_quietly(self.tmp)
