"""DecodeCache: reopening hits the cache, edits are re-decoded, damage is survived."""
from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import latent_explorer.data.folder as folder_mod
from latent_explorer.data import cache as cache_mod
from latent_explorer.data.cache import ENV_VAR, DecodeCache, default_cache_dir
from tests.folders import load_folder_sync
from latent_explorer.data.scan import scan_folder


@pytest.fixture(autouse=True)
def private_cache_env(tmp_path, monkeypatch):
    """Never touch the user's real cache, even through DecodeCache()."""
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "env-cache"))


@pytest.fixture
def counted(monkeypatch):
    """Count calls to decode_image made by the folder loader."""
    calls: list[str] = []
    real = folder_mod.decode_image

    def counting(path, size):
        calls.append(os.fsdecode(path))
        return real(path, size)

    monkeypatch.setattr(folder_mod, "decode_image", counting)
    return calls


def make_folder(root: Path, n: int = 10) -> Path:
    (root / "a").mkdir(parents=True)
    (root / "b").mkdir()
    rng = np.random.default_rng(0)
    for i in range(n):
        sub = "a" if i % 2 else "b"
        Image.fromarray(rng.integers(0, 255, (20, 24, 3), np.uint8)).save(root / sub / f"{i:02d}.png")
    (root / "broken.png").write_text("not an image")
    return root


def load(root, cache, **kw):
    return load_folder_sync(root, image_size=8, cache=cache, workers=2, **kw)


def packs(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


def test_second_load_hits_the_cache(tmp_path, counted):
    root = make_folder(tmp_path / "imgs")
    cache = DecodeCache(tmp_path / "c")
    first = load(root, cache)
    assert len(counted) == 11 and len(first) == 10
    written = packs(tmp_path / "c")
    assert len(written) == 2 and not any(n.startswith(".tmp") for n in written)
    counted.clear()
    second = load(root, DecodeCache(tmp_path / "c"))  # a fresh instance: read from disk
    assert counted == []  # nothing decoded, not even the known-bad file
    assert np.array_equal(first.images, second.images) and first.paths == second.paths
    assert [s.to_dict() for s in first.skipped] == [s.to_dict() for s in second.skipped]
    assert packs(tmp_path / "c") == written  # unchanged pack is not rewritten
    assert not second.images.flags.writeable  # the cache's pack itself, read-only: no copy
    assert mapped(second.images) and mapped(first.images)  # the cold load's result is the pack too


def mapped(a) -> bool:
    while isinstance(a, np.ndarray) and not isinstance(a, np.memmap):
        a = a.base
    return isinstance(a, np.memmap)


def test_modified_file_is_decoded_again(tmp_path, counted):
    root = make_folder(tmp_path / "imgs")
    cache = DecodeCache(tmp_path / "c")
    load(root, cache)
    target = root / "a" / "01.png"
    Image.new("RGB", (20, 20), (255, 0, 0)).save(target)
    st = os.stat(target)
    os.utime(target, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))
    (root / "b" / "new.png").write_bytes((root / "b" / "00.png").read_bytes())
    os.remove(root / "b" / "02.png")
    counted.clear()
    ds = load(root, cache)
    assert sorted(Path(p).name for p in counted) == ["01.png", "new.png"]
    assert tuple(ds.images[ds.paths.index("a/01.png")][0, 0]) == (255, 0, 0)
    assert "b/02.png" not in ds.paths and len(ds) == 10
    counted.clear()
    assert np.array_equal(load(root, DecodeCache(tmp_path / "c")).images, ds.images)
    assert counted == []


def test_corrupt_pack_or_index_is_rebuilt(tmp_path, counted):
    root = make_folder(tmp_path / "imgs")
    cdir = tmp_path / "c"
    good = np.array(load(root, DecodeCache(cdir)).images)  # a copy: the damage below hits the mapped file
    for damage in ("npy", "json", "foreign", "shape"):
        npy = next(cdir.glob("*.npy"))
        index = next(cdir.glob("*.json"))
        if damage == "npy":
            npy.write_bytes(b"garbage" * 10)
        elif damage == "json":
            index.write_text("{not json")
        elif damage == "foreign":
            meta = json.loads(index.read_text())
            meta["decoder"] = -1
            index.write_text(json.dumps(meta))
        else:
            np.save(npy, np.zeros((3, 8, 8, 3), np.uint8))
        counted.clear()
        assert np.array_equal(load(root, DecodeCache(cdir)).images, good), damage
        assert len(counted) == 11, damage  # everything decoded again...
        counted.clear()
        load(root, DecodeCache(cdir))
        assert counted == [], damage  # ...and the pack rebuilt
        assert len(list(cdir.glob("*.npy"))) == 1


def test_unwritable_cache_just_means_no_cache(tmp_path, counted):
    root = make_folder(tmp_path / "imgs", n=4)
    (tmp_path / "file").write_text("a file where the cache folder should be")
    cache = DecodeCache(tmp_path / "file" / "cache")
    assert len(load(root, cache)) == 4
    assert len(load(root, cache)) == 4
    assert len(counted) == 10  # decoded both times, no crash


def test_failed_write_leaves_no_temp_files(tmp_path, monkeypatch):
    root = make_folder(tmp_path / "imgs", n=4)
    scan = scan_folder(root)
    cache = DecodeCache(tmp_path / "c")

    def boom(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(cache_mod.os, "fsync", boom)
    img = np.zeros((8, 8, 3), np.uint8)
    assert cache.store(scan.root, 8, scan.files, {0: img, 1: img}) is False
    assert list((tmp_path / "c").iterdir()) == []
    monkeypatch.undo()
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "env-cache"))
    assert cache.store(scan.root, 8, scan.files, {0: img, 1: img}, {2: "not an image"}) is True
    hits = cache.lookup(scan.root, 8, scan.files)
    assert sorted(hits) == [0, 1] and cache.lookup_skips(scan.root, 8, scan.files) == {2: "not an image"}
    assert cache.lookup(scan.root, 16, scan.files) == {}  # another size is another pack


def test_transient_reasons_are_not_cached(tmp_path, counted, monkeypatch):
    root = make_folder(tmp_path / "imgs", n=2)
    real = folder_mod.decode_image

    def flaky(path, size):
        if os.fsdecode(path).endswith("00.png"):
            raise folder_mod.ImageSkip("unreadable: permission denied")
        return real(path, size)

    monkeypatch.setattr(folder_mod, "decode_image", flaky)
    assert len(load(root, DecodeCache(tmp_path / "c"))) == 1
    monkeypatch.setattr(folder_mod, "decode_image", real)
    assert len(load(root, DecodeCache(tmp_path / "c"))) == 2


def test_default_directory_follows_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "elsewhere"))
    assert DecodeCache().directory == tmp_path / "elsewhere" == default_cache_dir()
    assert DecodeCache(tmp_path / "x").directory == tmp_path / "x"
    monkeypatch.delenv(ENV_VAR)
    assert default_cache_dir().name == "decoded"


def test_default_cache_is_used_when_none_given(tmp_path, counted):
    root = make_folder(tmp_path / "imgs", n=3)
    load_folder_sync(root, 8)
    counted.clear()
    load_folder_sync(root, 8)
    assert counted == [] and any((tmp_path / "env-cache").glob("*.npy"))


def test_pruning_keeps_the_cache_bounded(tmp_path):
    roots = [make_folder(tmp_path / f"imgs{i}", n=4) for i in range(3)]
    cache = DecodeCache(tmp_path / "c", max_bytes=1)  # everything but the newest pack goes
    for root in roots:
        load(root, cache)
    names = packs(tmp_path / "c")
    assert len(names) == 2 and names[0].split("-")[0] == names[1].split(".")[0]
    cache.clear()
    assert packs(tmp_path / "c") == []


def test_a_disk_filling_up_while_decoding_falls_back_to_memory(tmp_path, monkeypatch):
    from latent_explorer.data import pack_writer

    root = make_folder(tmp_path / "imgs", n=12)
    expected = load(root, False).images
    real = pack_writer.PackWriter.add

    def filling(self, rows):
        if self.count >= 5:
            raise OSError(28, "No space left on device")
        real(self, rows)

    monkeypatch.setattr(pack_writer.PackWriter, "add", filling)
    ds = load(root, DecodeCache(tmp_path / "c"))
    assert np.array_equal(ds.images, expected) and not mapped(ds.images)
    assert packs(tmp_path / "c") == []  # no pack, no temporary file left


def test_grey_folders_map_a_grey_copy_beside_the_pack(tmp_path):
    root = tmp_path / "g"
    root.mkdir()
    rng = np.random.default_rng(1)
    for i in range(6):
        Image.fromarray(rng.integers(0, 255, (10, 10), np.uint8)).convert("RGB").save(root / f"{i}.png")
    expected = load(root, False).images
    for attempt in range(2):  # written once, then mapped again
        ds = load(root, DecodeCache(tmp_path / "c"))
        assert ds.source["color"] == "grey" and mapped(ds.images)
        assert np.array_equal(ds.images, expected)
        assert sorted(p.split(".", 1)[1] for p in packs(tmp_path / "c")) == ["grey.npy", "json", "npy"]
    forced = load(root, DecodeCache(tmp_path / "c"), color="grey")
    assert np.array_equal(forced.images, expected) and mapped(forced.images)
