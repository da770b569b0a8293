"""Latent arithmetic A − B + C on the digits VAE."""
from __future__ import annotations

import numpy as np
import pytest

from latent_explorer.analysis.generate.arithmetic import Arithmetic, latent_arithmetic
from latent_explorer.analysis.latent.offdata import OffDataScale
from latent_explorer.errors import UserError


def test_moving_a_digit_by_the_difference_of_class_means_makes_it_the_other_digit(trained_digits_workspace):
    ws = trained_digits_workspace
    z, labels = ws.latents.mean, ws.dataset.labels
    scale = OffDataScale(z)
    rng = np.random.default_rng(0)
    became, stayed = [], []
    for _ in range(30):
        target, source = (int(c) for c in rng.choice(10, 2, replace=False))
        image = int(rng.choice(np.flatnonzero(labels == source)))
        r = latent_arithmetic(z, np.flatnonzero(labels == target), np.flatnonzero(labels == source), image,
                              k=5, scale=scale)
        became.append(np.mean(labels[r.nearest] == target))
        stayed.append(np.mean(labels[r.nearest] == source))
    print(f"mean(X) - mean(Y) + a Y: {np.mean(became):.0%} of the 5 nearest are X, {np.mean(stayed):.0%} still Y")
    assert np.mean(became) > 0.7 and np.mean(stayed) < 0.1  # chance: 10 % each


def test_a_minus_a_plus_c_is_c_on_the_data(trained_digits_workspace):
    z = trained_digits_workspace.latents.mean
    r = latent_arithmetic(z, 12, 12, 345, k=3)
    np.testing.assert_allclose(r.result, z[345], atol=1e-6)
    assert r.nearest[0] == 345 and r.nearest_distance[0] < 1e-3
    assert r.distance_ratio < 1e-3 and not r.off_data
    assert list(r.nearest_distance) == sorted(r.nearest_distance) and len(r.nearest) == 3
    np.testing.assert_array_equal(r.operands, z[[12, 12, 345]])
    far = latent_arithmetic(z, 12, -50 * z[12], 345)  # a vector operand far outside the data
    assert far.off_data and far.distance_ratio > far.threshold
    back = Arithmetic.from_state(*far.to_state())
    assert back.to_dict() == far.to_dict()
    np.testing.assert_array_equal(back.operands, far.operands)


def test_bad_operands_are_one_line_errors(trained_digits_workspace):
    z = trained_digits_workspace.latents.mean
    with pytest.raises(UserError, match="B: image index 5000 is out of range"):
        latent_arithmetic(z, 1, 5000, 2)
    with pytest.raises(UserError, match="C: a latent must be 16 numbers"):
        latent_arithmetic(z, 1, 2, np.zeros(4))
    with pytest.raises(UserError, match="k must be"):
        latent_arithmetic(z, 1, 2, 3, k=0)
    with pytest.raises(UserError, match="A: an empty list"):
        latent_arithmetic(z, np.array([], np.int64), 2, 3)
