"""The report's diagnostics for a workspace (added to what training measured): fit verdict,
PSNR, compression, KL per dimension, map quality of each map (the stored one too), clusters
against the labels, topology, and the directions' scores when they have been computed."""
from __future__ import annotations

from typing import Any

import numpy as np

from latent_explorer.analysis.latent.topology import summary_for_report, topology_summary
from latent_explorer.analysis.report.diagnostics import against_pca, psnr
from latent_explorer.analysis.report.extended import TOPOLOGY_SAMPLE, cluster_part, fit_part, map_quality
from latent_explorer.errors import UserError
from latent_explorer.workspace import schema
from latent_explorer.workspace.session_file import Workspace


def extended_report(ws: Workspace, maps: dict[str, np.ndarray] | None = None, seed: int = 0) -> dict[str, Any]:
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
    r = ws.report
    reference = None
    if r.get("pca_recon_mse_train") is not None and r.get("pca_recon_mse_val") is not None:
        reference = (r["pca_recon_mse_train"], r["pca_recon_mse_val"])
    out = fit_part(lat, ws.train_idx, ws.val_idx, history, size, channels, reference,
                   best_kept=ws.train_state is not None and ws.train_status in ("finished", "early-stopped"))
    if isinstance(out.get("psnr"), dict) and r.get("pca_recon_mse_val"):
        out["psnr"]["pca_val"] = round(float(psnr(r["pca_recon_mse_val"])), 2)
        out["psnr"]["pca_train"] = round(float(psnr(r["pca_recon_mse_train"])), 2)
        comparison = against_pca(r.get("recon_mse_val"), r["pca_recon_mse_val"], r.get("knn_accuracy"),
                                 r.get("pca_knn_accuracy"), r.get("recon_mse_train"),
                                 r.get("pca_recon_mse_train"))
        if comparison is not None:
            out["against_pca"] = comparison
    maps = dict(maps or {})
    stored = ws.extra_meta.get(schema.MAP)
    embedding = schema.array_key(schema.MAP, "embedding")
    if isinstance(stored, dict) and embedding in ws.extra_arrays:
        name = f"{stored.get('method')}-{stored.get('n_components')}d"
        maps.setdefault(name, ws.extra_arrays[embedding])
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
    directions = ws.extra_meta.get(schema.DIRECTIONS)
    if isinstance(directions, list):
        out["directions"] = {
            d["name"]: {"score": d.get("score"), "score_name": d.get("score_name"),
                        "monotonicity": d.get("monotonicity")}
            for d in directions if isinstance(d, dict) and "name" in d
        }
    return out



__all__ = ["extended_report"]
