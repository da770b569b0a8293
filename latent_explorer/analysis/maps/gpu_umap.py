"""UMAP on an NVIDIA GPU with RAPIDS cuML, where it is installed (``pip install
latent-explorer[gpu]``, or NVIDIA's own instructions for cuML). Never required: without cuML, with
``LATENT_EXPLORER_CUML=0``, or when cuML fails (no CUDA device, a driver that does not match), a
UMAP map is umap-learn's, as everywhere else.

cuML fits in one call: the map shows no layout while it forms, only its progress before and after
(on a GPU a million points take seconds to a minute). Its fitted model places new points with
its own ``transform``; a saved map rebuilds a umap-learn model from the embedding when it needs
one, as for any UMAP map."""
from __future__ import annotations

import os
from typing import Any

import numpy as np

from latent_explorer.infra.tasks import Cancelled, CancelToken, Progress, Task

SWITCH = "LATENT_EXPLORER_CUML"  # "0": never use cuML


def cuml_umap_class() -> Any | None:
    """cuML's UMAP class, or None where it cannot be used (not installed, switched off, broken)."""
    if os.environ.get(SWITCH, "1") == "0":
        return None
    try:
        from cuml.manifold import UMAP
    except Exception:  # noqa: BLE001 - ImportError, or a CUDA library that fails to load
        return None
    return UMAP


def cuml_params(k: int, p: dict) -> dict:
    """umap-learn's parameters (``projection.DEFAULTS["umap"]``, validated) in cuML's words."""
    params = {"n_components": k, "n_neighbors": p["n_neighbors"], "min_dist": p["min_dist"],
              "spread": p["spread"], "metric": p["metric"], "random_state": p["random_state"],
              "init": "random" if p["init"] == "random" else "spectral",  # cuML has no "pca"
              "output_type": "numpy"}
    if p.get("n_epochs"):
        params["n_epochs"] = p["n_epochs"]
    return params


def fit_umap_on_gpu_or(cpu_fitter):
    """The UMAP fitter to use: cuML's where it can run, falling back to ``cpu_fitter`` (the
    stepped umap-learn fit) when cuML is absent or its fit fails."""
    umap_class = cuml_umap_class()
    if umap_class is None:
        return cpu_fitter

    def fit(x: np.ndarray, k: int, p: dict, cancel: CancelToken, every: int | None) -> Task:
        yield Progress(0, 1, "UMAP on the GPU (cuML)")
        cancel.raise_if_cancelled()
        try:
            reducer = umap_class(**cuml_params(k, p))
            embedding = np.asarray(reducer.fit_transform(np.ascontiguousarray(x, np.float32)), np.float32)
        except Cancelled:
            raise
        except Exception as exc:  # noqa: BLE001 - a GPU that cannot run it: the CPU can
            yield Progress(0, 1, f"cuML could not run ({type(exc).__name__}): UMAP on the CPU")
            return (yield from cpu_fitter(x, k, p, cancel, every))
        if embedding.shape != (len(x), k) or not np.isfinite(embedding).all():
            yield Progress(0, 1, "cuML returned no usable map: UMAP on the CPU")
            return (yield from cpu_fitter(x, k, p, cancel, every))
        yield Progress(1, 1, "UMAP on the GPU (cuML)")
        return embedding, reducer

    return fit
