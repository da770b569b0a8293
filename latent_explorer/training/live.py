"""The latents of a fixed sample of images under the weights of the moment, taken every few
seconds while a model trains: what the live latent map is drawn from.

The cost is bounded: a snapshot of at most ``limit`` images is taken no sooner than ``every``
seconds after the last one, and no sooner than the last one's encoding time / ``share`` — so
encoding takes at most that share of the training time (10 %: a 64 px folder whose snapshot
costs a second gets one every ten)."""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import torch

LIVE_LIMIT = 2000  # images per snapshot: a map of a larger folder shows this many while training
LIVE_EVERY = 2.0  # seconds between snapshots, at least
LIVE_SHARE = 0.1  # most of the time spent encoding snapshots


@dataclass(frozen=True)
class LatentSnapshot:
    """Latent means (len(indices), D) of the images ``indices`` after ``epoch`` whole epochs
    and ``step`` batches of the next."""

    indices: np.ndarray
    latents: np.ndarray
    epoch: int
    step: int


class LiveLatents:
    """Called by the trainer after each batch; returns a snapshot when one is due, else None."""

    def __init__(self, images: np.ndarray, limit: int = LIVE_LIMIT, every: float | None = None,
                 share: float | None = None, seed: int = 0, batch_size: int = 256) -> None:
        every = LIVE_EVERY if every is None else every  # read when made: a test may set them
        share = LIVE_SHARE if share is None else share
        n = len(images)
        if n > limit:
            self.indices = np.sort(np.random.default_rng(seed).choice(n, limit, replace=False))
        else:
            self.indices = np.arange(n)
        self._images = images  # uint8 (N, H, W, C): rows are gathered per batch, not copied up front
        self.every, self.share, self.batch_size = float(every), float(share), int(batch_size)
        self._due = time.perf_counter() + self.every
        self.snapshots = 0

    @torch.no_grad()
    def __call__(self, model, epoch: int, step: int) -> LatentSnapshot | None:
        start = time.perf_counter()
        if start < self._due:
            return None
        device = next(model.parameters()).device
        model.eval()
        parts = []
        for i in range(0, len(self.indices), self.batch_size):
            rows = self._images[self.indices[i : i + self.batch_size]]
            x = torch.from_numpy(np.ascontiguousarray(rows.transpose(0, 3, 1, 2))).to(device).float().div_(255.0)
            parts.append(model.encode(x)[0].float().cpu().numpy())
        model.train()
        cost = time.perf_counter() - start
        self._due = time.perf_counter() + max(self.every, cost / self.share)
        self.snapshots += 1
        return LatentSnapshot(self.indices, np.concatenate(parts), epoch, step)


__all__ = ["LIVE_LIMIT", "LatentSnapshot", "LiveLatents"]
