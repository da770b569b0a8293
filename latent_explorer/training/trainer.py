"""The trainer: knows nothing of any GUI. Parameters are stored at construction and validated
when run; ``fit`` is a generator yielding Progress and Partial(EpochReport) (and what a
watcher hands on), returning a TrainResult. Same seed → same result, also across cancel + resume."""
from __future__ import annotations

import math
import time

import numpy as np
import torch

from latent_explorer.data.dataset import Dataset, gather
from latent_explorer.errors import UserError
from latent_explorer.models.config import ModelConfig
from latent_explorer.models.conv import loss_terms, loss_terms_per_image
from latent_explorer.models.registry import build_model
from latent_explorer.infra.tasks import CancelToken, Partial, Progress
from latent_explorer.training.augment import Augment
from latent_explorer.training.checkpoint import numpy_to_state, optimizer_to_plain, plain_to_optimizer, state_to_numpy
from latent_explorer.training.device import choose_threads, resolve_device
from latent_explorer.training.distributed import (
    SINGLE, Ranks, all_reduce_mean, all_reduce_sum, local_batch, rank_device, shard, wrap,
)
from latent_explorer.training.schedule import SCHEDULES, learning_rate
from latent_explorer.training.state import EpochReport, TrainResult, TrainState


def auto_epochs(n_train: int, batch_size: int, steps: int = 2500) -> int:
    """About ``steps`` optimiser steps, between 10 and 200 epochs (early stopping may end sooner)."""
    per_epoch = max(1, math.ceil(n_train / batch_size))
    return int(min(200, max(10, round(steps / per_epoch))))


def validate_schedule(epochs: int | None, batch_size: int, lr: float, schedule: str = "constant") -> None:
    if schedule not in SCHEDULES:
        raise UserError(f"unknown learning-rate schedule '{schedule}': choose {' or '.join(SCHEDULES)}")
    if epochs is not None and epochs < 1:
        raise UserError(f"epochs must be at least 1, got {epochs}")
    if batch_size < 1:
        raise UserError(f"batch size must be at least 1, got {batch_size}")
    if not lr > 0:
        raise UserError(f"learning rate must be positive, got {lr}")


def out_of_memory(exc: BaseException) -> bool:
    """Whether an error from torch means the memory (CPU or GPU) ran out."""
    oom = getattr(torch, "OutOfMemoryError", None) or getattr(torch.cuda, "OutOfMemoryError", ())
    text = str(exc).lower()
    return isinstance(exc, (MemoryError, oom)) or "out of memory" in text or "can't allocate memory" in text


class Trainer:
    def __init__(
        self,
        config: ModelConfig,
        epochs: int | None = None,
        batch_size: int = 64,
        lr: float = 1e-3,
        seed: int = 0,
        device: str = "auto",
        patience: int | None = 30,
        threads: int | None = None,
        n_preview: int = 8,
        augment: Augment | None = None,
        weight_decay: float = 0.0,
        ranks: Ranks | None = None,
        schedule: str = "constant",
    ) -> None:
        self.config = config
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.seed = seed
        self.device = device
        self.patience = patience
        self.threads = threads
        self.n_preview = n_preview
        self.augment = augment or Augment()
        self.weight_decay = weight_decay
        self.ranks = ranks or SINGLE
        self.schedule = schedule

    def _validate(self, dataset: Dataset, train_idx: np.ndarray) -> None:
        self.config.validate()
        if not dataset.has_images:
            raise UserError("this source has no images to train on (precomputed embeddings)")
        if len(train_idx) == 0:
            raise UserError("no images to train on")
        if dataset.image_size != self.config.image_size or dataset.channels != self.config.channels:
            raise UserError(
                f"the model expects {self.config.image_size}px × {self.config.channels} channel(s), "
                f"the data is {dataset.image_size}px × {dataset.channels}"
            )
        validate_schedule(self.epochs, self.batch_size, self.lr, self.schedule)

    def fit(
        self,
        dataset: Dataset,
        train_idx: np.ndarray,
        val_idx: np.ndarray,
        state: TrainState | None = None,
        cancel: CancelToken | None = None,
        watch=None,
    ):
        """``watch(model, epoch, step)``, called after each batch, returns what to hand on as a
        Partial (a `live.LatentSnapshot` for the live map) or None."""
        self._validate(dataset, train_idx)
        cancel = cancel or CancelToken()
        ranks = self.ranks
        device = rank_device(resolve_device(self.device), ranks)
        if device.type == "cpu":
            torch.set_num_threads(self.threads or choose_threads())
        epochs = self.epochs or auto_epochs(len(train_idx), self.batch_size)

        torch.manual_seed(self.seed)
        model = build_model(self.config).to(device)
        if self.weight_decay:
            opt = torch.optim.AdamW(model.parameters(), lr=self.lr, weight_decay=self.weight_decay)
        else:  # the same as AdamW without decay, minus a multiply per parameter and step
            opt = torch.optim.Adam(model.parameters(), lr=self.lr)
        if state is None:
            state = TrainState(model=state_to_numpy(model.state_dict()))
        else:
            model.load_state_dict(numpy_to_state(state.model))
            if state.optimizer is not None:
                plain_to_optimizer(opt, state.optimizer)  # its stored rate is replaced at every step
        images = dataset.images  # uint8 (N, H, W, C), maybe memory-mapped: read batch by batch
        preview_idx = (val_idx if len(val_idx) else train_idx)[: self.n_preview]
        size = local_batch(self.batch_size, ranks)
        steps_per_epoch = math.ceil(len(shard(train_idx, ranks)) / size)
        net = wrap(model, ranks, device)
        stop_asked = False
        total_steps = epochs * steps_per_epoch
        run_start, run_steps = time.perf_counter(), 0
        status, message = "finished", f"trained {epochs} epochs"

        def batch(idx: np.ndarray) -> torch.Tensor:
            rows = np.ascontiguousarray(gather(images, idx).transpose(0, 3, 1, 2))
            return torch.from_numpy(rows).to(device).float().div_(255.0)

        def snapshot() -> None:
            """The last good state: restored when the loss diverges, saved in the workspace."""
            state.model = state_to_numpy(model.state_dict())
            state.optimizer = optimizer_to_plain(opt)

        if state.optimizer is None:
            snapshot()

        while state.epoch < epochs:
            epoch_start = time.perf_counter()
            order = shard(np.random.default_rng([self.seed, state.epoch]).permutation(train_idx), ranks)
            sums = np.zeros(3)
            net.train()
            for step in range(state.step, steps_per_epoch):
                if stop_asked if ranks.distributed else cancel.cancelled:
                    state.step = step
                    snapshot()
                    return self._result(state, "cancelled", "training stopped; resume continues here")
                try:
                    x = batch(order[step * size : (step + 1) * size])
                    torch.manual_seed(hash((self.seed, state.epoch, step) + ranks.salt) & 0xFFFF_FFFF)
                    x = self.augment(x)
                    loss, rec, kl = loss_terms(net, x)
                    terms = (loss.item(), rec.item(), kl.item())
                    if ranks.distributed:  # every process must agree whether to step, and when to stop
                        *terms, asked = all_reduce_mean(terms + (float(cancel.cancelled),), ranks)
                        stop_asked = bool(asked > 0)
                    finite = math.isfinite(terms[0])
                    if finite:
                        rate_now = learning_rate(self.lr, self.schedule, state.epoch * steps_per_epoch + step, total_steps)
                        for group in opt.param_groups:
                            group["lr"] = rate_now
                        opt.zero_grad(set_to_none=True)
                        loss.backward()
                        opt.step()
                except (RuntimeError, MemoryError) as exc:
                    if not out_of_memory(exc):
                        raise
                    if ranks.distributed:  # the other processes cannot carry on without this one
                        raise UserError(
                            f"process {ranks.rank} ran out of memory with batches of {size} images "
                            f"({self.batch_size} over all processes): try a smaller batch size"
                        ) from None
                    state.step = 0  # as below: the last good weights are the snapshot's
                    return self._result(
                        state,
                        "out-of-memory",
                        f"training stopped at epoch {state.epoch + 1}: out of memory with batches of "
                        f"{self.batch_size} images (try a smaller batch size); the last good weights are kept",
                    )
                if not finite:
                    state.step = 0  # state.model / state.optimizer still hold the last good ones
                    return self._result(
                        state,
                        "diverged",
                        f"training stopped at epoch {state.epoch + 1}: the loss became "
                        f"{terms[0]} (try a lower learning rate); the last good weights are kept",
                    )
                sums += terms
                run_steps += 1
                done = state.epoch * steps_per_epoch + step + 1
                rate = (time.perf_counter() - run_start) / run_steps
                eta = rate * (total_steps - done)
                yield Progress(done, total_steps, f"epoch {state.epoch + 1}/{epochs} · ETA {eta:.0f} s")
                seen = None if watch is None else watch(model, state.epoch, step + 1)
                if seen is not None:
                    yield Partial(seen)
            n_steps = steps_per_epoch - state.step
            state.step = 0
            state.epoch += 1
            state.seconds += time.perf_counter() - epoch_start
            val = evaluate(model, batch, val_idx, self.batch_size, ranks)
            mean = sums / max(1, n_steps)
            elapsed = time.perf_counter() - run_start
            report = EpochReport(
                epoch=state.epoch,
                epochs=epochs,
                train_loss=float(mean[0]),
                train_recon=float(mean[1]),
                train_kl=float(mean[2]),
                val_loss=val[0],
                val_recon=val[1],
                val_kl=val[2],
                val_mse=val[3],
                seconds=time.perf_counter() - epoch_start,
                eta_seconds=elapsed / max(1, run_steps) * (total_steps - state.epoch * steps_per_epoch),
            )
            if len(preview_idx):
                report.originals, report.reconstructions = preview(model, batch(preview_idx))
            state.history.append(report.to_dict())
            snapshot()
            stop = self._early_stop(state, val[0], model)
            yield Partial(report)
            if stop:
                status = "early-stopped"
                message = (
                    f"stopped early after epoch {state.epoch}: the held-out loss has not improved "
                    f"for {self.patience} epochs; the best weights (epoch "
                    f"{state.epoch - state.bad_epochs}) are kept"
                )
                break
        if state.best_model is not None:
            state.model = state.best_model
        return self._result(state, status, message)

    def _early_stop(self, state: TrainState, val_loss: float | None, model) -> bool:
        if val_loss is None:
            return False
        if state.best_val is None or val_loss < state.best_val:
            state.best_val = val_loss
            state.best_model = state_to_numpy(model.state_dict())
            state.bad_epochs = 0
            return False
        state.bad_epochs += 1
        return self.patience is not None and state.bad_epochs >= self.patience

    @staticmethod
    def _result(state: TrainState, status: str, message: str) -> TrainResult:
        return TrainResult(state, status, message, state.epoch, state.seconds)


@torch.no_grad()
def evaluate(model, batch, idx: np.ndarray, batch_size: int, ranks: Ranks = SINGLE):
    """Held-out (loss, recon, KL, per-pixel MSE) without sampling, or Nones without a split.
    Over several processes each evaluates every world-th image and the sums are added up: every
    process gets the same numbers, so makes the same early-stopping decision."""
    if len(idx) == 0:
        return None, None, None, None
    model.eval()
    sums = np.zeros(4)
    mine = idx[ranks.rank :: ranks.world]
    for start in range(0, len(mine), 4 * batch_size):
        x = batch(mine[start : start + 4 * batch_size])
        total, rec, kl, sq = loss_terms_per_image(model, x)
        sums += (total.sum().item(), rec.sum().item(), kl.sum().item(), float(sq.sum()) / x[0].numel())
    model.train()
    out = all_reduce_sum(sums, ranks) / len(idx)
    return float(out[0]), float(out[1]), float(out[2]), float(out[3])


@torch.no_grad()
def preview(model, x: torch.Tensor) -> tuple[np.ndarray, np.ndarray]:
    model.eval()
    recon = model(x, sample=False)[0]
    model.train()

    def to_u8(t: torch.Tensor) -> np.ndarray:
        return (t.clamp(0, 1) * 255 + 0.5).to(torch.uint8).permute(0, 2, 3, 1).cpu().numpy()

    return to_u8(x), to_u8(recon)
