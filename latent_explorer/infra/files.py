"""Writing a file so that it is either the old one or the whole new one, never half of each:
a temporary file beside the target, flushed to disk, renamed over it."""
from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import IO, Any, Callable


def atomic_write(path: str | os.PathLike, write: Callable[[IO[Any]], Any], text: bool = False) -> None:
    """Call ``write(f)`` on a temporary file next to ``path`` (binary, or UTF-8 text with
    ``text=True``), fsync it and rename it over ``path``. On any failure the temporary file is
    removed, ``path`` is untouched, and the exception propagates."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:12]}.tmp")
    mode = {"mode": "w", "encoding": "utf-8", "newline": ""} if text else {"mode": "wb"}
    try:
        with open(tmp, **mode) as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        try:
            os.unlink(tmp)
        except OSError:
            pass


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> None:
    atomic_write(path, lambda f: f.write(data))
