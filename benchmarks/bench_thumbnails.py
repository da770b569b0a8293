"""Images as points: the frame time of the map with every image's thumbnail drawn at its point
(`gui.map2d.thumbnails.ThumbnailItem` over the raster dots), at 10,000 and 100,000 synthetic
colour images, beside the plain dot map of the same points in the same widget and run.

Each size is drawn in a 1024×700 plot at two zoom levels — the whole map, and 8× into one of
its blobs — with the pans and zooms of the map figure (`bench_map.bench_drawing`), after the
first complete frame (whose sprites are made from the images: reported apart, as "first look")."""
from __future__ import annotations

import time

import numpy as np

from benchmarks import bench_map
from benchmarks.common import fmt_ms, fmt_s, fmt_x, pin_singletons, row, stats_ms

SIZES = (10_000, 100_000)
WIDTH, HEIGHT = 1024, 700
IMAGE_PX = 32
ZOOMS = {"whole map": 1.0, "8× zoom": 8.0}
TARGET_MS = 50.0


def make_images(n: int, seed: int = 0) -> np.ndarray:
    """(n, 32, 32, 3) uint8: a colour per image, a lighter disc of another and some noise."""
    rng = np.random.default_rng(seed)
    base = rng.integers(0, 256, (n, 1, 1, 3), dtype=np.uint8)
    spot = rng.integers(0, 256, (n, 1, 1, 3), dtype=np.uint8)
    yy, xx = np.mgrid[:IMAGE_PX, :IMAGE_PX]
    disc = ((yy - IMAGE_PX / 2) ** 2 + (xx - IMAGE_PX / 2) ** 2 < (IMAGE_PX / 3) ** 2)[None, :, :, None]
    images = np.where(disc, spot, base)
    images += rng.integers(0, 24, (1, IMAGE_PX, IMAGE_PX, 3), dtype=np.uint8)  # wraps: texture
    return images


def _frames(app, widget, count: int, layer=None, layer_ms: list | None = None) -> list[float]:
    """Frame times (s) over pans and zooms; with ``layer``, its own render time of each frame
    (ms) goes to ``layer_ms``."""
    vb = widget.plotItem.vb
    times = []
    for k in range(count):
        bench_map.pan_or_zoom(vb, k)
        times.append(bench_map.frame(app, widget) / 1e3)
        if layer is not None:
            layer_ms.append(layer.last_render_ms)
    return times


def bench_size(app, n: int, frames: int) -> dict:
    import pyqtgraph as pg

    from latent_explorer.gui.map2d.scatter import RasterScatterItem
    from latent_explorer.gui.map2d.thumbnails import ThumbnailItem

    pos, codes = bench_map.make_map(n)
    images = make_images(n)
    widget = pg.PlotWidget(background="w")
    widget.resize(WIDTH, HEIGHT)
    widget.show()
    for _ in range(5):
        app.processEvents()
    dots = RasterScatterItem(size_px=6)
    dots.setData(pos, colors=codes, palette=bench_map.palette_rgba())
    widget.addItem(dots)
    thumbs = ThumbnailItem(dots, lambda: images)
    widget.plotItem.addItem(thumbs, ignoreBounds=True)
    vb = widget.plotItem.vb
    blob = pos[codes == 0].mean(axis=0)
    out: dict = {}
    for name, zoom in ZOOMS.items():
        widget.autoRange(padding=0.05)
        if zoom != 1.0:
            vb.scaleBy((1 / zoom, 1 / zoom), center=(float(blob[0]), float(blob[1])))
        thumbs.setVisible(False)
        bench_map.frame(app, widget)
        reference = _frames(app, widget, frames)
        thumbs.setVisible(True)
        thumbs.forget()  # the first look: every sprite made from the images
        done: list[int] = []
        thumbs.drawn.connect(done.append)
        t0 = time.perf_counter()
        first = 0
        while not done and time.perf_counter() - t0 < 60:
            bench_map.frame(app, widget)
            first += 1
        first_s = time.perf_counter() - t0
        thumbs.drawn.disconnect(done.append)
        layer_ms: list[float] = []
        ours = _frames(app, widget, frames, thumbs, layer_ms)
        out[name] = {"dots": stats_ms(reference), "images": stats_ms(ours), "first_look_s": first_s,
                     "layer_render_ms_median": float(np.median(layer_ms)),
                     "first_look_frames": first, "sprites": thumbs.count, "sprite_px": thumbs.size_px,
                     "render_ms_last": thumbs.last_render_ms}
        print(f"{n:>7} {name:<10} dots {out[name]['dots']['median_ms']:6.1f} ms, images "
              f"{out[name]['images']['median_ms']:6.1f} ms (p95 {out[name]['images']['p95_ms']:.1f}; the layer's "
              f"own {out[name]['layer_render_ms_median']:.1f} ms); "
              f"{thumbs.count} sprites of {thumbs.size_px} px; first look {first_s:.2f} s in {first} frames",
              flush=True)
    widget.close()
    widget.deleteLater()
    app.processEvents()
    return out


def figure_thumbnails(workdir, quick: bool) -> dict:
    from PySide6.QtWidgets import QApplication

    from latent_explorer.gui.map2d.scatter import warm_up as warm_up_dots
    from latent_explorer.gui.render.thumb_lod import warm_up

    pin_singletons()
    app = QApplication.instance() or QApplication([])
    t0 = time.perf_counter()
    warm_up_dots()
    warm_up()
    warm = time.perf_counter() - t0
    frames = 8 if quick else 24
    raw: dict = {"numba_warm_up_s": warm, "frames": frames, "widget": [WIDTH, HEIGHT], "image_px": IMAGE_PX,
                 "per_size": {}}
    rows = []
    for n in SIZES:
        res = raw["per_size"][str(n)] = bench_size(app, n, frames)
        for name, r in res.items():
            ref, ours = r["dots"]["median_ms"], r["images"]["median_ms"]
            big = n == SIZES[-1]
            rows.append(row(
                f"images as points, {n:,} images, {name} (1024×700)", f"dots only {fmt_ms(ref)}",
                f"{fmt_ms(ours)} (p95 {fmt_ms(r['images']['p95_ms'])}), "
                f"{r['sprites']:,} sprites of {r['sprite_px']} px",
                f"{fmt_x(ours / ref)} the dots' time", f"≤ {TARGET_MS:.0f} ms a frame" if big else "—",
                ours <= TARGET_MS if big else None,
                key=f"thumbnails_{n}_{'zoom' if '8' in name else 'all'}",
                note=f"met = median ≤ {TARGET_MS:.0f} ms, dots included; the layer's own render "
                     f"{fmt_ms(r['layer_render_ms_median'])} a frame; first look (every sprite made from the "
                     f"images) {fmt_s(r['first_look_s'])} in {r['first_look_frames']} frame(s)",
                reference_ms=ref, ours_ms=ours, ours_p95_ms=r["images"]["p95_ms"],
                layer_render_ms=r["layer_render_ms_median"], first_look_s=r["first_look_s"]))
    return {"rows": rows, "raw": raw}


if __name__ == "__main__":
    import json
    import sys

    from benchmarks.common import qt_platform

    qt_platform()
    print(json.dumps(figure_thumbnails(None, "--quick" in sys.argv)["rows"], indent=1, default=float))
