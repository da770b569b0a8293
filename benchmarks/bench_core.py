"""Core timings (issue #3), measured side by side in one run; run it alone on a quiet machine.

    .venv/bin/python benchmarks/bench_core.py [--quick] [--json out.json]

- training: demo:digits with defaults (target ≤ 60 s on 2 cores) and demo:sprites (≤ 180 s),
  beside a bare 15-line torch loop over the same model, batch and data (ratio ≥ 0.95×).
- folder ingest: a folder of small PNGs, cold (parallel decode + cache write) and reopened from
  the cache, against a plain Pillow open/convert/resize loop.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def bench_training(name: str, quick: bool) -> dict:
    import torch

    from latent_explorer.data.sources import open_source
    from latent_explorer.models.conv import loss_terms
    from latent_explorer.models.registry import build_model
    from latent_explorer.pipeline import TrainOptions, train_dataset
    from latent_explorer.tasks import run_task

    spec = f"demo:{name}" + ("?n=1000" if quick and name == "sprites" else "")
    dataset = run_task(open_source(spec))
    epochs = 3 if quick else None
    opts = TrainOptions(seed=0, threads=1, epochs=epochs)
    t0 = time.perf_counter()
    ws = run_task(train_dataset(dataset, opts))
    ours = time.perf_counter() - t0
    steps_done = ws.train_state.epoch * int(np.ceil(len(ws.train_idx) / opts.batch_size))

    # the reference: a bare torch loop, same model, batch size, data and number of steps
    torch.manual_seed(0)
    model = build_model(ws.model_config)
    opt = torch.optim.Adam(model.parameters(), lr=opts.lr)
    x_all = torch.from_numpy(dataset.images_float(ws.train_idx))
    t0 = time.perf_counter()
    for step in range(steps_done):
        idx = torch.randint(0, len(x_all), (opts.batch_size,))
        loss, _, _ = loss_terms(model, x_all[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
    bare = time.perf_counter() - t0
    r = ws.report
    return {
        "source": spec, "epochs": r["epochs_run"], "steps": steps_done,
        "pipeline_seconds": round(ours, 2), "train_seconds": r["train_seconds"],
        "bare_loop_seconds": round(bare, 2),
        "throughput_ratio": round(bare / r["train_seconds"], 3),
        "knn_accuracy": r["knn_accuracy"], "pca_knn_accuracy": r["pca_knn_accuracy"],
        "attribute_r2": r["attribute_r2"],
    }


def bench_ingest(n: int) -> dict:
    from PIL import Image

    from latent_explorer.data.cache import DecodeCache
    from latent_explorer.data.folder import load_folder_sync

    tmp = Path(tempfile.mkdtemp())
    root = tmp / "imgs"
    rng = np.random.default_rng(0)
    for i in range(n):
        d = root / f"class{i % 4}"
        d.mkdir(parents=True, exist_ok=True)
        arr = rng.integers(0, 255, (48, 48, 3), dtype=np.uint8)
        Image.fromarray(arr).save(d / f"{i:05d}.png", compress_level=1)
    files = sorted(root.rglob("*.png"))

    t0 = time.perf_counter()
    for f in files:
        with Image.open(f) as im:
            np.asarray(im.convert("RGB").resize((32, 32), Image.LANCZOS))
    plain = time.perf_counter() - t0

    cache = DecodeCache(tmp / "cache")
    t0 = time.perf_counter()
    ds = load_folder_sync(root, image_size=32, cache=cache)
    cold = time.perf_counter() - t0
    t0 = time.perf_counter()
    ds2 = load_folder_sync(root, image_size=32, cache=cache)
    cached = time.perf_counter() - t0
    assert len(ds) == len(ds2) == n
    return {
        "images": n, "plain_pillow_loop_s": round(plain, 3), "cold_s": round(cold, 3),
        "cached_s": round(cached, 3), "cold_vs_plain": round(plain / cold, 2),
        "cached_images_per_s": round(n / cached),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--json", default=None)
    args = ap.parse_args()
    os.environ.setdefault("LATENT_EXPLORER_CACHE_DIR", tempfile.mkdtemp())
    out = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "platform": platform.platform(), "load": os.getloadavg()[0]},
        "ingest": bench_ingest(1000 if args.quick else 10_000),
        "digits": bench_training("digits", args.quick),
        "sprites": bench_training("sprites", args.quick),
    }
    text = json.dumps(out, indent=2)
    print(text)
    if args.json:
        Path(args.json).write_text(text)


if __name__ == "__main__":
    main()
