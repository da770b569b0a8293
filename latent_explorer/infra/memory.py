"""Handing freed memory back to the system. glibc keeps the heap pages that a workspace's
arrays, a training run or a map used after they are freed, for reuse; in a long session those
kept pages grew the resident size by 2–3 MB per reopened workspace while the live objects stayed
flat (scripts/reliability/soak.py: flat after ``malloc_trim``). `release_free_memory` asks glibc
to return them; elsewhere it does nothing."""
from __future__ import annotations

import ctypes
import ctypes.util
import functools
import sys


@functools.cache
def _malloc_trim():
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return libc.malloc_trim
    except (OSError, AttributeError):  # musl and others have no malloc_trim
        return None


def release_free_memory() -> bool:
    """Return the C heap's free pages to the system; True when the C library can."""
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True


__all__ = ["release_free_memory"]
