"""Independent trainings of one test side by side: each trains on one thread, as the quality
targets were measured, so two processes on two cores give the same reports in half the time."""
from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor


def reports_side_by_side(function, arguments: list) -> list:
    """``[function(a) for a in arguments]``, each call in a fresh process (spawned, not forked:
    torch and Qt do not survive a fork); ``function`` must be importable at module level."""
    workers = max(1, min(len(arguments), os.cpu_count() or 1))
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        return list(pool.map(function, arguments))
