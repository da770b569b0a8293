"""The decode cache under damage the existing tests (tests/data/test_cache.py: garbage pack,
garbage index, foreign decoder, wrong shape) do not cover: a pack cut short, an index that
points outside the cache, and the leftovers of a cache write that was killed."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest
from PIL import Image

from latent_explorer.data.cache import DecodeCache
from tests.folders import load_folder_sync
from latent_explorer.data.images import decode_image


def make_folder(root, n=12):
    root.mkdir()
    rng = np.random.default_rng(1)
    for i in range(n):
        Image.fromarray(rng.integers(0, 255, (16, 16, 3), np.uint8)).save(root / f"{i:02d}.png")
    return root


def load(root, cache_dir):
    return load_folder_sync(root, image_size=8, cache=DecodeCache(cache_dir), workers=1)


def truth(root):
    return np.stack([decode_image(root / f"{i:02d}.png", 8) for i in range(12)])


def test_a_pack_cut_short_is_rebuilt(tmp_path):
    root, cdir = make_folder(tmp_path / "imgs"), tmp_path / "cache"
    load(root, cdir)
    npy = next(cdir.glob("*.npy"))
    npy.write_bytes(npy.read_bytes()[:-500])  # the header still claims every row
    np.testing.assert_array_equal(load(root, cdir).images, truth(root))
    rebuilt = next(cdir.glob("*.npy"))
    assert rebuilt.stat().st_size == 128 + 12 * 8 * 8 * 3  # the whole pack again
    np.testing.assert_array_equal(load(root, cdir).images, truth(root))


def test_an_index_pointing_outside_the_cache_is_not_followed(tmp_path):
    root, cdir = make_folder(tmp_path / "imgs"), tmp_path / "cache"
    load(root, cdir)
    outside = tmp_path / "outside.npy"
    np.save(outside, np.full((12, 8, 8, 3), 255, np.uint8))  # all white: would show if read
    index = next(cdir.glob("*.json"))
    meta = json.loads(index.read_text())
    for bad in ("../outside.npy", str(outside), meta["data"].replace("-", "/../../outside-")):
        meta["data"] = bad
        index.write_text(json.dumps(meta))
        np.testing.assert_array_equal(load(root, cdir).images, truth(root))
        meta = json.loads(index.read_text())  # rebuilt: a fresh, valid index


WRITER = textwrap.dedent(
    """
    import sys
    import numpy as np
    from latent_explorer.data.cache import DecodeCache
    class Entry:
        def __init__(self, i, k):
            self.abs_path, self.size, self.mtime_ns = f"/big/{i}.png", 1, k
    image = np.zeros((64, 64, 3), np.uint8)
    cache = DecodeCache(sys.argv[1])
    print("ready", flush=True)
    k = 0
    while True:  # a 24 MB pack, its files "edited" each time: rewritten again and again
        k += 1
        entries = [Entry(i, k) for i in range(2000)]
        cache.store("/big", 64, entries, {i: image for i in range(len(entries))})
    """
)


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_leftovers_of_a_killed_cache_write_are_removed(tmp_path):
    cdir = tmp_path / "cache"
    leftovers: list[str] = []
    for attempt in range(10):
        proc = subprocess.Popen([sys.executable, "-c", WRITER, str(cdir)], stdout=subprocess.PIPE,
                                text=True, env=os.environ.copy())
        assert proc.stdout.readline().strip() == "ready"
        time.sleep(0.3 + 0.1 * attempt)
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=30)
        leftovers = [n for n in os.listdir(cdir) if n.endswith(".tmp")]
        if leftovers:
            break
    assert leftovers, "no kill landed in the middle of a write"
    root = make_folder(tmp_path / "imgs")
    load(root, cdir)  # a fresh leftover may belong to a live writer: kept for now
    assert all((cdir / n).exists() for n in leftovers)
    hours_ago = time.time() - 2 * 3600
    for n in leftovers:
        os.utime(cdir / n, (hours_ago, hours_ago))
    (root / "00.png").touch()  # a change, so the next load writes the cache (and prunes it)
    np.testing.assert_array_equal(load(root, cdir).images, truth(root))
    assert not [n for n in os.listdir(cdir) if n.endswith(".tmp")]


def test_clear_removes_leftovers_too(tmp_path):
    cdir = tmp_path / "cache"
    cdir.mkdir()
    (cdir / ".0123abcd.json.0123456789ab.tmp").write_bytes(b"{")
    (cdir / ".0123abcd-00ff.npy.0123456789ab.tmp").write_bytes(b"\x93NUMPY")
    DecodeCache(cdir).clear()
    assert os.listdir(cdir) == []
