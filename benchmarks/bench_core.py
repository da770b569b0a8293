"""Core timings (issue #3), measured side by side in one run; run it alone on a quiet machine.

    .venv/bin/python benchmarks/bench_core.py [--quick] [--json out.json]

- training: demo:digits with defaults (target ≤ 60 s on 2 cores) and demo:sprites (≤ 180 s),
  beside a bare 15-line torch loop over the same model, batch and data (ratio ≥ 0.95×).
- folder ingest: a folder of small PNGs, cold (parallel decode + cache write) and reopened from
  the cache, against a plain Pillow open/convert/resize loop.

`figure_training` and `figure_ingest` are the same measurements as figures of the suite
(`benchmarks/run.py`).
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

from benchmarks.common import row  # noqa: E402

INGEST_KINDS = {"png48": "48 px random-noise PNGs (decoding is nearly free: per-file overhead)",
                "jpg256": "256 px photo-like JPEGs"}


def bench_training(spec: str, epochs: int | None, device: str = "cpu", threads: int | None = None,
                   bare_first: bool = False) -> dict:
    """Our pipeline and a bare torch loop with the same model, batch size, data, number of
    steps, device and threads; both warmed up first (untimed), then timed in the given order."""
    import torch

    from latent_explorer.data.sources import open_source
    from latent_explorer.models.conv import loss_terms
    from latent_explorer.models.registry import build_model
    from latent_explorer.pipeline.train import TrainOptions, train_dataset
    from latent_explorer.infra.tasks import run_task

    threads = threads or max(1, (os.cpu_count() or 2) - 1)
    dataset = run_task(open_source(spec))
    dev = torch.device(device)

    def ours(n_epochs: int | None):
        t0 = time.perf_counter()
        ws = run_task(train_dataset(dataset, TrainOptions(seed=0, threads=threads, epochs=n_epochs, device=device)))
        return ws, time.perf_counter() - t0

    def bare(ws, steps: int) -> float:
        """The reference: a bare torch loop, same model, batch size, data and number of steps."""
        torch.set_num_threads(threads)
        torch.manual_seed(0)
        model = build_model(ws.model_config).to(dev)
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        x_all = torch.from_numpy(dataset.images_float(ws.train_idx)).to(dev)
        t0 = time.perf_counter()
        for step in range(steps):
            idx = torch.randint(0, len(x_all), (64,), device=dev)
            loss, _, _ = loss_terms(model, x_all[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
        if dev.type == "cuda":
            torch.cuda.synchronize()
        return time.perf_counter() - t0

    warm, _ = ours(1)  # first-call costs (allocator, kernels, imports) for both, untimed
    bare(warm, 20)
    if bare_first:
        steps_guess = (epochs or 1) * int(np.ceil(len(warm.train_idx) / 64))
        bare_s = bare(warm, steps_guess)
        ws, pipeline_s = ours(epochs)
    else:
        ws, pipeline_s = ours(epochs)
        bare_s = None
    steps_done = ws.train_state.epoch * int(np.ceil(len(ws.train_idx) / 64))
    if bare_s is None or steps_guess != steps_done:
        bare_s = bare(ws, steps_done)
    r = ws.report
    return {
        "source": spec, "device": device, "threads": threads, "epochs": r["epochs_run"], "steps": steps_done,
        "order": "bare first" if bare_first else "ours first",
        "pipeline_seconds": round(pipeline_s, 2), "train_seconds": r["train_seconds"],
        "bare_loop_seconds": round(bare_s, 2),
        "throughput_ratio": round(bare_s / r["train_seconds"], 3),
        "knn_accuracy": r["knn_accuracy"], "pca_knn_accuracy": r["pca_knn_accuracy"],
        "attribute_r2": r["attribute_r2"],
    }


def make_folder(root: Path, n: int, kind: str) -> None:
    """``n`` images in four label folders: random-noise PNGs or smooth photo-like JPEGs."""
    from PIL import Image

    rng = np.random.default_rng(0)
    side = 48 if kind == "png48" else 256
    yy, xx = np.mgrid[0:side, 0:side].astype(np.float32)
    grain = rng.normal(0, 8, (8, side, side, 1)).astype(np.float32)
    for i in range(n):
        d = root / f"class{i % 4}"
        d.mkdir(parents=True, exist_ok=True)
        if kind == "png48":
            arr = rng.integers(0, 255, (side, side, 3), dtype=np.uint8)
            Image.fromarray(arr).save(d / f"{i:05d}.png", compress_level=1)
            continue
        colour = rng.uniform(40, 255, 3).astype(np.float32)
        fx, fy = rng.uniform(0.01, 0.1, 2)
        wave = 0.5 + 0.5 * np.sin(xx * fx + yy * fy)
        arr = np.clip(wave[..., None] * colour + grain[i % 8], 0, 255).astype(np.uint8)
        Image.fromarray(arr).save(d / f"{i:05d}.jpg", quality=90)


def bench_ingest(n: int, kind: str = "png48") -> dict:
    from PIL import Image

    from latent_explorer.data.cache import DecodeCache
    from latent_explorer.data.folder import load_folder
    from latent_explorer.infra.tasks import run_task

    tmp = Path(tempfile.mkdtemp())
    root = tmp / "imgs"
    make_folder(root, n, kind)
    files = sorted(p for p in root.rglob("*") if p.is_file())

    t0 = time.perf_counter()
    for f in files:
        with Image.open(f) as im:
            np.asarray(im.convert("RGB").resize((32, 32), Image.LANCZOS))
    plain = time.perf_counter() - t0

    cache = DecodeCache(tmp / "cache")
    t0 = time.perf_counter()
    ds = run_task(load_folder(root, 32, cache=cache))
    cold = time.perf_counter() - t0
    t0 = time.perf_counter()
    ds2 = run_task(load_folder(root, 32, cache=cache))
    cached = time.perf_counter() - t0
    assert len(ds) == len(ds2) == n
    return {
        "images": n, "kind": kind, "plain_pillow_loop_s": round(plain, 3), "cold_s": round(cold, 3),
        "cached_s": round(cached, 3), "cold_vs_plain": round(plain / cold, 2),
        "plain_images_per_s": round(n / plain), "cold_images_per_s": round(n / cold),
        "cached_images_per_s": round(n / cached),
    }


def figure_training(workdir, quick: bool) -> dict:
    """demo:digits, a few epochs, ours and the bare loop in alternating order (noise hits both
    alike); again on CUDA when there is a GPU."""
    import torch

    epochs, reps = (4, 2) if quick else (20, 3)
    runs = {"cpu": [bench_training("demo:digits", epochs, bare_first=i % 2 == 1) for i in range(reps)]}
    if torch.cuda.is_available():
        runs["cuda"] = [bench_training("demo:digits", epochs, device="cuda", bare_first=i % 2 == 1)
                        for i in range(reps)]

    def summary(rs: list[dict]) -> tuple[float, float, float]:
        ours = float(np.median([r["train_seconds"] for r in rs]))
        bare = float(np.median([r["bare_loop_seconds"] for r in rs]))
        return ours, bare, bare / ours

    ours, bare, ratio = summary(runs["cpu"])
    steps = runs["cpu"][0]["steps"]
    r = row(f"trainer throughput (demo:digits, {steps} steps, CPU)", f"bare torch loop {bare:.2f} s",
            f"{ours:.2f} s", f"{ratio:.2f}× throughput", "≥ 0.95×", ratio >= 0.95, key="training",
            ours_s=ours, bare_s=bare, ratio=ratio)
    if "cuda" in runs:
        g_ours, g_bare, g_ratio = summary(runs["cuda"])
        r["gpu"] = {"ours": f"{g_ours:.2f} s (bare {g_bare:.2f} s)", "ratio": f"{g_ratio:.2f}×",
                    "met": g_ratio >= 0.95, "note": torch.cuda.get_device_name(0)}
    return {"rows": [r], "raw": runs}


def figure_ingest(workdir, quick: bool) -> dict:
    sizes = (1000,) if quick else (1000, 3000, 10_000)
    raw = {kind: [bench_ingest(n, kind) for n in sizes] for kind in INGEST_KINDS}
    rows = []
    for kind, what in INGEST_KINDS.items():
        big = raw[kind][-1]
        rows.append(row(f"folder ingest, cold, {big['images']:,} {what}",
                        f"plain Pillow loop {big['plain_images_per_s']:,} images/s",
                        f"{big['cold_images_per_s']:,} images/s", f"{big['cold_vs_plain']:.2f}×", "≥ 1×",
                        big["cold_vs_plain"] >= 1.0, key=f"ingest_cold_{kind}", ratio=big["cold_vs_plain"]))
    best = min(raw.values(), key=lambda rs: rs[-1]["cached_images_per_s"])[-1]
    rows.append(row(f"folder ingest, cached, {best['images']:,} images (slower kind)",
                    f"plain Pillow loop {best['plain_images_per_s']:,} images/s",
                    f"{best['cached_images_per_s']:,} images/s",
                    f"{best['cached_images_per_s'] / best['plain_images_per_s']:.0f}×", "≥ 1,000 images/s",
                    best["cached_images_per_s"] >= 1000, key="ingest_cached",
                    images_per_s=best["cached_images_per_s"]))
    return {"rows": rows, "raw": raw}


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
        "digits": bench_training("demo:digits", 3 if args.quick else None, threads=1),
        "sprites": bench_training("demo:sprites" + ("?n=1000" if args.quick else ""), 3 if args.quick else None,
                                  threads=1),
    }
    text = json.dumps(out, indent=2)
    print(text)
    if args.json:
        Path(args.json).write_text(text)


if __name__ == "__main__":
    main()
