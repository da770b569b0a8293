"""Fitted maps kept in memory, keyed by (latents, method, parameters): asking twice is free.
Each session owns its cache (`Session.map_cache`); nothing is shared between workspaces."""
from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

import numpy as np


def latents_digest(latents: np.ndarray) -> str:
    """Hash of the latents' bytes, shape and dtype (no copy for a C-contiguous array)."""
    h = hashlib.sha1(f"{latents.dtype.str}{latents.shape}".encode(), usedforsecurity=False)
    h.update(np.ascontiguousarray(latents))  # sha1: twice blake2b's speed; not for security
    return h.hexdigest()


@dataclass
class FittedMap:
    """One computed map. ``embedding`` is read-only, so a cached map cannot be changed by a
    caller. ``model`` is what places new latents on the map (sklearn PCA arrays, an openTSNE
    embedding, a fitted UMAP); after a reload from a workspace it is None until a `transform`
    rebuilds it from ``latents`` (which are only referenced, not copied) — from ``latents[sample]``
    for a map fitted on a sample (`placement_large`)."""

    method: str
    n_components: int
    params: dict[str, Any]
    digest: str | None  # of the latents; None until needed (PCA maps are not cached)
    embedding: np.ndarray
    model: Any = None
    latents: np.ndarray | None = None
    sample: np.ndarray | None = None  # indices of the latents a sampled map was fitted on
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    @property
    def key(self) -> tuple:
        size = None if self.sample is None else len(self.sample)
        return cache_key(self.digest, self.method, self.n_components, self.params, size)


def cache_key(digest: str | None, method: str, n_components: int, params: dict[str, Any],
              sample_size: int | None = None) -> tuple:
    return digest, method, int(n_components), json.dumps(params, sort_keys=True), sample_size


class ProjectionCache:
    """A small thread-safe LRU of FittedMap (the GUI computes maps on worker threads)."""

    def __init__(self, max_entries: int = 8) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[tuple, FittedMap] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple) -> FittedMap | None:
        with self._lock:
            fitted = self._entries.get(key)
            if fitted is not None:
                self._entries.move_to_end(key)
            return fitted

    def put(self, fitted: FittedMap) -> None:
        with self._lock:
            self._entries[fitted.key] = fitted
            self._entries.move_to_end(fitted.key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)

