"""Images out of RAM (#17): a folder's decoded images are the cache's pack, memory-mapped, and
training and encoding read them a batch at a time, never all at once."""
from __future__ import annotations

import os
import subprocess
import sys
import tracemalloc

import numpy as np
import pytest

from latent_explorer.analysis.latent.latents import encode_dataset
from latent_explorer.data.cache import DecodeCache
from latent_explorer.data.dataset import Dataset
from latent_explorer.infra.tasks import run_task
from latent_explorer.models.config import ModelConfig
from latent_explorer.models.registry import build_model
from latent_explorer.training.split import make_split
from latent_explorer.training.trainer import Trainer
from tests.folders import load_folder_sync
from tests.photo_folder import build_photo_folder

SIZE = 64


def mapped(a) -> bool:
    while isinstance(a, np.ndarray) and not isinstance(a, np.memmap):
        a = a.base
    return isinstance(a, np.memmap)


@pytest.fixture(scope="module")
def photos(tmp_path_factory):
    root = build_photo_folder(tmp_path_factory.mktemp("photos"), per_class=500)  # 1,000 JPEGs
    cache = DecodeCache(tmp_path_factory.mktemp("cache"))
    cold = load_folder_sync(root, SIZE, "rgb", cache=cache)
    return root, cache, cold


def test_cold_and_warm_loads_map_the_pack(photos):
    root, cache, cold = photos
    warm = load_folder_sync(root, SIZE, "rgb", cache=DecodeCache(cache.directory))
    assert len(cold) == len(warm) == 1000
    assert mapped(cold.images) and mapped(warm.images) and not warm.images.flags.writeable
    assert np.array_equal(cold.images, warm.images)
    assert np.array_equal(warm.images, load_folder_sync(root, SIZE, "rgb", cache=False).images)


def test_training_and_encoding_never_copy_all_images(photos):
    root, cache, _ = photos
    dataset = load_folder_sync(root, SIZE, "rgb", cache=DecodeCache(cache.directory))
    assert mapped(dataset.images)
    pack = dataset.images.nbytes  # 12.3 MB
    train_idx, val_idx = make_split(len(dataset), dataset.labels, 0.2, 0)
    config = ModelConfig(kind="vae", latent_dim=4, image_size=SIZE, channels=3, width=4)

    def train(data: Dataset, train_idx, val_idx) -> str:
        return run_task(Trainer(config, epochs=1, batch_size=16, seed=0, threads=1).fit(
            data, train_idx, val_idx)).status

    def encode(data: Dataset) -> tuple:
        return encode_dataset(build_model(config), data, batch_size=16).mean.shape

    small = Dataset(images=np.array(dataset.images[:40]))
    train(small, np.arange(32), np.arange(32, 40))  # what torch imports on first use is not traced
    encode(small)
    peaks = {}
    tracemalloc.start()  # numpy reports its buffers to tracemalloc: a whole copy would show
    try:
        for stage, run in (("train", lambda: train(dataset, train_idx, val_idx)), ("encode", lambda: encode(dataset))):
            tracemalloc.reset_peak()
            start = tracemalloc.get_traced_memory()[0]
            out = run()
            peaks[stage] = tracemalloc.get_traced_memory()[1] - start
            assert out == ("finished" if stage == "train" else (1000, 4))
    finally:
        tracemalloc.stop()
    for stage, peak in peaks.items():  # a batch of 16 images as float32 is 0.8 MB
        assert peak < pack / 4, f"{stage}: {peak / 1e6:.1f} MB of numpy memory at peak, the images are {pack / 1e6:.1f} MB"


def test_shuffled_batches_equal_plain_indexing(photos):
    from latent_explorer.data.dataset import gather

    images = photos[2].images
    idx = np.random.default_rng(0).permutation(len(images))[:50]
    assert np.array_equal(gather(images, idx), np.asarray(images)[idx])
    expected = np.asarray(images)[idx].transpose(0, 3, 1, 2).astype(np.float32) / 255.0
    assert np.array_equal(photos[2].images_float(idx), expected)


ENCODE_CHILD = """
import sys
import numpy as np
import torch
from latent_explorer.analysis.latent.latents import encode_dataset
from latent_explorer.data.dataset import Dataset
from latent_explorer.models.config import ModelConfig
from latent_explorer.models.registry import build_model

def anon_mb():
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("RssAnon:")) / 1024

torch.set_num_threads(2)
n = int(sys.argv[1])
images = np.random.default_rng(0).integers(0, 256, (n, 64, 64, 3), dtype=np.uint8)
model = build_model(ModelConfig(kind="vae", latent_dim=16, image_size=64, channels=3, width=8))
encode_dataset(model, Dataset(images=images[:300]))  # torch's own first-use allocations
before = anon_mb()
z = encode_dataset(model, Dataset(images=images))
print(z.mean.shape[0], anon_mb() - before)
"""


def kept_after_encoding(n: int) -> float:
    done = subprocess.run([sys.executable, "-c", ENCODE_CHILD, str(n)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    encoded, kept = done.stdout.split()[-2:]
    assert int(encoded) == n
    return float(kept)


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="reads Linux's /proc")
def test_encoding_a_folder_keeps_no_memory_per_image():
    """Encoding kept small per-batch arrays between each batch's freed buffers: glibc could not
    reuse them, and the process held a float copy of every image afterwards (4,988 MB
    anonymous at 100,000 images of 64 px; 449 MB at 10,000). Measured in fresh processes at two
    folder sizes: what a process keeps at all depends on the machine (its cores, its allocator's
    arenas: -12 to 36 MB here, 41 MB on CI at 3,000 images), what it keeps per image must not."""
    small, large = kept_after_encoding(1000), kept_after_encoding(9000)
    extra = large - small
    assert extra < 100, (
        f"{extra:.0f} MB more kept after encoding 9,000 images than 1,000 ({small:.0f} vs {large:.0f} MB; "
        "a float copy of the 8,000 more is 393 MB)"
    )
