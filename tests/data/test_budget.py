"""The pre-load estimate of disk and memory, and the refusal that says the numbers."""
from __future__ import annotations

import pytest

from latent_explorer.data import budget
from latent_explorer.errors import UserError

GB = 1024**3


def test_estimate_counts_the_pack_and_what_stays_in_memory():
    est = budget.estimate(10_000, 64)
    assert est.pack_bytes == 10_000 * 64 * 64 * 3 + 128 == est.disk_bytes
    assert 64 * 1024**2 < est.working_bytes < GB  # the model, a batch and bookkeeping: not the pixels
    assert est.in_memory_bytes == est.working_bytes + est.pack_bytes
    assert budget.estimate(10_000, 64, on_disk=True).disk_bytes == 0  # the pack is already there
    grey = budget.estimate(10_000, 64, grey=True)
    assert grey.disk_bytes == est.pack_bytes + 10_000 * 64 * 64 + 128
    # the working memory grows with the model and one batch, not with the folder's pixels
    big = budget.estimate(1_000_000, 64)
    assert big.working_bytes - est.working_bytes == 990_000 * budget.PER_IMAGE_BYTES
    assert budget.estimate(10_000, 128).working_bytes > est.working_bytes


def test_plan_prefers_the_disk_then_memory():
    est = budget.estimate(10_000, 64)  # about 117 MB of pixels
    assert budget.plan(est, disk_free=100 * GB, memory=8 * GB, cache_dir="/c") == "disk"
    assert budget.plan(est, disk_free=None, memory=None, cache_dir="/c") == "disk"  # unknown: try
    assert budget.plan(est, disk_free=1024**2, memory=8 * GB, cache_dir="/c") == "memory"
    assert budget.plan(est, disk_free=100 * GB, memory=8 * GB, cache_dir=None) == "memory"
    on_disk = budget.estimate(10_000, 64, on_disk=True)
    assert budget.plan(on_disk, disk_free=0, memory=8 * GB, cache_dir="/c") == "disk"


def test_refusal_when_neither_disk_nor_memory_holds_the_images():
    est = budget.estimate(1_000_000, 128)  # 45.8 GB of pixels
    with pytest.raises(UserError) as err:
        budget.plan(est, disk_free=2 * GB, memory=4 * GB, cache_dir="/cache")
    text = str(err.value)
    assert "1,000,000 decoded images at 128 px" in text
    assert "45.8 GB on disk" in text and "/cache has 2.0 GB free" in text
    assert "4.0 GB is available" in text
    assert "smaller image size (32 px needs about" in text  # 64 px would not fit in 4 GB either
    assert "free disk space" in text and "LATENT_EXPLORER_CACHE_DIR" in text


def test_refusal_when_the_model_and_a_batch_do_not_fit():
    est = budget.estimate(1000, 128, on_disk=True)
    with pytest.raises(UserError, match=r"not enough memory to work on 1,000 images at 128 px: about "
                                        r"[\d.]+ [MG]B is needed .* and 100.0 MB is available"):
        budget.plan(est, disk_free=100 * GB, memory=100 * 1024**2, cache_dir="/c")


def test_the_machine_figures_are_read():
    free = budget.disk_free("/nonexistent/folder/below/root")  # the nearest existing parent
    memory = budget.available_memory()
    assert free is None or free > 0
    assert memory is None or memory > 0
    assert budget.size_text(1536) == "1.5 KB" and budget.size_text(3 * GB) == "3.0 GB"
