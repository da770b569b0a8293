"""The learning rate over a run. "decay" holds the rate, then anneals it along a half cosine over
the run's last steps (warmup-stable-decay without the warmup, which Adam at these rates does not
need). Torch-free, so the report can name it without loading torch."""
from __future__ import annotations

import math

SCHEDULES = ("constant", "decay")
DECAY_SHARE = 0.3  # the last share of a run's steps the rate falls over
DECAY_FLOOR = 0.01  # … to this share of itself


def learning_rate(lr: float, schedule: str, done: int, total: int) -> float:
    """The learning rate for optimiser step ``done`` (0-based) of ``total``. "decay" holds ``lr``
    and then anneals it over the run's last steps; it is a function of the step alone, so a
    resumed run continues the same curve, and more epochs hold the rate again until their own end."""
    if schedule == "constant" or total <= 0:
        return lr
    start = (1.0 - DECAY_SHARE) * total
    if done <= start:
        return lr
    t = min(1.0, (done - start) / max(1.0, total - start))
    return lr * (DECAY_FLOOR + (1.0 - DECAY_FLOOR) * 0.5 * (1.0 + math.cos(math.pi * t)))


__all__ = ["DECAY_FLOOR", "DECAY_SHARE", "SCHEDULES", "learning_rate"]
