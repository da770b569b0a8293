"""The map figures of the suite, built on `bench_map`'s measurements: frame time and set-up per
point count and renderer (pyqtgraph's ScatterPlotItem as the reference), and hover hit-testing
through the app's point item against `ScatterPlotItem.pointsAt`."""
from __future__ import annotations

import time

import numpy as np

from benchmarks import bench_map
from benchmarks.common import fmt_ms, fmt_s, fmt_x, pin_singletons, row, stats_ms

SIZES = (10_000, 100_000, 1_000_000)


def _app():
    from PySide6.QtWidgets import QApplication

    pin_singletons()
    return QApplication.instance() or QApplication([])


def _gpu_note(info: dict) -> str:
    return "" if info["available"] and not info["software"] else \
        f"no hardware OpenGL here ({info['renderer'] or 'none'}): GL measured for reference only"


def figure_map(workdir, quick: bool) -> dict:
    from latent_explorer.gui.map2d.scatter import choose_renderer, renderer_info, warm_up

    app = _app()
    t0 = time.perf_counter()
    warm_up()
    warm = time.perf_counter() - t0
    info = renderer_info()
    picked = choose_renderer()
    kinds = ["ScatterPlotItem", "raster"] + (["gl"] if info["available"] else [])
    frames = 8 if quick else 30
    drawing: dict = {}
    for n in SIZES:
        pos, codes = bench_map.make_map(n)
        for kind in kinds:
            slow = kind != picked and n >= 500_000
            res = bench_map.bench_drawing(app, kind, pos, codes, 4 if slow else frames)
            drawing.setdefault(str(n), {})[kind] = res
            print(f"{n:>9} {kind:<16} set-up {res['setup_s']:.3f} s, frame {res['frame_ms_median']:.1f} ms",
                  flush=True)
    hardware_gl = info["available"] and not info["software"]
    rows = []
    for n in SIZES:
        ref, ours = drawing[str(n)]["ScatterPlotItem"], drawing[str(n)][picked]
        speed = ref["frame_ms_median"] / ours["frame_ms_median"]
        big = n == SIZES[-1]
        r = row(f"map frame time (pan/zoom), {n:,} points, {picked}",
                f"ScatterPlotItem {fmt_ms(ref['frame_ms_median'])}",
                f"{fmt_ms(ours['frame_ms_median'])} (p95 {fmt_ms(ours['frame_ms_p95'])})", f"{fmt_x(speed)} faster",
                "≥ 10× faster" if big else "—", speed >= 10 if big else None, key=f"map_frame_{n}",
                reference_ms=ref["frame_ms_median"], ours_ms=ours["frame_ms_median"], speedup=speed)
        if "gl" in drawing[str(n)]:
            gl = drawing[str(n)]["gl"]
            r["gpu"] = {"ours": f"GL {fmt_ms(gl['frame_ms_median'])}",
                        "ratio": fmt_x(ref["frame_ms_median"] / gl["frame_ms_median"]),
                        "met": (ref["frame_ms_median"] / gl["frame_ms_median"] >= 10) if big else None,
                        "note": "" if hardware_gl else "software GL"}
        rows.append(r)
    n = SIZES[-1]
    ref, ours = drawing[str(n)]["ScatterPlotItem"], drawing[str(n)][picked]
    rows.append(row(f"data arrives → {n:,} points on screen ({picked})", f"ScatterPlotItem {fmt_s(ref['setup_s'])}",
                    fmt_s(ours["setup_s"]), f"{fmt_x(ref['setup_s'] / ours['setup_s'])} faster", "≤ 0.5 s",
                    ours["setup_s"] <= 0.5, key="map_setup", reference_s=ref["setup_s"], ours_s=ours["setup_s"]))
    return {"rows": rows, "raw": {"renderer_picked": picked, "gl": info, "numba_warm_up_s": warm,
                                  "frames": frames, "drawing": drawing, "gpu_note": _gpu_note(info)}}


def _index_at_times(app, kind: str, pos: np.ndarray, codes: np.ndarray, moves: int) -> dict:
    """The app's own per-move hit test: the point item's ``index_at`` (scene → view mapping and
    the grid picker), after the picker is built as the map view builds it."""
    import pyqtgraph as pg
    from PySide6.QtCore import QPointF

    from latent_explorer.gui.map2d.scatter import make_scatter_item, prepare_view

    widget = pg.PlotWidget(background="w")
    item = make_scatter_item(kind, size_px=bench_map.SIZE_PX)
    prepare_view(widget, item)
    widget.resize(bench_map.WIDTH, bench_map.HEIGHT)
    widget.show()
    item.setData(pos, colors=codes, palette=bench_map.palette_rgba())
    widget.addItem(item)
    widget.autoRange(padding=0.05)
    app.processEvents()
    t0 = time.perf_counter()
    item.picker  # noqa: B018 - built on first use, as MapView.set_map asks for it
    build = time.perf_counter() - t0
    vb = widget.plotItem.vb
    rng = np.random.default_rng(2)
    # Inside the data's bounding box: on 2026-11-30 a position past the outermost points (in
    # the plot's margin) made hit_test._nearest read out of bounds and crash at 1M points.
    lo, hi = pos.min(axis=0), pos.max(axis=0)
    fx, fy = rng.uniform(lo[0], hi[0], moves), rng.uniform(lo[1], hi[1], moves)
    times, hits = [], 0
    for x, y in zip(fx, fy):
        scene = vb.mapViewToScene(QPointF(float(x), float(y)))
        t0 = time.perf_counter()
        hits += item.index_at(scene, 10) >= 0
        times.append(time.perf_counter() - t0)
    widget.close()
    widget.deleteLater()
    app.processEvents()
    return {"picker_build_ms": build * 1e3, "hits": int(hits), **stats_ms(times)}


def figure_hit_test(workdir, quick: bool) -> dict:
    from latent_explorer.gui.map2d.scatter import choose_renderer, warm_up

    app = _app()
    warm_up()
    picked = choose_renderer()
    raw: dict = {"renderer_picked": picked, "per_size": {}}
    for n in SIZES:
        pos, codes = bench_map.make_map(n)
        calls = 3 if n >= 500_000 else 6
        hit = bench_map.bench_hit_test(pos, codes, calls)
        hit["index_at"] = _index_at_times(app, picked, pos, codes, 300 if quick else 1000)
        raw["per_size"][str(n)] = hit
        print(f"{n:>9} index_at median {hit['index_at']['median_ms']:.3f} ms, max {hit['index_at']['max_ms']:.2f} ms;"
              f" pointsAt first {hit['pointsAt_ms_first']:.0f} ms then {hit['pointsAt_ms_median_rest']:.0f} ms",
              flush=True)
    hit = raw["per_size"][str(SIZES[-1])]
    ours = hit["index_at"]
    ref = hit["pointsAt_ms_median_rest"]
    rows = [row(f"hover hit-test at {SIZES[-1]:,} points",
                f"pointsAt {fmt_ms(ref)} (first call {fmt_ms(hit['pointsAt_ms_first'])})",
                f"{fmt_ms(ours['median_ms'])} median, {fmt_ms(ours['max_ms'])} max",
                f"{fmt_x(ref / ours['median_ms'])} faster", "≤ 3 ms per mouse move", ours["p99_ms"] <= 3.0,
                key="hit_test", note=f"{ours['n']} moves; met = p99 ≤ 3 ms (p99 {fmt_ms(ours['p99_ms'])}); the "
                                    f"picker is built once per map, in {fmt_ms(ours['picker_build_ms'])}",
                reference_ms=ref, ours_median_ms=ours["median_ms"], ours_max_ms=ours["max_ms"])]
    return {"rows": rows, "raw": raw}
