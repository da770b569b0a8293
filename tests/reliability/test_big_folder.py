"""A big folder of tiny images (20,000 here; 100,000 with scripts/reliability/big_folder.py):
every good image loads, every bad one is skipped with its reason, and the memory of the
loading process stays bounded by the size of the result, not of the folder's files."""
from __future__ import annotations

import importlib.util
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "reliability" / "big_folder.py"
N = 20_000
MB = 1024 * 1024


def load_script():
    spec = importlib.util.spec_from_file_location("big_folder", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_big_folder_loads_with_bounded_memory():
    big = load_script()
    r = big.run(N, image_size=32)
    print("\n" + big.summary(r))
    assert r["bad"] == N // big.BAD_EVERY
    for run in ("cold", "warm"):
        x = r[run]
        assert x["loaded"] == N - r["bad"] and x["skipped"] == r["bad"], run
        assert x["reasons"] == ["truncated or corrupt image"], run
        assert x["dataset_bytes"] == x["loaded"] * 32 * 32 * 3
        # the result itself, a few transient copies of it, and a fixed overhead: no more
        assert x["peak_rss"] - r["baseline_rss"] < 3 * x["dataset_bytes"] + 300 * MB, run
        assert x["peak_rss"] < 1536 * MB, run
    assert r["cold"]["images_per_s"] > 500  # a hang or a quadratic step would show here
