"""Held-out split: stratified by label when the data has labels, fixed by the seed."""
from __future__ import annotations

import numpy as np


def make_split(
    n: int, labels: np.ndarray | None = None, val_fraction: float = 0.2, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Return sorted (train_indices, val_indices). Each label keeps its share in both parts;
    labels with a single example (and unlabelled items) go to training."""
    if not 0.0 <= val_fraction < 1.0:
        raise ValueError(f"val_fraction must be in [0, 1), got {val_fraction}")
    rng = np.random.default_rng(seed)
    if n < 2 or val_fraction == 0.0:
        return np.arange(n), np.arange(0)
    if labels is None:
        groups = [np.arange(n)]
    else:
        groups = [np.flatnonzero(labels == v) for v in np.unique(labels)]
    val: list[np.ndarray] = []
    for idx in groups:
        if len(idx) < 2 or (labels is not None and labels[idx[0]] < 0 and len(groups) > 1):
            continue
        k = int(round(len(idx) * val_fraction))
        k = min(max(k, 1), len(idx) - 1)
        val.append(rng.permutation(idx)[:k])
    val_idx = np.sort(np.concatenate(val)) if val else np.arange(0)
    mask = np.ones(n, bool)
    mask[val_idx] = False
    return np.flatnonzero(mask), val_idx
