"""Analysis figures: our map wrappers against the libraries called directly, and a million
latents — nearest-neighbour queries against brute-force numpy, and the peak memory of the
latents with their index, PCA map and drawn map against the raw arrays' size."""
from __future__ import annotations

import time

import numpy as np

from benchmarks.common import fmt_ms, fmt_s, fmt_x, row, stats_ms, vm_hwm_bytes


def latent_like(n: int, d: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Twenty anisotropic Gaussian clusters, like an encoder's latents: (N, d) float32, codes."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(20, d)) * 3
    scales = rng.uniform(0.3, 1.2, (20, d))
    codes = rng.integers(0, 20, n)
    z = np.empty((n, d), np.float32)
    for start in range(0, n, 1 << 18):  # bounded temporaries
        c = codes[start:start + (1 << 18)]
        z[start:start + len(c)] = centres[c] + scales[c] * rng.standard_normal((len(c), d))
    return z, codes


def _direct(method: str, x: np.ndarray) -> np.ndarray:
    """The library called the way our defaults call it (`analysis.projection.DEFAULTS`)."""
    if method == "pca":
        from sklearn.decomposition import PCA

        return PCA(n_components=2, random_state=0).fit_transform(x)
    if method == "tsne":
        from openTSNE import TSNE

        return np.asarray(TSNE(n_components=2, perplexity=30.0, learning_rate="auto", early_exaggeration=12.0,
                               early_exaggeration_iter=250, n_iter=500, initialization="pca",
                               metric="euclidean", n_jobs=1, random_state=0,
                               negative_gradient_method="auto").fit(x))
    import umap

    return umap.UMAP(n_components=2, n_neighbors=15, min_dist=0.1, spread=1.0, metric="euclidean",
                     n_epochs=None, init="spectral", random_state=0, n_jobs=1).fit_transform(x)


def _ours(method: str, x: np.ndarray) -> np.ndarray:
    from latent_explorer.analysis.maps.projection import Projection

    return Projection(method, 2).fit(x)


def figure_projection(workdir, quick: bool) -> dict:
    import warnings

    warnings.filterwarnings("ignore")
    n, reps = (500, 2) if quick else (3000, 3)
    x, _ = latent_like(n, 16)
    t0 = time.perf_counter()
    small = x[:200]
    for method in ("pca", "tsne", "umap"):  # numba/openTSNE warm-up for both callers
        _direct(method, small)
        _ours(method, small)
    warm = time.perf_counter() - t0
    raw: dict = {"points": n, "dims": 16, "warm_up_s": warm, "times": {}}
    rows = []
    for method in ("pca", "tsne", "umap"):
        k = reps * (10 if method == "pca" else 1)
        ours, direct = [], []
        for rep in range(k):
            order = ((ours, _ours), (direct, _direct)) if rep % 2 == 0 else ((direct, _direct), (ours, _ours))
            for times, fn in order:
                t0 = time.perf_counter()
                fn(method, x)
                times.append(time.perf_counter() - t0)
        o, d = float(np.median(ours)), float(np.median(direct))
        raw["times"][method] = {"ours_s": ours, "direct_s": direct}
        lib = {"pca": "scikit-learn PCA", "tsne": "openTSNE", "umap": "umap-learn"}[method]
        print(f"{method}: ours {o:.3f} s, {lib} {d:.3f} s", flush=True)
        rows.append(row(f"{method.upper().replace('TSNE', 't-SNE')} map through our wrapper, {n:,} × 16",
                        f"{lib} directly {fmt_s(d)}", fmt_s(o), f"{o / d:.2f}× time", "≤ 1.05× time",
                        o / d <= 1.05, key=f"projection_{method}", note=f"median of {k}, order alternating",
                        ours_s=o, direct_s=d, ratio=o / d))
    return {"rows": rows, "raw": raw}


def _brute_force(z: np.ndarray, q: np.ndarray, k: int) -> np.ndarray:
    d2 = ((z - q) ** 2).sum(axis=1)
    best = np.argpartition(d2, k)[:k]
    return best[np.argsort(d2[best])]


def _show_map(positions: np.ndarray, codes: np.ndarray) -> dict:
    """The app's point item (the renderer it picks) showing the map in a plot widget."""
    import pyqtgraph as pg
    from PySide6.QtWidgets import QApplication

    from benchmarks.common import pin_singletons, qt_platform
    from latent_explorer.gui.map2d.scatter import choose_renderer, make_scatter_item, prepare_view

    qt_platform()
    pin_singletons()
    app = QApplication.instance() or QApplication([])
    kind = choose_renderer()
    widget = pg.PlotWidget(background="w")
    item = make_scatter_item(kind, size_px=6)
    prepare_view(widget, item)
    widget.resize(800, 600)
    widget.show()
    palette = [tuple(int(c) for c in pg.intColor(i, 20).getRgb()[:3]) + (200,) for i in range(20)]
    t0 = time.perf_counter()
    item.setData(positions, colors=codes, palette=palette)
    widget.addItem(item)
    widget.autoRange(padding=0.05)
    widget.repaint()
    app.processEvents()
    item.picker  # noqa: B018 - the map view builds it right after showing the map
    shown = time.perf_counter() - t0
    return {"renderer": kind, "shown_s": shown, "widget": widget}


def figure_million(workdir, quick: bool) -> dict:
    from latent_explorer.analysis.latent.neighbours import NeighbourIndex
    from latent_explorer.analysis.maps.projection import Projection

    n, d, k = (40_000 if quick else 1_000_000), 32, 10
    hwm_start = vm_hwm_bytes()
    z, codes = latent_like(n, d)
    raw_bytes = z.nbytes + n * 2 * 4  # the latents and their float32 map
    index = NeighbourIndex(z)
    t0 = time.perf_counter()
    index.build()
    build = time.perf_counter() - t0
    rng = np.random.default_rng(1)
    queries = z[rng.integers(0, n, 200)] + rng.normal(0, 0.1, (200, d)).astype(np.float32)
    times, found = [], []
    for q in queries:
        t0 = time.perf_counter()
        idx, _ = index.query(q, k)
        times.append(time.perf_counter() - t0)
        found.append(idx[0])
    print(f"neighbour index of {n:,} built in {build:.1f} s; query median {np.median(times) * 1e3:.3f} ms",
          flush=True)
    t0 = time.perf_counter()
    positions = Projection("pca", 2).fit(z)
    pca_s = time.perf_counter() - t0
    shown = _show_map(np.asarray(positions), codes)
    hwm = vm_hwm_bytes()
    brute, recall = [], []
    for q, ours in zip(queries[:20], found[:20]):
        t0 = time.perf_counter()
        exact = _brute_force(z, q, k)
        brute.append(time.perf_counter() - t0)
        recall.append(len(set(exact) & set(ours)) / k)
    shown["widget"].close()
    ours_stats, brute_stats = stats_ms(times), stats_ms(brute)
    raw = {"points": n, "dims": d, "k": k, "index_build_s": build, "exact": bool(index.exact_),
           "query": ours_stats, "brute_force": brute_stats, "recall_at_10": float(np.mean(recall)),
           "pca_s": pca_s, "map_shown_s": shown["shown_s"], "renderer": shown["renderer"],
           "vm_hwm_start_bytes": hwm_start, "vm_hwm_bytes": hwm, "raw_bytes": raw_bytes}
    label = f"{n:,} × {d}"
    rows = [row(f"nearest-neighbour query (k = {k}) at {label} latents",
                f"brute-force numpy {fmt_ms(brute_stats['median_ms'])}",
                f"{fmt_ms(ours_stats['median_ms'])} median, p95 {fmt_ms(ours_stats['p95_ms'])}",
                f"{fmt_x(brute_stats['median_ms'] / ours_stats['median_ms'])} faster", "≤ 5 ms per query",
                ours_stats["p95_ms"] <= 5.0, key="nn_query",
                note=f"recall@10 {np.mean(recall):.3f}; the index is built once in {fmt_s(build)}",
                ours_ms=ours_stats["median_ms"], reference_ms=brute_stats["median_ms"])]
    if hwm is not None:
        rows.append(row(f"peak memory: {label} latents, neighbour index, PCA map, drawn map",
                        f"raw arrays {raw_bytes / 2**20:,.0f} MiB", f"VmHWM {hwm / 2**20:,.0f} MiB",
                        f"{hwm / raw_bytes:.1f}× the raw arrays", "< 2 GB RSS", hwm < 2e9, key="peak_memory",
                        note=f"the interpreter with its libraries alone: {(hwm_start or 0) / 2**20:,.0f} MiB",
                        hwm_bytes=hwm, raw_bytes=raw_bytes))
    return {"rows": rows, "raw": raw}
