"""A whole session ↔ a `.lexp` container: what is saved, under which names.

Room for later issues: ``extra_meta`` (JSON) and ``extra_arrays`` are saved and loaded as they
are, so projections, directions, selections and view state can live in the same file."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..analysis.latents import LatentSet
from ..data.dataset import Dataset, Skipped
from ..errors import WorkspaceError
from ..models.config import ModelConfig
from ..training.state import TrainState
from .container import EXTENSION, Container, load_container, save_container


@dataclass
class Workspace:
    dataset: Dataset  # images are not saved: reload them from ``dataset.source``
    model_config: ModelConfig | None = None
    train_params: dict[str, Any] = field(default_factory=dict)
    train_state: TrainState | None = None
    train_status: str = ""
    train_message: str = ""
    train_idx: np.ndarray = field(default_factory=lambda: np.arange(0))
    val_idx: np.ndarray = field(default_factory=lambda: np.arange(0))
    latents: LatentSet | None = None
    report: dict[str, Any] = field(default_factory=dict)
    extra_meta: dict[str, Any] = field(default_factory=dict)
    extra_arrays: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def has_decoder(self) -> bool:
        trained = self.model_config is not None and self.train_state is not None
        return trained or "external_model" in self.extra_meta  # an imported TorchScript model


def _dataset_meta(ds: Dataset) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    arrays: dict[str, np.ndarray] = {}
    if ds.labels is not None:
        arrays["dataset.labels"] = ds.labels.astype(np.int64)
    for i, values in enumerate(ds.attributes.values()):
        arrays[f"dataset.attr.{i}"] = np.asarray(values, np.float64)
    for i, values in enumerate(ds.categories.values()):
        arrays[f"dataset.cat.{i}"] = np.asarray(values, np.int64)
    if ds.vectors is not None:
        arrays["dataset.vectors"] = ds.vectors.astype(np.float32)
    meta = {
        "n": len(ds),
        "image_size": ds.image_size,
        "channels": ds.channels,
        "label_names": ds.label_names,
        "attribute_names": list(ds.attributes),
        "category_names": {k: ds.category_names.get(k, []) for k in ds.categories},
        "paths": ds.paths,
        "skipped": [s.to_dict() for s in ds.skipped],
        "warnings": ds.warnings,
        "source": ds.source,
    }
    return meta, arrays


def save_workspace(path, ws: Workspace) -> None:
    ds_meta, arrays = _dataset_meta(ws.dataset)
    arrays["split.train"] = np.asarray(ws.train_idx, np.int64)
    arrays["split.val"] = np.asarray(ws.val_idx, np.int64)
    if ws.latents is not None:
        arrays["latents.mean"] = ws.latents.mean.astype(np.float32)
        if ws.latents.logvar is not None:
            arrays["latents.logvar"] = ws.latents.logvar.astype(np.float32)
        if ws.latents.recon_error is not None:
            arrays["latents.recon_error"] = ws.latents.recon_error.astype(np.float32)
    for name, value in ws.extra_arrays.items():
        arrays[f"extra.{name}"] = value
    tensors: dict[str, dict[str, np.ndarray]] = {}
    training: dict[str, Any] = {
        "params": ws.train_params,
        "status": ws.train_status,
        "message": ws.train_message,
    }
    st = ws.train_state
    if st is not None:
        tensors["weights"] = st.model
        if st.best_model is not None:
            tensors["best_weights"] = st.best_model
        if st.optimizer is not None:
            tensors["optimizer"] = st.optimizer["arrays"]
        training.update(
            epoch=st.epoch,
            step=st.step,
            best_val=st.best_val,
            bad_epochs=st.bad_epochs,
            seconds=st.seconds,
            history=st.history,
            optimizer_groups=None if st.optimizer is None else st.optimizer["param_groups"],
        )
    meta = {
        "dataset": ds_meta,
        "model": None if ws.model_config is None else ws.model_config.to_dict(),
        "training": training,
        "report": ws.report,
        "extra": ws.extra_meta,
    }
    save_container(path, Container(meta=meta, arrays=arrays, tensors=tensors))


def _get(d: dict, key: str, kind: type, path) -> Any:
    value = d.get(key)
    if not isinstance(value, kind):
        raise WorkspaceError(f"{path} is damaged: '{key}' is missing or of the wrong type")
    return value


def load_workspace(path) -> Workspace:
    c = load_container(path)
    try:
        return _from_container(c, path)
    except WorkspaceError:
        raise
    except (KeyError, TypeError, ValueError, IndexError, AttributeError) as exc:
        raise WorkspaceError(f"{path} is damaged: {type(exc).__name__}: {exc}") from None


def _from_container(c: Container, path) -> Workspace:
    meta, arrays = c.meta, c.arrays
    dm = _get(meta, "dataset", dict, path)
    n = int(dm["n"])
    attr_names = list(dm.get("attribute_names") or [])
    cat_names = dict(dm.get("category_names") or {})

    def arr(name: str, length: int | None = n, required: bool = False):
        a = arrays.get(name)
        if a is None:
            if required:
                raise WorkspaceError(f"{path} is damaged: the entry '{name}' is missing")
            return None
        if length is not None and (a.ndim == 0 or a.shape[0] != length):
            raise WorkspaceError(f"{path} is damaged: '{name}' has {a.shape} rows, expected {length}")
        return a

    dataset = Dataset(
        images=None,
        labels=arr("dataset.labels"),
        label_names=list(dm.get("label_names") or []),
        attributes={k: arr(f"dataset.attr.{i}", required=True) for i, k in enumerate(attr_names)},
        categories={k: arr(f"dataset.cat.{i}", required=True) for i, k in enumerate(cat_names)},
        category_names={k: list(v) for k, v in cat_names.items()},
        paths=dm.get("paths"),
        skipped=[Skipped(str(s["path"]), str(s["reason"])) for s in dm.get("skipped") or []],
        source=dict(dm.get("source") or {}),
        vectors=arr("dataset.vectors"),
        warnings=list(dm.get("warnings") or []),
    )
    mean = arr("latents.mean")
    latents = None
    if mean is not None:
        latents = LatentSet(mean=mean, logvar=arr("latents.logvar"), recon_error=arr("latents.recon_error"))
    tr = meta.get("training") or {}
    state = None
    if "weights" in c.tensors:
        opt = None
        if "optimizer" in c.tensors and tr.get("optimizer_groups"):
            opt = {"arrays": c.tensors["optimizer"], "param_groups": tr["optimizer_groups"]}
        state = TrainState(
            model=c.tensors["weights"],
            optimizer=opt,
            epoch=int(tr.get("epoch", 0)),
            step=int(tr.get("step", 0)),
            best_val=tr.get("best_val"),
            best_model=c.tensors.get("best_weights"),
            bad_epochs=int(tr.get("bad_epochs", 0)),
            seconds=float(tr.get("seconds", 0.0)),
            history=list(tr.get("history") or []),
        )
    model = meta.get("model")
    split = {k: arr(f"split.{k}", None, True) for k in ("train", "val")}
    for k, idx in split.items():
        if idx.ndim != 1 or (len(idx) and (idx.min() < 0 or idx.max() >= n)):
            raise WorkspaceError(f"{path} is damaged: the {k} split points outside the {n} images")
    return Workspace(
        dataset=dataset,
        model_config=None if model is None else ModelConfig.from_dict(model),
        train_params=dict(tr.get("params") or {}),
        train_state=state,
        train_status=str(tr.get("status", "")),
        train_message=str(tr.get("message", "")),
        train_idx=split["train"],
        val_idx=split["val"],
        latents=latents,
        report=dict(meta.get("report") or {}),
        extra_meta=dict(meta.get("extra") or {}),
        extra_arrays={k[6:]: v for k, v in arrays.items() if k.startswith("extra.")},
    )


__all__ = ["EXTENSION", "Workspace", "load_workspace", "save_workspace"]
