"""A person's own photo folder, the first minutes, in the real window: from File ▸ Open folder
to the photos on the map (the pixel map), and from Train to the first frame of the live latent
map, how often it refreshes, and what the live map costs the training.

References, measured in the same run: decoding the folder's images alone (no cache, no map),
and the same training in the same window with the live map's snapshots switched off."""
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
    run_task(load_folder(root, 32, cache=False))
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

    from latent_explorer.training import live

    frames: list[float] = []
    window.session.map_partial.connect(lambda _p: frames.append(time.perf_counter()))
    window.model_panel.form.epochs.setValue(epochs)
    every = live.LIVE_EVERY
    times: dict[bool, list[float]] = {True: [], False: []}
    first_frames: list[float] = []
    for with_live in (True, False) * (1 if quick else 2):  # alternated: neither gets the warmer machine
        live.LIVE_EVERY = every if with_live else float("inf")
        frames.clear()
        t0 = time.perf_counter()
        window.start_training()
        loop_until(lambda: not window.runner.is_busy("workspace"), 900)
        times[with_live].append(time.perf_counter() - t0)
        if with_live and not first_frames:
            first_frames = [f - t0 for f in frames]
    live.LIVE_EVERY = every
    trained = window.session.workspace
    errors = list(window.errors)
    window.shutdown()
    with_live, without_live = float(np.median(times[True])), float(np.median(times[False]))

    first_frame = first_frames[0] if first_frames else float("nan")
    gaps = np.diff(first_frames)
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
            f"first frame {fmt_s(first_frame)}, then every {fmt_s(interval)} (median, {len(first_frames)} frames)", "—",
            "first < 10 s, interval ≤ 5 s", first_frame < 10 and interval <= 5, key="first_look_live",
            note=f"{epochs} epochs of a 16-d VAE at 32 px on {n:,} photos, in the window",
            first_frame_s=first_frame, interval_s=interval, frames=len(first_frames), gaps=stats_ms(gaps)),
        row("training with the live map vs without", f"without {fmt_s(without_live)}", f"with {fmt_s(with_live)}",
            fmt_x(overhead), "< 1.15×", overhead < 1.15, key="first_look_overhead",
            note="Train in the window to the trained map on screen (load, pixel map, training, encoding, report), "
                 "with the live map's snapshots and with them switched off, alternated, median of "
                 f"{len(times[True])} each: with {', '.join(fmt_s(t) for t in times[True])}; without "
                 f"{', '.join(fmt_s(t) for t in times[False])}",
            with_s=with_live, without_s=without_live, with_runs=times[True], without_runs=times[False]),
    ]
    return {"rows": rows, "raw": {"n": n, "epochs": epochs, "errors": errors,
                                  "trained_status": None if trained is None else trained.train_status}}
