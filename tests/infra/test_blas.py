"""The desktop app keeps a core for its GUI thread from numpy's BLAS (see infra.blas)."""
from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
from threadpoolctl import threadpool_info

from latent_explorer.infra.blas import gui_blas_threads, reserve_a_core_for_the_gui


def blas_threads() -> list[int]:
    return [p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"]


def test_every_core_but_one_and_never_none():
    assert [gui_blas_threads(c) for c in (1, 2, 4, 16)] == [1, 1, 3, 15]


def test_the_limit_holds_for_numpy_until_restored(monkeypatch):
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "1")  # recorded as it was, to be put back after the test
    monkeypatch.delenv("OPENBLAS_NUM_THREADS")
    np.ones((64, 64)) @ np.ones((64, 64))  # BLAS loaded
    before = blas_threads()
    assert before
    limiter = reserve_a_core_for_the_gui(cores=2)
    try:
        assert blas_threads() == [1] * len(before)
        a = np.random.default_rng(0).normal(size=(300, 300))
        assert np.allclose(a @ np.linalg.inv(a), np.eye(300), atol=1e-6)  # still computes
    finally:
        limiter.restore_original_limits()
    assert blas_threads() == before


def test_a_blas_library_loaded_later_starts_within_the_limit():
    code = ("import json, os; os.environ.pop('OPENBLAS_NUM_THREADS', None)\n"
            "from latent_explorer.infra.blas import reserve_a_core_for_the_gui\n"
            "reserve_a_core_for_the_gui(cores=3)\n"
            "import scipy.linalg\n"
            "from threadpoolctl import threadpool_info\n"
            "print(json.dumps([(p['filepath'], p['num_threads']) for p in threadpool_info() if p['user_api'] == 'blas']))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    libraries = json.loads(done.stdout)
    assert len(libraries) >= 2 and all(n == 2 for _, n in libraries), libraries  # numpy's and scipy's
