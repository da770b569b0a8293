"""A person's own photo folder, the first minutes, in the real window: from File ▸ Open folder
to the photos on the map (the pixel map), and from Train to the first frame of the live latent
map, how often it refreshes, and what the live map costs the training.

References, measured in the same run: decoding the folder's images alone (no cache, no map),
and the same training without the live map (`train_dataset` with no watcher)."""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np

from benchmarks.common import fmt_s, fmt_x, loop_until, row, stats_ms


def figure_first_look(workdir, quick: bool) -> dict:
    workdir = Path(workdir)
    os.environ["LATENT_EXPLORER_CACHE_DIR"] = str(workdir / "first-look-cache")  # a first open: nothing cached
    from benchmarks.photo_folder import build

    n, epochs = (400, 4) if quick else (1600, 12)
    root = build(workdir / f"photos-{n}", n=n)

    from latent_explorer.data.folder import load_folder
    from latent_explorer.infra.tasks import run_task

    t0 = time.perf_counter()
    dataset = run_task(load_folder(root, 32, cache=False))
    bare_load = time.perf_counter() - t0

    from benchmarks.bench_app import open_window

    app, window = open_window()
    from latent_explorer.gui.app import start_warm_up

    warming = start_warm_up(window)  # as the app starts: torch, sklearn and the map's kernels load meanwhile
    loop_until(lambda: not warming.is_alive(), 300)
    t0 = time.perf_counter()
    window.files.open_folder(str(root))
    loop_until(lambda: window.map_view.point_count() == n, 120)
    first_map = time.perf_counter() - t0

    frames: list[float] = []
    window.session.map_partial.connect(lambda _p: frames.append(time.perf_counter()))
    window.model_panel.epochs.setValue(epochs)
    t0 = time.perf_counter()
    window.start_training()
    loop_until(lambda: not window.runner.is_busy("workspace"), 900)
    with_live = time.perf_counter() - t0
    trained = window.session.workspace
    errors = list(window.errors)
    window.shutdown()

    from latent_explorer.pipeline.train import TrainOptions, train_dataset

    t1 = time.perf_counter()
    run_task(train_dataset(dataset, TrainOptions(epochs=epochs, image_size=32)))
    without_live = time.perf_counter() - t1

    first_frame = frames[0] - t0 if frames else float("nan")
    gaps = np.diff(frames)
    interval = float(np.median(gaps)) if len(gaps) else float("nan")
    overhead = with_live / without_live
    rows = [
        row(f"open a folder of {n:,} photos → its map on screen", f"decoding the images alone {fmt_s(bare_load)}",
            fmt_s(first_map), fmt_x(first_map / bare_load), "< 10 s, < 2× the bare decode",
            first_map < 10 and first_map < 2 * bare_load, key="first_look_map",
            note="File ▸ Open folder (after the app's start-up warm-up) with an empty image cache, until every "
                 "photo is a point of the pixel map",
            first_map_s=first_map, bare_load_s=bare_load),
        row("Train → first live latent map; refresh interval", "—",
            f"first frame {fmt_s(first_frame)}, then every {fmt_s(interval)} (median, {len(frames)} frames)", "—",
            "first < 10 s, interval ≤ 5 s", first_frame < 10 and interval <= 5, key="first_look_live",
            note=f"{epochs} epochs of a 16-d VAE at 32 px on {n:,} photos, in the window",
            first_frame_s=first_frame, interval_s=interval, frames=len(frames), gaps=stats_ms(gaps)),
        row("training with the live map vs without", f"without {fmt_s(without_live)}", f"with {fmt_s(with_live)}",
            fmt_x(overhead), "< 1.15×", overhead < 1.15, key="first_look_overhead",
            note="with: Train in the window to the trained map on screen (load, pixel map, training, encoding, "
                 "report); without: train_dataset on the loaded images, no watcher, same options",
            with_s=with_live, without_s=without_live),
    ]
    return {"rows": rows, "raw": {"n": n, "epochs": epochs, "errors": errors,
                                  "trained_status": None if trained is None else trained.train_status}}
