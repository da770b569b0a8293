"""PNG plots of how the cost grows with the number of points or images, drawn with pyqtgraph's
ImageExporter off screen (no matplotlib):

    .venv/bin/python benchmarks/plots.py docs/benchmarks.json docs/benchmarks/

Prints the paths written, one a line."""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

WIDTH = 900
COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"]


def _plot(path: Path, title: str, xlabel: str, ylabel: str, series: dict[str, tuple[list, list]]) -> Path | None:
    import pyqtgraph as pg
    import pyqtgraph.exporters  # noqa: F401 (registers ImageExporter)

    series = {k: v for k, v in series.items() if v[0]}
    if not series:
        return None
    import math

    from PySide6.QtWidgets import QApplication

    widget = pg.PlotWidget(background="w")
    widget.resize(WIDTH, 560)
    item = widget.plotItem
    item.setTitle(title, color="k", size="12pt")
    item.layout.setContentsMargins(10, 10, 25, 10)
    item.setLogMode(True, True)
    item.showGrid(x=True, y=True, alpha=0.25)
    legend = item.addLegend(offset=(10, 10), labelTextColor="k", brush=pg.mkBrush(255, 255, 255, 220))
    for side, label in (("bottom", xlabel), ("left", ylabel)):
        axis = item.getAxis(side)
        axis.enableAutoSIPrefix(False)
        axis.setPen("k")
        axis.setTextPen("k")
        item.setLabel(side, label, color="k")
    xs_all = sorted({x for xs, _ in series.values() for x in xs})
    item.getAxis("bottom").setTicks([[(math.log10(x), f"{x:,}") for x in xs_all], []])
    ys_all = [y for _, ys in series.values() for y in ys if y > 0]
    wide = bool(ys_all) and max(ys_all) / min(ys_all) >= 100
    item.getAxis("left").setStyle(maxTextLevel=0 if wide else 1)
    for i, (name, (xs, ys)) in enumerate(series.items()):
        colour = COLOURS[i % len(COLOURS)]
        item.plot(xs, ys, pen=pg.mkPen(colour, width=2), symbol="o", symbolSize=7, symbolPen=colour,
                  symbolBrush=colour, name=name)
    legend.setVisible(True)
    item.getViewBox().autoRange(padding=0.08)
    if ys_all:  # headroom above the data for the legend
        lo, hi = math.log10(min(ys_all)), math.log10(max(ys_all))
        span = max(hi - lo, 0.5)
        item.setYRange(lo - 0.08 * span, hi + (0.12 + 0.1 * len(series)) * span, padding=0)
    widget.show()
    QApplication.processEvents()
    exporter = pg.exporters.ImageExporter(item)
    exporter.parameters()["width"] = WIDTH
    path.parent.mkdir(parents=True, exist_ok=True)
    exporter.export(str(path))
    widget.close()
    return path


def draw(data: dict, out: Path) -> list[Path]:
    figures = data.get("figures", data)
    written = []
    drawing = figures.get("map", {}).get("raw", {}).get("drawing", {})
    if drawing:
        sizes = sorted(drawing, key=int)
        kinds = list(drawing[sizes[0]])
        picked = figures["map"]["raw"].get("renderer_picked")
        software = figures["map"]["raw"].get("gl", {}).get("software")

        def name(kind: str) -> str:
            if kind == "ScatterPlotItem":
                return "pyqtgraph ScatterPlotItem (reference)"
            return kind + (" (the app picks it here)" if kind == picked else "") + \
                (" (software OpenGL here)" if kind == "gl" and software else "")

        for key, title, label, scale in (("frame_ms_median", "Map frame time (pan/zoom), median", "ms per frame", 1),
                                         ("setup_s", "Data arrives → points on screen", "ms", 1e3)):
            series = {name(k): ([int(n) for n in sizes if k in drawing[n]],
                                [drawing[n][k][key] * scale for n in sizes if k in drawing[n]]) for k in kinds}
            stem = "map_frame_time" if key == "frame_ms_median" else "map_setup_time"
            written.append(_plot(out / f"{stem}.png", title, "points", label, series))
    hits = figures.get("hit_test", {}).get("raw", {}).get("per_size", {})
    if hits:
        sizes = sorted(hits, key=int)
        series = {"ours: the map item's index_at, median": ([int(n) for n in sizes],
                                                            [hits[n]["index_at"]["median_ms"] for n in sizes]),
                  "ours: worst move": ([int(n) for n in sizes], [hits[n]["index_at"]["max_ms"] for n in sizes]),
                  "ScatterPlotItem.pointsAt (after its first call)": (
                      [int(n) for n in sizes if hits[n]["pointsAt_ms_median_rest"]],
                      [hits[n]["pointsAt_ms_median_rest"] for n in sizes if hits[n]["pointsAt_ms_median_rest"]])}
        written.append(_plot(out / "hover_hit_test.png", "Hover hit-test per mouse move", "points", "ms", series))
    ingest = figures.get("ingest", {}).get("raw", {})
    if ingest:
        series = {}
        for kind, runs in ingest.items():
            n = [r["images"] for r in runs]
            for what, label in (("plain_images_per_s", "plain Pillow loop"), ("cold_images_per_s", "cold"),
                                ("cached_images_per_s", "cached")):
                series[f"{kind}: {label}"] = (n, [r[what] for r in runs])
        written.append(_plot(out / "ingest_throughput.png", "Folder ingest throughput", "images",
                             "images per second", series))
    return [p for p in written if p is not None]


def main() -> int:
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from PySide6.QtWidgets import QApplication

    from benchmarks.common import pin_singletons

    pin_singletons()
    app = QApplication.instance() or QApplication([])  # noqa: F841 (the exporter needs it)
    data = json.loads(Path(sys.argv[1]).read_text())
    for path in draw(data, Path(sys.argv[2])):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
