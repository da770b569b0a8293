"""Source → dataset → trained model → latents → report → workspace, as one cancellable task.

The CLI drives it with a progress bar; the desktop app runs the same generator in a worker."""
from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any

import numpy as np

from latent_explorer.analysis.latent.latents import encode_dataset
from latent_explorer.analysis.report.report import build_report
from latent_explorer.workspace.report import extended_report
from latent_explorer.data.dataset import Dataset
from latent_explorer.data.sources import open_source
from latent_explorer.errors import UserError
from latent_explorer.pipeline.recipes import AUTO, DEFAULT, recipe_for
from latent_explorer.pipeline.torchscript import is_external, load_external_model
from latent_explorer.models.config import ModelConfig
from latent_explorer.models.registry import build_model
from latent_explorer.infra.tasks import CancelToken, Partial, Progress
from latent_explorer.training.augment import auto_augment, legacy_auto, resolve_augment
from latent_explorer.training.checkpoint import numpy_to_state
from latent_explorer.training.device import usable_device
from latent_explorer.training.distributed import Ranks
from latent_explorer.training.split import make_split
from latent_explorer.training.trainer import Trainer, auto_epochs, validate_schedule
from latent_explorer.workspace.session_file import Workspace

MODEL_ALIASES = {"ae": "ae", "vae": "vae", "beta-vae": "beta-vae", "betavae": "beta-vae"}


@dataclass
class TrainOptions:
    model: str = "vae"
    latent_dim: int = 16
    image_size: int | None = None
    epochs: int | None = None
    seed: int = 0
    batch_size: int = 64
    lr: float | None = None  # None: the source's recipe (pipeline.recipes)
    beta: float | None = None  # default 1 for a VAE, 4 for a β-VAE
    recon_sigma: float = 0.05
    loss: str = AUTO  # models.losses.LOSSES, or auto: the source's recipe (mse but for demo:scenes)
    arch: str = AUTO  # models.config.ARCHS, or auto: the source's recipe (conv but for demo:scenes)
    width: int | None = None
    color: str = "auto"
    val_fraction: float = 0.2
    patience: int | None = 30
    device: str = "auto"
    threads: int | None = None
    augment: str = "auto"  # training.augment.SETTINGS: auto = mirror, shift and zoom a folder's images
    schedule: str = AUTO  # training.schedule.SCHEDULES, or auto: the source's recipe
    weight_decay: float = 0.0  # AdamW's; measured on 1,600 photos with augmentation: 0.05 changed nothing (21.93 vs 21.96 dB)

    def validate(self) -> "TrainOptions":
        """Check what can be checked before any data is loaded, so mistakes surface at once."""
        if MODEL_ALIASES.get(self.model.lower()) is None:
            raise UserError(f"unknown model '{self.model}': choose ae, vae or beta-vae")
        ModelConfig(
            latent_dim=self.latent_dim,
            image_size=self.image_size or 32,
            beta=self.beta or 1.0,
            recon_sigma=self.recon_sigma,
            width=self.width or 32,
            loss=DEFAULT.loss if self.loss == AUTO else self.loss,
            arch=DEFAULT.arch if self.arch == AUTO else self.arch,
        ).validate()
        validate_schedule(self.epochs, self.batch_size, DEFAULT.lr if self.lr is None else self.lr,
                          DEFAULT.schedule if self.schedule == AUTO else self.schedule)
        resolve_augment(self.augment, None, 32)
        if not 0 <= self.weight_decay < 1:
            raise UserError(f"weight decay must be in [0, 1), got {self.weight_decay}")
        if self.color not in ("auto", "grey", "rgb"):
            raise UserError(f"colour must be auto, grey or rgb, got '{self.color}'")
        return self

    def resolved(self, dataset: Dataset, n_train: int | None = None) -> "TrainOptions":
        """These options with every "auto" of the network, loss, learning rate and epochs
        replaced by what ``dataset``'s source gets (`pipeline.recipes`); ``n_train``: the training
        split's size (else the share ``val_fraction`` leaves). A workspace stores these, so it
        says what it was trained with and resumes with the same."""
        recipe = recipe_for(dataset.source, len(dataset), dataset.image_size)
        if n_train is None:
            n_train = len(dataset) - round(len(dataset) * self.val_fraction)
        return replace(
            self,
            arch=recipe.arch if self.arch == AUTO else self.arch,
            loss=recipe.loss if self.loss == AUTO else self.loss,
            lr=recipe.lr if self.lr is None else self.lr,
            schedule=recipe.schedule if self.schedule == AUTO else self.schedule,
            augment=auto_augment(dataset.source.get("kind")) if self.augment == AUTO else self.augment,
            epochs=auto_epochs(n_train, self.batch_size, recipe.steps) if self.epochs is None else self.epochs,
        )

    def model_config(self, dataset: Dataset) -> ModelConfig:
        o = self.resolved(dataset)
        kind = MODEL_ALIASES.get(o.model.lower())
        if kind is None:
            raise UserError(f"unknown model '{o.model}': choose ae, vae or beta-vae")
        beta = o.beta if o.beta is not None else (4.0 if kind == "beta-vae" else 1.0)
        return ModelConfig(
            kind=kind,
            latent_dim=o.latent_dim,
            image_size=dataset.image_size or 32,
            channels=dataset.channels or 1,
            beta=beta,
            recon_sigma=o.recon_sigma,
            width=o.width or default_width(len(dataset)),
            loss=o.loss,
            arch=o.arch,
        ).validate()

    def trainer(self, config: ModelConfig, dataset: Dataset, ranks: Ranks | None = None) -> Trainer:
        o = self.resolved(dataset)
        return Trainer(
            config,
            epochs=o.epochs,
            batch_size=o.batch_size,
            lr=o.lr,
            seed=o.seed,
            device=o.device,
            patience=o.patience,
            threads=o.threads,
            augment=resolve_augment(o.augment, dataset.source.get("kind"), config.image_size),
            weight_decay=o.weight_decay,
            ranks=ranks,
            schedule=o.schedule,
        )


def default_width(n_images: int) -> int:
    """Base channel count. Wider nets read small sets of photos better (measured on 200 real
    photos: 5-NN 0.970 at width 32 vs 0.945 at 16, PCA 0.965), but above 1,000 images the steps
    decide: on 1,600 photo crops at 64 px, width 32 took 794 s to the reported model (held-out
    21.55 dB, PCA 20.09) and had reached 20.5 dB after the 220 s that width 16 needs for all its
    epochs (21.27 dB, 256 s in all; 5-NN 0.897, PCA 0.897)."""
    return 32 if n_images <= 1000 else 16


def load_model(ws: Workspace, device: str = "cpu"):
    """The trained model of a workspace, ready for encode/decode (eval mode); for an imported
    TorchScript model, its files reloaded (refused when missing or changed)."""
    if is_external(ws):
        return load_external_model(ws, device)
    if ws.model_config is None or ws.train_state is None:
        raise UserError("this workspace has no decoder (it was made from precomputed embeddings)")
    model = build_model(ws.model_config)
    model.load_state_dict(numpy_to_state(ws.train_state.model))
    return model.to(device).eval()


def finish_workspace(ws: Workspace, dataset: Dataset) -> Workspace:
    """Encode every image with the trained model and compute the report."""
    model = None
    if ws.train_state is not None and dataset.has_images:
        model = load_model(ws)
        ws.latents = encode_dataset(model, dataset)
    elif dataset.vectors is not None:
        from latent_explorer.analysis.latent.latent_set import LatentSet

        ws.latents = LatentSet(mean=dataset.vectors, logvar=None, recon_error=None)
    seed = int(ws.train_params.get("seed", 0))
    ws.report = build_report(dataset, ws.latents, ws.train_idx, ws.val_idx, seed)
    ws.report.update(
        model=None if ws.model_config is None else ws.model_config.kind,
        network=getattr(ws.model_config, "arch", None),
        recon_loss=getattr(ws.model_config, "loss", None),
        learning_rate=ws.train_params.get("lr"),
        lr_schedule=ws.train_params.get("schedule"),
        epochs_run=0 if ws.train_state is None else ws.train_state.epoch,
        train_seconds=0.0 if ws.train_state is None else round(ws.train_state.seconds, 3),
        train_status=ws.train_status,
        train_message=ws.train_message,
    )
    ws.report.update(extended_report(ws, pca_map(ws), seed))
    if model is not None and len(ws.val_idx) > MIN_SAMPLE_CHECK // 10:
        ws.report["sample_quality"] = sample_report(model, dataset, ws, seed)
    return ws


MIN_SAMPLE_CHECK, MAX_SAMPLE_CHECK = 500, 5000


def sample_check_count(n_train: int) -> int:
    """Samples drawn to judge them against the held-out images: as many as the training images
    (within 500–5,000), so that both Fréchet distances of `sample_quality` are estimated from
    samples of the same size. The plug-in estimate grows as its sample shrinks: on 1,600 photos
    the same density's 500 samples read 1.6–2.7× the reference over five seeds, 2,000 read 1.4–1.7×."""
    return int(min(MAX_SAMPLE_CHECK, max(MIN_SAMPLE_CHECK, n_train)))


def sample_report(model, dataset: Dataset, ws: Workspace, seed: int = 0) -> dict[str, Any] | None:
    """The Generate dock's "auto" samples against held-out images (`sample_quality`)."""
    from functools import partial

    from latent_explorer.analysis.generate.sample_quality import decoded_samples, sample_quality
    from latent_explorer.analysis.latent.latents import decode_latents

    images, prior, note = decoded_samples(partial(decode_latents, model), ws.latents.mean,
                                          ws.model_config.kind, sample_check_count(len(ws.train_idx)), seed)
    out = sample_quality(dataset.images, ws.train_idx, ws.val_idx, images, prior, seed)
    if out is not None and note:
        out["note"] = note
    return out


def pca_map(ws: Workspace) -> dict[str, np.ndarray]:
    z = None if ws.latents is None else ws.latents.mean
    if z is None or len(z) < 4 or z.shape[1] < 2:
        return {}
    from sklearn.decomposition import PCA

    return {"pca-2d": PCA(2, random_state=0).fit_transform(np.asarray(z, np.float64))}


def train_source(spec: str, options: TrainOptions, cancel: CancelToken | None = None, ranks: Ranks | None = None):
    """Generator: load SOURCE, train, encode; returns the finished Workspace (also when
    cancelled or diverged: the weights it has are kept and the status says so). ``ranks``: this
    process's place under torchrun (see `continue_training`)."""
    cancel = cancel or CancelToken()
    options.validate()
    dataset = yield from open_source(spec, options.image_size, options.color, cancel)
    return (yield from train_dataset(dataset, options, cancel, ranks=ranks))


def train_dataset(
    dataset: Dataset, options: TrainOptions, cancel: CancelToken | None = None, watch=None, ranks: Ranks | None = None
):
    """Generator: split, train and encode ``dataset``; ``watch`` and ``ranks`` go to `Trainer`."""
    cancel = cancel or CancelToken()
    labels = dataset.labels
    train_idx, val_idx = make_split(len(dataset), labels, options.val_fraction, options.seed)
    options = options.resolved(dataset, len(train_idx))
    ws = Workspace(dataset=dataset, train_idx=train_idx, val_idx=val_idx, train_params=asdict(options))
    if not dataset.has_images:
        ws.train_status, ws.train_message = "no-model", "precomputed embeddings: nothing to train"
        return finish_workspace(ws, dataset)
    ws.model_config = options.model_config(dataset)
    return (yield from continue_training(ws, dataset, options, cancel, watch=watch, ranks=ranks))


def continue_training(
    ws: Workspace,
    dataset: Dataset,
    options: TrainOptions | None = None,
    cancel: CancelToken | None = None,
    extra_epochs: int | None = None,
    threads: int | None = None,
    watch=None,
    ranks: Ranks | None = None,
):
    """Train (or resume) the workspace's model on ``dataset``; returns the updated workspace.
    ``extra_epochs`` more epochs restart early stopping's patience: the user asked for them (a
    model that stopped early would otherwise stop again after one epoch). Without ``options``
    (a resume) the stored ones are used, on ``threads`` threads and the stored device only when
    this machine has it: those are the machine's choice, not the model's (a model trained on a GPU
    server resumes on a laptop). ``watch`` goes to `Trainer.fit` (the live map's snapshots).
    ``ranks``: under torchrun every process trains and only process 0 encodes; the others get the
    workspace back unfinished (no latents, no report)."""
    if options is None:
        fields = TrainOptions.__dataclass_fields__
        stored = {"schedule": "constant"} | ws.train_params  # trained before schedules: a constant rate
        if stored.get("augment", AUTO) == AUTO:  # saved before "auto" was stored resolved
            stored["augment"] = legacy_auto(dataset.source.get("kind"))
        options = TrainOptions(**{k: v for k, v in stored.items() if k in fields})
        options = replace(options, threads=threads, device=usable_device(options.device))
    if extra_epochs is not None and ws.train_state is not None:
        options = replace(options, epochs=ws.train_state.epoch + extra_epochs)
        ws.train_state.bad_epochs = 0
    ws.train_params = asdict(options)
    trainer = options.trainer(ws.model_config, dataset, ranks)
    result = yield from trainer.fit(dataset, ws.train_idx, ws.val_idx, ws.train_state, cancel, watch)
    ws.train_state = result.state
    ws.train_status, ws.train_message = result.status, result.message
    if ranks is not None and not ranks.leader:
        return ws
    yield Progress(1, 1, "encoding every image")
    yield Partial({"stage": "encoding"})
    return finish_workspace(ws, dataset)


def summary_line(report: dict[str, Any]) -> str:
    def f(v: Any) -> str:
        return "n/a" if v is None else f"{v:.3f}" if isinstance(v, float) else str(v)

    parts = [
        f"{report.get('n_images')} images ({report.get('n_skipped')} skipped)",
        f"model {report.get('model')} {report.get('latent_dim')}-d"
        + (f" ({report['network']} net, {report['recon_loss']} loss, lr {report['learning_rate']:g}"
           f"{', decayed' if report.get('lr_schedule') == 'decay' else ''})"
           if report.get("network") and report.get("recon_loss") and report.get("learning_rate") else ""),
        f"{report.get('epochs_run')} epochs in {f(report.get('train_seconds'))} s",
        f"kNN acc {f(report.get('knn_accuracy'))} (PCA {f(report.get('pca_knn_accuracy'))})",
        f"val MSE {f(report.get('recon_mse_val'))}",
        f"active units {report.get('active_units')}",
    ]
    return " · ".join(parts)


__all__ = [
    "TrainOptions",
    "continue_training",
    "finish_workspace",
    "load_model",
    "summary_line",
    "train_dataset",
    "train_source",
]
