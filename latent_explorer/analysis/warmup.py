"""Paying numba's compile before the user asks: UMAP and t-SNE's first run in a fresh process
spends 10–40 s compiling, nearly all of it reusable. `configure_numba_cache` puts numba's cache
in the user's cache directory (never the install folder, which may be read-only), and
`warm_up_maps` runs a tiny UMAP in a background thread so the first real map starts at once.
It imports torch there too, so training does not start by importing it (holding the import
lock the GUI thread may need), and then freezes the garbage collector's view of everything
loaded so far: modules and compiled functions live as long as the process, and a full
collection that no longer walks them costs milliseconds instead of a visible stall."""
from __future__ import annotations

import gc
import os
import threading
import time

import numpy as np

ENV = "NUMBA_CACHE_DIR"


def configure_numba_cache() -> str:
    """Set NUMBA_CACHE_DIR (unless already set) to ``<user cache>/numba``; call before numba
    is imported. Returns the directory."""
    if not os.environ.get(ENV):
        import platformdirs

        from .. import APP_NAME

        os.environ[ENV] = os.path.join(platformdirs.user_cache_dir(APP_NAME), "numba")
    os.makedirs(os.environ[ENV], exist_ok=True)
    return os.environ[ENV]


def enable_disk_cache(*modules) -> None:
    """umap-learn and pynndescent compile most of their numba kernels without ``cache=True``:
    10-40 s again in every process. Turn numba's on-disk cache on for the kernels of
    ``modules`` that are not compiled yet."""
    from numba.core.registry import CPUDispatcher

    for module in modules:
        for obj in vars(module).values():
            if isinstance(obj, CPUDispatcher) and not obj.overloads:
                try:
                    obj.enable_caching()
                except RuntimeError:  # numba finds nowhere to cache: compiled each start
                    pass


def cache_pynndescent() -> None:
    """`enable_disk_cache` for pynndescent (umap-learn's neighbour search too): building a
    20,000-point index in a fresh process took 26 s with its own caching, 12.5 s with this."""
    import importlib

    enable_disk_cache(*(importlib.import_module(f"pynndescent.{name}") for name in (
        "pynndescent_", "utils", "distances", "rp_trees", "sparse", "graph_utils", "sparse_nndescent")))


def warm_up_maps(extra=()) -> dict:
    """Compile what the first UMAP map needs (a 60-point fit), then each callable in
    ``extra`` (e.g. the map renderer's kernels). Returns seconds per part."""
    times = {}
    for fn in extra:
        start = time.perf_counter()
        fn()
        times[getattr(fn, "__qualname__", "extra")] = time.perf_counter() - start
    start = time.perf_counter()
    import torch  # noqa: F401

    from ..models import registry  # noqa: F401

    times["torch"] = time.perf_counter() - start
    start = time.perf_counter()
    from .projection import Projection

    z = np.random.default_rng(0).normal(size=(60, 4)).astype(np.float32)
    Projection("umap", 2, n_neighbors=5, n_epochs=10, random_state=0).fit(z)
    times["umap"] = time.perf_counter() - start
    return times


def warm_up_in_background(extra=()) -> threading.Thread:
    """`warm_up_maps` in a daemon thread at low priority (it never delays the window)."""
    def run() -> None:
        try:
            os.nice(5)  # affects this thread only on Linux; elsewhere harmless
        except (AttributeError, OSError):
            pass
        try:
            warm_up_maps(extra)
        except Exception:  # noqa: BLE001 - a failed warm-up only means the first map compiles
            pass
        gc.freeze()

    thread = threading.Thread(target=run, name="latent-explorer warm-up", daemon=True)
    thread.start()
    return thread
