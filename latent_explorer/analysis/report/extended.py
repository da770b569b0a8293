"""The parts of the diagnostics a person can act on: fit verdict, PSNR, compression, KL per
dimension, map quality (trustworthiness and continuity per map), clusters against the labels.
`workspace.report.extended_report` puts them together for a workspace."""
from __future__ import annotations

from typing import Any

import numpy as np

from latent_explorer.errors import UserError
from latent_explorer.analysis.latent.clusters import cluster_latents
from latent_explorer.analysis.report.diagnostics import (
    compression_ratio, fit_verdict, kl_per_dimension, psnr, trustworthiness_continuity,
)

MAP_SAMPLE = 2000  # points the map quality is measured on
CLUSTER_SAMPLE = 5000
# ripser holds the GIL for its whole run, which grows as n³: in the app the report is built in
# the training worker, and 400 points stalled the window 0.17–0.23 s here; 200 take about 40 ms.
TOPOLOGY_SAMPLE = 200


def _round(v, digits: int = 4):
    return None if v is None else round(float(v), digits)


def fit_part(latents, train_idx, val_idx, history, image_size, channels, reference=None,
             best_kept: bool = False) -> dict[str, Any]:
    """``reference``: PCA of the pixels' (training, held-out) errors on the same split;
    ``best_kept``: the latents are the best epoch's model's (as `Trainer` keeps it)."""
    out: dict[str, Any] = {}
    err = None if latents is None else latents.recon_error
    if err is not None and len(err) and len(train_idx) and len(val_idx):
        tr, va = float(err[train_idx].mean()), float(err[val_idx].mean())
        out["fit_verdict"] = fit_verdict(tr, va, history, reference, best_kept)
        out["psnr"] = {"train": _round(psnr(tr), 2), "val": _round(psnr(va), 2)}
    if latents is not None and image_size and channels:
        out["compression_ratio"] = _round(compression_ratio(image_size, channels, latents.mean.shape[1]), 2)
    if latents is not None and latents.logvar is not None:
        out["kl_per_dimension"] = [_round(v) for v in kl_per_dimension(latents.mean, latents.logvar)]
    return out


def map_quality(z: np.ndarray, maps: dict[str, np.ndarray], k: int = 10) -> dict[str, dict[str, float]]:
    """name → {trustworthiness, continuity} for each map (e.g. ``{"pca-2d": emb}``)."""
    out = {}
    for name, emb in maps.items():
        try:
            t, c = trustworthiness_continuity(z, emb, k=k, sample=MAP_SAMPLE)
        except UserError:
            continue
        out[name] = {"trustworthiness": _round(t), "continuity": _round(c)}
    return out


def cluster_part(z: np.ndarray, labels, seed: int = 0) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    idx = np.arange(len(z)) if len(z) <= CLUSTER_SAMPLE else rng.choice(len(z), CLUSTER_SAMPLE, replace=False)
    lab = None if labels is None or not np.any(np.asarray(labels) >= 0) else np.asarray(labels)[idx]
    n_labels = None if lab is None else len(np.unique(lab[lab >= 0]))
    k = n_labels if n_labels and n_labels >= 2 else None  # as many clusters as labels when known
    result = cluster_latents(z[idx], "kmeans", n_clusters=k, labels=lab, seed=seed)
    summary = result.summary()
    return {k2: summary[k2] for k2 in ("method", "count", "purity", "adjusted_rand", "silhouette")}


__all__ = ["TOPOLOGY_SAMPLE", "cluster_part", "fit_part", "map_quality"]
