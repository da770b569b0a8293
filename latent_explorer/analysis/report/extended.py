"""The diagnostics a person can act on, added to a workspace's report: fit verdict, PSNR,
compression, KL per dimension, map quality (trustworthiness and continuity per map), clusters
against the labels, topology, and the directions' scores when they have been computed."""
from __future__ import annotations

from typing import Any

import numpy as np

from latent_explorer.errors import UserError
from latent_explorer.analysis.latent.clusters import cluster_latents
from latent_explorer.analysis.report.diagnostics import (
    compression_ratio, fit_verdict, kl_per_dimension, psnr, trustworthiness_continuity,
)
from latent_explorer.analysis.latent.topology import summary_for_report, topology_summary

MAP_SAMPLE = 2000  # points the map quality is measured on
CLUSTER_SAMPLE = 5000
# ripser holds the GIL for its whole run, which grows as n³: in the app the report is built in
# the training worker, and 400 points stalled the window 0.17–0.23 s here; 200 take about 40 ms.
TOPOLOGY_SAMPLE = 200


def _round(v, digits: int = 4):
    return None if v is None else round(float(v), digits)


def fit_part(latents, train_idx, val_idx, history, image_size, channels) -> dict[str, Any]:
    out: dict[str, Any] = {}
    err = None if latents is None else latents.recon_error
    if err is not None and len(err) and len(train_idx) and len(val_idx):
        tr, va = float(err[train_idx].mean()), float(err[val_idx].mean())
        out["fit_verdict"] = fit_verdict(tr, va, history)
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


def extended_report(ws, maps: dict[str, np.ndarray] | None = None, seed: int = 0) -> dict[str, Any]:
    """The extra report fields for workspace ``ws``; ``maps``: name → embedding of each map
    computed (the workspace's stored map is added when present)."""
    lat = ws.latents
    if lat is None:
        return {}
    z = np.asarray(lat.mean, np.float64)
    history = None if ws.train_state is None else ws.train_state.history
    cfg = ws.model_config
    size = cfg.image_size if cfg is not None else ws.dataset.image_size
    channels = cfg.channels if cfg is not None else ws.dataset.channels
    out = fit_part(lat, ws.train_idx, ws.val_idx, history, size, channels)
    maps = dict(maps or {})
    stored = ws.extra_meta.get("map")
    if isinstance(stored, dict) and "map.embedding" in ws.extra_arrays:
        name = f"{stored.get('method')}-{stored.get('n_components')}d"
        maps.setdefault(name, ws.extra_arrays["map.embedding"])
    if len(z) >= 25:
        quality = map_quality(z, {k: v for k, v in maps.items() if len(v) == len(z)})
        out["trustworthiness"] = {k: v["trustworthiness"] for k, v in quality.items()}
        out["continuity"] = {k: v["continuity"] for k, v in quality.items()}
        try:
            out["clusters"] = cluster_part(z, ws.dataset.labels, seed)
        except UserError:
            pass
        try:
            out["topology"] = summary_for_report(topology_summary(z, n_sample=TOPOLOGY_SAMPLE, seed=seed))
        except UserError:
            pass
    directions = ws.extra_meta.get("directions")
    if isinstance(directions, list):
        out["directions"] = {
            d["name"]: {"score": d.get("score"), "score_name": d.get("score_name"),
                        "monotonicity": d.get("monotonicity")}
            for d in directions if isinstance(d, dict) and "name" in d
        }
    return out


__all__ = ["extended_report", "map_quality"]
