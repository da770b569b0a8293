"""What training produces and what it needs to resume: plain data, saved in the workspace."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass
class EpochReport:
    """One finished epoch: loss parts per image (train and held-out), timing and a few
    reconstructions of fixed held-out images (uint8 ``(k, H, W, C)``) for a live preview."""

    epoch: int
    epochs: int
    train_loss: float
    train_recon: float
    train_kl: float
    val_loss: float | None
    val_recon: float | None
    val_kl: float | None
    val_mse: float | None
    seconds: float
    eta_seconds: float
    originals: np.ndarray | None = None
    reconstructions: np.ndarray | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            k: v
            for k, v in self.__dict__.items()
            if k not in ("originals", "reconstructions")
        }


@dataclass
class TrainState:
    """Everything needed to continue training exactly where it stopped."""

    model: dict[str, np.ndarray]
    optimizer: dict[str, Any] | None = None
    epoch: int = 0  # epochs fully done
    step: int = 0  # batches done within the current epoch (non-zero after a mid-epoch cancel)
    best_val: float | None = None
    best_model: dict[str, np.ndarray] | None = None
    bad_epochs: int = 0
    seconds: float = 0.0
    history: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class TrainResult:
    """``status``: "finished", "early-stopped", "cancelled", "diverged" (NaN/inf loss) or "out-of-memory";
    ``message`` says what happened in words. ``state.model`` holds the weights to use."""

    state: TrainState
    status: str
    message: str
    epochs_run: int
    train_seconds: float
