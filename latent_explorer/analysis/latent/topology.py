"""The shape of the latents in two numbers — separate components and loops — from the
persistent homology (Vietoris–Rips, ripser) of a random subsample.

Components: single-linkage groups of the sample that no chain of steps shorter than
``GAP`` × the median nearest-neighbour step (the median finite H0 death) joins, each holding at
least 2 % of the sample (and 5 points); smaller splinters are counted as ``outliers``. Scaling
by the data's own step length makes the rule independent of units and dimension.

Loops: H1 bars that fail the universal null distribution of
Bobrowski & Skraba (2023, "A universal null-distribution for topological data analysis", Sci.
Rep. 13): for noise, ℓ = log log(death/birth) − mean(log log(death/birth)) − γ follows a
left-skewed Gumbel law, P(ℓ ≥ x) = exp(−eˣ), whatever the dimension or scale. A bar counts
when its p-value is below ``ALPHA`` / (number of bars) (Bonferroni). On 400-point samples this
found the loop of a circle in 16-D with noise up to 0.15 × its radius in 10 of 10 draws and no
loop in 2-, 3- and 16-D Gaussian or uniform clouds.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from latent_explorer.errors import UserError

GAP = 4.0
ALPHA = 0.05
MIN_SHARE = 0.02
_EULER_GAMMA = 0.5772156649015329


def _null_significant(diagram: np.ndarray, alpha: float) -> tuple[int, np.ndarray]:
    """Number of bars significant under the universal null, and each bar's p-value (NaN where
    it cannot be judged)."""
    p_values = np.full(len(diagram), np.nan)
    if len(diagram) == 0:
        return 0, p_values
    birth, death = diagram[:, 0], diagram[:, 1]
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = death / birth
    usable = np.isfinite(ratio) & (ratio > 1) & (birth > 0)
    if usable.sum() < 5:  # too few bars to estimate the null's location
        return 0, p_values
    loglog = np.log(np.log(ratio[usable]))
    ell = loglog - loglog.mean() - _EULER_GAMMA
    p_values[usable] = np.exp(-np.exp(ell))
    return int(np.sum(p_values[usable] < alpha / usable.sum())), p_values


def _components(x: np.ndarray, h0: np.ndarray, gap: float) -> tuple[int, int, float, float]:
    """(components, outlier points, cut distance, scale) by single linkage at gap × scale."""
    from scipy.cluster.hierarchy import fcluster, linkage

    deaths = h0[np.isfinite(h0[:, 1]), 1]
    deaths = deaths[deaths > 0]
    if len(deaths) == 0:  # every sampled latent is the same point
        return 1, 0, 0.0, 0.0
    scale = float(np.median(deaths))
    cut = gap * scale
    groups = fcluster(linkage(x, "single"), cut, criterion="distance")
    sizes = np.bincount(groups)[1:]
    big = sizes >= max(5, MIN_SHARE * len(x))
    return max(1, int(big.sum())), int(sizes[~big].sum()), cut, scale


def topology_summary(
    z, n_sample: int = 400, seed: int = 0, maxdim: int = 1, alpha: float = ALPHA, gap: float = GAP
) -> dict[str, Any]:
    """Components and loops of latents (N, D), from a random subsample of ``n_sample``.

    Returns ``components``, ``loops`` (when ``maxdim`` is 1), ``outliers`` (sampled
    points in splinters too small to count), ``diagrams`` (one (n, 2) float array of (birth,
    death) per dimension; the one never-dying H0 bar has death inf — see `diagrams_for_json`),
    ``p_values`` (per bar; NaN for H0), ``threshold`` (the H0 cut distance), ``scale``
    (median H0 death), ``alpha``, ``n_sample`` (points actually used) and ``maxdim``."""
    from ripser import ripser

    x = np.asarray(z, np.float64)
    if x.ndim != 2 or x.shape[0] == 0 or x.shape[1] == 0:
        raise UserError(f"Latents must be a non-empty (N, D) array, got shape {np.shape(z)}")
    if not np.isfinite(x).all():
        raise UserError("The latents contain NaN or infinite values")
    if isinstance(maxdim, bool) or maxdim not in (0, 1):
        raise UserError(f"maxdim must be 0 (components) or 1 (and loops), got {maxdim!r}")
    if isinstance(n_sample, bool) or not isinstance(n_sample, (int, np.integer)) or n_sample < 3:
        raise UserError(f"n_sample must be a whole number ≥ 3, got {n_sample!r}")
    if len(x) < 3:
        raise UserError(f"A topological summary needs at least 3 latents, got {len(x)}")
    if not 0 < alpha < 1 or not gap > 0:
        raise UserError("alpha must lie in (0, 1) and gap must be positive")
    if len(x) > n_sample:
        x = x[np.sort(np.random.default_rng(seed).choice(len(x), int(n_sample), replace=False))]
    diagrams = [np.asarray(d, np.float64).reshape(-1, 2) for d in ripser(x, maxdim=maxdim)["dgms"]]
    components, outliers, cut, scale = _components(x, diagrams[0], gap)
    out: dict[str, Any] = {
        "components": components,
        "outliers": outliers,
        "diagrams": diagrams,
        "p_values": [np.full(len(diagrams[0]), np.nan)],
        "threshold": cut,
        "scale": scale,
        "alpha": alpha,
        "n_sample": int(len(x)),
        "maxdim": int(maxdim),
    }
    if maxdim == 1:
        out["loops"], p_values = _null_significant(diagrams[1], alpha)
        out["p_values"].append(p_values)
    return out


def diagrams_for_json(diagrams: list[np.ndarray]) -> list[list[list[float | None]]]:
    """Diagrams as nested lists, with None for an infinite death."""
    return [
        [[float(b), None if not np.isfinite(d) else float(d)] for b, d in diagram]
        for diagram in diagrams
    ]


def summary_for_report(summary: dict[str, Any]) -> dict[str, Any]:
    """The JSON-able numbers of a `topology_summary` (no diagrams): for `report --json`."""
    keys = ("components", "loops", "outliers", "threshold", "scale", "alpha", "n_sample")
    return {k: summary[k] for k in keys if k in summary}
