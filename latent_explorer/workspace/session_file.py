"""A whole session ↔ a `.lexp` container: what is saved, under which names.

Room for later issues: ``extra_meta`` (JSON) and ``extra_arrays`` are saved and loaded as they
are, so projections, directions, selections and view state can live in the same file."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from latent_explorer.analysis.latent.latent_set import LatentSet
from latent_explorer.data.dataset import Dataset, Skipped
from latent_explorer.errors import UserError, WorkspaceError
from latent_explorer.models.config import ModelConfig
from latent_explorer.training.state import TrainState
from latent_explorer.workspace.container import EXTENSION, Container, load_container, save_container
from latent_explorer.workspace import schema
from latent_explorer.workspace.revision import Origin


PIXEL_STATUS = "pixels"  # train_status of a workspace that maps pixels, not a model's latents


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
    # the file this workspace was read from or last saved to (not saved): a save there checks
    # that no other program saved over it since (`workspace.revision`)
    origin: Origin = field(default_factory=Origin, repr=False, compare=False)

    @property
    def has_decoder(self) -> bool:
        trained = self.model_config is not None and self.train_state is not None
        return trained or schema.EXTERNAL_MODEL in self.extra_meta  # an imported TorchScript model

    @property
    def is_pixel_map(self) -> bool:
        """A map of the images' pixels, made before any model (`pipeline.pixels`)."""
        return self.train_status == PIXEL_STATUS and not self.has_decoder


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


def save_workspace(path, ws: Workspace, force: bool = False) -> None:
    """Save ``ws`` to ``path`` atomically. Saving over the file it was read from (or last saved
    to) raises `WorkspaceChangedError` when another program saved there since, unless ``force``."""
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
    held = ws.origin.revision
    expected = held if held is not None and held.same_file(path) and not force else None
    ws.origin.revision = save_container(path, Container(meta=meta, arrays=arrays, tensors=tensors), expected)


def _get(d: dict, key: str, kind: type, path) -> Any:
    value = d.get(key)
    if not isinstance(value, kind):
        raise WorkspaceError(f"{path} is damaged: '{key}' is missing or of the wrong type")
    return value


def _damaged(path, why: str) -> WorkspaceError:
    return WorkspaceError(f"{path} is damaged: {why}")


def load_workspace(path) -> Workspace:
    """Read a workspace; anything inconsistent in it raises ``WorkspaceError`` (one line)."""
    c = load_container(path)
    try:
        ws = _from_container(c, path)
        _check_dataset(ws, path)
        _check_state(ws, path)
        ws.origin.revision = c.revision
        return ws
    except WorkspaceError:
        raise
    except UserError as exc:  # e.g. a model configuration out of range
        raise _damaged(path, str(exc)) from None
    except (KeyError, TypeError, ValueError, IndexError, AttributeError, ArithmeticError) as exc:
        text = " ".join(f"{type(exc).__name__}: {exc}".split())
        raise _damaged(path, text if len(text) <= 160 else text[:157] + "...") from None


def _from_container(c: Container, path) -> Workspace:
    meta, arrays = c.meta, c.arrays
    dm = _get(meta, "dataset", dict, path)
    n = int(dm["n"])
    if n < 0:
        raise _damaged(path, f"it declares {n} images")
    paths = dm.get("paths")
    if paths is not None and not (isinstance(paths, list) and len(paths) == n
                                  and all(isinstance(p, str) for p in paths)):
        raise _damaged(path, f"'paths' is not a list of {n} file names")
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
        paths=paths,
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


def _codes(path, name: str, codes: np.ndarray | None, names: list) -> None:
    if not all(isinstance(x, str) for x in names):
        raise _damaged(path, f"the names of '{name}' are not all text")
    if codes is None:
        return
    if codes.ndim != 1 or codes.dtype.kind not in "iu":
        raise _damaged(path, f"'{name}' is not a list of integer codes")
    if codes.size and (codes.min() < -1 or codes.max() >= len(names)):
        raise _damaged(path, f"'{name}' holds codes outside its {len(names)} names")


def _check_dataset(ws: Workspace, path) -> None:
    """Shapes and codes that later views index with: refused here rather than crashing there."""
    ds, n = ws.dataset, len(ws.dataset)
    _codes(path, "dataset.labels", ds.labels, ds.label_names)
    for k, codes in ds.categories.items():
        _codes(path, f"category {k!r}", codes, ds.category_names.get(k, []))
    for k, values in ds.attributes.items():
        if values.ndim != 1:
            raise _damaged(path, f"attribute {k!r} is not one value per image")
    for name, a in (("dataset.vectors", ds.vectors), ("latents.mean", ws.latents and ws.latents.mean)):
        if a is not None and (a.ndim != 2 or a.shape[1] < 1 or a.dtype.kind != "f"):
            raise _damaged(path, f"'{name}' is not a table of numbers with one row per image")
        if a is not None and not np.isfinite(a).all():
            raise _damaged(path, f"'{name}' holds NaN or infinite values")
    lat = ws.latents
    if lat is not None and lat.logvar is not None and lat.logvar.shape != lat.mean.shape:
        raise _damaged(path, "'latents.logvar' does not match 'latents.mean'")
    if lat is not None and lat.recon_error is not None and lat.recon_error.shape != (n,):
        raise _damaged(path, "'latents.recon_error' is not one value per image")


def _epoch_row(row: Any) -> bool:
    """One epoch of the training history: numbers (or None) by name, with its epoch number."""
    if not isinstance(row, dict) or type(row.get("epoch")) is not int:
        return False
    return all(v is None or isinstance(v, (int, float)) for v in row.values())


def _check_state(ws: Workspace, path) -> None:
    """Saved weights (and optimizer state) must fit the model they claim to be from: checked
    on a model without memory (torch's "meta" device), so a hostile file allocates nothing."""
    st, config = ws.train_state, ws.model_config
    if st is not None and not all(_epoch_row(h) for h in st.history):
        raise _damaged(path, "its training history is not a list of epochs")
    if st is None or config is None:
        return
    import torch

    from latent_explorer.models.registry import build_model

    with torch.device("meta"):
        model = build_model(config)
    expected = {k: tuple(v.shape) for k, v in model.state_dict().items()}
    for name, weights in (("weights", st.model), ("best weights", st.best_model)):
        if weights is not None and {k: tuple(v.shape) for k, v in weights.items()} != expected:
            raise _damaged(path, f"the saved {name} do not fit its {config.kind} model configuration")
    if st.optimizer is not None:
        _check_optimizer(st.optimizer, [tuple(p.shape) for p in model.parameters()], path)


def _check_optimizer(plain: dict, shapes: list[tuple[int, ...]], path) -> None:
    """The checks `torch.optim.Optimizer.load_state_dict` would make, on plain data: building an
    optimizer to try it imports torch._dynamo, a second or more on every workspace opened."""
    try:
        groups = json.loads(plain["param_groups"])
        ids = [int(i) for g in groups for i in g["params"]]
        if len(groups) != 1 or sorted(ids) != list(range(len(shapes))):
            raise ValueError("parameter groups")
        for key, value in plain["arrays"].items():
            pid, _, name = key.partition(".")
            shape = tuple(np.shape(value))
            if not name or (shape and shape != shapes[ids.index(int(pid))]):
                raise _damaged(path, "its optimizer state does not fit the model")
    except (KeyError, TypeError, ValueError, IndexError, AttributeError) as exc:
        raise _damaged(path, f"its optimizer state cannot be restored ({type(exc).__name__})") from None
    for group in groups:
        for key, value in group.items():
            values = value if isinstance(value, (list, tuple)) else (value,)
            if key != "params" and not all(v is None or isinstance(v, (bool, int, float)) for v in values):
                raise _damaged(path, f"its optimizer setting {key!r} is not a number")


__all__ = ["EXTENSION", "Workspace", "load_workspace", "save_workspace"]
