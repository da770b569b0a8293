"""UMAP on the GPU with cuML where it is installed, umap-learn otherwise. cuML needs an NVIDIA GPU,
which this machine has not: where cuML would be, a stand-in module with its API (`cuml.manifold.UMAP`:
constructor parameters, ``fit_transform``, ``transform``) checks which UMAP the app chooses, what
it asks of it, and that it falls back when cuML cannot run. cuML's own result is not checked here."""
from __future__ import annotations

import sys
import types

import numpy as np
import pytest

from latent_explorer.analysis.maps.gpu_umap import SWITCH, cuml_umap_class
from latent_explorer.analysis.maps.projection import Projection
from latent_explorer.infra.tasks import Progress


def latents(n=150, d=6, seed=0):
    rng = np.random.default_rng(seed)
    return np.concatenate([rng.normal(c, 0.3, (n // 3, d)) for c in (-3, 0, 3)]).astype(np.float32)


def messages(task) -> tuple[list[str], np.ndarray]:
    seen = []
    while True:
        try:
            item = next(task)
        except StopIteration as stop:
            return seen, stop.value
        if isinstance(item, Progress):
            seen.append(item.message)


@pytest.fixture
def stand_in_cuml(monkeypatch):
    """A `cuml` package whose UMAP records what it was asked and answers with a fixed linear map."""
    calls = {"init": [], "transform": 0}

    class UMAP:
        fail = None

        def __init__(self, **params):
            calls["init"].append(params)
            if UMAP.fail is not None:
                raise UMAP.fail
            self.k = params["n_components"]

        def fit_transform(self, x):
            self.basis = np.linalg.svd(x - x.mean(0), full_matrices=False)[2][: self.k].T
            return x @ self.basis

        def transform(self, x):
            calls["transform"] += 1
            return x @ self.basis

    cuml, manifold = types.ModuleType("cuml"), types.ModuleType("cuml.manifold")
    manifold.UMAP, cuml.manifold = UMAP, manifold
    monkeypatch.setitem(sys.modules, "cuml", cuml)
    monkeypatch.setitem(sys.modules, "cuml.manifold", manifold)
    monkeypatch.delenv(SWITCH, raising=False)
    return UMAP, calls


def test_without_cuml_a_umap_map_is_umap_learns():
    if "cuml" in sys.modules or cuml_umap_class() is not None:
        pytest.skip("cuML is installed here")
    seen, embedding = messages(Projection("umap", 2, n_epochs=20).fit_task(latents()))
    assert not any("GPU" in m for m in seen) and any("layout" in m for m in seen)
    assert embedding.shape == (150, 2) and np.isfinite(embedding).all()


def test_where_cuml_is_installed_umap_runs_there_with_the_maps_parameters(stand_in_cuml):
    umap_class, calls = stand_in_cuml
    z = latents()
    projection = Projection("umap", 2, n_neighbors=10, init="pca", n_epochs=50)
    seen, embedding = messages(projection.fit_task(z))
    assert seen[0] == "UMAP on the GPU (cuML)" and not any("layout" in m for m in seen)
    asked = calls["init"][0]
    assert asked["n_components"] == 2 and asked["n_neighbors"] == 10 and asked["n_epochs"] == 50
    assert asked["init"] == "spectral" and asked["output_type"] == "numpy"  # cuML has no "pca" init
    assert np.allclose(embedding, z @ np.linalg.svd(z - z.mean(0), full_matrices=False)[2][:2].T, atol=1e-4)
    placed = projection.transform(z[:5])  # a new image placed on the map: by cuML's transform
    assert calls["transform"] == 1 and np.allclose(placed, embedding[:5], atol=1e-4)


def test_cuml_switched_off_or_failing_leaves_umap_to_umap_learn(stand_in_cuml, monkeypatch):
    umap_class, calls = stand_in_cuml
    monkeypatch.setenv(SWITCH, "0")
    seen, embedding = messages(Projection("umap", 2, n_epochs=20).fit_task(latents()))
    assert calls["init"] == [] and not any("GPU" in m for m in seen)

    monkeypatch.delenv(SWITCH)
    umap_class.fail = RuntimeError("no CUDA device")
    seen, embedding = messages(Projection("umap", 2, n_epochs=20).fit_task(latents()))
    assert len(calls["init"]) == 1
    assert "cuML could not run (RuntimeError): UMAP on the CPU" in seen and any("layout" in m for m in seen)
    assert embedding.shape == (150, 2) and np.isfinite(embedding).all()
