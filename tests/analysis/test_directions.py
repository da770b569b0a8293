"""Latent directions on real trained models."""
from __future__ import annotations

import numpy as np
import pytest

from latent_explorer.analysis.directions import directions as D
from latent_explorer.analysis.directions import monotonicity as M
SPRITES_SPEC = "demo:sprites?n=2000"
SPRITES_OPTIONS = dict(epochs=25, latent_dim=8, image_size=16, lr=3e-3, batch_size=32)


@pytest.fixture(scope="module")
def ws(trained_digits_workspace):
    return trained_digits_workspace


@pytest.mark.parametrize("method", ["mean-diff", "logistic"])
def test_label_direction_separates_zero_from_rest(ws, method):
    z, labels = ws.latents.mean, ws.dataset.labels
    d = D.direction_from_groups(z, labels, 0, None, method, ws.train_idx, ws.val_idx)
    assert np.isclose(np.linalg.norm(d.unit), 1.0)
    assert d.name == "0 vs rest" and d.kind == method
    assert d.score > 0.8, d.score
    assert np.isclose(d.spread, np.std(z.astype(np.float64) @ d.unit))


def test_edit_moves_by_strength_times_spread_and_a_label_stops_where_its_class_ends(ws):
    z, labels = ws.latents.mean.astype(np.float64), ws.dataset.labels
    a = D.direction_from_groups(z, labels, 0, None, "mean-diff", ws.train_idx, ws.val_idx)
    lo, hi = a.limits
    along, zero = z @ a.unit, labels == 0
    assert lo < np.median(along[~zero]) < np.median(along[zero]) < hi < along[zero].max()
    start = int(np.argmin(np.abs(along - (lo + hi) / 2)))
    inside = min(hi - along[start], along[start] - lo) / a.spread / 2
    assert np.isclose(a.project(D.edit(z[start], a, inside)) - along[start], inside * a.spread)
    assert np.isclose(a.project(D.edit(z[start], a, 50.0)), hi)  # "toward 0" stops at the 0s' 90th percentile
    assert np.isclose(a.project(D.edit(z[start], a, -50.0)), lo)
    beyond = int(np.argmax(along))  # a 0 further out than that: neither pulled back nor pushed on
    assert np.allclose(D.edit(z[beyond], a, 2.0), z[beyond]) and np.allclose(D.edit(z[beyond], a, 0.0), z[beyond])
    assert np.isclose(a.project(D.edit(z[beyond], a, -1.0)), along[beyond] - a.spread)
    pcs = D.principal_directions(z, 2)  # no limits: straight lines, however far
    batch = D.edit(z[:5], pcs, [4.0, -3.0])
    assert batch.shape == (5, z.shape[1])
    assert np.allclose(batch, z[:5] + 4.0 * pcs[0].spread * pcs[0].unit - 3.0 * pcs[1].spread * pcs[1].unit)


def test_conditional_direction_is_orthogonal_to_the_others(ws):
    z, labels = ws.latents.mean, ws.dataset.labels
    base = D.direction_from_groups(z, labels, 0, None, "mean-diff", ws.train_idx, ws.val_idx)
    others = [
        D.direction_from_groups(z, labels, k, None, "mean-diff", ws.train_idx, ws.val_idx)
        for k in (6, 9)
    ]
    c = D.make_conditional(base, others, z)
    assert c.name == "0 vs rest | not 6 vs rest, 9 vs rest"
    assert np.isclose(np.linalg.norm(c.unit), 1.0)
    for o in others:
        assert abs(float(c.unit @ o.unit)) < 1e-6
    assert c.unit @ base.unit > 0


def test_principal_and_dimension_directions_are_sorted_units(ws):
    z, logvar = ws.latents.mean, ws.latents.logvar
    pcs = D.principal_directions(z, 5)
    assert len(pcs) == 5
    variances = [np.var(z.astype(np.float64) @ p.unit) for p in pcs]
    assert all(np.isclose(np.linalg.norm(p.unit), 1.0) for p in pcs)
    assert variances == sorted(variances, reverse=True)
    dims = D.dimension_directions(z, logvar)
    assert len(dims) == z.shape[1]
    kl = [d.score for d in dims]
    assert kl == sorted(kl, reverse=True)
    assert all(np.isclose(np.linalg.norm(d.unit), 1.0) for d in dims)
    ae_dims = D.dimension_directions(z)  # as for an AE: ranked by variance
    var = [d.score for d in ae_dims]
    assert var == sorted(var, reverse=True) and ae_dims[0].score_name == "variance"


def test_selection_direction_points_from_a_to_b(ws):
    z = ws.latents.mean.astype(np.float64)
    labels = ws.dataset.labels
    a, b = np.flatnonzero(labels == 3)[:20], np.flatnonzero(labels == 8)[:20]
    d = D.direction_from_selections(z, a, b, "3 → 8")
    gap = z[b].mean(0) - z[a].mean(0)
    assert np.allclose(d.unit, gap / np.linalg.norm(gap))
    assert d.project(z[b]).mean() > d.project(z[a]).mean()
    assert d.score >= 0.9 and d.score_name == "held-out balanced accuracy"  # 3s and 8s tell apart


def test_a_selection_directions_score_is_held_out_and_says_when_groups_do_not_differ(ws):
    z = ws.latents.mean.astype(np.float64)
    threes = np.flatnonzero(ws.dataset.labels == 3)[:60]
    same = D.direction_from_selections(z, threes[::2], threes[1::2])  # one class split in two
    assert same.score <= 0.75
    assert D.direction_from_selections(z, threes[:1], threes[1:5]).score is None  # nothing to hold out


@pytest.fixture(scope="module")
def sprites_ws():
    from latent_explorer.pipeline.train import TrainOptions, train_source
    from latent_explorer.infra.tasks import run_task

    options = TrainOptions(threads=1, seed=0, **SPRITES_OPTIONS)
    return run_task(train_source(SPRITES_SPEC, options))


def test_covariance_direction_moves_x_more_than_raw_coefficients(sprites_ws):
    from latent_explorer.pipeline.train import load_model

    ws = sprites_ws
    model = load_model(ws)
    z, x = ws.latents.mean, ws.dataset.attributes["x"]
    predictor = M.fit_predictor(z, x, ws.train_idx)
    cov = D.direction_from_attribute(z, x, ws.train_idx, ws.val_idx, "x")
    raw = D.direction_from_attribute(z, x, ws.train_idx, ws.val_idx, "x", method="coefficient")
    starts = z[ws.val_idx[:8]]
    m_cov = M.monotonicity(model, starts, cov, predictor)
    m_raw = M.monotonicity(model, starts, raw, predictor)
    print(f"\nx covariance: R²={cov.score:.3f} {m_cov['spearman']=:.3f} {m_cov['moved']=:.3f}")
    print(f"x raw coef:   R²={raw.score:.3f} {m_raw['spearman']=:.3f} {m_raw['moved']=:.3f}")
    assert m_cov["moved"] > m_raw["moved"]
    assert m_cov["spearman"] >= 0.9
    tagged = M.with_monotonicity(cov, m_cov)
    assert tagged.to_dict()["monotonicity"]["spearman"] == m_cov["spearman"]
