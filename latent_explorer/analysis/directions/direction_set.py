"""The directions a session offers as sliders, built from what the data carries, and their
round trip through a workspace (names and scores as JSON, unit vectors as one array)."""
from __future__ import annotations

from typing import Any

import numpy as np

from latent_explorer.errors import UserError
from latent_explorer.analysis.directions.directions import (
    Direction, dimension_directions, direction_from_attribute, direction_from_groups,
    principal_directions,
)

MAX_LABEL_DIRECTIONS = 12


def standard_directions(
    dataset,
    latents,
    train_idx: np.ndarray | None = None,
    val_idx: np.ndarray | None = None,
    n_principal: int = 5,
    n_dimensions: int = 5,
) -> list[Direction]:
    """Directions for each label against the rest (difference of means, scored by held-out
    balanced accuracy), each continuous attribute (covariance direction, held-out R²), each
    category value against the rest, then the latents' principal directions and the most used
    single dimensions (ranked by KL for a VAE, variance for an AE)."""
    z = np.asarray(latents.mean, np.float64)
    if z.ndim != 2 or len(z) < 4:
        raise UserError("directions need at least 4 encoded images")
    out: list[Direction] = []
    labels = getattr(dataset, "labels", None)
    if labels is not None and len(labels) == len(z):
        codes = [c for c in np.unique(labels) if c >= 0]
        if 2 <= len(codes) <= MAX_LABEL_DIRECTIONS:
            names = dataset.label_names
            for code in codes:
                name = names[code] if code < len(names) else str(code)
                if len(codes) == 2 and code == codes[1]:
                    break  # one direction says it all for two labels
                other = f" → {names[codes[1]]}" if len(codes) == 2 else ""
                out.append(_group(z, labels, code, train_idx, val_idx, f"{name}{other}" if other else f"toward {name}"))
    for name, values in getattr(dataset, "attributes", {}).items():
        values = np.asarray(values, np.float64)
        if len(values) == len(z) and np.isfinite(values).sum() >= 4 and np.nanstd(values) > 0:
            d = direction_from_attribute(z, values, train_idx, val_idx, name=name)
            d.meta["attribute"] = name
            out.append(d)
    for name, codes in getattr(dataset, "categories", {}).items():
        codes = np.asarray(codes)
        values = [c for c in np.unique(codes) if c >= 0]
        cat_names = dataset.category_names.get(name, [])
        if 2 <= len(values) <= MAX_LABEL_DIRECTIONS:
            for code in values:
                text = cat_names[code] if code < len(cat_names) else str(code)
                d = _group(z, codes, code, train_idx, val_idx, f"{name} = {text}")
                d.meta["category"] = name
                out.append(d)
    if n_principal:
        out.extend(principal_directions(z, min(n_principal, z.shape[1])))
    if n_dimensions:
        out.extend(dimension_directions(z, latents.logvar, min(n_dimensions, z.shape[1])))
    return out


def _group(z, labels, code, train_idx, val_idx, name: str) -> Direction:
    if train_idx is not None and len(train_idx) == 0:
        train_idx = None
    if val_idx is not None and len(val_idx) == 0:
        val_idx = None
    d = direction_from_groups(z, labels, code, None, "mean-diff", train_idx, val_idx, name=name)
    d.meta["label"] = int(code)
    return d


def directions_to_state(directions: list[Direction]) -> tuple[list[dict[str, Any]], np.ndarray]:
    meta = []
    for d in directions:
        item = d.to_dict()
        item.pop("unit")
        item["meta"] = {k: v for k, v in d.meta.items() if isinstance(v, (int, float, str, bool))}
        meta.append(item)
    dim = len(directions[0].unit) if directions else 0
    units = np.array([d.unit for d in directions], np.float64).reshape(len(directions), dim)
    return meta, units


def directions_from_state(meta: Any, units: np.ndarray | None, latent_dim: int) -> list[Direction]:
    """Directions saved by `directions_to_state`; damaged entries raise UserError."""
    if not isinstance(meta, list) or units is None:
        raise UserError("the saved directions are damaged")
    units = np.asarray(units, np.float64)
    if units.shape != (len(meta), latent_dim) or not np.isfinite(units).all():
        raise UserError(f"the saved directions do not fit {latent_dim}-d latents")
    out = []
    try:
        for item, unit in zip(meta, units):
            out.append(Direction(
                name=str(item["name"]), unit=unit, kind=str(item["kind"]),
                score=None if item.get("score") is None else float(item["score"]),
                score_name=str(item.get("score_name", "")), spread=_saved_spread(item["spread"]),
                monotonicity=item.get("monotonicity"), meta=dict(item.get("meta") or {}),
                limits=_limits(item.get("limits")),
            ))
    except (KeyError, TypeError, ValueError) as exc:
        raise UserError(f"the saved directions are damaged: {exc}") from None
    return out


def _saved_spread(saved) -> float:
    """A saved spread: a push is measured in it, so it must be a positive number."""
    spread = float(saved)
    if not (np.isfinite(spread) and spread > 0):
        raise ValueError(f"spread {saved!r}")
    return spread


def _limits(saved) -> tuple[float, float] | None:
    """Saved limits, or None (directions saved before they had any push without them)."""
    if saved is None:
        return None
    lo, hi = (float(v) for v in saved)
    if not (np.isfinite(lo) and np.isfinite(hi) and lo <= hi):
        raise ValueError(f"limits {saved!r}")
    return lo, hi
