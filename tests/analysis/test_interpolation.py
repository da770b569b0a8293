"""Interpolation between two latents: straight, spherical and along the data, with off-data flags."""
from __future__ import annotations

import numpy as np
import pytest

from latent_explorer.analysis.generate.interpolation import Interpolation, LatentGraph, interpolate, interpolate_task
from latent_explorer.analysis.latent.offdata import OffDataScale
from latent_explorer.errors import UserError
from latent_explorer.infra.tasks import CancelToken, Cancelled, run_task


def _pairs_of_different_classes(labels: np.ndarray, n: int, seed: int) -> list[tuple[int, int]]:
    rng = np.random.default_rng(seed)
    pairs: list[tuple[int, int]] = []
    while len(pairs) < n:
        i, j = (int(v) for v in rng.choice(len(labels), 2, replace=False))
        if labels[i] != labels[j]:
            pairs.append((i, j))
    return pairs


def test_the_path_along_the_data_leaves_it_far_less_than_the_straight_line(trained_digits_workspace):
    ws = trained_digits_workspace
    z, labels = ws.latents.mean, ws.dataset.labels
    scale, graph = OffDataScale(z), LatentGraph(z, k=10)
    off = {"linear": [], "path": []}
    ratio = {"linear": [], "path": []}
    for a, b in _pairs_of_different_classes(labels, 24, seed=0):
        for method in off:
            r = interpolate(z, a, b, method, steps=16, scale=scale, graph=graph)
            off[method].append(r.n_off_data)
            ratio[method].append(float(r.distance_ratio.mean()))
    lin, path = np.mean(off["linear"]), np.mean(off["path"])
    print(f"off-data steps per 16-step interpolation, 24 pairs of different digits: linear {lin:.2f}, "
          f"path {path:.2f}; mean distance ratio linear {np.mean(ratio['linear']):.3f}, "
          f"path {np.mean(ratio['path']):.3f} (threshold {scale.threshold:.2f})")
    assert lin >= 0.6  # the straight line between two digits does cross empty space
    assert path <= 0.1 and path <= lin / 5
    assert np.mean(ratio["path"]) < 0.65 * np.mean(ratio["linear"])


def test_every_method_starts_and_ends_exactly_at_a_and_b(trained_digits_workspace):
    z = trained_digits_workspace.latents.mean
    for method in ("linear", "slerp", "path"):
        r = interpolate(z, 3, 900, method, steps=12)
        assert r.latents.shape == (12, z.shape[1]) and r.latents.dtype == np.float32
        np.testing.assert_array_equal(r.latents[0], z[3])
        np.testing.assert_array_equal(r.latents[-1], z[900])
        assert r.distance_ratio[0] == 0 and r.distance_ratio[-1] == 0  # data images are on the data
        assert not r.off_data[0] and not r.off_data[-1]
    mid = interpolate(z, 3, 900, "linear", steps=3).latents[1]
    np.testing.assert_allclose(mid, (z[3] + z[900]) / 2, rtol=1e-6)


def test_the_path_walks_through_neighbouring_data_images_evenly(trained_digits_workspace):
    z = trained_digits_workspace.latents.mean
    graph = LatentGraph(z, k=10).build()
    r = interpolate(z, 10, 1500, "path", steps=24, graph=graph, smooth=0.0)
    assert r.via[0] == 10 and r.via[-1] == 1500 and len(r.via) >= 3
    neighbours = graph.graph
    assert all(neighbours[i, j] > 0 for i, j in zip(r.via[:-1], r.via[1:]))
    length = np.linalg.norm(np.diff(z[r.via].astype(np.float64), axis=0), axis=1).sum()
    gaps = np.linalg.norm(np.diff(r.latents.astype(np.float64), axis=0), axis=1)
    # equal steps along the polyline (a chord across a corner is shorter, never longer)
    assert gaps.max() == pytest.approx(length / 23, rel=1e-3) and np.median(gaps) == pytest.approx(gaps.max(), rel=1e-3)
    smooth = interpolate(z, 10, 1500, "path", steps=24, graph=graph, smooth=0.05)
    turns = lambda p: np.linalg.norm(np.diff(p.astype(np.float64), 2, axis=0), axis=1).sum()  # noqa: E731
    assert turns(smooth.latents) < turns(r.latents)


def test_slerp_turns_the_direction_evenly_and_interpolates_the_norm():
    a = np.array([3.0, 0.0, 0.0], np.float32)
    b = np.array([0.0, 1.0, 0.0], np.float32)
    data = np.random.default_rng(0).standard_normal((50, 3)).astype(np.float32)
    r = interpolate(data, a, b, "slerp", steps=5)
    norms = np.linalg.norm(r.latents, axis=1)
    np.testing.assert_allclose(norms, [3.0, 2.5, 2.0, 1.5, 1.0], rtol=1e-5)
    angles = np.degrees(np.arctan2(r.latents[:, 1], r.latents[:, 0]))
    np.testing.assert_allclose(angles, [0, 22.5, 45, 67.5, 90], atol=1e-4)
    opposite = interpolate(data, a, -a, "slerp", steps=3).latents
    assert np.linalg.norm(opposite[1]) == pytest.approx(3.0, rel=1e-5)  # through a perpendicular


def test_far_from_the_data_is_flagged_and_the_threshold_is_the_datas_own_percentile():
    rng = np.random.default_rng(1)
    data = rng.standard_normal((500, 8)).astype(np.float32)
    scale = OffDataScale(data, percentile=95)
    assert scale.spacing > 0 and scale.threshold > 1.0  # the loneliest 5 % lie beyond the median
    far = data[0] + 20 * scale.spacing * np.eye(8, dtype=np.float32)[0]
    r = interpolate(data, 0, far, "linear", steps=11, scale=scale)
    assert not r.off_data[0] and r.off_data[-1]
    assert np.all(np.diff(r.distance_ratio[5:]) > 0)  # ever farther out
    assert r.threshold == scale.threshold


def test_unconnected_clusters_fall_back_to_the_straight_line_and_say_so():
    rng = np.random.default_rng(2)
    left = rng.normal(0.0, 0.1, (30, 4))
    right = rng.normal(0.0, 0.1, (30, 4)) + [50.0, 0, 0, 0]
    data = np.vstack([left, right]).astype(np.float32)
    r = interpolate(data, 0, 45, "path", steps=9, k=3)
    assert r.method == "path" and r.fallback and "unconnected" in r.fallback
    np.testing.assert_allclose(r.latents, interpolate(data, 0, 45, "linear", steps=9).latents, rtol=1e-6)
    assert r.off_data[4] and len(r.via) == 0


def test_group_means_bad_inputs_and_cancel(trained_digits_workspace):
    z = trained_digits_workspace.latents.mean
    r = interpolate(z, [1, 2, 3], 4, "linear", steps=2)
    np.testing.assert_allclose(r.latents[0], z[[1, 2, 3]].mean(0), rtol=1e-6)
    for bad, match in [
        (dict(method="cubic"), "unknown interpolation"), (dict(steps=1), "steps"),
        (dict(a=len(z)), "out of range"), (dict(a=np.full(z.shape[1], np.nan)), "NaN"),
        (dict(a=np.zeros(3)), "must be 16 numbers"), (dict(smooth=2.0), "smooth"),
    ]:
        kwargs = {"a": 0, "b": 1, **bad}
        with pytest.raises(UserError, match=match):
            interpolate(z, **kwargs)
    cancel = CancelToken()
    cancel.cancel()
    with pytest.raises(Cancelled):
        run_task(interpolate_task(z, 0, 1, "path", cancel=cancel))


def test_a_result_survives_its_state_round_trip(trained_digits_workspace):
    z = trained_digits_workspace.latents.mean
    r = interpolate(z, 5, 50, "path", steps=8)
    r.positions = np.arange(16, dtype=np.float32).reshape(8, 2)
    back = Interpolation.from_state(*r.to_state())
    for name in ("latents", "distance_ratio", "off_data", "via", "positions"):
        np.testing.assert_array_equal(getattr(back, name), getattr(r, name))
    assert back.to_dict() == r.to_dict() and back.method == "path"
