"""A folder of many tiny images: scan + decode speed and peak memory, measured in a fresh process.

    .venv/bin/python scripts/reliability/big_folder.py [--n 100000] [--image-size 32]
        [--workers N] [--keep DIR] [--json out.json]

Writes N small PNGs (8×8, in 100 labelled subfolders; every 1000th file truncated, so skipping
at scale is checked too), then loads the folder twice in a child process — cold (decoding
everything, writing the decode cache) and warm (from the cache) — and prints images/s and the
child's peak RSS (``ru_maxrss``) before and after loading. The test suite runs it on 20,000
images (tests/reliability/test_big_folder.py); docs/reliability.md has the 100,000 figures.
"""
from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BAD_EVERY = 1000
FOLDERS = 100

# Runs in the child: imports first (the baseline), then a cold and a warm load.
CHILD = r"""
import json, resource, sys, time
from latent_explorer.data.cache import DecodeCache
from latent_explorer.data.folder import load_folder
from latent_explorer.infra.tasks import run_task
root, size, workers, cache_dir = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
def peak():
    # VmHWM: this process's own high-water mark. ru_maxrss would also count the parent it was
    # forked from (Linux keeps the pre-exec peak), which is gigabytes inside a full test run.
    try:
        for line in open("/proc/self/status"):
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
out = {"baseline_rss": peak()}
for run in ("cold", "warm"):
    t0 = time.perf_counter()
    ds = run_task(load_folder(root, size, cache=DecodeCache(cache_dir), workers=workers))
    took = time.perf_counter() - t0
    out[run] = {"seconds": took, "loaded": len(ds), "skipped": len(ds.skipped),
                "images_per_s": (len(ds) + len(ds.skipped)) / took, "peak_rss": peak(),
                "dataset_bytes": int(ds.images.nbytes),
                "reasons": sorted({s.reason.split(":")[0] for s in ds.skipped})}
    del ds
print(json.dumps(out))
"""


def make_folder(root: Path, n: int) -> int:
    """N tiny PNGs (distinct colours) under ``root``; returns how many are deliberately bad."""
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(0)
    variants = []
    for _ in range(256):
        buf = io.BytesIO()
        Image.fromarray(rng.integers(0, 255, (8, 8, 3), np.uint8)).save(buf, "PNG")
        variants.append(buf.getvalue())
    for f in range(FOLDERS):
        (root / f"class{f:03d}").mkdir(parents=True, exist_ok=True)
    bad = 0
    for i in range(n):
        data = variants[i % len(variants)]
        if i % BAD_EVERY == BAD_EVERY - 1:
            data, bad = data[: len(data) // 2], bad + 1
        with open(root / f"class{i % FOLDERS:03d}" / f"img{i:06d}.png", "wb") as fh:
            fh.write(data)
    return bad


def measure(root: Path, image_size: int, workers: int) -> dict:
    cache_dir = tempfile.mkdtemp(prefix="lexp-bigcache-")
    try:
        done = subprocess.run(
            [sys.executable, "-c", CHILD, str(root), str(image_size), str(workers), cache_dir],
            capture_output=True, text=True, env=os.environ.copy(), cwd=str(ROOT), check=False)
        if done.returncode != 0:
            raise RuntimeError(f"the loading process failed:\n{done.stderr}")
        return json.loads(done.stdout.strip().splitlines()[-1])
    finally:
        shutil.rmtree(cache_dir, ignore_errors=True)


def run(n: int, image_size: int = 32, workers: int = 0, keep: str | None = None) -> dict:
    workers = workers or (os.cpu_count() or 1)
    top = Path(keep) if keep else Path(tempfile.mkdtemp(prefix="lexp-big-"))
    root = top / f"folder-{n}"
    try:
        t0 = time.perf_counter()
        if not root.exists():
            bad = make_folder(root, n)
        else:
            bad = n // BAD_EVERY
        made = time.perf_counter() - t0
        result = measure(root, image_size, workers)
        result.update(n=n, bad=bad, image_size=image_size, workers=workers, make_seconds=made)
        return result
    finally:
        if not keep:
            shutil.rmtree(top, ignore_errors=True)


def summary(r: dict) -> str:
    mb = 1024 * 1024
    lines = [f"{r['n']} files ({r['bad']} truncated), image size {r['image_size']}, "
             f"{r['workers']} workers; baseline RSS {r['baseline_rss'] / mb:.0f} MB"]
    for run_ in ("cold", "warm"):
        x = r[run_]
        lines.append(f"  {run_}: {x['loaded']} loaded, {x['skipped']} skipped in {x['seconds']:.1f} s "
                     f"= {x['images_per_s']:.0f} images/s; peak RSS {x['peak_rss'] / mb:.0f} MB "
                     f"(dataset {x['dataset_bytes'] / mb:.0f} MB)")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--image-size", type=int, default=32)
    ap.add_argument("--workers", type=int, default=0, help="decoding threads (default: one per core)")
    ap.add_argument("--keep", help="build the folder here and keep it (reused when present)")
    ap.add_argument("--json", help="also write the figures to this file")
    args = ap.parse_args(argv)
    r = run(args.n, args.image_size, args.workers, args.keep)
    print(summary(r))
    if args.json:
        Path(args.json).write_text(json.dumps(r, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
