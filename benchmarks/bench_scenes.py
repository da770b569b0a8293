"""Small objects in colour scenes (issue #15, item 6): does the latent read the object?

`demo:scenes` (a 3dshapes-like set: a small cube, cylinder or sphere on a floor before a wall,
with known floor, wall and object hue, object scale, x and y) trained with the app's own
pipeline, once per configuration: the conv net with each reconstruction loss
(`TrainOptions.loss`) and the spatial broadcast decoder with the focus loss; for each, the held-out 5-NN
accuracy of the shape and the linear R² of the object's scale and x from the latent, beside PCA
of the pixels with the same width on the same split (both from the same run's report).

    .venv/bin/python benchmarks/bench_scenes.py [--quick]
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # also when run as a script

from benchmarks.common import row  # noqa: E402

TARGETS = {"shape": 0.6, "scale": 0.6, "x": 0.6}  # shape 5-NN accuracy (chance 1/3), linear R²


# (arch, loss, epochs, lr): demo:scenes' recipe (pipeline.recipes), then the conv net as every other
# source trains it: the broadcast net keeps learning the object long after the conv net stops
CONFIGS = (("broadcast", "focus", 150, 4e-3), ("conv", "mse", 50, 1e-3), ("conv", "focus", 50, 1e-3))


def train_scenes(n: int, epochs: int, loss: str, seed: int = 0, arch: str = "conv", lr: float = 1e-3) -> dict:
    import torch

    from latent_explorer.data.demos import scenes
    from latent_explorer.infra.tasks import run_task
    from latent_explorer.pipeline.train import TrainOptions, train_dataset

    torch.set_num_threads(1)
    dataset = scenes(32, n=n, seed=seed)
    t0 = time.perf_counter()
    ws = run_task(train_dataset(dataset, TrainOptions(seed=seed, threads=1, epochs=epochs, loss=loss,
                                                      arch=arch, lr=lr)))
    r = ws.report
    return {
        "arch": arch, "loss": loss, "lr": lr, "n": n, "epochs": r["epochs_run"], "seconds": round(time.perf_counter() - t0, 1),
        "shape_knn": r["knn_accuracy"], "pca_shape_knn": r["pca_knn_accuracy"],
        "r2": r["attribute_r2"], "pca_r2": r["pca_attribute_r2"],
        "recon_mse_val": r["recon_mse_val"], "pca_recon_mse_val": r["pca_recon_mse_val"],
    }


def _train_job(args: tuple) -> dict:
    return train_scenes(*args)


def figure_scenes(workdir, quick: bool) -> dict:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    n = 1000 if quick else 3000
    jobs = [(n, 10 if quick else epochs, loss, 0, arch, lr) for arch, loss, epochs, lr in CONFIGS]
    # one thread each, side by side: the longest (broadcast) on one core, the two conv runs on the other
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool:
        done = list(pool.map(_train_job, jobs))
    raw = {f"{m['arch']}_{m['loss']}": m for m in done}
    rows = []
    for name, m in raw.items():
        what = f"demo:scenes ({n:,}, {m['epochs']} epochs, {m['arch']} net, loss {m['loss']}, lr {m['lr']:g})"
        values = {"shape": (m["shape_knn"], m["pca_shape_knn"]),
                  "scale": (m["r2"]["scale"], m["pca_r2"]["scale"]),
                  "x": (m["r2"]["x"], m["pca_r2"]["x"])}
        for factor, (ours, pca) in values.items():
            metric = "shape 5-NN accuracy" if factor == "shape" else f"object {factor} linear R²"
            rows.append(row(f"{metric}, {what}", f"PCA-16 of the pixels {pca:.2f}", f"{ours:.2f}",
                            f"{ours - pca:+.2f}", f"≥ {TARGETS[factor]}", ours >= TARGETS[factor],
                            key=f"scenes_{factor}_{name}", ours=ours, pca=pca))
    return {"rows": rows, "raw": raw}


if __name__ == "__main__":
    import argparse
    import json
    import tempfile

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    result = figure_scenes(Path(tempfile.mkdtemp(prefix="bench-scenes-")), args.quick)
    for r in result["rows"]:
        print(f"{r['figure']}: {r['ours']} (reference {r['reference']}; target {r['target']}: "
              f"{'met' if r['met'] else 'MISSED'})")
    print(json.dumps(result["raw"], indent=1, default=float))
