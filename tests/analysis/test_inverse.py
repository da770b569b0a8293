"""Decoding anywhere on a map (demo:digits latents): data points give back their own latents,
positions between neighbours give latents between theirs, far positions are flagged."""
from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial import cKDTree

from latent_explorer.analysis.maps.inverse import InverseMap
from latent_explorer.analysis.maps.projection import Projection
from latent_explorer.errors import UserError

from . import FAST_PARAMS, digit_latents

N = 400


@pytest.fixture(scope="module", params=["pca", "tsne", "umap"])
def mapped(request, digits):
    latents, labels = digit_latents(digits, N)
    proj = Projection(request.param, 2, **FAST_PARAMS[request.param])
    proj.fit(latents)
    return proj, latents, labels, InverseMap.for_projection(proj, latents)


def test_a_data_points_position_gives_back_its_latent_confidently(mapped):
    proj, latents, _, inverse = mapped
    own = np.arange(0, N, 4)
    decoded, confidence = inverse.inverse(proj.embedding_[own])
    assert decoded.shape == (len(own), latents.shape[1]) and decoded.dtype == np.float32
    error = np.linalg.norm(decoded - latents[own], axis=1)
    assert error.max() < 1e-3 * inverse.latent_spacing
    assert confidence.min() > 0.99


def test_far_from_the_map_the_confidence_is_low(mapped):
    proj, _, _, inverse = mapped
    lo, hi = inverse.bounds
    centre, size = (lo + hi) / 2, (hi - lo).max()
    directions = np.array([[1, 0], [0, 1], [-1, -1], [1, -0.5]]) / np.sqrt([1, 1, 2, 1.25])[:, None]
    _, far = inverse.inverse(centre + 3 * size * directions)
    _, near = inverse.inverse(proj.embedding_[:50] + 0.3 * inverse.map_spacing)
    assert far.max() < 0.05
    assert np.median(near) > 0.8
    assert ((0 <= far) & (far <= 1)).all() and ((0 <= near) & (near <= 1)).all()


def test_between_two_neighbours_of_one_class_the_latent_lies_between(mapped):
    proj, latents, labels, inverse = mapped
    embedding = proj.embedding_
    nearest = cKDTree(embedding).query(embedding, k=2)[1][:, 1]
    a = np.flatnonzero((nearest[nearest] == np.arange(N)) & (labels[nearest] == labels))
    a = a[a < nearest[a]]  # each mutual pair once
    b = nearest[a]
    assert len(a) >= 20
    decoded, confidence = inverse.inverse((embedding[a] + embedding[b]) / 2)
    za, zb = latents[a], latents[b]
    ab = zb - za
    t = np.einsum("md,md->m", decoded - za, ab) / np.einsum("md,md->m", ab, ab)
    off = np.linalg.norm(decoded - (za + np.clip(t, 0, 1)[:, None] * ab), axis=1)
    between = (t > 0.05) & (t < 0.95) & (off < 0.25 * np.linalg.norm(ab, axis=1))
    assert between.mean() >= 0.9
    assert np.median(confidence) > 0.8


def test_pca_decoding_round_trips_through_the_map(digits):
    latents, _ = digit_latents(digits, N)
    proj = Projection("pca", 2)
    proj.fit(latents)
    inverse = InverseMap.for_projection(proj, latents)
    positions = inverse.grid(9)
    decoded, _ = inverse.inverse(positions)
    np.testing.assert_allclose(proj.transform(decoded), positions, atol=1e-4 * np.ptp(positions))


def test_3d_maps_and_a_grid_of_tiles_in_one_call(digits):
    latents, _ = digit_latents(digits, N)
    proj = Projection("tsne", 3, **FAST_PARAMS["tsne"])
    proj.fit(latents)
    inverse = InverseMap.for_projection(proj, latents)
    decoded, confidence = inverse.inverse(proj.embedding_[:40])
    np.testing.assert_allclose(decoded, latents[:40], atol=1e-3 * inverse.latent_spacing)
    tiles = inverse.grid(6)
    assert tiles.shape == (6**3, 3)
    batch, batch_conf = inverse.inverse(tiles)
    single = [inverse.inverse(p) for p in tiles[::37]]
    np.testing.assert_allclose(np.concatenate([s[0] for s in single]), batch[::37], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(np.concatenate([s[1] for s in single]), batch_conf[::37], atol=1e-6)
    assert batch.shape == (6**3, latents.shape[1]) and ((0 <= batch_conf) & (batch_conf <= 1)).all()


def test_points_without_a_place_are_left_out_and_bad_positions_explained(digits):
    latents, _ = digit_latents(digits, 60)
    embedding = np.random.default_rng(0).normal(size=(60, 2)).astype(np.float32)
    embedding[[3, 7]] = np.nan  # how UMAP marks points it could not place
    inverse = InverseMap(latents, embedding, k=5)
    decoded, confidence = inverse.inverse(embedding[[0, 1, 2]])
    np.testing.assert_allclose(decoded, latents[[0, 1, 2]], atol=1e-4)
    assert np.isfinite(inverse.inverse(np.zeros(2))[0]).all()
    with pytest.raises(UserError):
        inverse.inverse(np.zeros((4, 3)))
    with pytest.raises(UserError):
        InverseMap(latents, embedding[:10])


def test_a_hole_decodes_as_if_its_points_were_not_there(digits):
    """What calibrating the confidence relies on (`analysis.maps.confidence`): a position can be
    decoded without the points near it, exactly as a map fitted without them would."""
    latents, _ = digit_latents(digits, N)
    proj = Projection("pca", 2)
    proj.fit(latents)
    inverse = InverseMap.for_projection(proj, latents)
    y, i = proj.embedding_, 7
    radius = 3 * inverse.map_spacing
    kept = np.linalg.norm(y - y[i], axis=1) > radius
    without = InverseMap(latents[kept], y[kept], linear=proj.linear_inverse())
    f, ref = inverse.features(y[[i, i]], hole=[radius, -1]), without.features(y[i])
    np.testing.assert_allclose(f.latents[0], ref.latents[0], rtol=1e-5, atol=1e-5)
    assert f.r_map[0] * inverse.map_spacing == pytest.approx(ref.r_map[0] * without.map_spacing)
    assert f.r_lat[0] * inverse.latent_spacing == pytest.approx(ref.r_lat[0] * without.latent_spacing, rel=1e-4)
    assert f.r_map[1] == 0 and f.r_lat[1] < 1e-3  # no hole: the point's own latent
    part = inverse.subset(np.flatnonzero(kept))
    np.testing.assert_allclose(part.features(y[i]).latents, ref.latents, rtol=1e-5, atol=1e-5)
    assert not inverse.calibrated
    inverse.confidence = lambda r_map, r_lat, spread: np.full(len(r_map), 0.25)  # a calibration's predict
    assert inverse.calibrated and np.all(inverse.inverse(y[:3])[1] == 0.25)


@pytest.mark.parametrize("linear", [False, True])
def test_the_spread_says_where_neighbours_on_the_map_hold_unlike_latents(linear):
    """Left of x = 5 the latents follow the map; right of it, points side by side are of two
    kinds far apart in latent space, so a position there does not tell which image lies there."""
    rng = np.random.default_rng(0)
    y = rng.uniform(0, 10, size=(600, 2))
    z = np.zeros((600, 6))
    z[:, :2] = y
    right = y[:, 0] > 5
    z[right, 2] = rng.choice([-5.0, 5.0], right.sum())
    pca = (np.zeros(6), np.eye(6)[:2]) if linear else None  # the map is the latents' first two axes
    inverse = InverseMap(z, y, linear=pca)
    agree = inverse.features(rng.uniform([1, 1], [4, 9], (60, 2))).spread
    differ = inverse.features(rng.uniform([6, 1], [9, 9], (60, 2))).spread
    assert np.median(differ) > 4 * np.median(agree), (np.median(differ), np.median(agree))
    assert np.median(differ) * inverse.latent_spacing > 3.0  # about the two kinds' half-distance, 5
    clear = np.flatnonzero(np.abs(y[:, 0] - 5) > 1)[:40]  # points whose neighbours are all on their side
    on_points = inverse.features(y[clear])
    # on a point, its neighbourhood's: the point's own latent does not hide how unlike the others are
    assert np.median(on_points.spread[right[clear]]) > 4 * np.median(on_points.spread[~right[clear]])
