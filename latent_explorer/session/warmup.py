"""Paying numba's compile before the user asks: `warm_up_maps` runs a tiny UMAP in a
background thread so the first real map starts at once. It imports torch there too, and takes
one optimizer step, so training does not start by importing torch or what an optimizer's first
step imports (holding the GIL in stretches the GUI thread waits through). ``on_done`` runs
in the warm-up thread at the end: the app uses it to ask its GUI thread to freeze the garbage
collector's view of what the warm-up loaded (see gui.threads.gc_guard)."""
from __future__ import annotations

import threading
import time
from typing import Callable

import numpy as np

from latent_explorer.infra.tasks import lower_thread_priority


def warm_up_maps(extra=()) -> dict:
    """Compile what the first UMAP map needs (a 60-point fit), then each callable in
    ``extra`` (e.g. the map renderer's kernels). Returns seconds per part."""
    times = {}
    for fn in extra:
        start = time.perf_counter()
        fn()
        times[getattr(fn, "__qualname__", "extra")] = time.perf_counter() - start
    start = time.perf_counter()
    import torch

    from latent_explorer.models import registry  # noqa: F401

    weight = torch.nn.Parameter(torch.zeros(1))  # an optimizer's first step imports torch._dynamo
    weight.sum().backward()                      # and sympy (1.8 s): here, not in the first training
    torch.optim.AdamW([weight]).step()
    times["torch"] = time.perf_counter() - start
    start = time.perf_counter()
    from latent_explorer.analysis.maps.projection import Projection

    z = np.random.default_rng(0).normal(size=(60, 4)).astype(np.float32)
    Projection("umap", 2, n_neighbors=5, n_epochs=10, random_state=0).fit(z)
    times["umap"] = time.perf_counter() - start
    return times


def warm_for_install(extra=()) -> dict:
    """`warm_up_maps` and the kernels of bigger data: UMAP and the neighbour index above 4,096
    points take pynndescent's approximate search, compiled separately. The build runs this in
    the frozen app to ship numba's cache with it. Returns seconds per part."""
    from latent_explorer.analysis.latent.neighbours import NeighbourIndex
    from latent_explorer.analysis.maps.projection import Projection

    times = warm_up_maps(extra)
    z = np.random.default_rng(1).normal(size=(5000, 8)).astype(np.float32)
    start = time.perf_counter()
    Projection("umap", 2, n_epochs=5, random_state=0).fit(z)
    times["umap_large"] = time.perf_counter() - start
    start = time.perf_counter()
    NeighbourIndex(z, exact_below=0).build().query(z[:3], 5)
    times["neighbour_index"] = time.perf_counter() - start
    return times


def warm_up_in_background(extra=(), on_done: Callable[[], None] | None = None) -> threading.Thread:
    """`warm_up_maps` in a daemon thread at low priority (it never delays the window), then
    ``on_done()`` in that thread."""
    def run() -> None:
        lower_thread_priority()
        try:
            warm_up_maps(extra)
        except Exception:  # noqa: BLE001 - a failed warm-up only means the first map compiles
            pass
        if on_done is not None:
            on_done()

    thread = threading.Thread(target=run, name="latent-explorer warm-up", daemon=True)
    thread.start()
    return thread
