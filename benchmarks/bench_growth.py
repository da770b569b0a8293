"""Growth curves (issue #17, item 5): every stage of a photo folder's life in the app, at
several folder sizes, each stage in a fresh process — seconds, peak RSS (VmHWM) and peak
anonymous memory — with the log-log slope of each stage's cost between the two largest
folders, the 1,000,000 figure extrapolated from it, and a plot of cost against N.

Stages: scan (listing and ``stat`` only: the app reads no image header before decoding),
cold ingest, warm open, training a fixed number of steps, encoding every image with the
trained weights, the PCA and UMAP maps of those latents (the app's `Projection`: UMAP above
`placement_large.SAMPLE_ABOVE` points is fitted on a sample), the neighbour index
(`NeighbourIndex` with its default ``exact_below``) and the first map in a real window (File ▸
Open folder with an empty image cache, until every image is a point of the pixel map). numba's
compile is paid before the timing, as the app's start-up warm-up pays it. The folders are built
once under the temp dir (`bench_folder_memory.folder`) and kept between runs.

    .venv/bin/python benchmarks/bench_growth.py [--sizes 10000,30000,100000] [--size 64]
        [--steps 30] [--json /tmp/bench_growth.json] [--plot docs/benchmarks/growth.png]
"""
from __future__ import annotations

import argparse
import json
import math
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks import bench_folder_memory as memory  # noqa: E402
from benchmarks.common import fmt_s, row  # noqa: E402

STAGES = ("scan", "cold", "warm", "train", "encode", "pca", "umap", "neighbours", "window")
LINEAR = 1.15  # the largest log-log slope still called linear
MILLION = 1_000_000
TARGET_RSS, TARGET_AT = 4 * 1024 ** 3, 100_000
MIB = 1024 ** 2
_KEYS = ("stage", "seconds", "rss_before", "peak_rss", "peak_anon")
WHY = {  # the known reasons a stage's curve bends upward
    "pca": "PCA of the latents takes milliseconds (2–19 ms at 10,000–100,000), where cache effects "
           "outweigh the work: far below every other stage",
    "neighbours": "below 50,000 latents the index is exact (nothing to build); above, pynndescent "
                  "builds its graph (about N log N)",
    "umap": "umap-learn finds neighbours by brute force (N²) below 4,096 points and runs 500 epochs up "
            "to 10,000, 200 above; above 200,000 the app fits 100,000 and places the rest, so there it "
            "grows slower than the curve says",
}


NOT_EXTRAPOLATED = {  # the method changes past the measured sizes: the figure measured at 1,000,000 instead
    "umap": "not extrapolated: above 200,000 latents the app fits 100,000 and places the rest "
            "(1,000,000 × 16 measured: 130.8 s, docs/scale.md)",
    "neighbours": "not extrapolated: pynndescent from 50,000 on (1,000,000 × 32 measured: built in 80.0 s, "
                  "VmHWM 1,497 MiB with the map, docs/benchmarks.md)",
}


def _measured(stage: str, run) -> dict:
    """Time ``run()`` and read the process's memory peaks around it, as `memory.run_stage` does."""
    base = memory.status_kib("VmRSS") * 1024
    anon = memory.AnonPeak()
    t0 = time.perf_counter()
    notes = run() or {}
    seconds = time.perf_counter() - t0
    return {"stage": stage, "seconds": seconds, "rss_before": base,
            "peak_rss": memory.status_kib("VmHWM") * 1024, "peak_anon": anon.stop(), **notes}


def _first_map(root: Path, size: int, work: Path) -> dict:
    """The real window, after the app's warm-up: open the folder, wait for every point."""
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    os.environ["XDG_CONFIG_HOME"] = str(work / "config")  # the recent-folders list goes there
    from benchmarks.bench_app import open_window
    from benchmarks.common import loop_until
    from latent_explorer.data.scan import scan_folder
    from latent_explorer.gui.app import start_warm_up

    n = len(scan_folder(root).files)
    app, window = open_window()
    warming = start_warm_up(window)
    loop_until(lambda: not warming.is_alive(), 600)
    panel = window.model_panel
    panel.form.image_size.setCurrentIndex(panel.form.image_size.findText(str(size)))

    def run() -> dict:
        window.files.open_folder(str(root))
        shown = loop_until(lambda: window.map_view.point_count() == n or bool(window.errors), 3600)
        return {"points": window.map_view.point_count(), "shown": shown, "errors": window.errors[:3]}

    return _measured("window", run)


def growth_stage(stage: str, root: Path, size: int, steps: int, work: Path) -> dict:
    """One stage, in its own process; the stages of `bench_folder_memory` run there."""
    if stage in memory.STAGES:
        return memory.run_stage(stage, root, size, steps, work)
    from latent_explorer.infra.numba_cache import configure_numba_cache

    configure_numba_cache()
    if stage == "scan":
        from latent_explorer.data.scan import scan_folder

        return _measured(stage, lambda: {"files": len(scan_folder(root).files)})
    if stage == "window":
        return _first_map(root, size, work)
    import numpy as np

    from latent_explorer.analysis.latent.neighbours import NeighbourIndex
    from latent_explorer.analysis.maps.projection import Projection

    z = np.load(work / memory.LATENTS)
    small = np.random.default_rng(9).normal(size=(2000, z.shape[1])).astype(np.float32)
    if stage == "pca":
        Projection("pca", 2).fit(small)  # sklearn's import
        return _measured(stage, lambda: {"points": len(Projection("pca", 2).fit(z))})
    if stage == "umap":
        Projection("umap", 2, n_epochs=5, random_state=0).fit(small)  # numba's compile
        proj = Projection("umap", 2, random_state=0)

        def umap() -> dict:
            proj.fit(z)
            return {"fitted_on": len(z) if proj.sample_ is None else len(proj.sample_)}

        return _measured(stage, umap)
    NeighbourIndex(small, exact_below=0).build()  # pynndescent's compile
    return _measured(stage, lambda: {"exact": bool(NeighbourIndex(z).build().exact_)})


def fits(results: dict) -> dict:
    """Per stage: log-log slopes of seconds and peak RSS between the two largest N, and the
    1,000,000 figures from them (measured when 1,000,000 was run). A power law through a fixed
    cost plus a per-image one underestimates, so the straight line through the same two points
    is given beside it."""
    sizes = sorted(int(n) for n in results["runs"])
    out = {}
    if len(sizes) < 2:
        return out
    a, b = sizes[-2], sizes[-1]
    for stage in results["stages"]:
        rows = {n: next((r for r in results["runs"][str(n)] if r["stage"] == stage), None) for n in (a, b)}
        if None in rows.values():
            continue
        fit = {}
        for key in ("seconds", "peak_rss"):
            lo, hi = max(rows[a][key], 1e-6), max(rows[b][key], 1e-6)
            slope = math.log(hi / lo) / math.log(b / a)
            line = hi + max(hi - lo, 0.0) / (b - a) * (MILLION - b)
            fit[key] = {"slope": slope, "at_1m": hi * (MILLION / b) ** slope, "line_1m": line}
        measured = next((r for r in results["runs"].get(str(MILLION), ()) if r["stage"] == stage), None)
        for key in fit if measured else ():
            fit[key]["at_1m"] = fit[key]["line_1m"] = measured[key]
        worst = max(fit["seconds"]["slope"], fit["peak_rss"]["slope"])
        out[stage] = {**fit, "between": [a, b], "linear": worst <= LINEAR, "extrapolated": measured is None,
                      "why": "" if worst <= LINEAR else WHY.get(stage, "")}
    return out


def markdown(results: dict) -> str:
    """The growth table for docs/scale.md: stage × N (seconds · peak RSS), slopes, 1,000,000."""
    sizes = sorted(int(n) for n in results["runs"])
    fitted = results.get("fits") or fits(results)
    extrapolated = any(f["extrapolated"] for f in fitted.values())
    last = f"{MILLION:,} ({'extrapolated' if extrapolated else 'measured'})"
    head = ["stage", *(f"{n:,}" for n in sizes), "slope (time / RSS)", last]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for stage in results["stages"]:
        cells = [stage]
        for n in sizes:
            r = next((r for r in results["runs"][str(n)] if r["stage"] == stage), None)
            cells.append("—" if r is None else f"{fmt_s(r['seconds'])} · {r['peak_rss'] / MIB:,.0f} MB")
        f = fitted.get(stage)
        if f is None:
            cells += ["—", "—"]
        else:
            s, m = f["seconds"], f["peak_rss"]
            verdict = "linear or better" if f["linear"] else "**not linear**" + (f": {f['why']}" if f["why"] else "")
            cells.append(f"{s['slope']:.2f} / {m['slope']:.2f}: {verdict}")
            line = f" (straight line {fmt_s(s['line_1m'])} · {m['line_1m'] / MIB:,.0f} MB)" if f["extrapolated"] else ""
            if f["extrapolated"] and stage in NOT_EXTRAPOLATED:
                cells.append(NOT_EXTRAPOLATED[stage])
            else:
                cells.append(f"{fmt_s(s['at_1m'])} · {m['at_1m'] / MIB:,.0f} MB{line}")
        lines.append("| " + " | ".join(cells) + " |")
    n = TARGET_AT if str(TARGET_AT) in results["runs"] else sizes[-1]
    peak = max(r["peak_rss"] for r in results["runs"][str(n)])
    target = f" (target < {TARGET_RSS / MIB:,.0f} MB: {'met' if peak < TARGET_RSS else 'not met'})" \
        if n == TARGET_AT else ""
    lines += ["", f"{results['size']} px RGB, {results['steps']} training steps. Peak RSS over every stage at "
              f"{n:,} images: {peak / MIB:,.0f} MB{target}. Slopes: log-log, between the two largest N; "
              f"linear or better when ≤ {LINEAR}."]
    return "\n".join(lines)


def _panel(item, title: str, ylabel: str, xs: list[int], extrapolated: bool) -> None:
    item.setTitle(title, color="k", size="11pt")
    item.setLogMode(True, True)
    item.showGrid(x=True, y=True, alpha=0.25)
    for side, label in (("bottom", "images in the folder"), ("left", ylabel)):
        axis = item.getAxis(side)
        axis.enableAutoSIPrefix(False)
        axis.setPen("k")
        axis.setTextPen("k")
        item.setLabel(side, label, color="k")
    names = {x: f"{x:,}" + (" (extrapolated)" if x == MILLION and extrapolated else "") for x in xs}
    item.getAxis("bottom").setTicks([[(math.log10(x), names[x]) for x in xs], []])
    item.getAxis("bottom").setStyle(hideOverlappingLabels=False)


def _y_ticks(item, values: list[float]) -> None:
    """1, 2, 5 × 10^k labels across the data (only 10^k over more than four decades)."""
    lo, hi = math.floor(math.log10(min(values))), math.ceil(math.log10(max(values)))
    steps = (1,) if hi - lo > 4 else (1, 2, 5)
    ticks = [m * 10.0 ** k for k in range(lo, hi + 1) for m in steps]
    item.getAxis("left").setTicks([[(math.log10(t), f"{t:,g}") for t in ticks], []])


def draw(results: dict, path: Path) -> Path:
    """Seconds and peak RSS against N, log-log, one line per stage; dashed to 1,000,000 where
    that is extrapolated. pyqtgraph off screen, as benchmarks/plots.py (no matplotlib here)."""
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    import pyqtgraph as pg
    import pyqtgraph.exporters  # noqa: F401 (registers ImageExporter)
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    from benchmarks.common import pin_singletons
    from benchmarks.plots import COLOURS, WIDTH

    pin_singletons()
    app = QApplication.instance() or QApplication([])  # noqa: F841 (the exporter needs it)
    colours = COLOURS + ["#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]
    sizes = sorted(int(n) for n in results["runs"])
    fitted = results.get("fits") or fits(results)
    xs = sorted({*sizes, MILLION}) if fitted else sizes
    dashed = any(f["extrapolated"] for f in fitted.values())
    widget = pg.GraphicsLayoutWidget()
    widget.setBackground("w")
    widget.resize(2 * WIDTH + 280, 600)
    legend = pg.LegendItem(labelTextColor="k")
    dash = {"width": 2, "style": Qt.PenStyle.DashLine}
    for col, (key, title, label, scale) in enumerate((("seconds", "Seconds per stage", "seconds", 1),
                                                       ("peak_rss", "Peak RSS per stage", "MB", 1 / MIB))):
        item = widget.addPlot(row=0, col=col)
        _panel(item, title, label, xs, dashed)
        values = []
        for i, stage in enumerate(results["stages"]):
            colour = colours[i % len(colours)]
            pts = [(n, max(r[key] * scale, 1e-4)) for n in sizes for r in results["runs"][str(n)]
                   if r["stage"] == stage]
            if not pts:
                continue
            curve = item.plot([n for n, _ in pts], [y for _, y in pts], pen=pg.mkPen(colour, width=2), symbol="o",
                              symbolSize=7, symbolPen=colour, symbolBrush=colour)
            values += [y for _, y in pts]
            if col == 0:
                legend.addItem(curve, stage)
            f = fitted.get(stage)
            if f is not None and f["extrapolated"] and stage not in NOT_EXTRAPOLATED:
                values.append(max(f[key]["at_1m"] * scale, 1e-4))
                item.plot([pts[-1][0], MILLION], [pts[-1][1], values[-1]], pen=pg.mkPen(colour, **dash),
                          symbol="t", symbolSize=7, symbolPen=colour, symbolBrush="w")
        if key == "peak_rss":
            values.append(TARGET_RSS * scale)
            target = item.plot([xs[0], xs[-1]], [values[-1]] * 2, pen=pg.mkPen("k", width=1, style=Qt.PenStyle.DotLine))
            legend.addItem(target, f"target at {TARGET_AT:,}: {values[-1]:,.0f} MB")
        _y_ticks(item, values)
        lo, hi = math.log10(xs[0]), math.log10(xs[-1])
        item.setXRange(lo - 0.06 * (hi - lo), hi + 0.12 * (hi - lo), padding=0)
    if dashed:
        legend.addItem(pg.PlotDataItem([], [], pen=pg.mkPen("#555", **dash), symbol="t", symbolPen="#555",
                                       symbolBrush="w"), "extrapolated to 1,000,000")
    side = widget.addLayout(row=0, col=2)
    side.addItem(legend, row=0, col=0)
    side.addLabel("", row=1, col=0)
    side.layout.setRowStretchFactor(1, 1)
    widget.ci.layout.setColumnFixedWidth(2, 270)
    widget.show()
    QApplication.processEvents()
    exporter = pg.exporters.ImageExporter(widget.scene())
    exporter.parameters()["width"] = 2 * WIDTH + 280
    path.parent.mkdir(parents=True, exist_ok=True)
    exporter.export(str(path))
    widget.close()
    return path


def measure(sizes: list[int], size: int, steps: int, stages: list[str], code: Path, json_path: Path | None,
            echo: bool = False) -> dict:
    """Every stage at every folder size, each in a fresh process; the results so far are written to
    ``json_path`` after each size, so a crash keeps them."""
    results = {"size": size, "steps": steps, "code": str(code), "stages": stages, "runs": {}}
    if echo:
        print(f"{'N':>9} {'stage':10} {'seconds':>8} {'RSS before':>11} {'peak RSS':>9} {'peak anon':>10}  notes")
    for n in sizes:
        root = memory.folder(n)
        rows = results["runs"][str(n)] = []
        with tempfile.TemporaryDirectory(prefix="le-bench-growth-") as tmp:
            work = Path(tmp)
            for stage in stages:
                cache = work / ("window-cache" if stage == "window" else "cache")  # the window opens cold
                r = memory.child(stage, root, size, steps, code, cache, Path(__file__).resolve(),
                                 ("--work", str(work)))
                rows.append(r)
                notes = {k: v for k, v in r.items() if k not in _KEYS}
                if echo:
                    print(f"{n:9,} {stage:10} {r['seconds']:8.2f} {r['rss_before'] / MIB:9.0f} M "
                          f"{r['peak_rss'] / MIB:7.0f} M {r['peak_anon'] / MIB:8.0f} M  {notes}", flush=True)
        if json_path is not None:
            json_path.write_text(json.dumps(results, indent=1))
    results["fits"] = fits(results)
    if json_path is not None:
        json_path.write_text(json.dumps(results, indent=1))
    return results


def growth_rows(results: dict) -> list[dict]:
    """The suite's rows: the peak over every stage at the largest folder against its decoded
    images, and each stage's cost at the largest folder against the next smaller (same run)."""
    sizes = sorted(int(n) for n in results["runs"])
    big, px = sizes[-1], results["size"]
    fitted = results.get("fits") or fits(results)
    peak = max(r["peak_rss"] for r in results["runs"][str(big)])
    pixels = big * px * px * 3
    rows = [row(f"growth: peak RSS over every stage, {big:,} photos at {px} px RGB",
                f"the decoded images {pixels / MIB:,.0f} MB", f"{peak / MIB:,.0f} MB",
                f"{peak / pixels:.1f}× the images", f"< {TARGET_RSS / MIB:,.0f} MB at {TARGET_AT:,}",
                peak < TARGET_RSS if big == TARGET_AT else None, key="growth_peak_rss",
                peak_rss=peak, images_bytes=pixels)]
    for stage in results["stages"]:
        f = fitted.get(stage)
        if f is None:
            continue
        a, b = f["between"]
        at = {n: next(r for r in results["runs"][str(n)] if r["stage"] == stage) for n in (a, b)}
        cost = {n: f"{fmt_s(at[n]['seconds'])} · {at[n]['peak_rss'] / MIB:,.0f} MB" for n in (a, b)}
        rows.append(row(f"growth: {stage}, {a:,} → {b:,} photos (time · peak RSS)", f"{a:,}: {cost[a]}",
                        f"{b:,}: {cost[b]}", f"slope {f['seconds']['slope']:.2f} / {f['peak_rss']['slope']:.2f}",
                        f"linear or better (log-log slope ≤ {LINEAR})", f["linear"], key=f"growth_{stage}",
                        note=f["why"], slope_time=f["seconds"]["slope"], slope_rss=f["peak_rss"]["slope"]))
    return rows


def figure_growth(workdir, quick: bool) -> dict:
    """The suite's figure: 1,000 and 3,000 photos when quick, else 10,000, 30,000 and 100,000
    (about 20 minutes; the folders are generated once and kept under the temp dir)."""
    sizes = [1_000, 3_000] if quick else [10_000, 30_000, 100_000]
    results = measure(sizes, 64, 30, list(STAGES), ROOT, Path(workdir) / "growth.json")
    if not quick:
        draw(results, ROOT / "docs" / "benchmarks" / "growth.png")
    return {"rows": growth_rows(results), "raw": results}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10000,30000,100000")
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--stages", default=",".join(STAGES), help="a subset, in this order")
    parser.add_argument("--json", default="/tmp/bench_growth.json")
    parser.add_argument("--plot", default=str(ROOT / "docs" / "benchmarks" / "growth.png"))
    parser.add_argument("--code", default=str(ROOT), help="the tree whose latent_explorer is measured")
    parser.add_argument("--stage", choices=STAGES)
    parser.add_argument("--root")
    parser.add_argument("--work")
    parser.add_argument("--redraw", action="store_true", help="plot and table from --json, no measuring")
    parser.add_argument("--suite", type=Path, help="with --redraw: put the rows into this benchmarks.json "
                        "as the `growth` figure, dated --date (then `run.py --only machine` rewrites the report)")
    parser.add_argument("--date", help="with --suite: the day --json was measured")
    args = parser.parse_args()
    code = Path(args.code).resolve()
    sys.path.insert(0, str(code))  # this tree's latent_explorer before the editable install's
    if args.stage:
        measured = growth_stage(args.stage, Path(args.root), args.size, args.steps, Path(args.work))
        print(json.dumps(measured), flush=True)
        os._exit(0)  # no Qt or thread teardown after the answer
    if args.redraw:
        results = json.loads(Path(args.json).read_text())
        results["fits"] = fits(results)
        print(f"plot: {draw(results, Path(args.plot))}\n\n{markdown(results)}")
        if args.suite:
            suite = json.loads(args.suite.read_text())
            suite["figures"]["growth"] = {"rows": growth_rows(results), "raw": results, "date": args.date,
                                          "note": f"measured by bench_growth.py, read from {args.json}"}
            args.suite.write_text(json.dumps(suite, indent=1, default=float) + "\n")
        return
    stages = [s for s in STAGES if s in args.stages.split(",")]
    sizes = sorted(int(s) for s in args.sizes.split(","))
    results = measure(sizes, args.size, args.steps, stages, code, Path(args.json), echo=True)
    print(f"\nJSON: {args.json}\nplot: {draw(results, Path(args.plot))}\n")
    print(markdown(results))


if __name__ == "__main__":
    main()
