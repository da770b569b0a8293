"""Nearest latents: the exact search agrees with scikit-learn, the approximate index with the
exact search, a point is never its own neighbour, and bad input says what is wrong."""
from __future__ import annotations

import numpy as np
import pytest
from sklearn.neighbors import NearestNeighbors

from latent_explorer.analysis.latent import neighbours
from latent_explorer.analysis.latent.neighbours import NeighbourIndex
from latent_explorer.errors import UserError
from latent_explorer.infra.tasks import CancelToken, Cancelled, Progress


@pytest.fixture(scope="module")
def z(trained_digits_workspace):
    return trained_digits_workspace.latents.mean


def _recall(found: np.ndarray, truth: np.ndarray) -> float:
    return float(np.mean([len(set(a) & set(b)) / len(b) for a, b in zip(found, truth)]))


@pytest.mark.parametrize("metric", ["euclidean", "cosine"])
def test_exact_search_matches_scikit_learn(z, metric):
    index = NeighbourIndex(z, metric=metric)
    assert index.exact_
    reference = NearestNeighbors(n_neighbors=11, metric=metric, algorithm="brute").fit(z)
    truth_dist, truth_idx = reference.kneighbors(z)
    idx, dist = index.query_index(np.arange(len(z)), 10)
    assert idx.shape == (len(z), 10) and idx.dtype == np.int64 and dist.dtype == np.float32
    assert np.array_equal(idx, truth_idx[:, 1:])
    assert np.allclose(dist, truth_dist[:, 1:], atol=1e-5)
    queries = z[:40] + 0.05
    idx, dist = index.query(queries, 5)
    truth_dist, truth_idx = reference.kneighbors(queries, 5)
    assert np.array_equal(idx, truth_idx) and np.allclose(dist, truth_dist, atol=1e-5)


def test_exact_search_in_many_chunks_is_still_exact():
    rng = np.random.default_rng(1)
    data = rng.normal(size=(30_000, 8)).astype(np.float32) + 50.0  # far from the origin
    queries = data[rng.choice(len(data), 600, replace=False)] + 0.01
    idx, dist = NeighbourIndex(data).query(queries, 7)
    truth_dist, truth_idx = NearestNeighbors(n_neighbors=7).fit(data).kneighbors(queries)
    assert np.array_equal(idx, truth_idx)
    assert np.allclose(dist, truth_dist, atol=1e-4)


def test_a_point_is_never_its_own_neighbour_even_with_duplicates(z):
    data = np.concatenate([z[:100], z[:100]])  # every latent twice
    idx, dist = NeighbourIndex(data).query_index(np.arange(200), 3)
    assert not (idx == np.arange(200)[:, None]).any()
    assert np.array_equal(idx[:, 0], (np.arange(200) + 100) % 200)  # its twin
    assert np.all(dist[:, 0] == 0)
    one_idx, one_dist = NeighbourIndex(z).query_index(5, 4)
    assert one_idx.shape == (1, 4) and 5 not in one_idx
    last = NeighbourIndex(z).query_index(len(z) - 1, 2)[0]
    assert np.array_equal(NeighbourIndex(z).query_index(-1, 2)[0], last)
    self_idx, self_dist = NeighbourIndex(z).query(z[7], 1)
    assert self_idx[0, 0] == 7 and self_dist[0, 0] == 0
    tiny = NeighbourIndex(z[:50], exact_below=0)  # too small for an approximate index
    assert tiny.exact_ and tiny.query_index(0, 49)[0].shape == (1, 49)


@pytest.mark.slow  # pynndescent's kernels: 23 s to build; 3 minutes more in a cold numba cache
def test_the_approximate_index_agrees_with_the_exact_search(z, compiled_numba):
    exact = NeighbourIndex(z)
    approximate = NeighbourIndex(z, exact_below=100)
    assert not approximate.exact_ and not approximate.built
    steps = list(_items(approximate.build_task()))
    assert approximate.built and approximate.build_seconds_ > 0
    assert all(isinstance(s, Progress) for s in steps) and steps[-1].fraction == 1.0
    truth, truth_dist = exact.query_index(np.arange(len(z)), 10)
    idx, dist = approximate.query_index(np.arange(len(z)), 10)
    assert _recall(idx, truth) >= 0.9
    assert not (idx == np.arange(len(z))[:, None]).any()
    same = idx == truth
    assert np.allclose(dist[same], truth_dist[same], rtol=1e-4)
    queries = z[::10] + 0.05
    assert _recall(approximate.query(queries, 10)[0], exact.query(queries, 10)[0]) >= 0.9
    graph_idx, graph_dist = approximate.neighbour_graph(10)
    assert _recall(graph_idx, truth) >= 0.9
    assert np.allclose(graph_dist.mean(), truth_dist.mean(), rtol=0.02)


def _items(task):
    while True:
        try:
            yield next(task)
        except StopIteration:
            return


def test_the_neighbour_graph_is_a_cancellable_task(z, monkeypatch):
    monkeypatch.setattr(neighbours, "_CHUNK", 1 << 16)  # several chunks of rows
    index = NeighbourIndex(z)
    idx, dist = index.neighbour_graph(5)
    assert np.array_equal(idx, index.query_index(np.arange(len(z)), 5)[0])
    token = CancelToken()
    task = index.neighbour_graph_task(5, token)
    next(task)
    token.cancel()
    with pytest.raises(Cancelled):
        list(_items(task))


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda z: NeighbourIndex(z).query(z[:3], len(z) + 1), "k must be"),
        (lambda z: NeighbourIndex(z).query(z[:3], 0), "k must be"),
        (lambda z: NeighbourIndex(z).query_index(0, len(z)), "other latents"),
        (lambda z: NeighbourIndex(z).query_index(len(z), 3), "out of range"),
        (lambda z: NeighbourIndex(z).query_index(1.5, 3), "data index"),
        (lambda z: NeighbourIndex(z).query(z[:3, :5], 3), "dimensions"),
        (lambda z: NeighbourIndex(z).query(np.full(z.shape[1], np.nan), 3), "NaN"),
        (lambda z: NeighbourIndex(np.where(z == z[3, 3], np.nan, z)), "NaN"),
        (lambda z: NeighbourIndex(z[:0]), "non-empty"),
        (lambda z: NeighbourIndex(z[0]), "non-empty"),
        (lambda z: NeighbourIndex(z, metric="manhattan"), "Unknown metric"),
        (lambda z: NeighbourIndex(np.zeros_like(z), metric="cosine"), "all zeros"),
    ],
)
def test_bad_input_is_a_user_error(z, make, message):
    with pytest.raises(UserError, match=message):
        make(z)
