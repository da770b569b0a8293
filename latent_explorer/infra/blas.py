"""How many threads numpy's BLAS may use in the desktop app: every core but one, which is kept
for the window's GUI thread (as `training.device.choose_threads` keeps one from torch).

OpenBLAS's worker threads spin for a while after each call instead of sleeping. On a 2-core
machine training a model in the window, that spinning thread took 0.7 s of CPU in every 4 s
(measured with /proc's per-thread times) and left the GUI thread waiting for a core in the
middle of its longest event chains. The command line keeps every core."""
from __future__ import annotations

import os


def gui_blas_threads(cores: int | None = None) -> int:
    cores = cores or os.cpu_count() or 1
    return max(1, cores - 1)


def reserve_a_core_for_the_gui(cores: int | None = None):
    """Limit the BLAS libraries loaded now (numpy's) to `gui_blas_threads`, and those loaded
    later (scipy's own OpenBLAS comes with its first import) through OPENBLAS_NUM_THREADS,
    unless the user set it; returns the limiter, whose ``restore_original_limits()`` undoes the
    first."""
    from threadpoolctl import threadpool_limits

    threads = gui_blas_threads(cores)
    os.environ.setdefault("OPENBLAS_NUM_THREADS", str(threads))
    return threadpool_limits(threads, user_api="blas")


__all__ = ["gui_blas_threads", "reserve_a_core_for_the_gui"]
