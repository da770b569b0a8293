"""Sampling new latents from the prior or a density fitted to the latents, with a temperature."""
from __future__ import annotations

import numpy as np
import pytest

from latent_explorer.analysis.latent.offdata import OffDataScale
from latent_explorer.analysis.maps.placement import place_on_map
from latent_explorer.analysis.maps.projection import Projection
from latent_explorer.analysis.generate.sampling import Samples, density_components, fit_density, sample_latents, sample_latents_task, prior_mismatch
from latent_explorer.errors import UserError
from latent_explorer.infra.tasks import CancelToken, Cancelled, run_task


@pytest.fixture(scope="module")
def digits_latents(trained_digits_workspace):
    z = trained_digits_workspace.latents.mean
    return z, OffDataScale(z), fit_density(z)


def test_auto_samples_the_digits_vae_where_its_data_is(digits_latents):
    z, scale, density = digits_latents
    auto = sample_latents(z, 200, model_kind="vae", density=density, scale=scale)
    prior = sample_latents(z, 200, prior="normal", scale=scale)
    print(f"digits VAE, 200 samples at T=1: off the data {prior.n_off_data / 200:.0%} from N(0, I), "
          f"{auto.n_off_data / 200:.0%} from the {auto.n_components}-component density")
    # this VAE's latents sit far from N(0, I) (a low effective β): its prior draws are off the data
    assert prior.prior == "normal" and prior.n_off_data / 200 > 0.9
    assert auto.prior == "density" and "N(0, I)" in auto.note
    assert auto.n_off_data / 200 < 0.2 and np.median(auto.distance_ratio) < 1.5


def test_temperature_moves_density_samples_away_from_the_data(digits_latents):
    z, scale, density = digits_latents
    spread = [float(sample_latents(z, 300, t, "density", density=density, scale=scale).distance_ratio.mean())
              for t in (0.25, 0.5, 1.0, 1.5)]
    print("mean distance ratio at T = 0.25, 0.5, 1, 1.5:", np.round(spread, 3))
    assert all(a < b for a, b in zip(spread, spread[1:]))


def test_a_vae_whose_latents_follow_the_prior_samples_from_it():
    z = np.random.default_rng(0).standard_normal((2000, 6)).astype(np.float32)
    s = sample_latents(z, 100, 1.0, model_kind="vae", seed=3)
    assert s.prior == "normal" and s.note is None and s.n_components == 0
    assert s.n_off_data <= 15 and np.all(s.component == -1)
    cold = sample_latents(z, 100, 0.5, prior="normal", seed=3)
    np.testing.assert_allclose(cold.latents, 0.5 * s.latents, rtol=1e-6)  # T scales the spread


def test_an_autoencoders_clusters_are_all_sampled_and_only_inside():
    rng = np.random.default_rng(1)
    centres = np.array([[10, 0, 0], [0, 10, 0], [0, 0, 10], [10, 10, 10]], np.float32)
    z = (centres[rng.integers(0, 4, 2000)] + rng.normal(0, 0.5, (2000, 3))).astype(np.float32)
    density = fit_density(z)
    assert density.n_components == 16  # 2,000 latents in 3-d support the most components tried
    s = sample_latents(z, 400, model_kind="ae", density=density, seed=0)
    assert s.prior == "density" and s.note is None
    assert s.n_off_data / 400 < 0.1  # N(0, I) would land between the clusters
    assert s.n_off_data < sample_latents(z, 400, prior="normal", seed=0).n_off_data
    cluster = np.argmin(((s.latents[:, None] - centres[None]) ** 2).sum(-1), axis=1)
    assert np.bincount(cluster, minlength=4).min() > 60  # every cluster is sampled, about a quarter each


def test_the_mixture_has_as_many_components_as_the_latents_support():
    assert density_components(1280, 16) == 16  # 1,600 photos' training split, 16-d
    assert density_components(640, 16) == 8
    assert density_components(100, 16) == 1
    assert density_components(50_000, 64) == 16
    small = fit_density(np.random.default_rng(0).normal(size=(200, 8)))  # 4 × 4 × 9 ≤ 200 < 4 × 8 × 9
    assert small.n_components == 4 and small.cholesky.shape == (4, 8, 8)


def test_samples_are_repeatable_placed_and_checked(digits_latents):
    z, scale, density = digits_latents
    a = sample_latents(z, 10, seed=7, prior="density", density=density, scale=scale)
    b = sample_latents(z, 10, seed=7, prior="density", density=density, scale=scale)
    c = sample_latents(z, 10, seed=8, prior="density", density=density, scale=scale)
    np.testing.assert_array_equal(a.latents, b.latents)
    assert not np.allclose(a.latents, c.latents)
    np.testing.assert_array_equal(a.nearest, scale.nearest(a.latents)[0][:, 0])
    pca = Projection("pca", 2)
    pca.fit(z)
    placed = place_on_map(a.latents, z, pca.embedding_, pca.linear_inverse())
    np.testing.assert_allclose(placed, pca.transform(a.latents), atol=1e-3)
    umap_like = np.random.default_rng(0).normal(size=(len(z), 2))
    on_point = place_on_map(z[[5, 9]], z, umap_like)
    np.testing.assert_allclose(on_point, umap_like[[5, 9]], atol=1e-5)  # a data latent sits on its point
    a.positions = placed
    back = Samples.from_state(*a.to_state())
    assert back.to_dict() == a.to_dict()
    for bad, match in [(dict(n=0), "number of samples"), (dict(temperature=0), "temperature"),
                       (dict(prior="uniform"), "unknown prior")]:
        with pytest.raises(UserError, match=match):
            sample_latents(z, **{"n": 4, **bad})
    cancel = CancelToken()
    cancel.cancel()
    with pytest.raises(Cancelled):
        run_task(sample_latents_task(z, 4, prior="density", cancel=cancel))


def test_latents_spread_wider_than_the_prior_are_sampled_from_a_density_even_when_prior_draws_look_near():
    # photos' VAE latents: a spread of about 4 per dimension in 16-d. Prior draws land in the
    # hollow middle of that cloud, which decodes to a flat dark image, yet in 16-d they are no
    # farther from some latent than latents are from each other: the off-data test alone passes them.
    z = (4.0 * np.random.default_rng(1).standard_normal((1600, 16))).astype(np.float32)
    scale = OffDataScale(z)
    prior = sample_latents(z, 200, prior="normal", scale=scale)
    assert prior.n_off_data / 200 < 0.5
    auto = sample_latents(z, 200, model_kind="vae", scale=scale)
    assert auto.prior == "density" and "spread 4.0 per dimension" in auto.note
    mismatch, spread = prior_mismatch(z)
    assert mismatch > 4 and 3.8 < spread < 4.2
    assert prior_mismatch(np.random.default_rng(2).standard_normal((4000, 16)))[0] < 0.01
