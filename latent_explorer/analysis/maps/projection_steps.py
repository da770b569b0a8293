"""Running openTSNE and umap-learn so that a task can show the map while it forms, and stop it.

openTSNE calls a callback every few iterations, but a callback cannot yield: the library runs in
a worker thread and hands copies of the layout over a queue. umap-learn has no callback:
`SteppedUMAP` lets umap-learn build the graph and the start layout, then this module runs
umap-learn's own per-epoch optimiser epoch by epoch — the same calls with the same random numbers,
so the map equals umap-learn's (the tests check it)."""
from __future__ import annotations

import functools
import logging
import queue
import threading
import warnings
from typing import Any, Callable

import numpy as np

from latent_explorer.errors import UserError
from latent_explorer.infra.tasks import CancelToken, Cancelled, Partial, Progress, Task

POLL_SECONDS = 0.05  # how often a waiting task looks at its CancelToken


def _tsne(k: int, p: dict, **extra: Any):
    from openTSNE import TSNE

    return TSNE(
        n_components=k, perplexity=p["perplexity"], learning_rate=p["learning_rate"],
        early_exaggeration=p["early_exaggeration"], early_exaggeration_iter=p["early_exaggeration_iter"],
        n_iter=p["n_iter"], initialization=p["initialization"], metric=p["metric"],
        n_jobs=p["n_jobs"], random_state=p["random_state"],
        # openTSNE's FFT gradient is 2D only; "auto" would pick it above 10,000 points.
        negative_gradient_method="bh" if k == 3 else "auto",
        **extra,
    )


class _LayoutSnapshots:
    """openTSNE callback: queues (iterations done, layout copy); stops the run when asked."""

    def __init__(self, early_iter: int, stop: threading.Event, cancel: CancelToken) -> None:
        self.queue: queue.SimpleQueue = queue.SimpleQueue()
        self.early_iter = early_iter
        self.stop = stop
        self.cancel = cancel
        self.phase = -1  # 0: early exaggeration, 1: the rest

    def optimization_about_to_start(self) -> None:
        self.phase += 1

    def __call__(self, iteration: int, error: float, embedding: np.ndarray) -> None:
        if self.stop.is_set() or self.cancel.cancelled:
            raise Cancelled()
        done = iteration + (self.early_iter if self.phase >= 1 else 0)
        self.queue.put((done, np.array(embedding, np.float32)))


def _run_in_thread(
    work: Callable[[], Any], snapshots: _LayoutSnapshots, total: int, label: str
) -> Task:
    """Run ``work`` on a worker thread; yield its snapshots (the newest only, so a slow view
    never lags); on cancel raise at once — the worker stops at its next callback."""
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["value"] = work()
        except BaseException as exc:  # handed to the task's thread below
            outcome["error"] = exc
        finally:
            snapshots.queue.put(None)

    worker = threading.Thread(target=target, name=f"latent-explorer {label}", daemon=True)
    worker.start()
    try:
        yield Progress(0, total, f"{label}: neighbours")
        while True:
            try:
                item = snapshots.queue.get(timeout=POLL_SECONDS)
            except queue.Empty:
                snapshots.cancel.raise_if_cancelled()
                continue
            while item is not None:
                try:
                    item = snapshots.queue.get_nowait()
                except queue.Empty:
                    break
            if item is None:
                break
            yield Progress(item[0], total, label)
            yield Partial(item[1])
            snapshots.cancel.raise_if_cancelled()
    finally:
        snapshots.stop.set()
    worker.join()
    if "error" in outcome:
        exc = outcome["error"]
        if isinstance(exc, ValueError):
            raise UserError(f"{label} could not run: {exc}") from exc
        raise exc
    yield Progress(total, total, label)
    return outcome["value"]


def fit_tsne_steps(x: np.ndarray, k: int, p: dict, cancel: CancelToken, every: int | None) -> Task:
    """t-SNE of ``x``: yields Progress/Partial, returns (embedding, openTSNE TSNEEmbedding)."""
    snapshots = _LayoutSnapshots(p["early_exaggeration_iter"], threading.Event(), cancel)
    tsne = _tsne(k, p, callbacks=snapshots, callbacks_every_iters=max(1, int(every or 20)))
    total = p["early_exaggeration_iter"] + p["n_iter"]
    result = yield from _run_in_thread(lambda: tsne.fit(x), snapshots, total, "t-SNE")
    result.gradient_descent_params["callbacks"] = None  # `transform` would call them too
    return np.asarray(result, np.float32), result


def tsne_transform(model, z: np.ndarray) -> np.ndarray:
    """openTSNE's `transform`, in the map's own frame: it re-centres the map in place first, so
    the shift is undone on the map and on the placed points."""
    layout = np.asarray(model)
    shift = (layout.max(axis=0) + layout.min(axis=0)) / 2
    placed = np.asarray(model.transform(z))
    model += shift
    return (placed + shift).astype(np.float32)


def rebuild_tsne(latents: np.ndarray, embedding: np.ndarray, k: int, p: dict):
    """An openTSNE embedding that can `transform`, from a saved layout (affinities recomputed)."""
    log = logging.getLogger("openTSNE.tsne")
    level = log.level
    log.setLevel(logging.ERROR)  # it warns that a finished layout is a wide "initialisation"
    try:
        return _tsne(k, p).prepare_initial(latents, initialization=np.array(embedding, np.float64))
    finally:
        log.setLevel(level)


@functools.cache
def _stepped_umap_class() -> type:
    import umap
    import umap.distances
    import umap.layouts
    import umap.umap_
    import umap.utils
    from sklearn.decomposition import PCA
    from umap.layouts import _get_optimize_layout_euclidean_single_epoch_fn
    from umap.spectral import spectral_layout
    from umap.umap_ import INT32_MAX, INT32_MIN, make_epochs_per_sample, noisy_scale_coords

    from latent_explorer.infra.numba_cache import cache_pynndescent, enable_disk_cache

    enable_disk_cache(umap.umap_, umap.utils, umap.layouts, umap.distances, umap.spectral)
    cache_pynndescent()

    class SteppedUMAP(umap.UMAP):
        """`fit` builds the graph and the start layout only; `run_epochs` then optimises it.
        Mirrors umap-learn 0.5's `simplicial_set_embedding` + `optimize_layout_euclidean` for
        Euclidean output without densMAP, drawing the same random numbers in the same order."""

        def _fit_embed_data(self, X, n_epochs, init, random_state, **kwargs):
            graph = self.graph_.tocoo()
            graph.sum_duplicates()
            default_epochs = 500 if graph.shape[0] <= 10000 else 200
            n_epochs = default_epochs if n_epochs is None else n_epochs
            cut = n_epochs if n_epochs > 10 else default_epochs
            graph.data[graph.data < (graph.data.max() / float(cut))] = 0.0
            graph.eliminate_zeros()
            k = self.n_components
            if init == "random":
                start = random_state.uniform(-10.0, 10.0, (graph.shape[0], k)).astype(np.float32)
            else:
                if init == "pca":
                    start = PCA(k, random_state=random_state).fit_transform(X).astype(np.float32)
                else:
                    start = spectral_layout(
                        X, graph, k, random_state,
                        metric=self._input_distance_func, metric_kwds=self._metric_kwds,
                    )
                start = noisy_scale_coords(start, random_state, max_coord=10, noise=0.0001)
            epochs_per_sample = make_epochs_per_sample(graph.data, n_epochs)
            rng_state = random_state.randint(INT32_MIN, INT32_MAX, 3).astype(np.int64)
            lo, hi = np.min(start, 0), np.max(start, 0)
            layout = (10.0 * (start - lo) / (hi - lo)).astype(np.float32, order="C")
            per_sample_rng = np.full((len(layout), 3), rng_state, dtype=np.int64)
            per_sample_rng += layout[:, 0].astype(np.float64).view(np.int64).reshape(-1, 1)
            per_negative = epochs_per_sample / self.negative_sample_rate
            self._steps = {
                "fn": _get_optimize_layout_euclidean_single_epoch_fn(self.random_state is None),
                "layout": layout, "head": graph.row, "tail": graph.col,
                "n_vertices": graph.shape[1], "n_epochs": n_epochs, "alpha": self._initial_alpha,
                "per_sample": epochs_per_sample, "per_negative": per_negative,
                "next_sample": epochs_per_sample.copy(), "next_negative": per_negative.copy(),
                "rng": per_sample_rng, "unused": np.zeros(1, dtype=np.float32),
            }
            return layout.copy(), {}  # UMAP.fit writes NaN into what it gets here

        def run_epochs(self, start: int, stop: int) -> np.ndarray:
            s, off = self._steps, self._steps["unused"]
            for n in range(start, stop):
                s["fn"](
                    s["layout"], s["layout"], s["head"], s["tail"], s["n_vertices"],
                    s["per_sample"], self._a, self._b, s["rng"], self.repulsion_strength,
                    self.n_components, True, s["alpha"], s["per_negative"], s["next_negative"],
                    s["next_sample"], n, False, off, off, 0, 0, 0, 0, off, off, 0,
                )
                s["alpha"] = self._initial_alpha * (1.0 - (float(n) / float(s["n_epochs"])))
            return s["layout"]

        def finish_layout(self) -> np.ndarray:
            layout = self._steps.pop("layout")
            del self._steps
            # As UMAP.fit does: points with no edge left have no place on the map.
            layout[np.asarray(self.graph_.sum(axis=1)).ravel() == 0] = np.nan
            self.embedding_ = layout
            return layout

    return SteppedUMAP


def _umap(k: int, p: dict):
    seeded = p["random_state"] is not None
    return _stepped_umap_class()(
        n_components=k, n_neighbors=p["n_neighbors"], min_dist=p["min_dist"], spread=p["spread"],
        metric=p["metric"], n_epochs=p["n_epochs"], init=p["init"],
        random_state=p["random_state"], n_jobs=1 if seeded else -1,  # a seed forces one thread
    )


def _fit_graph(reducer, x: np.ndarray) -> None:
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*inverse_transform will be unavailable")
        try:
            reducer.fit(x)
        except ValueError as exc:
            raise UserError(f"UMAP could not run: {exc}") from exc


def fit_umap_steps(x: np.ndarray, k: int, p: dict, cancel: CancelToken, every: int | None) -> Task:
    """UMAP of ``x``: yields Progress/Partial, returns (embedding, fitted SteppedUMAP)."""
    every = max(1, int(every or 10))
    total = p["n_epochs"] or (500 if len(x) <= 10000 else 200)
    yield Progress(0, total, "UMAP: neighbour graph")
    reducer = _umap(k, p)
    _fit_graph(reducer, x)
    for start in range(0, total, every):
        cancel.raise_if_cancelled()
        stop = min(total, start + every)
        layout = reducer.run_epochs(start, stop)
        yield Progress(stop, total, "UMAP: layout")
        if stop < total:
            yield Partial(layout.copy())
    return reducer.finish_layout(), reducer


def rebuild_umap(latents: np.ndarray, embedding: np.ndarray, k: int, p: dict):
    """A fitted UMAP that can `transform`, from a saved layout: the graph is rebuilt (same seed,
    same graph), the layout is not optimised again."""
    reducer = _umap(k, {**p, "init": "random"})
    _fit_graph(reducer, latents)
    reducer.finish_layout()
    reducer.embedding_ = np.array(embedding, np.float32)  # writable: numba wants it so
    return reducer
