"""Property test of the image loader on hostile bytes: random files, and real PNG/JPEG/GIF/TIFF/…
files mutated (bytes flipped, inserted, deleted, cut, absurd declared sizes). ``decode_image``
returns a correct array or raises ImageSkip with one of its documented reasons — nothing else,
never a hang."""
from __future__ import annotations

import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from latent_explorer.data.images import ImageSkip, decode_image
from tests.reliability.fuzz_inputs import (
    SKIP_PREFIXES, decode_or_skip, hostile_files, image_seeds, set_declared_size)

SEEDS = image_seeds()
EXAMPLES = 1500
SLOWEST_S = 10.0  # far above any real decode of these tiny files: anything slower is a hang
stats = {"n": 0, "loaded": 0, "skipped": 0, "slowest": 0.0}


def check(path, data: bytes, size: int) -> None:
    path.write_bytes(data)
    t0 = time.perf_counter()
    stats[decode_or_skip(path, size)] += 1  # anything but an image or a skip fails here
    took = time.perf_counter() - t0
    stats["n"] += 1
    stats["slowest"] = max(stats["slowest"], took)
    assert took < SLOWEST_S, f"decoding took {took:.1f} s"


@pytest.fixture(scope="module")
def fuzz_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("fuzz") / "input.img"
    yield path
    print(f"\nloader fuzz: {stats['n']} inputs, {stats['loaded']} loaded, {stats['skipped']} "
          f"skipped with a reason, slowest {stats['slowest'] * 1000:.0f} ms")


@pytest.mark.timeout(300)
@pytest.mark.filterwarnings("ignore")
@settings(max_examples=EXAMPLES, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=hostile_files(), size=st.sampled_from([1, 7, 16]))
def test_hostile_bytes_load_or_skip_with_a_reason(fuzz_file, data, size):
    check(fuzz_file, data, size)


def test_every_seed_loads_intact(tmp_path):
    """The unmutated seeds are valid: the fuzz starts from files that really load."""
    for name, data in SEEDS.items():
        (tmp_path / name).write_bytes(data)
        assert decode_image(tmp_path / name, 8).shape == (8, 8, 3), name


@pytest.mark.parametrize("w,h,reason", [
    (20000, 20000, "too large: 20000×20000 pixels"),
    (0, 10, "not an image"),
    (2**31 - 1, 2**31 - 1, "too large"),
])
def test_absurd_declared_sizes_are_skipped_at_once(tmp_path, w, h, reason):
    for name in ("png", "gif-animated", "bmp"):
        if w == 0 and name == "gif-animated":
            continue  # a GIF's screen size is advisory: its first frame, intact, still loads
        path = tmp_path / name
        path.write_bytes(set_declared_size(SEEDS[name], w, h))
        t0 = time.perf_counter()
        with pytest.raises(ImageSkip) as info:
            decode_image(path, 8)
        assert time.perf_counter() - t0 < 1.0
        assert info.value.reason.startswith(SKIP_PREFIXES), (name, info.value.reason)
        if name == "png":
            assert info.value.reason.startswith(reason), info.value.reason
