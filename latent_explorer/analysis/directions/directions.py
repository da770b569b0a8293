"""Latent directions (labels, attributes, selections, PCA, single dimensions) and editing along
them in units of the data's spread (their decode/re-encode check: `monotonicity`).

For a continuous attribute the direction is cov(z, attribute): the raw unit vector of regression
coefficients leans on unused dimensions and walking it barely moves the attribute.

A label's direction stops where its class ends (`Direction.limits`): pushed past the class's
90th percentile along it, decoded images leave the data and re-encode as something else. On
1,600 photo crops at 64 px, walking ±2 spreads "toward chelsea" raised then lowered the cat's
held-out class probability (Spearman 0.64, the deep field's 0.64, the stained tissue's 0.76);
stopping there, 0.95, 0.87 and 0.96, every label ≥ 0.87 (at 32 px ≥ 0.96 both ways, ≥ 0.99 before).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np

_EPS = 1e-12
LIMIT_QUANTILE = 0.9  # a label's push stops at this quantile of its class along it (and 1 − it of the rest)


@dataclass
class Direction:
    """``unit`` (D,) has norm 1; ``spread`` is the std of the data's latents projected on it;
    ``limits`` (lo, hi), when set, the projections a push along it stops at."""

    name: str
    unit: np.ndarray
    kind: str
    score: float | None = None
    score_name: str = ""
    spread: float = 1.0
    monotonicity: dict[str, Any] | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    limits: tuple[float, float] | None = None

    def project(self, z: np.ndarray) -> np.ndarray:
        return np.asarray(z, np.float64) @ self.unit

    def push(self, z: np.ndarray, strength: float) -> np.ndarray:
        """``z`` (D,) or (N, D) moved ``strength`` spreads along the direction, but never past
        ``limits``, and an image already past one is not pushed further out."""
        z = np.asarray(z, np.float64)
        unit = np.asarray(self.unit, np.float64)
        start = z @ unit
        target = start + strength * self.spread
        if self.limits is not None:
            lo, hi = self.limits
            target = np.clip(target, np.minimum(lo, start), np.maximum(hi, start))
        return z + np.multiply.outer(target - start, unit)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "unit": [float(v) for v in self.unit],
            "score": None if self.score is None else float(self.score),
            "score_name": self.score_name,
            "spread": float(self.spread),
            "monotonicity": self.monotonicity,
            "limits": None if self.limits is None else [float(v) for v in self.limits],
        }


def _unit(v: np.ndarray) -> np.ndarray:
    v = np.asarray(v, np.float64).ravel()
    n = float(np.linalg.norm(v))
    if not np.isfinite(n) or n < _EPS:
        raise ValueError("the direction is zero: the two groups have the same mean latent")
    return v / n


def _spread(z: np.ndarray, unit: np.ndarray) -> float:
    s = float(np.std(np.asarray(z, np.float64) @ unit)) if len(z) > 1 else 0.0
    return s if s > _EPS else 1.0


def _split(n: int, train_idx, val_idx, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The caller's split; the complement of whichever half is given; else a fixed 80/20."""
    if train_idx is None and val_idx is None:
        perm = np.random.default_rng(seed).permutation(n)
        train_idx = np.sort(perm[: max(1, int(round(0.8 * n)))])
    if val_idx is None:
        val_idx = np.setdiff1d(np.arange(n), train_idx)
    if train_idx is None:
        train_idx = np.setdiff1d(np.arange(n), val_idx)
    return np.asarray(train_idx), np.asarray(val_idx)


def _as_mask(labels: np.ndarray, which) -> np.ndarray:
    if which is None:
        return np.zeros(len(labels), bool)
    values = np.atleast_1d(np.asarray(which))
    return np.isin(labels, values)


def _balanced_accuracy(proj: np.ndarray, y: np.ndarray, threshold: float) -> float:
    pred = proj > threshold
    pos, neg = y, ~y
    tpr = float(np.mean(pred[pos])) if pos.any() else 0.0
    tnr = float(np.mean(~pred[neg])) if neg.any() else 0.0
    return 0.5 * (tpr + tnr)


def _fit_threshold(proj: np.ndarray, y: np.ndarray) -> float:
    """The cut on the projection with the best balanced accuracy (positives above it)."""
    order = np.argsort(proj, kind="stable")
    p, yy = proj[order], y[order]
    n_pos, n_neg = max(int(yy.sum()), 1), max(int((~yy).sum()), 1)
    # cut after position i: everything <= p[i] is called negative
    neg_below = np.cumsum(~yy) / n_neg
    pos_above = 1.0 - np.cumsum(yy) / n_pos
    bal = 0.5 * (neg_below + pos_above)
    valid = np.r_[p[1:] > p[:-1], True]  # cut only between distinct values
    bal = np.where(valid, bal, -1.0)
    i = int(np.argmax(bal))
    if bal[i] <= 0.5:  # no cut beats calling everything positive
        return float(p[0] - 1.0)
    return float(p[i] + p[i + 1]) / 2 if i + 1 < len(p) else float(p[i])


def direction_from_groups(
    z: np.ndarray,
    labels: np.ndarray,
    positive,
    negative=None,
    method: str = "mean-diff",
    train_idx: np.ndarray | None = None,
    val_idx: np.ndarray | None = None,
    name: str | None = None,
) -> Direction:
    """From the ``negative`` group (everyone else when None) towards the ``positive`` one.
    ``positive``/``negative`` are a label value or a list of them. ``method`` is "mean-diff"
    (difference of group means) or "logistic" (normal of a logistic-regression boundary).
    Score: held-out balanced accuracy of the projection, its threshold fitted on train."""
    z = np.asarray(z, np.float64)
    labels = np.asarray(labels)
    pos = _as_mask(labels, positive)
    neg = ~pos if negative is None else _as_mask(labels, negative) & ~pos
    if negative is None and np.issubdtype(labels.dtype, np.integer):
        neg &= labels >= 0  # -1 marks an unknown label
    tr, va = _split(len(z), train_idx, val_idx)
    tr = tr[pos[tr] | neg[tr]]
    va = va[pos[va] | neg[va]]
    if not pos[tr].any() or not neg[tr].any():
        raise ValueError("both groups need members in the training split")
    if method == "mean-diff":
        unit = _unit(z[tr][pos[tr]].mean(0) - z[tr][neg[tr]].mean(0))
    elif method == "logistic":
        from sklearn.linear_model import LogisticRegression

        clf = LogisticRegression(C=1.0, max_iter=2000, class_weight="balanced")
        clf.fit(z[tr], pos[tr])
        unit = _unit(clf.coef_[0])
    else:
        raise ValueError(f"unknown method '{method}' (use mean-diff or logistic)")
    along = z[tr] @ unit
    threshold = _fit_threshold(along, pos[tr])
    score = _balanced_accuracy(z[va] @ unit, pos[va], threshold) if len(va) else None
    limits = (float(np.quantile(along[neg[tr]], 1.0 - LIMIT_QUANTILE)), float(np.quantile(along[pos[tr]], LIMIT_QUANTILE)))
    if name is None:
        neg_name = "rest" if negative is None else _label_text(negative)
        name = f"{_label_text(positive)} vs {neg_name}"
    return Direction(
        name=name,
        unit=unit,
        kind=method,
        score=score,
        score_name="held-out balanced accuracy",
        spread=_spread(z, unit),
        meta={"threshold": threshold},
        limits=limits,
    )


def _label_text(which) -> str:
    values = np.atleast_1d(np.asarray(which))
    return "+".join(str(v) for v in values)


def direction_from_attribute(
    z: np.ndarray,
    values: np.ndarray,
    train_idx: np.ndarray | None = None,
    val_idx: np.ndarray | None = None,
    name: str = "attribute",
    method: str = "covariance",
) -> Direction:
    """Direction along which a continuous attribute grows: cov(z, attribute) over the training
    split, normalised. ``method="coefficient"`` gives the raw unit vector of multiple-regression
    coefficients instead — kept for comparison only: it leans on unused dimensions and walking
    it barely moves the attribute. Score: held-out R² of a 1-D linear fit from the projection."""
    z = np.asarray(z, np.float64)
    values = np.asarray(values, np.float64)
    tr, va = _split(len(z), train_idx, val_idx)
    tr = tr[np.isfinite(values[tr])]
    va = va[np.isfinite(values[va])]
    if len(tr) < 3:
        raise ValueError(f"too few known values of '{name}' to fit a direction")
    zt, vt = z[tr], values[tr]
    if method == "covariance":
        unit = _unit((zt - zt.mean(0)).T @ (vt - vt.mean()) / len(tr))
    elif method == "coefficient":
        from sklearn.linear_model import LinearRegression

        unit = _unit(LinearRegression().fit(zt, vt).coef_)
    else:
        raise ValueError(f"unknown method '{method}' (use covariance or coefficient)")
    p_tr = zt @ unit
    slope, intercept = np.polyfit(p_tr, vt, 1) if np.ptp(p_tr) > 0 else (0.0, vt.mean())
    score = None
    if len(va) >= 2 and np.ptp(values[va]) > 0:
        from sklearn.metrics import r2_score  # imported when used: the window opens without it

        score = float(r2_score(values[va], slope * (z[va] @ unit) + intercept))
    return Direction(
        name=name,
        unit=unit,
        kind=method,
        score=score,
        score_name="held-out R²",
        spread=_spread(z, unit),
        meta={"slope": float(slope), "intercept": float(intercept)},
    )


def direction_from_selections(
    z: np.ndarray, idx_a: Sequence[int], idx_b: Sequence[int], name: str = "A → B", seed: int = 0
) -> Direction:
    """From the mean latent of selection A to that of selection B. Score: held-out balanced
    accuracy of telling B from A along a direction fitted on half of each group and tested on
    the other half (none when a group has fewer than 2 members)."""
    z = np.asarray(z, np.float64)
    a, b = np.asarray(idx_a, int), np.asarray(idx_b, int)
    if len(a) == 0 or len(b) == 0:
        raise ValueError("both selections need at least one point")
    unit = _unit(z[b].mean(0) - z[a].mean(0))
    return Direction(name=name, unit=unit, kind="selection", spread=_spread(z, unit),
                     score=_halves_score(z, a, b, seed), score_name="held-out balanced accuracy")


def _halves_score(z: np.ndarray, a: np.ndarray, b: np.ndarray, seed: int) -> float | None:
    if min(len(a), len(b)) < 2:
        return None
    rng = np.random.default_rng(seed)
    a, b = rng.permutation(a), rng.permutation(b)
    fit_a, test_a, fit_b, test_b = a[: len(a) // 2], a[len(a) // 2:], b[: len(b) // 2], b[len(b) // 2:]
    unit = _unit(z[fit_b].mean(0) - z[fit_a].mean(0))
    y_fit = np.r_[np.zeros(len(fit_a), bool), np.ones(len(fit_b), bool)]
    threshold = _fit_threshold(np.r_[z[fit_a] @ unit, z[fit_b] @ unit], y_fit)
    y_test = np.r_[np.zeros(len(test_a), bool), np.ones(len(test_b), bool)]
    return _balanced_accuracy(np.r_[z[test_a] @ unit, z[test_b] @ unit], y_test, threshold)


def make_conditional(
    direction: Direction, others: Sequence[Direction], z: np.ndarray | None = None
) -> Direction:
    """``direction`` with its components along ``others`` removed (Gram–Schmidt against an
    orthonormal basis of them), renormalised. Pass the latents ``z`` to re-measure the spread;
    without them the original spread is kept. The held-out score no longer applies: None."""
    if not others:
        return direction
    basis = np.stack([np.asarray(o.unit, np.float64) for o in others], axis=1)
    q, r = np.linalg.qr(basis)
    q = q[:, np.abs(np.diag(r)) > 1e-10]
    v = np.asarray(direction.unit, np.float64)
    for _ in range(2):  # twice for numerical orthogonality
        v = v - q @ (q.T @ v)
    if np.linalg.norm(v) < 1e-8:
        raise ValueError(f"'{direction.name}' lies entirely within the other directions")
    unit = _unit(v)
    for _ in range(2):
        unit = _unit(unit - q @ (q.T @ unit))
    return Direction(
        name=direction.name + " | not " + ", ".join(o.name for o in others),
        unit=unit,
        kind="conditional",
        score=None,
        score_name=direction.score_name,
        spread=direction.spread if z is None else _spread(z, unit),
        meta={"base": direction.name, "conditioned_on": [o.name for o in others]},
    )


def principal_directions(z: np.ndarray, k: int = 10) -> list[Direction]:
    """Principal axes of the latents (GANSpace), by decreasing variance. Score: explained
    variance ratio; spread: the standard deviation along the axis."""
    z = np.asarray(z, np.float64)
    zc = z - z.mean(0)
    _, s, vt = np.linalg.svd(zc, full_matrices=False)
    var = s**2 / max(len(z) - 1, 1)
    total = float(var.sum()) or 1.0
    out = []
    for i in range(min(k, len(vt))):
        u = vt[i]
        u = u if u[np.argmax(np.abs(u))] >= 0 else -u  # deterministic sign
        out.append(
            Direction(
                name=f"PC{i + 1}",
                unit=u,
                kind="pca",
                score=float(var[i] / total),
                score_name="explained variance ratio",
                spread=float(np.sqrt(var[i])) if var[i] > _EPS else 1.0,
            )
        )
    return out


def dimension_directions(
    latents_mean: np.ndarray, logvar: np.ndarray | None = None, k: int | None = None
) -> list[Direction]:
    """One direction per latent dimension, ranked by mean KL to the prior for a VAE
    (0.5·(μ² + σ² − 1 − log σ²) averaged over the data) or by variance for an AE."""
    mu = np.asarray(latents_mean, np.float64)
    if logvar is not None:
        lv = np.asarray(logvar, np.float64)
        rank = (0.5 * (mu**2 + np.exp(lv) - 1.0 - lv)).mean(0)
        score_name = "KL (nats)"
    else:
        rank = mu.var(0)
        score_name = "variance"
    order = np.argsort(-rank, kind="stable")[: k or mu.shape[1]]
    std = mu.std(0)
    out = []
    for d in order:
        unit = np.zeros(mu.shape[1])
        unit[d] = 1.0
        out.append(
            Direction(
                name=f"z{d}",
                unit=unit,
                kind="dimension",
                score=float(rank[d]),
                score_name=score_name,
                spread=float(std[d]) if std[d] > _EPS else 1.0,
                meta={"dim": int(d)},
            )
        )
    return out


def edit(
    z0: np.ndarray,
    directions: Direction | Sequence[Direction],
    strengths: float | Sequence[float],
) -> np.ndarray:
    """z0 + Σ strengthᵢ · spreadᵢ · unitᵢ, for one latent (D,) or a batch (N, D), each push
    stopping at its direction's limits (`Direction.push`)."""
    if isinstance(directions, Direction):
        directions = [directions]
    strengths = np.atleast_1d(np.asarray(strengths, np.float64))
    if len(strengths) == 1 and len(directions) > 1:
        strengths = np.repeat(strengths, len(directions))
    return edit_applied(z0, directions, strengths)[0]


def edit_applied(z0: np.ndarray, directions: Sequence[Direction],
                 strengths: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
    """`edit`, and how far each push really moved (in its spreads, (len(directions),) for one
    latent, (N, len(directions)) for a batch): less than asked where a limit stopped it."""
    strengths = np.asarray(strengths, np.float64)
    if len(strengths) != len(directions):
        raise ValueError("give one strength per direction")
    z = np.asarray(z0, np.float64).copy()
    applied = np.zeros(z.shape[:-1] + (len(directions),))
    for i, (d, s) in enumerate(zip(directions, strengths)):
        moved = d.push(z, s)
        applied[..., i] = (d.project(moved) - d.project(z)) / d.spread
        z = moved
    return z, applied
