"""Maps of very many latents (`placement_large`): t-SNE/UMAP fitted on a sample, the rest placed
beside their neighbours — every point placed, near its own kind, shown as it goes, cancellable,
saved and reopened. The size threshold is lowered so each test runs in seconds."""
from __future__ import annotations

import json

import numpy as np
import pytest
from scipy.spatial import cKDTree
from sklearn.manifold import trustworthiness

from latent_explorer.analysis.maps import placement_large
from latent_explorer.analysis.maps.projection import Projection
from latent_explorer.analysis.maps.projection_cache import ProjectionCache
from latent_explorer.errors import UserError
from latent_explorer.infra.tasks import CancelToken, Cancelled, run_task

from . import FAST_PARAMS as FAST

# umap-learn finds the neighbours of under 4,096 points from all N² distances, one Python call
# each (2 µs): 2,500 points keep the full fit for comparison at a few seconds.
N, SAMPLE, BLOBS = 2500, 500, 8


@pytest.fixture(scope="module")
def blobs():
    """(latents (N, 16) float32, labels): well-separated Gaussian blobs of varied spreads."""
    rng = np.random.default_rng(0)
    centres = rng.normal(0.0, 6.0, (BLOBS, 16))
    spread = rng.uniform(0.5, 1.2, BLOBS)
    labels = rng.integers(0, BLOBS, N)
    x = centres[labels] + rng.normal(size=(N, 16)) * spread[labels, None]
    return x.astype(np.float32), labels


@pytest.fixture
def small_threshold(monkeypatch):
    monkeypatch.setattr(placement_large, "SAMPLE_ABOVE", 1000)
    monkeypatch.setattr(placement_large, "SAMPLE_SIZE", SAMPLE)
    monkeypatch.setattr(placement_large, "PLACE_CHUNK", 500)


def label_agreement(embedding, labels, k: int = 10) -> float:
    """Share of each point's k nearest map neighbours that have its label."""
    idx = cKDTree(embedding).query(embedding, k + 1)[1][:, 1:]
    return float(np.mean(labels[idx] == labels[:, None]))


def fit_recording(proj: Projection, latents, cancel=None, on_partial=None):
    partials, progress = [], []

    def partial(value) -> None:
        partials.append(np.array(value))
        if on_partial is not None:
            on_partial(value)

    result = run_task(proj.fit_task(latents, cancel), on_progress=progress.append, on_partial=partial)
    return result, partials, progress


def test_only_large_tsne_and_umap_maps_are_sampled(blobs, small_threshold):
    assert placement_large.sample_size("pca", 10**7) is None
    assert placement_large.sample_size("umap", 1000) is None
    assert placement_large.sample_size("tsne", 1001) == SAMPLE
    latents, _ = blobs
    proj = Projection("pca", 2)
    proj.fit(latents)
    assert proj.sample_ is None and proj.note == ""
    np.testing.assert_array_equal(placement_large.choose_sample(N, 10, 3),
                                  placement_large.choose_sample(N, 10, 3))


def test_sampled_umap_places_every_point_beside_its_kind(blobs, small_threshold, monkeypatch):
    latents, labels = blobs
    proj = Projection("umap", 2, **FAST["umap"], random_state=0)
    embedding, partials, progress = fit_recording(proj, latents)
    assert embedding.shape == (N, 2) and np.isfinite(embedding).all()
    assert len(proj.sample_) == SAMPLE and proj.note == "UMAP fitted on 500 of 2,500 points"
    assert label_agreement(embedding, labels) >= 0.95
    messages = {p.message for p in progress}
    assert any("UMAP of a 500-image sample" in m for m in messages)
    assert "placing 2,000 more beside their nearest neighbours" in messages

    # Partial maps: the sample's map first (only its rows placed), then growing placed sets.
    placed = [np.isfinite(p).all(axis=1) for p in partials]
    sample_rows = np.zeros(N, bool)
    sample_rows[proj.sample_] = True
    first_placing = next(i for i, p in enumerate(placed) if p.sum() > SAMPLE)
    assert first_placing >= 2  # the sample's map animated before any point was placed
    assert all((p == sample_rows).all() for p in placed[:first_placing])
    counts = [int(p.sum()) for p in placed[first_placing:]]
    assert counts == [1000, 1500, 2000, 2500]
    np.testing.assert_array_equal(partials[-1], embedding)

    # As trustworthy as a map of every point (same data, same parameters, measured alike).
    monkeypatch.setattr(placement_large, "SAMPLE_ABOVE", 10**9)
    full = Projection("umap", 2, **FAST["umap"], random_state=0).fit(latents)
    sub = np.random.default_rng(1).choice(N, 2000, replace=False)  # one subsample for both
    tw_full = trustworthiness(latents[sub], full[sub], n_neighbors=10)
    tw_sampled = trustworthiness(latents[sub], embedding[sub], n_neighbors=10)
    assert tw_sampled >= tw_full - 0.03, (tw_sampled, tw_full)


def test_cancel_between_chunks_stops_placing(blobs, small_threshold):
    latents, _ = blobs
    token = CancelToken()
    seen = []

    def cancel_once_placing(value) -> None:
        seen.append(int(np.isfinite(value).all(axis=1).sum()))
        if seen[-1] > SAMPLE:
            token.cancel()

    proj = Projection("umap", 2, **FAST["umap"], random_state=1)
    with pytest.raises(Cancelled):
        fit_recording(proj, latents, token, cancel_once_placing)
    assert seen[-1] == SAMPLE + 500  # stopped at the next chunk: no further partial map came
    assert proj.embedding_ is None


def test_sampled_map_is_cached_saved_reopened_and_transforms(blobs, small_threshold, small_digits,
                                                             tmp_path):
    from latent_explorer.workspace.session_file import Workspace, load_workspace, save_workspace

    latents, labels = blobs
    cache = ProjectionCache()
    proj = Projection("tsne", 2, **FAST["tsne"], random_state=0)
    embedding = proj.fit(latents, cache=cache)
    assert np.isfinite(embedding).all() and label_agreement(embedding, labels) >= 0.95
    again = Projection("tsne", 2, **FAST["tsne"], random_state=0)
    np.testing.assert_array_equal(again.fit(latents, cache=cache), embedding)  # a cache hit
    assert again.note == "t-SNE fitted on 500 of 2,500 points"

    meta, arrays = proj.to_state()
    assert meta["sample_size"] == SAMPLE and meta["n_points"] == N
    assert meta["note"] == proj.note
    np.testing.assert_array_equal(arrays["sample"], proj.sample_)

    json.dumps(meta)
    ws = Workspace(dataset=small_digits, extra_meta={"map": meta},
                   extra_arrays={f"map.{k}": v for k, v in arrays.items()})
    save_workspace(tmp_path / "sampled.lexp", ws)
    back = load_workspace(tmp_path / "sampled.lexp")
    saved_arrays = {k: back.extra_arrays[f"map.{k}"] for k in arrays}
    reopened = Projection.from_state(back.extra_meta["map"], saved_arrays, latents)
    np.testing.assert_array_equal(reopened.embedding_, embedding)
    np.testing.assert_array_equal(reopened.sample_, proj.sample_)
    assert reopened.note == proj.note
    # `transform` rebuilds the model from the sample (not all N) and lands new points home.
    others = np.setdiff1d(np.arange(N), proj.sample_)[:200]
    for p in (proj, reopened):
        placed = p.transform(latents[others])
        assert placed.shape == (200, 2) and np.isfinite(placed).all()
        nearest = cKDTree(embedding).query(placed)[1]
        assert np.mean(labels[nearest] == labels[others]) >= 0.9
    assert len(np.asarray(reopened._fitted.model)) == SAMPLE

    broken = dict(arrays, sample=np.array(arrays["sample"])[::-1])
    with pytest.raises(UserError, match="damaged"):
        Projection.from_state(meta, broken, latents)


def test_sampled_umap_transforms_after_reopening(blobs, small_threshold):
    latents, labels = blobs
    proj = Projection("umap", 2, **FAST["umap"], random_state=2)
    embedding = proj.fit(latents)
    meta, arrays = proj.to_state()
    reopened = Projection.from_state(meta, arrays, latents)
    placed = reopened.transform(latents[:100])
    nearest = cKDTree(embedding).query(placed)[1]
    assert np.mean(labels[nearest] == labels[:100]) >= 0.9
    assert len(reopened._fitted.model.embedding_) == SAMPLE
