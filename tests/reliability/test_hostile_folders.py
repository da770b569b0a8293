"""Hostile folders beyond tests/data/test_folder.py (which covers the zoo of odd files: empty,
truncated, text as .jpg, bomb, 16-bit, CMYK, palette, RGBA, EXIF, GIF, non-UTF-8 names, link
loops, FIFOs): very deep nesting, paths beyond the system limit, files deleted or rewritten
while the folder loads, a read-only folder, and the whole zoo through ``scan --json``."""
from __future__ import annotations

import io
import json
import os
import random
import subprocess
import sys
import threading

import numpy as np
import pytest
from PIL import Image

from latent_explorer.cli.main import main
from latent_explorer.data.cache import DecodeCache
from tests.folders import load_folder_sync
from tests.data.test_folder import build_hostile
from tests.reliability.mounts import remount_read_only, tmpfs

LINUX = sys.platform.startswith("linux")
RED, BLUE = (220, 20, 20), (20, 20, 220)
_buf = io.BytesIO()
Image.fromarray(np.random.default_rng(0).integers(0, 255, (32, 32, 3), np.uint8)).save(_buf, "PNG")
NOISE = _buf.getvalue()


def png(colour, size=(12, 12)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, colour).save(buf, "PNG")
    return buf.getvalue()


def test_very_deep_nesting(tmp_path):
    deep = tmp_path / "root" / os.path.join(*["d"] * 400)
    deep.mkdir(parents=True)
    (deep / "x.png").write_bytes(png(RED))
    ds = load_folder_sync(tmp_path / "root", 8, cache=False)
    assert ds.paths == ["d/" * 400 + "x.png"] and ds.label_names == ["d"]
    assert tuple(ds.images[0, 0, 0]) == RED and ds.skipped == []


@pytest.mark.skipif(not LINUX, reason="PATH_MAX is a Linux matter")
def test_paths_beyond_the_system_limit_are_skipped_with_a_reason(tmp_path):
    root = tmp_path / "root"
    root.mkdir()
    (root / "ok.png").write_bytes(png(RED))
    fd = os.open(root, os.O_RDONLY)
    try:  # 25 levels of 200-character names: over 4,096 bytes, built relative to each level
        for _ in range(25):
            os.mkdir("n" * 200, dir_fd=fd)
            child = os.open("n" * 200, os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = child
        with os.fdopen(os.open("deep.png", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd), "wb") as f:
            f.write(png(BLUE))
    finally:
        os.close(fd)
    ds = load_folder_sync(root, 8, cache=False)
    assert ds.paths == ["ok.png"]
    assert len(ds.skipped) == 1 and "name too long" in ds.skipped[0].reason, ds.skipped


def test_files_deleted_or_rewritten_between_scan_and_decode(tmp_path):
    root = tmp_path / "imgs"
    root.mkdir()
    for i in range(40):
        (root / f"{i:02d}.png").write_bytes(png(RED))
    cache = DecodeCache(tmp_path / "cache")
    changed = []

    def meddle(progress):  # the folder is scanned, nothing is decoded yet
        if progress.message.startswith("Decoding") and not changed:
            for i in range(0, 40, 4):
                os.unlink(root / f"{i:02d}.png")
            for i in range(1, 40, 4):
                (root / f"{i:02d}.png").write_bytes(NOISE[: len(NOISE) // 2])  # cut short
            for i in range(2, 40, 4):
                (root / f"{i:02d}.png").write_bytes(png(BLUE, (20, 20)))  # another picture
            changed.append(True)

    ds = load_folder_sync(root, 8, cache=cache, workers=2, on_progress=meddle)
    reasons = {s.path: s.reason for s in ds.skipped}
    assert {p for p, r in reasons.items() if r == "file disappeared during the scan"} == {
        f"{i:02d}.png" for i in range(0, 40, 4)}
    assert {p for p, r in reasons.items() if r.startswith("truncated or corrupt image")} == {
        f"{i:02d}.png" for i in range(1, 40, 4)}
    colour = {p: tuple(ds.images[k, 4, 4]) for k, p in enumerate(ds.paths)}
    assert len(colour) == 20 and all(colour[f"{i:02d}.png"] == BLUE for i in range(2, 40, 4))
    assert all(colour[f"{i:02d}.png"] == RED for i in range(3, 40, 4))

    # reopened (same cache): deleted files are gone, rewritten ones are read afresh
    (root / "01.png").write_bytes(png(BLUE))
    again = load_folder_sync(root, 8, cache=cache, workers=2)
    assert len(again) == 21 and f"{0:02d}.png" not in again.paths
    assert tuple(again.images[again.paths.index("01.png"), 4, 4]) == BLUE
    assert {s.path for s in again.skipped} == {f"{i:02d}.png" for i in range(5, 40, 4)}


def test_files_changing_all_the_time_while_loading(tmp_path):
    """A folder other programs keep changing: deleting, re-creating, rewriting in place."""
    root = tmp_path / "busy"
    root.mkdir()
    names = [f"{i:04d}.png" for i in range(1500)]
    red, blue = png(RED), png(BLUE)
    for n in names:
        (root / n).write_bytes(red)
    stop = threading.Event()

    def churn():
        rnd = random.Random(0)
        while not stop.is_set():
            path = root / rnd.choice(names)
            try:
                if rnd.random() < 0.5:
                    path.unlink()
                else:
                    path.write_bytes(rnd.choice([red, blue]))
            except OSError:
                pass

    allowed = ("file disappeared", "truncated or corrupt", "empty file", "not an image")
    for _ in range(3):
        worker = threading.Thread(target=churn)
        worker.start()
        try:
            ds = load_folder_sync(root, 8, cache=DecodeCache(tmp_path / "cache"), workers=2)
        finally:
            stop.set()
            worker.join()
        stop.clear()
        assert all(s.reason.startswith(allowed) for s in ds.skipped), ds.skipped
        assert not set(ds.paths) & {s.path for s in ds.skipped}
        corner = ds.images[:, 4, 4]
        assert all(tuple(c) in (RED, BLUE) for c in corner)  # never half of one file


def test_read_only_folder(tmp_path):
    with tmpfs(tmp_path / "ro", 1024 * 1024) as disk:
        (disk / "a").mkdir()
        (disk / "a" / "1.png").write_bytes(png(RED))
        (disk / "a" / "2.png").write_bytes(png(BLUE))
        (disk / "bad.png").write_bytes(b"")
        remount_read_only(disk)
        for cache in (DecodeCache(tmp_path / "cache"), DecodeCache(disk / "cache"), False):
            ds = load_folder_sync(disk, 8, cache=cache)  # a cache inside: cannot be written
            assert ds.paths == ["a/1.png", "a/2.png"] and ds.label_names == ["a"]
            assert [(s.path, s.reason) for s in ds.skipped] == [("bad.png", "empty file (0 bytes)")]
        assert sorted(os.listdir(disk)) == ["a", "bad.png"]


def test_scan_json_shows_every_skip_with_its_reason(tmp_path, capsys):
    root = tmp_path / "hostile"
    expected = build_hostile(root)
    try:
        assert main(["scan", str(root), "--json", "--image-size", "16"]) == 0
        out = json.loads(capsys.readouterr().out)
    finally:
        if (root / "shut").exists():
            os.chmod(root / "shut", 0o755)
    assert out["n_images"] == len(expected["loaded"])
    got = {s["path"]: s["reason"] for s in out["skipped"]}
    assert set(got) == set(expected["skips"])
    for path, start in expected["skips"].items():
        assert got[path].startswith(start), (path, got[path])


def test_scan_json_on_a_stdout_that_is_not_utf8(tmp_path):
    (tmp_path / "日本").mkdir()
    (tmp_path / "日本" / "café.png").write_bytes(png(RED))
    done = subprocess.run([sys.executable, "-m", "latent_explorer", "scan", str(tmp_path), "--json"],
                          capture_output=True, text=True, env={**os.environ, "PYTHONIOENCODING": "ascii"})
    assert done.returncode == 0, done.stderr[-300:]
    assert json.loads(done.stdout)["labels"] == ["日本"]
