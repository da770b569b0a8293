"""Unusual images on the real digits VAE: images the model was never meant to see (noise,
inverted digits) and latents far from all others come out on top, with a reason in words."""
from __future__ import annotations

import numpy as np
import pytest

from latent_explorer.analysis.latent.anomalies import anomaly_scores, percentile_rank, top_anomalies
from latent_explorer.analysis.latent.latents import encode_dataset
from latent_explorer.analysis.latent.neighbours import NeighbourIndex
from latent_explorer.data.dataset import Dataset
from latent_explorer.errors import UserError


@pytest.fixture(scope="module")
def injected(trained_digits_workspace):
    """The workspace's latents and errors plus 10 pure-noise and 10 inverted digits encoded by
    the real model (indices N..N+19)."""
    from latent_explorer.pipeline.train import load_model

    ws = trained_digits_workspace
    rng = np.random.default_rng(0)
    noise = rng.integers(0, 256, size=(10, *ws.dataset.images.shape[1:]), dtype=np.uint8)
    inverted = 255 - ws.dataset.images[rng.choice(len(ws.dataset), 10, replace=False)]
    extra = encode_dataset(load_model(ws), Dataset(images=np.concatenate([noise, inverted])))
    z = np.concatenate([ws.latents.mean, extra.mean])
    err = np.concatenate([ws.latents.recon_error, extra.recon_error])
    return z, err, len(ws.latents.mean)


def test_noise_and_inverted_images_rank_top(injected):
    z, err, n = injected
    scores = anomaly_scores(z, err)
    outliers = set(range(n, n + 20))
    by_recon = {a["index"] for a in top_anomalies(scores, top=20, by="recon")}
    assert by_recon == outliers
    # Inverted digits are unusual both ways, noise only in its reconstruction: the VAE
    # encodes noise near the middle of its latent cloud. Either way they lead the combined rank.
    by_combined = [a["index"] for a in top_anomalies(scores, top=40)]
    assert set(by_combined[:10]) == set(range(n + 10, n + 20))
    assert outliers <= set(by_combined)
    assert scores.combined[n:].min() > np.percentile(scores.combined[:n], 97)


def test_each_anomaly_comes_with_numbers_and_a_reason(injected):
    z, err, n = injected
    top = top_anomalies(anomaly_scores(z, err), top=5, by="recon")
    assert [a["recon_error"] for a in top] == sorted((a["recon_error"] for a in top), reverse=True)
    first = top[0]
    assert set(first) >= {"index", "recon_error", "density", "recon_percentile",
                          "density_percentile", "combined", "reason"}
    assert first["recon_percentile"] == 100.0
    assert "reconstruction error in the top 0.1 %" in first["reason"]
    assert f"vs median {np.median(err):.3g}" in first["reason"]


def test_a_latent_far_from_the_rest_is_isolated(trained_digits_workspace):
    ws = trained_digits_workspace
    z = ws.latents.mean.copy()
    err = ws.latents.recon_error.copy()
    far = [3, 50]
    z[far] += 10 * z.std(axis=0)
    err[far] = np.median(err)
    scores = anomaly_scores(z, err, k=10)
    top = top_anomalies(scores, top=2, by="density")
    assert {a["index"] for a in top} == set(far)
    assert top[0]["reason"].startswith("isolated: 10-NN distance")
    assert "× the median" in top[0]["reason"] and "reconstruction" not in top[0]["reason"]


def test_scores_are_percentile_ranks_combined_by_the_larger(injected):
    z, err, _ = injected
    scores = anomaly_scores(z, err)
    assert scores.recon_pct.max() == 100.0 and scores.recon_pct.min() > 0
    assert np.array_equal(scores.combined, np.maximum(scores.recon_pct, scores.density_pct))
    assert np.allclose(scores.mean_pct, (scores.recon_pct + scores.density_pct) / 2)
    index = NeighbourIndex(z)
    _, dist = index.query_index(np.arange(len(z)), 10)
    assert np.allclose(scores.density, dist.mean(axis=1), rtol=1e-5)
    reused = anomaly_scores(z, err, index=index)
    assert np.array_equal(reused.combined, scores.combined)
    assert np.allclose(percentile_rank(np.array([3.0, 1.0, 2.0, 2.0])), [100, 25, 62.5, 62.5])


def test_without_a_decoder_density_alone_ranks(injected):
    z, _, _ = injected
    scores = anomaly_scores(z)
    assert scores.recon is None and np.array_equal(scores.combined, scores.density_pct)
    top = top_anomalies(scores, top=3)
    assert top[0]["recon_error"] is None and top[0]["recon_percentile"] is None
    with pytest.raises(UserError, match="no decoder"):
        top_anomalies(scores, by="recon")


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda z, e: anomaly_scores(z, e, k=len(z)), "k must be"),
        (lambda z, e: anomaly_scores(z, e[:-1]), "reconstruction errors of shape"),
        (lambda z, e: anomaly_scores(z, np.where(np.arange(len(e)) == 0, np.nan, e)), "NaN"),
        (lambda z, e: anomaly_scores(np.where(z == z[0, 0], np.nan, z), e), "NaN"),
        (lambda z, e: anomaly_scores(z[:1], e[:1]), "at least 2"),
        (lambda z, e: anomaly_scores(z, e, index=NeighbourIndex(z[:50])), "holds 50"),
        (lambda z, e: top_anomalies(anomaly_scores(z, e), by="weird"), "Unknown anomaly score"),
        (lambda z, e: top_anomalies(anomaly_scores(z, e), top=0), "top must be"),
    ],
)
def test_bad_input_is_a_user_error(trained_digits_workspace, call, message):
    ws = trained_digits_workspace
    with pytest.raises(UserError, match=message):
        call(ws.latents.mean[:200], ws.latents.recon_error[:200])
