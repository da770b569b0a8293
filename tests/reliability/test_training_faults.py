"""Training that runs out of memory: a batch too large for the memory there is. Real
allocation failures — the training process gets an address-space limit (RLIMIT_AS) — not a
mock. Training stops with a message that says what to do, the last good weights are kept, and
it resumes with a smaller batch. (NaN/inf loss and cancel mid-epoch: tests/training.)"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs RLIMIT_AS and /proc")

CHILD = textwrap.dedent(
    """
    import copy, json, os, resource
    import numpy as np
    from latent_explorer.data.dataset import Dataset
    from latent_explorer.models.config import ModelConfig
    from latent_explorer.infra.tasks import run_task
    from latent_explorer.training.trainer import Trainer

    def address_space():
        return int(open("/proc/self/statm").read().split()[0]) * os.sysconf("SC_PAGE_SIZE")

    rng = np.random.default_rng(0)
    ds = Dataset(images=rng.integers(0, 255, (264, 128, 128, 1), np.uint8))
    cfg = ModelConfig(kind="vae", latent_dim=8, image_size=128, channels=1, width=32)
    train, val = np.arange(256), np.arange(256, 264)
    good = run_task(Trainer(cfg, epochs=1, batch_size=8, threads=1).fit(ds, train[:16], val))
    # from here on, 300 MB more than this process has: plenty for batches of 8, not of 256
    limit = address_space() + 300 * 2**20
    resource.setrlimit(resource.RLIMIT_AS, (limit, resource.RLIM_INFINITY))
    big = run_task(Trainer(cfg, epochs=2, batch_size=256, threads=1).fit(ds, train, val, state=copy.deepcopy(good.state)))
    kept = all(np.array_equal(big.state.model[k], v) for k, v in good.state.model.items())
    epoch = big.state.epoch
    small = run_task(Trainer(cfg, epochs=2, batch_size=8, threads=1).fit(ds, train[:16], val, state=big.state))
    print(json.dumps({"status": big.status, "message": big.message, "kept": kept,
                      "epoch": epoch, "after": small.status, "after_epoch": small.state.epoch}))
    """
)


def test_a_batch_too_large_for_memory_stops_with_a_message_and_keeps_the_weights():
    done = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True,
                          env=os.environ.copy(), timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["status"] == "out-of-memory"
    assert out["message"] == ("training stopped at epoch 2: out of memory with batches of 256 images "
                              "(try a smaller batch size); the last good weights are kept")
    assert out["kept"] and out["epoch"] == 1
    assert out["after"] == "finished" and out["after_epoch"] == 2
