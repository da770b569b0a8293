"""Map drawing timings, side by side in one run; run it alone on a quiet machine, under Xvfb so
that the OpenGL path can be measured too (without a display it is skipped):

    xvfb-run -a -s "-screen 0 1280x1024x24" .venv/bin/python benchmarks/bench_map.py \\
        [--sizes 10000,100000,1000000] [--quick] [--json out.json]

Per point count, for pyqtgraph's ScatterPlotItem (one per label group, as the map drew them
before), the raster item and the GL item: set-up (data → first frame shown) and frame time
over pans and zooms (repaint + processEvents, and glFinish for GL). Then hover hit-testing
(PointPicker.nearest vs ScatterPlotItem.pointsAt vs a numpy scan) and lasso selection."""
from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
if os.environ.get("DISPLAY"):
    os.environ.setdefault("QT_QPA_PLATFORM", "xcb")
else:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pyqtgraph as pg  # noqa: E402
from PySide6.QtCore import QPointF  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from benchmarks.common import pin_singletons  # noqa: E402
from latent_explorer.gui.render import scatter_raster  # noqa: E402
from latent_explorer.gui.render.hit_test import PointPicker  # noqa: E402
from latent_explorer.gui.map2d.scatter import GLScatterItem, RasterScatterItem, prepare_view, renderer_info  # noqa: E402

PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
           "#bcbd22", "#17becf"]
SIZE_PX = 6
WIDTH, HEIGHT = 800, 600


def make_map(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Ten Gaussian blobs, like a t-SNE map of ten classes."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(10, 2)) * 6
    codes = rng.integers(0, 10, n)
    return centres[codes] + rng.normal(size=(n, 2)), codes


def palette_rgba() -> list[tuple[int, int, int, int]]:
    return [pg.mkColor(c).getRgb()[:3] + (200,) for c in PALETTE]


def gl_finish(widget) -> None:
    vp = widget.viewport()
    if hasattr(vp, "context") and vp.context() is not None:
        vp.makeCurrent()
        vp.context().functions().glFinish()
        vp.doneCurrent()


def pan_or_zoom(vb, k: int) -> None:
    """Frame ``k`` of a benchmark's interaction: zoom in, pan, zoom out, pan back, …"""
    if k % 4 == 0:
        vb.scaleBy((0.8, 0.8))
    elif k % 4 == 2:
        vb.scaleBy((1.25, 1.25))
    else:
        (x0, x1), _ = vb.viewRange()
        vb.translateBy(x=(x1 - x0) * (0.03 if k % 8 < 4 else -0.03))


def frame(app, widget) -> float:
    t0 = time.perf_counter()
    widget.repaint()
    app.processEvents()
    gl_finish(widget)
    return (time.perf_counter() - t0) * 1e3


def add_points(kind: str, widget, pos: np.ndarray, codes: np.ndarray) -> list:
    if kind == "ScatterPlotItem":
        items = []
        for code, colour in enumerate(palette_rgba()):
            idx = np.flatnonzero(codes == code)
            item = pg.ScatterPlotItem(pos=pos[idx], size=SIZE_PX, pen=None, brush=pg.mkBrush(*colour),
                                      hoverable=False, tip=None)
            widget.addItem(item)
            items.append(item)
        return items
    item = (GLScatterItem if kind == "gl" else RasterScatterItem)(size_px=SIZE_PX)
    item.setData(pos, colors=codes, palette=palette_rgba())
    widget.addItem(item)
    return [item]


def bench_drawing(app, kind: str, pos: np.ndarray, codes: np.ndarray, frames: int) -> dict:
    widget = pg.PlotWidget(background="w")
    if kind == "gl":
        prepare_view(widget, GLScatterItem())
    widget.resize(WIDTH, HEIGHT)
    widget.show()
    for _ in range(5):
        app.processEvents()
    t0 = time.perf_counter()
    items = add_points(kind, widget, pos, codes)
    widget.autoRange(padding=0.05)
    widget.repaint()
    app.processEvents()
    gl_finish(widget)
    setup = time.perf_counter() - t0
    vb = widget.plotItem.vb
    times = []
    for k in range(frames):
        pan_or_zoom(vb, k)
        times.append(frame(app, widget))
    result = {"setup_s": setup, "frame_ms_median": float(np.median(times)),
              "frame_ms_p95": float(np.percentile(times, 95)), "frames": len(times)}
    if kind == "gl":
        result["drawn_with_gl"] = bool(items[0].last_paint_was_gl)
    if kind == "raster":
        result["render_ms_last"] = items[0].last_render_ms
    widget.close()
    widget.deleteLater()
    app.processEvents()
    return result


def bench_hit_test(pos: np.ndarray, codes: np.ndarray, points_at_calls: int) -> dict:
    rng = np.random.default_rng(1)
    ext = pos.max(axis=0) - pos.min(axis=0)
    sx, sy = WIDTH / ext[0], HEIGHT / ext[1]
    queries = pos[rng.integers(0, len(pos), 200)] + rng.normal(size=(200, 2)) * 0.5
    t0 = time.perf_counter()
    picker = PointPicker(pos)
    build = time.perf_counter() - t0
    ours = []
    for x, y in queries:
        t0 = time.perf_counter()
        picker.nearest(x, y, 10, sx, sy)
        ours.append(time.perf_counter() - t0)
    scan = []
    for x, y in queries[:20]:
        t0 = time.perf_counter()
        d2 = ((pos[:, 0] - x) * sx) ** 2 + ((pos[:, 1] - y) * sy) ** 2
        int(np.argmin(d2))
        scan.append(time.perf_counter() - t0)
    widget = pg.PlotWidget()
    widget.resize(WIDTH, HEIGHT)
    item = pg.ScatterPlotItem(pos=pos, size=SIZE_PX, pen=None, brush=pg.mkBrush(*palette_rgba()[0]))
    widget.addItem(item)
    widget.autoRange()
    pa = []
    for x, y in queries[:points_at_calls]:
        t0 = time.perf_counter()
        item.pointsAt(QPointF(x, y))
        pa.append(time.perf_counter() - t0)
    widget.close()
    widget.deleteLater()
    return {"picker_build_ms": build * 1e3, "nearest_ms_median": float(np.median(ours)) * 1e3,
            "nearest_ms_max": float(np.max(ours)) * 1e3, "numpy_scan_ms_median": float(np.median(scan)) * 1e3,
            "pointsAt_ms_first": pa[0] * 1e3,
            "pointsAt_ms_median_rest": float(np.median(pa[1:])) * 1e3 if len(pa) > 1 else None,
            "pointsAt_calls": len(pa)}


def bench_lasso(pos: np.ndarray) -> dict:
    picker = PointPicker(pos)
    centre = np.median(pos, axis=0)
    ext = pos.max(axis=0) - pos.min(axis=0)
    a = np.linspace(0, 2 * np.pi, 200, endpoint=False)
    r = 0.3 + 0.05 * np.sin(7 * a)
    poly = centre + np.c_[r * np.cos(a) * ext[0], r * np.sin(a) * ext[1]]
    times, n = [], 0
    for _ in range(5):
        t0 = time.perf_counter()
        n = len(picker.in_polygon(poly))
        times.append(time.perf_counter() - t0)
    t0 = time.perf_counter()
    picker.in_rect(*(centre - ext * 0.3), *(centre + ext * 0.3))
    rect = time.perf_counter() - t0
    return {"lasso_ms_median": float(np.median(times)) * 1e3, "lasso_vertices": len(poly), "selected": n,
            "box_ms": rect * 1e3}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="10000,100000,1000000")
    ap.add_argument("--quick", action="store_true", help="fewer frames")
    ap.add_argument("--frames", type=int, default=20)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    frames = 6 if args.quick else args.frames
    pin_singletons()
    app = QApplication.instance() or QApplication([])
    t0 = time.perf_counter()
    scatter_raster.warm_up()
    warm = time.perf_counter() - t0
    info = renderer_info()
    kinds = ["ScatterPlotItem", "raster"] + (["gl"] if info["available"] else [])
    report = {"machine": {"platform": platform.platform(), "cpus": os.cpu_count(), "qt_platform": app.platformName(),
                          "gl": info, "numba_warm_up_s": warm},
              "size_px": SIZE_PX, "widget": [WIDTH, HEIGHT], "drawing": {}, "hit_test": {}, "lasso": {}}
    for n in sizes:
        pos, codes = make_map(n)
        for kind in kinds:
            few = kind == "ScatterPlotItem" and n >= 500_000 or kind == "gl" and n >= 500_000
            res = bench_drawing(app, kind, pos, codes, min(frames, 4) if few else frames)
            report["drawing"].setdefault(str(n), {})[kind] = res
            print(f"{n:>9} {kind:<16} set-up {res['setup_s']:7.3f} s   frame median {res['frame_ms_median']:8.1f} ms"
                  f"   p95 {res['frame_ms_p95']:8.1f} ms   ({res['frames']} frames)", flush=True)
        hit = bench_hit_test(pos, codes, 1 if n >= 500_000 else 5)
        report["hit_test"][str(n)] = hit
        pa_rest = hit["pointsAt_ms_median_rest"]
        print(f"{n:>9} hover: picker {hit['nearest_ms_median']:.3f} ms median, {hit['nearest_ms_max']:.3f} max "
              f"(build {hit['picker_build_ms']:.0f} ms); numpy scan {hit['numpy_scan_ms_median']:.1f} ms; "
              f"pointsAt first {hit['pointsAt_ms_first']:.0f} ms"
              + (f", then {pa_rest:.0f} ms" if pa_rest is not None else ""), flush=True)
        if n >= 100_000:
            lasso = bench_lasso(pos)
            report["lasso"][str(n)] = lasso
            print(f"{n:>9} lasso ({lasso['lasso_vertices']} vertices, {lasso['selected']} points) "
                  f"{lasso['lasso_ms_median']:.1f} ms; box {lasso['box_ms']:.1f} ms", flush=True)
    print()
    print(f"{'points':>9} | {'renderer':<16} | {'set-up s':>8} | {'frame ms':>8} | {'p95 ms':>8} | speed-up")
    for n, rows in report["drawing"].items():
        base = rows["ScatterPlotItem"]["frame_ms_median"]
        for kind, r in rows.items():
            print(f"{n:>9} | {kind:<16} | {r['setup_s']:8.3f} | {r['frame_ms_median']:8.1f} | "
                  f"{r['frame_ms_p95']:8.1f} | {base / r['frame_ms_median']:6.1f}x")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))
        print(f"\nwritten {args.json}")


if __name__ == "__main__":
    main()
