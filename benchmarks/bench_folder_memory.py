"""Images out of RAM (issue #17, item 1): time and peak memory of each stage on a folder of N
photo-like files, beside the byte size of its decoded-image pack.

Each stage runs in a fresh process: opening the folder cold (empty cache), opening it warm,
training a fixed number of steps, encoding every image, and the report's pixel baselines
(PCA baseline, sample quality, pixel map). Per stage: seconds, the process's peak resident set
(VmHWM: it counts the pack's pages the process touched, which the kernel can drop at will) and
the peak of its anonymous memory (RssAnon, sampled every 10 ms: what cannot be dropped).

    .venv/bin/python benchmarks/bench_folder_memory.py [--n 10000] [--size 64] [--steps 30]
        [--code DIR]   # measure the latent_explorer package under DIR (e.g. an older tree)
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STAGES = ("cold", "warm", "train", "encode", "report")
WEIGHTS, LATENTS = "weights.npz", "latents.npy"  # what train and encode leave in a work dir


def status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


class AnonPeak:
    """Samples RssAnon in a thread: Linux keeps no high-water mark of it."""

    def __init__(self) -> None:
        self.peak = status_kib("RssAnon")
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(0.01):
            self.peak = max(self.peak, status_kib("RssAnon"))

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, status_kib("RssAnon"))
        return self.peak * 1024


def folder(n: int) -> Path:
    """The N-image photo folder, built once under the temp dir."""
    from benchmarks.photo_folder import build

    root = Path(tempfile.gettempdir()) / f"latent-explorer-bench-photos-{n}"
    done = root / ".complete"
    if not done.exists():
        build(root, n=n)
        done.write_text("ok")
    return root


def run_stage(stage: str, root: Path, size: int, steps: int, work: Path | None = None) -> dict:
    """In the stage's own process: set up (untimed), then time and measure the stage. With
    ``work``, the train stage leaves its weights there and the encode stage encodes with them
    and leaves the latents (``latents.npy``) for later stages; both untimed."""
    import numpy as np
    import torch

    from latent_explorer.data.folder import load_folder
    from latent_explorer.infra.tasks import CancelToken, Progress, run_task

    def load():
        return run_task(load_folder(root, size, "auto"))

    setup = {}
    if stage not in ("cold", "warm"):
        dataset = load()
        from latent_explorer.models.config import ModelConfig
        from latent_explorer.training.split import make_split

        train_idx, val_idx = make_split(len(dataset), dataset.labels, 0.2, 0)
        config = ModelConfig(kind="vae", latent_dim=16, image_size=size, channels=3, width=32)
    base = status_kib("VmRSS") * 1024
    anon = AnonPeak()
    t0 = time.perf_counter()
    if stage in ("cold", "warm"):
        dataset = load()
        setup["n_images"] = len(dataset)
        owner = dataset.images
        while isinstance(owner, np.ndarray) and not isinstance(owner, np.memmap):
            owner = owner.base
        setup["memmap"] = isinstance(owner, np.memmap)
    elif stage == "train":
        from latent_explorer.training.trainer import Trainer

        cancel = CancelToken()
        gen = Trainer(config, epochs=1, batch_size=64, seed=0, threads=2, patience=None).fit(
            dataset, train_idx, val_idx, cancel=cancel)
        done, result = 0, None
        try:
            while True:
                item = next(gen)
                if isinstance(item, Progress) and item.total:
                    done = item.done
                    if done >= steps:
                        cancel.cancel()
        except StopIteration as stop:
            result = stop.value
        setup["steps"] = done
    elif stage == "encode":
        from latent_explorer.analysis.latent.latents import encode_dataset
        from latent_explorer.models.registry import build_model

        torch.manual_seed(0)
        model = build_model(config)
        if work is not None and (work / WEIGHTS).exists():
            from latent_explorer.training.checkpoint import numpy_to_state

            with np.load(work / WEIGHTS) as weights:
                model.load_state_dict(numpy_to_state(dict(weights)))
            setup["trained"] = True
        latents = encode_dataset(model.eval(), dataset)
        setup["latents"] = list(latents.mean.shape)
    elif stage == "report":
        from latent_explorer.analysis.generate.sample_quality import sample_quality
        from latent_explorer.analysis.latent.latent_set import LatentSet
        from latent_explorer.analysis.report.report import build_report
        from latent_explorer.pipeline.pixels import pixel_latents

        rng = np.random.default_rng(0)
        z = rng.normal(size=(len(dataset), 16)).astype(np.float32)
        report = build_report(dataset, LatentSet(z, None, None), train_idx, val_idx, 0)
        samples = rng.integers(0, 256, (500, size, size, 3), dtype=np.uint8)
        sample_quality(dataset.images, train_idx, val_idx, samples, "prior", 0)
        pixel_latents(dataset.images, 0)
        setup["pca_recon_mse_val"] = report.get("pca_recon_mse_val")
    seconds = time.perf_counter() - t0
    if work is not None and stage == "train" and result is not None:
        np.savez(work / WEIGHTS, **result.state.model)
    elif work is not None and stage == "encode":
        np.save(work / LATENTS, np.asarray(latents.mean, np.float32))
    return {"stage": stage, "seconds": seconds, "rss_before": base, "peak_rss": status_kib("VmHWM") * 1024,
            "peak_anon": anon.stop(), **setup}


def child(stage: str, root: Path, size: int, steps: int, code: Path, cache: Path,
           script: Path | None = None, extra: tuple[str, ...] = ()) -> dict:
    """Run ``script`` (this one by default) with ``--stage`` in a fresh process; its last line."""
    env = dict(os.environ, LATENT_EXPLORER_CACHE_DIR=str(cache), PYTHONPATH=str(code))
    cmd = [sys.executable, str(script or Path(__file__).resolve()), "--stage", stage, "--root", str(root),
           "--size", str(size), "--steps", str(steps), "--code", str(code), *extra]
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if out.returncode:
        raise RuntimeError(f"stage {stage} failed:\n{out.stderr[-4000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--code", default=str(ROOT), help="the tree whose latent_explorer is measured")
    parser.add_argument("--stage", choices=STAGES)
    parser.add_argument("--root")
    parser.add_argument("--json")
    args = parser.parse_args()
    code = Path(args.code).resolve()
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(code))  # this tree's latent_explorer before the editable install's
    if args.stage:
        import latent_explorer

        assert Path(latent_explorer.__file__).resolve().is_relative_to(code), latent_explorer.__file__
        print(json.dumps(run_stage(args.stage, Path(args.root), args.size, args.steps)))
        return
    root = folder(args.n)
    pack = args.n * args.size * args.size * 3
    mib = 1024 ** 2
    print(f"{args.n} images at {args.size} px from {code}: pack {pack / mib:.1f} MiB")
    print(f"{'stage':8} {'seconds':>8} {'RSS before':>11} {'peak RSS':>9} {'peak anon':>10}  notes")
    rows = []
    with tempfile.TemporaryDirectory(prefix="le-bench-cache-") as cache:
        for stage in STAGES:
            r = child(stage, root, args.size, args.steps, code, Path(cache))
            rows.append(r)
            notes = {k: v for k, v in r.items()
                     if k not in ("stage", "seconds", "rss_before", "peak_rss", "peak_anon")}
            print(f"{stage:8} {r['seconds']:8.2f} {r['rss_before'] / mib:9.0f} M {r['peak_rss'] / mib:7.0f} M "
                  f"{r['peak_anon'] / mib:8.0f} M  {notes}", flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps({"n": args.n, "size": args.size, "pack_bytes": pack,
                                               "code": str(code), "stages": rows}, indent=1))


if __name__ == "__main__":
    main()
