"""Does walking a direction move what it names? Walk data latents along it, decode, re-encode,
and read the attribute back with a predictor fitted on the training split: a label's held-out
class probability (logistic regression on the latents), an attribute's linear prediction, or
for unsupervised and selection directions the position along the direction itself. Spearman
of step against the reading says whether the motion is monotonic; ``moved`` how far it went,
as a share of the attribute's range (a probability's range is 1)."""
from __future__ import annotations

from dataclasses import replace
from typing import Any, Callable

import numpy as np

from latent_explorer.analysis.directions.directions import Direction


class Predictor:
    """Latent → attribute value; ``value_range`` is the attribute's range on the data."""

    def __init__(self, fn: Callable[[np.ndarray], np.ndarray], value_range: float):
        self.fn = fn
        self.value_range = float(value_range)

    def __call__(self, z: np.ndarray) -> np.ndarray:
        return np.asarray(self.fn(np.atleast_2d(np.asarray(z, np.float64))), np.float64)


def fit_predictor(z: np.ndarray, values: np.ndarray, train_idx: np.ndarray | None = None) -> Predictor:
    """Linear regression from every latent dimension to a continuous attribute."""
    from sklearn.linear_model import LinearRegression

    z = np.asarray(z, np.float64)
    values = np.asarray(values, np.float64)
    tr = np.arange(len(z)) if train_idx is None else np.asarray(train_idx)
    tr = tr[np.isfinite(values[tr])]
    reg = LinearRegression().fit(z[tr], values[tr])
    known = values[np.isfinite(values)]
    return Predictor(reg.predict, float(np.ptp(known)) if len(known) else 1.0)


def fit_classifier(z: np.ndarray, member: np.ndarray, train_idx: np.ndarray | None = None) -> Predictor:
    """The probability that a latent belongs to the class ``member`` marks (logistic regression
    on the training split, classes weighted to balance)."""
    from sklearn.linear_model import LogisticRegression

    z = np.asarray(z, np.float64)
    member = np.asarray(member, bool)
    tr = np.arange(len(z)) if train_idx is None else np.asarray(train_idx)
    if member[tr].all() or not member[tr].any():
        tr = np.arange(len(z))
    clf = LogisticRegression(C=1.0, max_iter=2000, class_weight="balanced").fit(z[tr], member[tr])
    return Predictor(lambda q: clf.predict_proba(q)[:, 1], 1.0)


def monotonicity(
    model,
    z_start: np.ndarray,
    direction: Direction,
    predictor: Callable[[np.ndarray], np.ndarray],
    n_steps: int = 11,
    span: float = 2.0,
    value_range: float | None = None,
) -> dict[str, Any]:
    """Walk ``z_start`` over ±``span`` spreads along ``direction`` as a slider pushes it
    (stopping at its limits), decode, re-encode and apply ``predictor``. Returns ``spearman`` (step index vs predicted value; signed) and ``moved``
    (|end − start| of the prediction as a share of the attribute's range: ``value_range`` or
    ``predictor.value_range``). ``z_start`` may be one latent (D,) or several (M, D): the
    figures are then averaged over the walks; ``predicted`` is the mean curve."""
    import torch
    from scipy.stats import spearmanr

    from latent_explorer.analysis.latent.latents import decode_latents

    rng_value = value_range if value_range is not None else getattr(predictor, "value_range", None)
    if not rng_value:
        raise ValueError("give value_range: the attribute's range on the data")
    starts = np.atleast_2d(np.asarray(z_start, np.float64))
    walk = np.stack([direction.push(starts, s) for s in np.linspace(-span, span, n_steps)], axis=1)
    images = decode_latents(model, walk.reshape(-1, walk.shape[-1]))
    x = torch.from_numpy(images.astype(np.float32) / 255.0).permute(0, 3, 1, 2).contiguous()
    was_training = model.training
    model.eval()
    with torch.no_grad():
        mu, _ = model.encode(x.to(next(model.parameters()).device))
    model.train(was_training)
    pred = np.asarray(predictor(mu.cpu().numpy().astype(np.float64)), np.float64)
    pred = pred.reshape(len(starts), n_steps)
    rhos, moved = [], []
    steps = np.arange(n_steps)
    for row in pred:
        rho = spearmanr(steps, row).statistic if np.ptp(row) > 0 else 0.0
        rhos.append(0.0 if not np.isfinite(rho) else float(rho))
        moved.append(abs(float(row[-1] - row[0])) / float(rng_value))
    return {
        "spearman": float(np.mean(rhos)),
        "moved": float(np.mean(moved)),
        "predicted": [float(v) for v in pred.mean(0)],
        "n_walks": len(starts),
    }


def with_monotonicity(direction: Direction, result: dict[str, Any]) -> Direction:
    """A copy of ``direction`` carrying a :func:`monotonicity` result (spearman, moved)."""
    return replace(direction, monotonicity={k: result[k] for k in ("spearman", "moved", "n_walks") if k in result})


def predictor_for(direction, dataset, z: np.ndarray, train_idx):
    """What a walk along ``direction`` should move: the attribute it was made from, the
    indicator of its label, or — for unsupervised and selection directions — the position
    along the direction itself (does decoding and re-encoding keep the motion?)."""
    attr = direction.meta.get("attribute", direction.name)
    if direction.kind in ("covariance", "regression") and attr in getattr(dataset, "attributes", {}):
        return fit_predictor(z, np.asarray(dataset.attributes[attr], np.float64), train_idx)
    code = direction.meta.get("label")
    if direction.kind in ("mean-diff", "logistic") and code is not None:
        source = dataset.labels if direction.meta.get("category") is None else \
            dataset.categories[direction.meta["category"]]
        return fit_classifier(z, np.asarray(source) == code, train_idx)
    proj = z @ direction.unit
    return Predictor(lambda q, u=direction.unit: q @ u, float(np.ptp(proj)) or 1.0)


def score_monotonicity(model, directions: list[Direction], dataset, latents, train_idx=None,
                       n_walks: int = 16, span: float = 2.0, seed: int = 0, cancel=None):
    """Task: each direction with its monotonicity (Spearman and share of range moved) over
    ``n_walks`` walks from fixed random data latents; yields Progress per direction and stops
    between directions when ``cancel`` (a CancelToken) is set."""
    from latent_explorer.infra.tasks import Progress

    z = np.asarray(latents.mean, np.float64)
    starts = z[np.random.default_rng(seed).choice(len(z), min(n_walks, len(z)), replace=False)]
    out = []
    for i, d in enumerate(directions):
        if cancel is not None:
            cancel.raise_if_cancelled()
        yield Progress(i, len(directions), f"walking {d.name}")
        predictor = predictor_for(d, dataset, z, train_idx)
        out.append(with_monotonicity(d, monotonicity(model, starts, d, predictor, span=span)))
    yield Progress(len(directions), len(directions), "directions scored")
    return out


__all__ = ["Predictor", "fit_classifier", "fit_predictor", "monotonicity", "predictor_for",
           "score_monotonicity", "with_monotonicity"]
