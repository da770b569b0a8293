"""Maps of real latents (demo:digits): what a user sees — shapes, seeds, live partial maps, cancel,
instant repeats, new points landing where they belong, maps kept in a workspace."""
from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass

import numpy as np
import pytest
from scipy.spatial import cKDTree

from latent_explorer.analysis.maps.projection_cache import ProjectionCache
from latent_explorer.analysis.maps.projection import Projection
from latent_explorer.errors import UserError
from latent_explorer.infra.tasks import CancelToken, Cancelled, Partial, Progress, run_task

from . import FAST_PARAMS as FAST
from . import digit_latents

N = 400


@pytest.fixture(scope="module")
def data(digits):
    return digit_latents(digits, N)


@dataclass
class Run:
    projection: Projection
    result: np.ndarray
    partials: list
    progress: list


@pytest.fixture(scope="module", params=["tsne", "umap"])
def run(request, data):
    """One uncached 2D fit per method with everything it yielded."""
    latents, _ = data
    proj = Projection(request.param, 2, **FAST[request.param])
    partials, progress = [], []
    result = run_task(
        proj.fit_task(latents), on_progress=progress.append, on_partial=partials.append
    )
    return Run(proj, result, partials, progress)


def same_place_or_label(embedding, placed, labels, own) -> float:
    """Share of placed points whose nearest map point is the point itself or of its label."""
    nearest = cKDTree(embedding).query(placed)[1]
    return float(np.mean((nearest == own) | (labels[nearest] == labels[own])))


def test_pca_map_is_exact_and_transform_reproduces_it(data):
    latents, _ = data
    for k in (2, 3):
        proj = Projection("pca", k)
        embedding = proj.fit(latents)
        assert embedding.shape == (N, k) and embedding.dtype == np.float32
        assert not embedding.flags.writeable  # a cached map cannot be changed by accident
        np.testing.assert_allclose(proj.transform(latents), embedding, atol=1e-5)
        mean, components = proj.linear_inverse()
        np.testing.assert_allclose(components @ components.T, np.eye(k), atol=1e-5)


def test_bad_requests_are_explained(data):
    latents, _ = data
    cases = [
        (Projection("mds", 2), "Unknown map method"),
        (Projection("pca", 4), "2 or 3 dimensions"),
        (Projection("tsne", 2, perplexity=200), "perplexity 200 is too high"),
        (Projection("tsne", 2, perplexty=20), "no parameter 'perplexty'"),
        (Projection("umap", 2, n_neighbors=N), "n_neighbors"),
        (Projection("umap", 2, min_dist=-1), "min_dist"),
    ]
    for proj, message in cases:
        with pytest.raises(UserError, match=message):
            proj.fit(latents)
    broken = latents.copy()
    broken[3, 2] = np.nan
    for method in ("pca", "tsne"):
        with pytest.raises(UserError):
            Projection(method, 2).fit(broken)


def test_partial_maps_arrive_while_optimising_and_the_last_is_the_result(run):
    assert run.result.shape == (N, 2) and np.isfinite(run.result).all()
    assert len(run.partials) >= 5
    assert all(p.shape == (N, 2) and p.dtype == np.float32 for p in run.partials)
    assert run.partials[-1] is run.result
    assert not np.allclose(run.partials[0], run.result)  # the map moved while it was shown
    fractions = [p.fraction for p in run.progress]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0


def test_a_seed_fixes_the_map_and_a_repeat_comes_from_the_cache(run, data):
    latents, _ = data
    method = run.projection.method
    cache = ProjectionCache()
    first = Projection(method, 2, **FAST[method]).fit(latents.copy(), cache=cache)  # cached from now on
    np.testing.assert_allclose(first, run.result, atol=1e-5)
    start = time.perf_counter()
    items = list(Projection(method, 2, **FAST[method]).fit_task(latents, cache=cache))
    elapsed = time.perf_counter() - start
    assert items[-1].value is first  # the very same array, not a recomputation
    assert [type(i) for i in items] == [Progress, Partial]
    assert elapsed < 0.5
    other_seed = Projection(method, 2, random_state=1, **FAST[method]).fit(latents, cache=cache)
    assert not np.allclose(other_seed, first)
    elsewhere = list(Projection(method, 2, **FAST[method]).fit_task(latents, cache=ProjectionCache()))
    assert elsewhere[-1].value is not first  # another session's cache shares nothing


@pytest.mark.parametrize("run", ["umap"], indirect=True)
def test_umap_map_equals_umap_learns_own(data, run):
    import umap

    latents, _ = data
    direct = umap.UMAP(random_state=0, n_jobs=1, n_epochs=100).fit_transform(latents)
    np.testing.assert_array_equal(run.result, direct)


def test_new_latents_land_where_their_twins_are(run, data):
    latents, labels = data
    own = np.arange(0, N, 3)
    placed = run.projection.transform(latents[own])
    assert placed.shape == (len(own), 2)
    assert same_place_or_label(run.result, placed, labels, own) >= 0.9


@pytest.mark.parametrize("method", ["tsne", "umap"])
def test_cancel_stops_a_long_run_promptly(data, method):
    latents, _ = data
    long_run = {"tsne": {"n_iter": 50_000}, "umap": {"n_epochs": 50_000}}[method]
    token = CancelToken()
    task = Projection(method, 2, **long_run).fit_task(latents, cancel=token)
    next(item for item in task if isinstance(item, Partial))
    token.cancel()
    start = time.perf_counter()
    with pytest.raises(Cancelled):
        for _ in task:
            pass
    assert time.perf_counter() - start < 2.0
    deadline = time.perf_counter() + 5.0
    while any(t.name.startswith("latent-explorer") for t in threading.enumerate()):
        assert time.perf_counter() < deadline, "the optimiser kept running after cancel"
        time.sleep(0.02)


@pytest.mark.parametrize("method", ["tsne", "umap"])
def test_3d_maps(data, method):
    latents, labels = data
    proj = Projection(method, 3, **FAST[method])
    embedding = proj.fit(latents)
    assert embedding.shape == (N, 3) and np.isfinite(embedding).all()
    own = np.arange(0, N, 10)
    assert same_place_or_label(embedding, proj.transform(latents[own]), labels, own) >= 0.8


def test_a_map_survives_a_workspace_round_trip(tmp_path, small_digits, data, run):
    from latent_explorer.workspace.session_file import Workspace, load_workspace, save_workspace

    latents, labels = data
    proj = run.projection
    meta, arrays = proj.to_state()
    json.dumps(meta)  # plain JSON, no pickled estimator
    ws = Workspace(dataset=small_digits)
    ws.extra_meta["maps"] = {proj.name: meta}
    ws.extra_arrays.update({f"map.{proj.name}.{k}": v for k, v in arrays.items()})
    save_workspace(tmp_path / "maps.lexp", ws)
    back = load_workspace(tmp_path / "maps.lexp")

    saved = back.extra_meta["maps"][proj.name]
    saved_arrays = {k: back.extra_arrays[f"map.{proj.name}.{k}"] for k in arrays}
    cache = ProjectionCache()
    restored = Projection.from_state(saved, saved_arrays, latents=latents, cache=cache)
    np.testing.assert_array_equal(restored.embedding_, run.result)
    # Asking for that map again is free, and new points can still be placed on it.
    assert Projection(proj.method, 2, **FAST[proj.method]).fit(latents, cache=cache) is restored.embedding_
    own = np.arange(0, N, 7)
    assert same_place_or_label(run.result, restored.transform(latents[own]), labels, own) >= 0.9
    with pytest.raises(UserError, match="other latents"):
        Projection.from_state(saved, saved_arrays, latents=latents + 1)


def test_pca_state_places_points_without_the_latents(data):
    latents, _ = data
    proj = Projection("pca", 2)
    proj.fit(latents)
    restored = Projection.from_state(*proj.to_state())
    np.testing.assert_allclose(restored.transform(latents[:20]), proj.embedding_[:20], atol=1e-5)
