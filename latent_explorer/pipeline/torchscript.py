"""Your own model: a TorchScript decoder (a GAN generator is one) and optional encoder → Workspace.

With an encoder and a SOURCE, every image is encoded (means) and its reconstruction error
measured; with a decoder only, the map shows ``n_samples`` draws from the prior N(0, I), fixed by
the seed. The workspace never embeds the model files: it keeps their absolute paths, sizes and
sha256, and :func:`load_external_model` reloads them only while they are unchanged."""
from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import numpy as np

from latent_explorer.analysis.latent.latents import LatentSet, encode_dataset
from latent_explorer.analysis.report.report import build_report
from latent_explorer.data.dataset import Dataset
from latent_explorer.data.sources import open_source
from latent_explorer.errors import UserError
from latent_explorer.models.external import ExternalModel
from latent_explorer.infra.tasks import CancelToken, Progress
from latent_explorer.training.split import make_split
from latent_explorer.workspace.session_file import Workspace
from latent_explorer.workspace import schema

ENCODE_CHUNK = 512
MAX_SAMPLES = 1_000_000
VAL_FRACTION = 0.2


def is_external(ws: Workspace) -> bool:
    return schema.EXTERNAL_MODEL in ws.extra_meta


def _range_words(r: str) -> str:
    return "outputs in [-1, 1], mapped to [0, 1]" if r == "-1,1" else "outputs in [0, 1]"


def import_torchscript(
    decoder_path: str | Path,
    encoder_path: str | Path | None = None,
    source: str | None = None,
    latent_dim: int | None = None,
    n_samples: int = 2000,
    seed: int = 0,
    output_range: str = "auto",
    cancel: CancelToken | None = None,
):
    """Generator (yields Progress): load and check the model, make the latents, build the report;
    returns the Workspace (not saved)."""
    cancel = cancel or CancelToken()
    model = ExternalModel.from_files(decoder_path, encoder_path, latent_dim, output_range)
    yield Progress(0, 1, "TorchScript model loaded")
    cfg = model.config
    parts = ["decoder + encoder" if model.has_encoder else "decoder only"]
    if source is not None:
        if not model.has_encoder:
            raise UserError(
                "mapping the images of a SOURCE needs the model's encoder (--encoder); without one "
                "the map shows samples from the prior"
            )
        color = "grey" if cfg.channels == 1 else "rgb"
        dataset = yield from open_source(source, cfg.image_size, color, cancel)
        if not dataset.has_images:
            raise UserError(
                f"{source} holds precomputed embeddings: the encoder needs images (a folder or demo:NAME)"
            )
        if (dataset.image_size, dataset.channels) != (cfg.image_size, cfg.channels):
            raise UserError(
                f"the model takes {cfg.image_size}px × {cfg.channels} channel(s), the source gives "
                f"{dataset.image_size}px × {dataset.channels}"
            )
        latents = yield from _encode_all(model, dataset, cancel)
        parts.append(f"encoded {len(dataset)} images")
    else:
        n = int(n_samples)
        if not 1 <= n <= MAX_SAMPLES:
            raise UserError(f"the number of prior samples must be 1–{MAX_SAMPLES}, got {n_samples}")
        z = np.random.default_rng(seed).standard_normal((n, cfg.latent_dim)).astype(np.float32)
        dataset = Dataset(
            images=None,
            vectors=z,
            source={"kind": "prior-samples", "n": n, "seed": int(seed), "latent_dim": cfg.latent_dim},
        )
        latents = LatentSet(mean=z, logvar=None, recon_error=None)
        parts.append(f"{n} samples from the prior N(0, I)")
    shape = f"{cfg.image_size}px × {cfg.channels}"
    parts.append(f"{cfg.latent_dim}-d latents, {shape}, {_range_words(cfg.output_range)}")
    yield Progress(1, 1, "computing the report")
    train_idx, val_idx = make_split(len(dataset), dataset.labels, VAL_FRACTION, seed)
    ws = Workspace(
        dataset=dataset,
        train_params={
            "seed": int(seed), "source": source, "n_samples": int(n_samples), "output_range": output_range,
        },
        train_status="imported",
        train_message="imported TorchScript " + ", ".join(parts),
        train_idx=train_idx,
        val_idx=val_idx,
        latents=latents,
    )
    ws.extra_meta[schema.EXTERNAL_MODEL] = {
        "decoder": model.files["decoder"].to_dict(),
        "encoder": None if model.files.get("encoder") is None else model.files["encoder"].to_dict(),
        "latent_dim": cfg.latent_dim,
        "output_range": cfg.output_range,
        "requested_output_range": output_range,
        "config": cfg.to_dict(),
    }
    ws.report = build_report(dataset, latents, train_idx, val_idx, int(seed))
    ws.report.update(
        model="external",
        epochs_run=0,
        train_seconds=0.0,
        train_status=ws.train_status,
        train_message=ws.train_message,
        has_encoder=model.has_encoder,
        output_range=cfg.output_range,
    )
    return ws


def _encode_all(model: ExternalModel, dataset: Dataset, cancel: CancelToken):
    n = len(dataset)
    means, logvars, errors = [], [], []
    for start in range(0, n, ENCODE_CHUNK):
        cancel.raise_if_cancelled()
        yield Progress(start, n, "encoding every image")
        part = encode_dataset(model, Dataset(images=dataset.images[start : start + ENCODE_CHUNK]))
        means.append(part.mean)
        errors.append(part.recon_error)
        if part.logvar is not None:
            logvars.append(part.logvar)
    yield Progress(n, n, "encoding every image")
    d = model.latent_dim
    return LatentSet(
        mean=np.concatenate(means) if means else np.zeros((0, d), np.float32),
        logvar=np.concatenate(logvars) if logvars else None,
        recon_error=np.concatenate(errors) if errors else np.zeros(0, np.float32),
    )


def _check_file(entry: dict[str, Any], role: str) -> None:
    path = Path(str(entry.get("path", "")))
    if not path.is_file():
        raise UserError(
            f"the {role} file of this workspace is missing: {path} (moved or deleted); put it "
            "back or import the model again"
        )
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    if h.hexdigest() != entry.get("sha256"):
        raise UserError(
            f"the {role} file {path} has changed since it was imported (sha256 differs); "
            "import the model again"
        )


def load_external_model(ws: Workspace, device: str = "cpu") -> ExternalModel:
    """Reload the TorchScript files a workspace points to, refusing missing or changed ones."""
    meta = ws.extra_meta.get(schema.EXTERNAL_MODEL)
    if not isinstance(meta, dict) or not isinstance(meta.get("decoder"), dict):
        raise UserError("this workspace does not describe an imported TorchScript model")
    roles = [("decoder", meta["decoder"])]
    if isinstance(meta.get("encoder"), dict):
        roles.append(("encoder", meta["encoder"]))
    for role, entry in roles:
        _check_file(entry, role)
    cfg = meta.get("config") or {}
    model = ExternalModel.from_files(
        meta["decoder"]["path"],
        meta["encoder"]["path"] if len(roles) == 2 else None,
        latent_dim=int(meta["latent_dim"]),
        output_range=str(meta["output_range"]),
        latent_layout=cfg.get("latent_layout"),
    )
    for role, entry in roles:  # the bytes loaded are the bytes checked (no swap in between)
        if model.files[role].sha256 != entry.get("sha256"):
            raise UserError(f"the {role} file {entry.get('path')} changed while loading; try again")
    got = (model.config.image_size, model.config.channels)
    want = (cfg.get("image_size", got[0]), cfg.get("channels", got[1]))
    if got != want:
        raise UserError(
            f"the model now makes {got[0]}px × {got[1]} images, {want[0]}px × {want[1]} when imported"
        )
    return model.to(device).eval()


__all__ = ["import_torchscript", "is_external", "load_external_model"]
