"""Clusters of the digits VAE's latents follow the digit classes; synthetic blobs are found
whole; every cluster comes with a centre to decode and a real image at its middle."""
from __future__ import annotations

import numpy as np
import pytest

from latent_explorer.analysis.latent import clusters
from latent_explorer.analysis.latent.clusters import cluster_latents
from latent_explorer.errors import UserError


@pytest.fixture(scope="module")
def ws(trained_digits_workspace):
    return trained_digits_workspace


def _blobs(n_per: int = 300, noise: int = 0, seed: int = 0):
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(3, 16)) * 12
    truth = np.repeat(np.arange(3), n_per)
    x = centres[truth] + rng.normal(size=(len(truth), 16))
    if noise:
        x = np.concatenate([x, rng.uniform(-40, 40, size=(noise, 16))])
        truth = np.concatenate([truth, np.full(noise, -1)])
    return x.astype(np.float32), truth


def test_kmeans_on_digits_follows_the_digit_classes(ws):
    result = cluster_latents(ws.latents.mean, "kmeans", n_clusters=10, labels=ws.dataset.labels)
    # measured: purity 0.74, adjusted Rand 0.57; ten random groups give purity 0.14
    assert result.n_clusters == 10 and result.purity > 0.6 and result.adjusted_rand > 0.4
    assert result.sizes.sum() == len(ws.latents.mean)
    assert list(result.sizes) == sorted(result.sizes, reverse=True)
    assert result.noise_fraction == 0.0 and set(np.unique(result.labels)) == set(range(10))
    for c in range(10):
        members = result.labels == c
        assert np.allclose(result.centres[c], ws.latents.mean[members].mean(axis=0), atol=1e-5)
        assert members[result.medoids[c]]


def test_prototypes_decode_to_digits_of_their_cluster(ws):
    from latent_explorer.analysis.latent.latents import decode_latents
    from latent_explorer.pipeline.train import load_model

    z, labels = ws.latents.mean, ws.dataset.labels
    result = cluster_latents(z, "kmeans", n_clusters=10, labels=labels)
    images = decode_latents(load_model(ws), result.centres)
    assert images.shape == (10, *ws.dataset.images.shape[1:])
    # each decoded centre looks most like the members of its own cluster
    members_mean = np.stack([ws.dataset.images[result.labels == c].mean(axis=0) for c in range(10)])
    distance = np.abs(images[:, None].astype(float) - members_mean[None]).mean(axis=(2, 3, 4))
    assert np.mean(distance.argmin(axis=1) == np.arange(10)) >= 0.8
    # the medoid sits nearer its centre than the average member does
    for c in range(10):
        members = z[result.labels == c]
        typical = np.linalg.norm(members - result.centres[c], axis=1).mean()
        assert np.linalg.norm(z[result.medoids[c]] - result.centres[c]) < typical


def test_the_number_of_clusters_is_chosen_by_silhouette():
    x, truth = _blobs()
    result = cluster_latents(x, labels=truth)
    assert result.n_clusters == 3 and result.purity == 1.0 and result.adjusted_rand == 1.0
    assert result.silhouette > 0.5 and result.params["n_clusters"] == 3


def test_hdbscan_finds_the_blobs_and_leaves_scattered_points_as_noise():
    x, truth = _blobs(noise=40)
    result = cluster_latents(x, "hdbscan", labels=truth)
    assert result.n_clusters == 3 and result.purity == 1.0
    assert (result.labels[truth == -1] == -1).mean() > 0.9
    assert (result.labels[truth >= 0] >= 0).mean() > 0.9
    assert result.summary()["count"] == 3 and 0 < result.summary()["noise_fraction"] < 0.1


def test_hdbscan_on_digits_gives_clean_clusters(ws):
    result = cluster_latents(ws.latents.mean, "hdbscan", labels=ws.dataset.labels)
    # measured: 9 clusters, purity 0.96 outside the noise (64 % of the points)
    assert result.n_clusters >= 5 and result.purity > 0.85
    assert (result.labels == -1).any() and result.labels.min() == -1


def test_hdbscan_on_a_large_set_labels_the_rest_by_their_nearest(monkeypatch):
    monkeypatch.setattr(clusters, "_HDBSCAN_MAX", 300)
    x, truth = _blobs(n_per=400)
    result = cluster_latents(x, "hdbscan", labels=truth, selection="eom")
    assert result.n_clusters == 3 and result.purity == 1.0
    assert (result.labels >= 0).mean() > 0.9


def test_without_labels_there_is_no_purity(ws):
    result = cluster_latents(ws.latents.mean[:300], n_clusters=4)
    assert result.purity is None and result.adjusted_rand is None
    summary = result.summary()
    assert summary["count"] == 4 and summary["purity"] is None and sum(summary["sizes"]) == 300


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"method": "spectral"}, "Unknown clustering method"),
        ({"n_clusters": 0}, "n_clusters must be"),
        ({"n_clusters": 10_000}, "n_clusters must be"),
        ({"method": "hdbscan", "min_cluster_size": 1}, "min_cluster_size must be"),
        ({"method": "hdbscan", "selection": "best"}, "selection must be"),
        ({"labels": np.zeros(3, int)}, "labels of shape"),
    ],
)
def test_bad_input_is_a_user_error(ws, kwargs, message):
    with pytest.raises(UserError, match=message):
        cluster_latents(ws.latents.mean[:200], **{"n_clusters": 3, **kwargs})


def test_bad_latents_are_a_user_error(ws):
    z = ws.latents.mean[:50].copy()
    z[4, 2] = np.nan
    with pytest.raises(UserError, match="NaN"):
        cluster_latents(z, n_clusters=3)
    with pytest.raises(UserError, match="non-empty"):
        cluster_latents(np.zeros((0, 4)), n_clusters=3)
