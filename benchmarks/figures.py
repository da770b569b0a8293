"""The figures of the suite, and the entry point that runs one of them in its own process:

    .venv/bin/python benchmarks/figures.py NAME --workdir DIR --json OUT.json [--quick]

`run.py` starts one such process per figure, so memory and imports never leak from one figure
into the next and a crash is reported instead of ending the run."""
from __future__ import annotations

import argparse
import json
import sys
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


@dataclass(frozen=True)
class Figure:
    name: str
    target: str  # "module:function", called as function(workdir: Path, quick: bool) -> dict
    title: str
    timeout_s: int  # full run; a quick run gets a third, at least 60 s


FIGURES = [
    Figure("machine", "benchmarks.machine:describe", "the machine", 60),
    Figure("map", "benchmarks.figures_map:figure_map", "map frame time and set-up", 240),
    Figure("hit_test", "benchmarks.figures_map:figure_hit_test", "hover hit-test", 180),
    Figure("thumbnails", "benchmarks.bench_thumbnails:figure_thumbnails",
           "images as points: frame time at 10k and 100k images", 300),
    Figure("hover_decode", "benchmarks.bench_app:figure_hover", "hover → decoded image", 240),
    Figure("slider", "benchmarks.bench_app:figure_slider", "slider drag → decoded image", 180),
    Figure("training", "benchmarks.bench_core:figure_training", "trainer throughput", 300),
    Figure("projection", "benchmarks.bench_analysis:figure_projection", "PCA / t-SNE / UMAP wrappers", 360),
    Figure("ingest", "benchmarks.bench_core:figure_ingest", "folder ingest", 300),
    Figure("million", "benchmarks.bench_analysis:figure_million",
           "nearest neighbours and peak memory at 1M × 32", 600),
    Figure("cold_start", "benchmarks.bench_startup:figure_cold_start", "cold start to first window", 240),
    Figure("first_map", "benchmarks.bench_startup:figure_first_map", "first map after opening a workspace", 240),
    Figure("stall", "benchmarks.bench_app:figure_stall", "GUI-thread stall while training (digits, photos)", 900),
    Figure("confidence", "benchmarks.bench_confidence:figure_confidence",
           "calibrated confidence of decoding the map", 600),
    Figure("first_look", "benchmarks.bench_first_look:figure_first_look",
           "a photo folder: first map, live latent map", 600),
    Figure("photo_quality", "benchmarks.bench_photo_quality:figure_photo_quality",
           "a person's photos: the app's defaults against PCA, samples, directions, time", 1800),
    Figure("scenes", "benchmarks.bench_scenes:figure_scenes",
           "demo:scenes: the small object's shape, size and place in the latent vs PCA", 2100),
    Figure("pyramid", "benchmarks.bench_pyramid:figure_pyramid",
           "10M points on the map: frames from a level-of-detail pyramid", 600),
    Figure("map_million", "benchmarks.bench_map_large:figure_map_million",
           "UMAP of 1M latents: fitted on a sample, the rest placed by neighbours", 1500),
    Figure("distributed", "benchmarks.bench_distributed:figure_distributed",
           "training under torchrun: 2 gloo processes against 1", 600),
    Figure("growth", "benchmarks.bench_growth:figure_growth",
           "every stage of a photo folder's life at 10k, 30k and 100k photos", 3600),
]
BY_NAME = {f.name: f for f in FIGURES}


def timeout_for(figure: Figure, quick: bool) -> int:
    return max(60, figure.timeout_s // 3) if quick else figure.timeout_s


def run_one(name: str, workdir: Path, quick: bool) -> dict:
    import importlib

    module, function = BY_NAME[name].target.split(":")
    fn = getattr(importlib.import_module(module), function)
    t0 = time.perf_counter()
    result = fn(workdir, quick)
    result["seconds"] = round(time.perf_counter() - t0, 2)
    return result


def main() -> int:
    ap = argparse.ArgumentParser(description="run one benchmark figure")
    ap.add_argument("name", choices=sorted(BY_NAME))
    ap.add_argument("--workdir", type=Path, required=True)
    ap.add_argument("--json", type=Path, required=True)
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    import faulthandler

    faulthandler.enable()  # a crash in native code leaves its Python stack in the figure's log
    from latent_explorer.infra.numba_cache import configure_numba_cache

    configure_numba_cache()  # as the app's launcher does, before anything imports numba
    args.workdir.mkdir(parents=True, exist_ok=True)
    try:
        result = run_one(args.name, args.workdir, args.quick)
        status = 0
    except Exception as exc:  # noqa: BLE001 - a failed figure is a line of the report
        result = {"error": f"{type(exc).__name__}: {exc}", "traceback": traceback.format_exc()}
        print(result["traceback"], file=sys.stderr)
        status = 1
    args.json.write_text(json.dumps(result, indent=1, default=float))
    sys.stdout.flush()
    sys.stderr.flush()
    import os

    os._exit(status)  # Qt objects and worker threads: no slow or crashing teardown


if __name__ == "__main__":
    sys.exit(main())
