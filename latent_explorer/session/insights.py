"""Where the model understands the data and where it does not: anomalies, clusters and the
nearest neighbours of an image, computed for the session's workspace and kept in it (so the
map can be coloured by them and they are saved). Qt-free; the long parts are tasks."""
from __future__ import annotations

from typing import Any

import numpy as np

from latent_explorer.errors import UserError
from latent_explorer.infra.tasks import CancelToken, Progress
from latent_explorer.workspace import schema



def _latents(session):
    ws = session.workspace
    if ws is None or ws.latents is None:
        raise UserError("there are no latents yet: train a model or open a workspace")
    return ws, ws.latents


def anomalies_task(session, top: int = 30, cancel: CancelToken | None = None):
    """Task → the top anomalies (dicts with index and reason); scores stored in the workspace."""
    from latent_explorer.analysis.latent.anomalies import anomaly_scores_task, top_anomalies

    ws, lat = _latents(session)
    scores = yield from anomaly_scores_task(lat.mean, lat.recon_error, 10, cancel=cancel)
    rows = top_anomalies(scores, min(top, len(scores)))
    return {"rows": rows, "combined": scores.combined.astype(np.float32), "k": scores.k}


def clusters_task(session, method: str = "kmeans", cancel: CancelToken | None = None):
    """Task → a `Clustering` of the latents (as many k-means clusters as labels when there
    are labels, else chosen by silhouette)."""
    from latent_explorer.analysis.latent.clusters import cluster_latents

    ws, lat = _latents(session)
    yield Progress(0, 1, f"{method} clustering")
    labels = ws.dataset.labels
    has_labels = labels is not None and np.any(labels >= 0)
    k = len(np.unique(labels[labels >= 0])) if has_labels and method == "kmeans" else None
    result = cluster_latents(lat.mean, method, n_clusters=k if k and k >= 2 else None,
                             labels=labels if has_labels else None)
    yield Progress(1, 1, "clusters found")
    return result


def adopt_anomalies(session, result: dict[str, Any]) -> None:
    ws = session.workspace
    if ws is None or len(result["combined"]) != len(ws.latents.mean):
        return
    ws.extra_arrays[schema.ANOMALY_SCORES] = result["combined"]
    ws.extra_meta[schema.ANOMALIES] = {"k": result["k"], "top": result["rows"]}
    session.mark_dirty()


def adopt_clusters(session, clustering) -> None:
    ws = session.workspace
    if ws is None or len(clustering.labels) != len(ws.latents.mean):
        return
    ws.extra_arrays[schema.CLUSTER_LABELS] = clustering.labels.astype(np.int64)
    ws.extra_meta[schema.CLUSTERS] = clustering.summary() | {"medoids": [int(m) for m in clustering.medoids]}
    session.mark_dirty()


def neighbours(session, index: int, k: int = 8) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` images nearest to image ``index`` in latent space (exact): (indices, distances)."""
    ws, lat = _latents(session)
    z = np.asarray(lat.mean, np.float32)
    if not 0 <= index < len(z):
        raise UserError(f"image {index} is outside 0..{len(z) - 1}")
    k = int(min(k, len(z) - 1))
    d = np.linalg.norm(z - z[index], axis=1)
    d[index] = np.inf
    idx = np.argpartition(d, k - 1)[:k] if k < len(d) else np.argsort(d)
    idx = idx[np.argsort(d[idx], kind="stable")]
    return idx, d[idx]


__all__ = ["adopt_anomalies", "adopt_clusters", "anomalies_task", "clusters_task", "neighbours"]
