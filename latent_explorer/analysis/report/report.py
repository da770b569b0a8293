"""The numbers a finished training is judged by (the `report` command's JSON)."""
from __future__ import annotations

from typing import Any

import numpy as np

from latent_explorer.data.dataset import Dataset
from latent_explorer.analysis.latent.latent_set import LatentSet
from latent_explorer.analysis.latent.metrics import active_units, attribute_r2, knn_accuracy, pca_baseline


def build_report(
    dataset: Dataset,
    latents: LatentSet | None,
    train_idx: np.ndarray,
    val_idx: np.ndarray,
    seed: int = 0,
) -> dict[str, Any]:
    """Quality of the latent space against the baseline it must beat: PCA of the pixels with
    the same width, fitted on the same training split."""
    report: dict[str, Any] = {
        "n_images": len(dataset),
        "n_skipped": len(dataset.skipped),
        "skipped": [s.to_dict() for s in dataset.skipped],
        "labels": dataset.label_names if dataset.labels is not None else [],
        "attributes": list(dataset.attributes) + list(dataset.categories),
        "image_size": dataset.image_size,
        "n_train": int(len(train_idx)),
        "n_val": int(len(val_idx)),
    }
    if latents is None:
        return report
    z = latents.mean
    report["latent_dim"] = int(z.shape[1])
    report["knn_accuracy"] = knn_accuracy(z, dataset.labels, train_idx, val_idx)
    pca_z = pca_err = None
    if dataset.images is not None and len(train_idx) > 1:
        pca_z, pca_err = pca_baseline(dataset.images, z.shape[1], train_idx, seed)
    report["pca_knn_accuracy"] = (
        None if pca_z is None else knn_accuracy(pca_z, dataset.labels, train_idx, val_idx)
    )
    report["attribute_r2"] = attribute_r2(z, dataset.attributes, train_idx, val_idx)
    report["attribute_r2_knn"] = attribute_r2(z, dataset.attributes, train_idx, val_idx, knn=10)
    report["pca_attribute_r2"] = (
        {} if pca_z is None else attribute_r2(pca_z, dataset.attributes, train_idx, val_idx)
    )
    report["active_units"] = active_units(latents.logvar, z)
    if latents.recon_error is not None:
        err = latents.recon_error
        report["recon_mse_train"] = float(err[train_idx].mean()) if len(train_idx) else None
        report["recon_mse_val"] = float(err[val_idx].mean()) if len(val_idx) else None
    if pca_err is not None:
        report["pca_recon_mse_train"] = float(pca_err[train_idx].mean())
        report["pca_recon_mse_val"] = float(pca_err[val_idx].mean()) if len(val_idx) else None
    return report
