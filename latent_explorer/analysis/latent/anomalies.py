"""Unusual images, two ways: the model reconstructs them badly (reconstruction error), or their
latent sits far from every other (density: mean distance to the k nearest other latents).

``combined`` ranks by the larger of the two percentile ranks — unusual by either measure — and
breaks ties by their mean. The mean alone hides one kind: a VAE encodes pure-noise images near
the centre of its latent cloud (density at the 30th–70th percentile), so with reconstruction
errors in the top 1 % they ranked only 147th–560th of 1,817 by the mean, 11th–28th this way."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.stats import rankdata

from latent_explorer.errors import UserError
from latent_explorer.infra.tasks import CancelToken, Progress, Task, run_task
from latent_explorer.analysis.latent.neighbours import NeighbourIndex

BY = ("combined", "recon", "density")
_NICE_SHARES = (0.1, 0.5, 1, 2, 5, 10, 20, 50)
_REMARKABLE = 90.0  # percentile from which a score is named as a reason


@dataclass
class AnomalyScores:
    """Per image (N,): ``recon`` (None without a decoder), ``density`` (mean k-NN distance),
    their percentile ranks in (0, 100] (100 = most unusual), ``combined`` (the larger rank) and
    ``mean_pct`` (their mean, the tie-breaker)."""

    recon: np.ndarray | None
    density: np.ndarray
    recon_pct: np.ndarray | None
    density_pct: np.ndarray
    combined: np.ndarray
    mean_pct: np.ndarray
    k: int

    def __len__(self) -> int:
        return len(self.density)

    def score(self, by: str) -> np.ndarray:
        if by not in BY:
            raise UserError(f"Unknown anomaly score {by!r}: choose one of {', '.join(BY)}")
        if by == "recon":
            if self.recon is None:
                raise UserError("No reconstruction errors: this model has no decoder")
            return self.recon
        return self.density if by == "density" else self.combined


def percentile_rank(x: np.ndarray) -> np.ndarray:
    """Share of values ≤ each value, in percent (ties share their mean rank)."""
    return 100.0 * rankdata(x, method="average") / len(x)


def anomaly_scores_task(
    latents, recon_error=None, k: int = 10, index: NeighbourIndex | None = None,
    cancel: CancelToken | None = None,
) -> Task:
    """`anomaly_scores` as a task (the k-NN search of a large set takes a while)."""
    z = np.asarray(latents, np.float32)
    if z.ndim != 2 or len(z) < 2:
        raise UserError(f"Anomalies need at least 2 latents (N, D), got shape {z.shape}")
    err = None
    if recon_error is not None:
        err = np.asarray(recon_error, np.float64)
        if err.shape != (len(z),):
            raise UserError(f"{len(z)} latents but reconstruction errors of shape {err.shape}")
        if not np.isfinite(err).all():
            raise UserError("The reconstruction errors contain NaN or infinite values")
    if index is None:
        index = NeighbourIndex(z)
    elif len(index) != len(z):
        raise UserError(f"The neighbour index holds {len(index)} latents, not {len(z)}")
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 1 <= k < len(z):
        raise UserError(f"k must be a whole number from 1 to {len(z) - 1}, got {k!r}")
    _, dist = yield from index.neighbour_graph_task(int(k), cancel)
    density = dist.astype(np.float64).mean(axis=1)
    density_pct = percentile_rank(density)
    recon_pct = None if err is None else percentile_rank(err)
    if recon_pct is None:
        combined = mean_pct = density_pct
    else:
        combined, mean_pct = np.maximum(recon_pct, density_pct), (recon_pct + density_pct) / 2
    yield Progress(1, 1, "anomaly scores")
    return AnomalyScores(err, density, recon_pct, density_pct, combined, mean_pct, int(k))


def anomaly_scores(
    latents, recon_error=None, k: int = 10, index: NeighbourIndex | None = None
) -> AnomalyScores:
    """Scores of every image; pass an existing `NeighbourIndex` of ``latents`` to reuse it."""
    return run_task(anomaly_scores_task(latents, recon_error, k, index))


def _top_share(pct: float, n: int) -> str:
    """"top 1 %" for the 99th percentile: the smallest round share holding this value."""
    share = 100.0 - pct + 100.0 / n
    nice = next((s for s in _NICE_SHARES if share <= s + 1e-9), None)
    return f"top {nice:g} %" if nice is not None else f"{pct:.0f}th percentile"


def _reason(scores: AnomalyScores, i: int) -> str:
    n = len(scores)
    parts = []
    if scores.recon is not None and scores.recon_pct[i] >= _REMARKABLE:
        median = float(np.median(scores.recon))
        parts.append(
            f"reconstruction error in the {_top_share(scores.recon_pct[i], n)} "
            f"({scores.recon[i]:.3g} vs median {median:.3g})"
        )
    if scores.density_pct[i] >= _REMARKABLE:
        median = float(np.median(scores.density))
        ratio = scores.density[i] / median if median > 0 else np.inf
        parts.append(
            f"isolated: {scores.k}-NN distance {ratio:.1f}× the median "
            f"({_top_share(scores.density_pct[i], n)})"
        )
    if parts:
        return "; ".join(parts)
    texts = [f"{scores.k}-NN distance at the {scores.density_pct[i]:.0f}th percentile"]
    if scores.recon is not None:
        texts.insert(0, f"reconstruction error at the {scores.recon_pct[i]:.0f}th percentile")
    return "somewhat unusual on both counts: " + ", ".join(texts) if len(texts) > 1 else texts[0]


def top_anomalies(
    scores: AnomalyScores, top: int = 20, by: str = "combined"
) -> list[dict[str, Any]]:
    """The ``top`` most unusual images by ``by`` ("combined", "recon" or "density"), most
    unusual first: index, raw scores, percentiles and a reason in words."""
    values = scores.score(by)
    if isinstance(top, bool) or not isinstance(top, (int, np.integer)) or top < 1:
        raise UserError(f"top must be a whole number ≥ 1, got {top!r}")
    tie = -scores.mean_pct if by == "combined" else np.zeros(len(values))
    order = np.lexsort((np.arange(len(values)), tie, -values))[: int(top)]
    out = []
    for i in order:
        i = int(i)
        out.append({
            "index": i,
            "recon_error": None if scores.recon is None else float(scores.recon[i]),
            "density": float(scores.density[i]),
            "recon_percentile": None if scores.recon_pct is None else float(scores.recon_pct[i]),
            "density_percentile": float(scores.density_pct[i]),
            "combined": float(scores.combined[i]),
            "reason": _reason(scores, i),
        })
    return out
