"""Why a figure missed its target: what this run measured about it (breakdowns taken by the
figures themselves) and the hot spot found by profiling it with py-spy when the suite was
written (2026-11-30, on the 2-core development machine). The profile notes describe code, not
this run: re-profile when the code they name changes."""
from __future__ import annotations

import numpy as np

from benchmarks.common import fmt_ms, fmt_s

PROFILED = {
    "pyramid": "Timed by stage on 2026-12-06 (10M points, 1400×900), before the dense stamp and 1.5 px "
               "cells: where every pixel of the view is lit, stamping each pixel's point as a 6 px disc "
               "took 48–67 ms of the frame, the pyramid's cells 10–34 ms, the colouring 4 ms. This machine "
               "drew the same 1M-point frames in 11 ms on 2026-11-30 and in 41–62 ms on 2026-12-06: compare "
               "the ratio, not the milliseconds.",
    "slider": "The sliders dock shows a decoded image only if its edit is still the current one "
              "(`SlidersPanel._on_rendered`): while the hand moves on, finished decodes of edits that a newer "
              "slider position already replaced are dropped instead of shown.",
    "training": "py-spy (15 epochs of demo:digits): the trainer's own per-step work — `torch.manual_seed` "
                "per step (≈ 90 µs), the `isfinite` check and three `.item()` reads, the uint8 → float batch "
                "conversion and a Progress event — is 1–2 % of a ≈ 8 ms step; forward, backward and Adam are "
                "the same calls as the bare loop's. What is left of the gap changes from run to run on a "
                "shared machine (the repetitions are in benchmarks.json).",
    "ingest_cold_png48": "py-spy (3,000 such files): the decode threads spend ≈ 80 % of their samples in "
                         "`decode_image` — Pillow's Python-level open and PNG chunk parsing ≈ 25 %, the LANCZOS "
                         "`_square_resize` ≈ 30 % — and on files this small that work holds the GIL, so the two "
                         "threads barely overlap; the cold path also scans, checks and writes the cache. On "
                         "256 px JPEGs (draft-mode decoding, GIL released) the same code beats the plain loop.",
    "cold_start_source": "`python -X importtime benchmarks/first_window.py` (a busy machine): of ≈ 0.86 s "
                         "importing `latent_explorer.gui.app`, pyqtgraph ≈ 0.33 s, numba ≈ 0.26 s (imported "
                         "at start-up by `gui.render.hit_test` → `gui.map2d.scatter` for the picking kernels) and NumPy ≈ "
                         "0.23 s (by `session.warmup`); building and showing the window takes the rest.",
    "first_map_pca": "py-spy (`open-map` child), before and after the fixes of 2026-11-30: opening was "
                     "importing — a `torch.optim.Adam` built to check the saved optimizer state imported "
                     "`torch._dynamo` (≈ 27 % of the samples; now checked on plain arrays), importing torch "
                     "≈ 23 % (the app's start-up warm-up imports it before a workspace is opened; this fresh "
                     "process has none) and reloading demo:digits imports scikit-learn and scipy.stats "
                     "(`sklearn.datasets.load_digits`, ≈ 22 %). The PCA map itself takes milliseconds.",
    "first_map_umap": "umap-learn compiles most of its numba kernels without `cache=True`; since "
                      "2026-11-30 `projection_steps` turns numba's disk cache on for them, so only the very "
                      "first map of an installation compiles (and the start-up warm-up pays that).",
    "stall": "The dumps below were taken while the heartbeat was late. Fixed on 2026-11-30: full garbage "
             "collections rationed and the start-up heap frozen (`gc_guard`, `warmup`), the model, its "
             "preview reconstructions and the standard directions prepared in the worker "
             "(`Session.add_preparer`), ripser (which holds the GIL) on 200 points; then (the same day, "
             "second session) the adoption of the trained workspace: the views' lazy imports moved to the "
             "start-up warm-up, the loss plot not redrawn with the history it already shows, the map's "
             "legend built 20 ms after its points and the sliders' rows a few per event-loop turn "
             "(114 → 36 ms). On 2026-12-06, after the live and pixel maps had brought it back to "
             "122–184 ms: the legend painted by one item instead of a pyqtgraph label and scatter item "
             "per entry (28–52 ms → under 1 ms a fill), and the sliders' direction check started "
             "400 ms after a new workspace rather than beside the views' rebuild. What is left "
             "(timings of every GUI method, wrapped, in the longest gaps): one repaint of the map and "
             "the loss plot together, 30–60 ms with training beside it (each pyqtgraph axis 5 ms alone, "
             "10–20 ms then), and the adoption of the trained workspace (15–22 ms). On 2026-12-06 "
             "(second session), py-spy with native frames: most of the GUI thread's time while training "
             "went to the training progress (a word-wrapped QLabel relaid out the Model dock, shaping the "
             "text of every wrapped label, on each of 20 reports a second; QProgressBar.setValue painted "
             "and flushed at once): now a status line and a progress bar that only schedule a repaint "
             "(p99 27 → 23 ms over 4 runs each; the max did not move). The longest gap is now the "
             "trained workspace's arrival (every top-level Qt event timed): the map's autoRange "
             "(≈ 20 ms, pyqtgraph's range-change signals), then one paint of the map (≈ 30–50 ms: its "
             "two axes, the overlays' bounds) and a layout of the Model dock, back to back. Tried and "
             "measured no better: a lower priority for worker threads (nice 5), a shorter GIL switch "
             "interval, Qt's GUI thread pool off (QT_NO_GUI_THREADPOOL), and the worker waiting for "
             "each handover to be adopted (p99 24 → 18–20 ms only when it also waits out the paint). "
             "Hiding the map's empty overlays halved a repaint after a range change (39 → 17 ms) and "
             "took p99 from 23.6 to 21.2 ms, but not the max (5 runs each). The gaps are chains of "
             "posted events (the adoption, the scene's paint, a dock's layout) that Qt delivers in one "
             "pass, so no timer runs between them; one deferred delete of 110–150 ms at the first epoch "
             "(seen with every Qt event timed) is not identified yet. On 2026-12-06 (third session) "
             "the max went under 50 ms. /proc's per-thread CPU times showed the GUI thread running "
             "for only half of its longest gaps, and OpenBLAS's second thread spinning (0.7 s of CPU "
             "in every 4 s). Four changes, each measured: numpy's and scipy's BLAS on every core but "
             "one in the window (`infra/blas`); the sliders' rows built out of sight and shown once "
             "whole (2,275 move/resize events → 458); the plots' axes cached in a pixmap (a grid makes "
             "an axis cover its plot: 18 axis paints in the first 0.6 s → 11); worker threads giving "
             "way between two yields while the GUI thread's 4 ms beat is late (`gui_priority`). Five "
             "runs alternated each: the commit before all four, max median 69 ms (56–115), 9 gaps "
             "over 50 ms; with the first three and a progress bar that repaints only what changes, 47 ms (39–61); with all four 43 ms (31–45), none over "
             "50 ms; p99 15–20 ms throughout, training time unchanged. Single runs of the figure since: "
             "max 38, 40, 36, 36, 51, 43, 32, 42 ms (one of eight over 50); a folder of 1,600 colour "
             "photos opened fresh and trained 40 epochs with the live map: 42, 39, 43, 31 ms. What is "
             "left in the longest gap (the trained workspace's arrival, about 35 ms of the GUI "
             "thread's CPU): 8 ms of Python adopting it, a repaint of the map, the Model dock's "
             "layout; the rest is Qt's own widget work, in one pass of posted events.",
    "scenes": "The conv VAE reconstructs the scenes better than PCA (held-out MSE 0.0033 against 0.0039 "
              "after 50 epochs) yet encodes the object's place and size in a tangle (x R² 0.12, size 0.06): "
              "the squared error of a few object pixels is small beside the room's. The focus loss weighs "
              "those pixels more, and the spatial broadcast decoder (`--arch broadcast`) gives the object's "
              "place its own directions; together, trained long, they read the object. At 1e-3 over three "
              "seeds: size 0.46–0.66 after 50 epochs, 0.83–0.84 after 100, 0.88–0.93 after 300; shape 5-NN "
              "0.37–0.43, 0.50–0.51, 0.61–0.69. At 4e-3 a third of the epochs do: shape 0.60–0.64 after 100 "
              "(three seeds), 0.62 after 150 (two), size 0.87–0.90, x 0.99–1.00. `demo:scenes` trains that "
              "way when its options are left on auto (`pipeline/recipes.py`); the conv rows are what every "
              "other source trains.",
    "photos_samples": "Before 2026-12-06 (third session) the report judged 500 samples against the 1,280 "
                      "training images: the plug-in Fréchet distance grows as its sample shrinks, and the "
                      "same density's 500 samples read 1.6–2.7× the reference over five seeds (2,000 read "
                      "1.4–1.7×). The samples are now as many as the training images (500–5,000), so both "
                      "distances are estimated alike. Black: a mean pixel under 0.06. Until 2026-12-07 the "
                      "samples' share was set against the held-out photos' alone: 2 or 4 of 320, a share "
                      "known only to within 0.1–2.2 % or 0.3–3.2 % (95 %); now against every photo's. "
                      "On scikit-image's photographs at 64 px, trained at 3e-3 annealed since 2026-12-07, "
                      "18 of 1,280 samples (1.4 %) are that dark against 0.75 % of the photos (0.2 % at 1e-3 "
                      "held): dim, blurred star fields of the Hubble deep field, whose crops' mean pixels lie "
                      "between 0.05 and 0.08. Their latents lie nearer the data than the typical sample's "
                      "(distance to the nearest data latent, in the data's neighbour spacing: median 0.32 "
                      "against 1.69), and none is off the data: not the black squares N(0, I) drew.",
    "photos_moonshot": "A folder of over 1,000 images at up to 64 px trains at 3e-3, annealed over the last "
                       "30 % of the steps (`pipeline/recipes.py`; README's learning-rate tables: +1.62 to "
                       "+1.71 dB over three seeds at 32 px on scikit-learn's photos, +1.70 and +1.75 over two "
                       "at 64 px). scikit-image's photographs stay below it at either size (two seeds at 64 "
                       "px: +1.01 and +0.97 dB; at 1e-3 held +0.66); nothing but the learning rate was tried "
                       "for it.",
    "photos_skimage_knn": "On scikit-image's eight photographs the sources differ most in their palette, "
                          "and PCA's top components are that palette. Zooming into training images "
                          "(2026-12-06) lifted the 32 px latent to 0.872 and 0.878 over two seeds (0.853 and "
                          "0.863 before; PCA 0.884 and 0.900); at 64 px 3e-3 annealed (2026-12-07) to 0.866 "
                          "and 0.884 (PCA 0.884 and 0.900; 0.850 at 1e-3 held). Nothing else tried moved "
                          "it: β 0.5 or 2, the 32-wide net, no augmentation (0.853–0.856 at 32 px), or a "
                          "loss that also weighs each image's 4×4 grid of cell means (0.875 on seed 0, 0.859 "
                          "on seed 1, 0.3–0.4 dB of PSNR lost).",
    "photos_time": "Until 2026-12-06 (third session) a folder of over 1,000 images at more than 48 px got "
                   "width 32: at 64 px it took 794 s (held-out 21.55 dB, PCA 20.09; train 694 s) and had "
                   "reached 20.5 dB after 220 s of training; width 16 trains all its 125 epochs in those "
                   "220 s (21.27 dB). Width 32 stays for sets of up to 1,000 images.",
}


def _hover(row: dict, raw: dict) -> str:
    parts = raw.get("breakdown_median_ms", {})
    if not parts:
        return ""
    names = {"event_to_decode": "mouse event → hit-test → decode starts (in the GUI thread while decodes "
             "are cheap, else after the worker wakes)",
             "decode_at": "`MapDecoder.decode_at` (inverse map + decode)",
             "decode_to_shown": "pixmap and caption set", "repaint": "preview repainted"}
    text = ", ".join(f"{names.get(k, k)} {fmt_ms(v)}" for k, v in parts.items())
    bare = raw.get("bare_decode", {}).get("median_ms")
    return (f"Median parts of a move: {text}. The decode itself is the bare reference ({fmt_ms(bare)}); the "
            "rest — pyqtgraph's mouse handling, the inverse map, painting — is a fixed cost of a few ms that "
            "a decode this cheap cannot hide, so the ratio misses while the latency is well inside a frame.")


def _slider(row: dict, raw: dict) -> str:
    s = raw.get("seconds") or 1
    return (f"In {s:.1f} s of dragging: {raw.get('moves', 0) / s:.0f} slider moves/s, "
            f"{raw.get('decoded', 0) / s:.0f} decodes/s finished, {raw.get('shown', 0) / s:.0f} images/s shown. "
            + PROFILED["slider"])


def _training(row: dict, raw: dict) -> str:
    reps = raw.get("cpu", [])
    ratios = ", ".join(f"{r['throughput_ratio']:.2f}" for r in reps)
    orders = ", ".join(r.get("order", "?") for r in reps)
    return f"Per repetition: {ratios} ({orders}). " + PROFILED["training"]


def _projection(row: dict, raw: dict) -> str:
    method = row["key"].split("_", 1)[1]
    t = raw.get("times", {}).get(method, {})
    ours, direct = t.get("ours_s", []), t.get("direct_s", [])
    extra = float(np.median(ours) - np.median(direct)) if ours and direct else 0.0
    what = {"pca": "validation and a read-only view around scikit-learn's PCA — fixed microseconds that "
                   "show on a sub-millisecond fit",
            "tsne": "openTSNE runs in a worker thread and hands a copy of the layout over a queue every 20 "
                    "iterations (so the map animates)",
            "umap": "the layout is optimised epoch by epoch from Python (`SteppedUMAP.run_epochs`, so the map "
                    "animates and can be cancelled)"}[method]
    spread = (f"ours {fmt_s(min(ours))}–{fmt_s(max(ours))}, direct {fmt_s(min(direct))}–{fmt_s(max(direct))} "
              f"over {len(ours)} runs each") if ours and direct else "no runs"
    return (f"{fmt_s(abs(extra))} {'more' if extra > 0 else 'less'} per map ({spread}). The wrapper's own "
            f"work: {what}. Repetitions alternate, so a busy neighbour hits both sides; compare the spread.")


def _ingest(row: dict, raw: dict) -> str:
    kind = row["key"].rsplit("_", 1)[1]
    return PROFILED.get(f"ingest_cold_{kind}", "")


def _first_map(row: dict, raw: dict) -> str:
    if row["key"] == "first_map_umap":
        u = raw.get("umap", {})
        return (f"Opened at {fmt_s(u.get('opened', 0))}, UMAP map at {fmt_s(u.get('map', 0))}; the same UMAP "
                f"again in that process: {fmt_s(u.get('again_s', 0))}. " + PROFILED["first_map_umap"])
    p = (raw.get("pca") or [{}])[0]
    return (f"Since the process started: imports done {fmt_s(p.get('imported', 0))}, workspace open "
            f"{fmt_s(p.get('opened', 0))}, PCA map {fmt_s(p.get('map', 0))}. " + PROFILED["first_map_pca"])


def _stall(row: dict, raw: dict) -> str:
    if row["key"] == "stall_photos":
        raw = raw.get("photos", {})
    worst = "; ".join(f"{w['gap_ms']:.0f} ms at {w['at_s']:.1f} s (after “{w['last_progress']}”)"
                      for w in raw.get("worst", []))
    return f"Longest gaps: {worst}. {raw.get('over_50ms', 0)} gaps over 50 ms. " + PROFILED["stall"]


def _cold_start(row: dict, raw: dict) -> str:
    if row["key"] != "cold_start_source":
        return ""
    p = (raw.get("phases") or [{}])[0]
    return (f"First run, since the process started: imports done {fmt_s(p.get('imported', 0))}, window exposed "
            f"{fmt_s(p.get('expose', 0))}, painted {fmt_s(p.get('paint', 0))}. " + PROFILED["cold_start_source"])


def _pyramid(row: dict, raw: dict) -> str:
    return PROFILED["pyramid"]


def _growth(row: dict, raw: dict) -> str:
    return row.get("note", "")


def _scenes(row: dict, raw: dict) -> str:
    return PROFILED["scenes"]


def _photos(row: dict, raw: dict) -> str:
    size = row["key"].rsplit("_", 1)[-1]
    if row["key"].startswith("photos_skimage_knn"):
        return PROFILED["photos_skimage_knn"]
    key = row["key"].replace("photos_skimage_", "photos_")  # the same explanation for either folder
    for prefix in ("photos_samples", "photos_time", "photos_moonshot"):
        if key.startswith(prefix):
            return PROFILED[prefix] + (f" {row['note']}" if row.get("note") else "")
    return row.get("note", "") or f"Measured at {size} px with the app's defaults; numbers in benchmarks.json."


def _confidence(row: dict, raw: dict) -> str:
    """A calibrated confidence reads what happens, so its targets hold only where the decodes do."""
    n, method = row["numbers"], row["key"].rsplit("_", 1)[-1]
    ours = raw.get(method, {})
    if row["key"].startswith("confidence_held_out"):
        nearest = ours.get("nearest_latent_share")
        return (f"The confidence is a calibrated chance (ECE {ours.get('calibrated', {}).get('ece', float('nan')):.3f}): "
                f"it can read ≥ 0.5 only where half the decodes are faithful, and {n['observed']:.0%} were. "
                + (f"Even the photo's nearest other latent, found with all 16 of its dimensions known (a map "
                   f"position holds two), decodes within τ for {nearest:.0%}: τ is the median distance from a real "
                   "photo to its nearest other one, so about half of such neighbours are that close by definition."
                   if nearest is not None else ""))
    if row["key"].startswith("confidence_far"):
        by_hole = ours.get("by_hole", {})
        seen = ", ".join(f"{h}: {v['observed']:.0%}" for h, v in by_hole.items() if float(h) >= 2)
        return (f"Beyond 2 spacings {n['observed']:.0%} of the decodes were faithful (by hole radius in map "
                f"spacings: {seen}); a calibrated confidence gives ≤ 0.2 to 90 % of those positions only if it "
                f"can tell the faithful ones apart (ROC AUC over every checked position {ours.get('auc', float('nan')):.3f}).")
    return ""


def _generic(row: dict, raw: dict) -> str:
    return "No profile was taken for this figure: see its numbers in benchmarks.json."


HANDLERS = {"hover_decode": _hover, "slider": _slider, "training": _training, "projection": _projection,
            "ingest": _ingest, "first_map": _first_map, "stall": _stall, "cold_start": _cold_start,
            "pyramid": _pyramid, "growth": _growth, "scenes": _scenes, "photos": _photos,
            "confidence": _confidence}


def explain(row: dict, raw: dict) -> str:
    key = row["key"]
    for prefix, handler in HANDLERS.items():
        if key.startswith(prefix):
            return handler(row, raw) or _generic(row, raw)
    return _generic(row, raw)
