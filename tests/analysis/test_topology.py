"""The shape of the latents: separate blobs are separate components, a circle is one loop, a
plain cloud is one component without loops — in 16 dimensions, at any scale."""
from __future__ import annotations

import json

import numpy as np
import pytest

from latent_explorer.analysis.latent.topology import (
    diagrams_for_json, summary_for_report, topology_summary,
)
from latent_explorer.errors import UserError


def _rotated(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    q, _ = np.linalg.qr(rng.normal(size=(x.shape[1], x.shape[1])))
    return x @ q


def _circle(n: int, noise: float, rng: np.random.Generator, dim: int = 16) -> np.ndarray:
    t = rng.uniform(0, 2 * np.pi, n)
    x = np.zeros((n, dim))
    x[:, 0], x[:, 1] = np.cos(t), np.sin(t)
    return _rotated(x + rng.normal(scale=noise, size=x.shape), rng)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_three_separate_blobs_are_three_components(seed):
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(3, 16)) * 10
    x = centres[rng.integers(0, 3, 1500)] + rng.normal(size=(1500, 16))
    result = topology_summary(x, seed=seed)
    assert (result["components"], result["loops"]) == (3, 0)
    assert result["n_sample"] == 400 and result["outliers"] == 0


@pytest.mark.parametrize("seed, noise", [(0, 0.05), (1, 0.1), (2, 0.1)])
def test_a_noisy_circle_in_16_dimensions_is_one_loop(seed, noise):
    x = _circle(800, noise, np.random.default_rng(seed)) * 37.0  # any unit
    result = topology_summary(x, seed=seed)
    assert (result["components"], result["loops"]) == (1, 1)
    h1 = result["diagrams"][1]
    longest = np.argmax(h1[:, 1] - h1[:, 0])
    assert result["p_values"][1][longest] < 0.05 / len(h1)


@pytest.mark.parametrize("dim", [2, 3, 16])
def test_a_gaussian_cloud_is_one_component_without_loops(dim):
    for seed in range(3):
        x = np.random.default_rng(seed).normal(size=(600, dim))
        result = topology_summary(x, seed=seed)
        assert (result["components"], result["loops"]) == (1, 0), (dim, seed)


def test_two_circles_far_apart_are_two_components_and_two_loops():
    rng = np.random.default_rng(0)
    a, b = _circle(300, 0.05, rng), _circle(300, 0.05, rng) + 10.0
    result = topology_summary(np.concatenate([a, b]), n_sample=600)
    assert (result["components"], result["loops"]) == (2, 2)


def test_digits_latents_summary_is_json_ready(trained_digits_workspace):
    z = trained_digits_workspace.latents.mean
    result = topology_summary(z)
    assert result["n_sample"] == 400 and result["components"] >= 1 and result["loops"] >= 0
    h0, h1 = result["diagrams"]
    assert h0.shape == (400, 2) and np.isinf(h0[:, 1]).sum() == 1 and h1.shape[1] == 2
    assert result["threshold"] == pytest.approx(4 * result["scale"])
    report = summary_for_report(result)
    assert set(report) >= {"components", "loops", "threshold", "n_sample"}
    json.dumps(report)
    as_json = diagrams_for_json(result["diagrams"])
    json.dumps(as_json)
    assert sum(d is None for _, d in as_json[0]) == 1
    assert topology_summary(z, seed=0)["components"] == result["components"]  # reproducible


def test_maxdim_0_counts_components_only():
    x = _circle(300, 0.05, np.random.default_rng(0))
    result = topology_summary(x, maxdim=0)
    assert result["components"] == 1 and "loops" not in result and len(result["diagrams"]) == 1


def test_identical_latents_are_one_component():
    result = topology_summary(np.ones((50, 4)))
    assert (result["components"], result["loops"]) == (1, 0)


@pytest.mark.parametrize(
    "z, kwargs, message",
    [
        (np.zeros((0, 4)), {}, "non-empty"),
        (np.zeros(5), {}, "non-empty"),
        (np.full((10, 4), np.nan), {}, "NaN"),
        (np.zeros((2, 4)), {}, "at least 3"),
        (np.zeros((10, 4)), {"maxdim": 2}, "maxdim"),
        (np.zeros((10, 4)), {"n_sample": 2}, "n_sample"),
        (np.zeros((10, 4)), {"alpha": 2.0}, "alpha"),
    ],
)
def test_bad_input_is_a_user_error(z, kwargs, message):
    with pytest.raises(UserError, match=message):
        topology_summary(z, **kwargs)
