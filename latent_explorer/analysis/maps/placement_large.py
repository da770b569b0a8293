"""Maps of very many latents: t-SNE and UMAP above `SAMPLE_ABOVE` points are fitted on a random
sample of `SAMPLE_SIZE` and every other point is placed beside its nearest sample neighbours
(`placement.place_on_map`: the inverse-square-distance blend of the map positions of its 8
nearest sample latents, found with a pynndescent index over the sample).

Placing by neighbours, not by umap-learn's `transform`, was chosen with numbers (benchmarks
figure ``map_million``: 50 Gaussian blobs in 16-d, 2 cores at load about 1; trustworthiness k=10
on 5,000 points). At 100,000 latents, fitted on 10,000: by neighbours 23.6 s, 0.9930; by
`transform` 48.8 s, 0.9865; the full fit 86.0 s, 0.9931. At 1,000,000, fitted on 100,000:
131 s (80 s the sample's UMAP, 51 s the placing), 0.9918.

The task shows the sample's map while it forms, then the placed points appear chunk by chunk
(rows not placed yet are NaN), and stops between chunks when cancelled."""
from __future__ import annotations

from typing import Callable

import numpy as np

from latent_explorer.analysis.latent.neighbours import NeighbourIndex
from latent_explorer.analysis.maps.placement import place_on_map
from latent_explorer.infra.tasks import CancelToken, Partial, Progress, Task

SAMPLE_ABOVE = 200_000  # t-SNE / UMAP of more points than this are fitted on a sample
SAMPLE_SIZE = 100_000  # of this many points
PLACE_CHUNK = 50_000  # points placed between two partial maps (and two cancel checks)
SAMPLED_METHODS = ("tsne", "umap")  # PCA is exact and fast at any size
_NAMES = {"tsne": "t-SNE", "umap": "UMAP"}

Fitter = Callable[[np.ndarray, int, dict, CancelToken, "int | None"], Task]


def sample_size(method: str, n_points: int) -> int | None:
    """How many points a ``method`` map of ``n_points`` is fitted on; None: all of them."""
    if method not in SAMPLED_METHODS or n_points <= SAMPLE_ABOVE or SAMPLE_SIZE >= n_points:
        return None
    return int(SAMPLE_SIZE)


def choose_sample(n_points: int, size: int, seed: int | None) -> np.ndarray:
    """``size`` distinct indices of ``n_points``, sorted (int64); the same seed, the same ones."""
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(n_points, size, replace=False)).astype(np.int64)


def sampled_note(method: str, n_sample: int, n_points: int) -> str:
    """What the window says about a sampled map: "UMAP fitted on 100,000 of 1,000,000 points"."""
    return f"{_NAMES.get(method, method)} fitted on {n_sample:,} of {n_points:,} points"


def _spread(n: int, rows: np.ndarray, values: np.ndarray) -> np.ndarray:
    """(n, k) float32, NaN except ``rows`` (a partial map: the points not placed yet are NaN)."""
    out = np.full((n, values.shape[1]), np.nan, np.float32)
    out[rows] = values
    return out


def fit_sampled(
    fit: Fitter, method: str, x: np.ndarray, k: int, p: dict, cancel: CancelToken,
    every: int | None, size: int,
) -> Task:
    """The ``method`` map of ``x`` (N, D) fitted (by ``fit``, a `projection_steps` fitter) on
    ``size`` random points, the others placed beside their neighbours. Yields Progress and
    Partial (N, k) maps; returns (embedding (N, k) float32, the fitted model, sample indices)."""
    n = len(x)
    sample = choose_sample(n, size, p["random_state"])
    xs = np.ascontiguousarray(x[sample])
    name = _NAMES.get(method, method)
    label = f"{name} of a {size:,}-image sample"
    inner = fit(xs, k, p, cancel, every)
    try:
        while True:
            item = next(inner)
            if isinstance(item, Progress):
                item = Progress(item.done, item.total, item.message.replace(name, label, 1))
            elif isinstance(item, Partial) and isinstance(item.value, np.ndarray):
                item = Partial(_spread(n, sample, item.value))
            yield item
    except StopIteration as stop:
        fitted, model = stop.value
    finally:
        inner.close()
    fitted = np.asarray(fitted, np.float32)
    embedding = _spread(n, sample, fitted)
    yield Partial(embedding.copy())
    yield from _place_rest(x, embedding, sample, fitted, cancel, p["random_state"])
    return embedding, model, sample


def _place_rest(
    x: np.ndarray, embedding: np.ndarray, sample: np.ndarray, fitted: np.ndarray,
    cancel: CancelToken, seed: int | None,
) -> Task:
    """Fill ``embedding``'s rows outside ``sample`` in place, chunk by chunk."""
    n = len(x)
    rest = np.ones(n, bool)
    rest[sample] = False
    rest = np.flatnonzero(rest)
    message = f"placing {len(rest):,} more beside their nearest neighbours"
    placed = np.isfinite(fitted).all(axis=1)  # UMAP leaves points with no edge unplaced (NaN)
    zs, ys = np.ascontiguousarray(x[sample[placed]]), fitted[placed]
    index = NeighbourIndex(zs, exact_below=20_000, seed=0 if seed is None else seed)
    for item in index.build_task(cancel):
        if isinstance(item, Progress):
            yield Progress(0, len(rest), f"{message}: {item.message}")
    for start in range(0, len(rest), PLACE_CHUNK):
        cancel.raise_if_cancelled()
        rows = rest[start:start + PLACE_CHUNK]
        embedding[rows] = place_on_map(x[rows], zs, ys, index=index)
        done = start + len(rows)
        yield Progress(done, len(rest), message)
        if done < len(rest):
            yield Partial(embedding.copy())


__all__ = [
    "PLACE_CHUNK", "SAMPLE_ABOVE", "SAMPLE_SIZE", "choose_sample", "fit_sampled", "sample_size",
    "sampled_note",
]
