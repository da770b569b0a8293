"""Latent arithmetic A − B + C ("a 7 − the 1 it resembles + another 1"): the result latent, the
data latents nearest it, and whether it lies off the data."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from latent_explorer.errors import UserError
from latent_explorer.analysis.latent.offdata import OffDataScale, as_data_latents, resolve_latent


@dataclass
class Arithmetic:
    """``operands`` (3, D): A, B, C as latents; ``result`` (D,) = A − B + C; ``nearest`` (k,)
    data indices nearest the result, nearest first, with ``nearest_distance``; ``distance_ratio``
    and ``off_data`` as in `Interpolation`. ``position``: the result's map position, when a
    caller placed it."""

    KIND: ClassVar[str] = "arithmetic"

    operands: np.ndarray
    result: np.ndarray
    nearest: np.ndarray
    nearest_distance: np.ndarray
    distance_ratio: float
    off_data: bool
    threshold: float
    position: np.ndarray | None = None

    def to_dict(self) -> dict[str, Any]:
        out = {
            "nearest": self.nearest.tolist(),
            "nearest_distance": [round(float(d), 4) for d in self.nearest_distance],
            "distance_ratio": round(self.distance_ratio, 4), "off_data": self.off_data,
            "threshold": round(self.threshold, 4),
        }
        if self.position is not None:
            out["position"] = np.round(self.position, 4).tolist()
        return out

    def to_state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        meta = {"distance_ratio": self.distance_ratio, "off_data": self.off_data, "threshold": self.threshold}
        arrays = {"operands": self.operands, "result": self.result, "nearest": self.nearest,
                  "nearest_distance": self.nearest_distance}
        if self.position is not None:
            arrays["position"] = self.position
        return meta, arrays

    @classmethod
    def from_state(cls, meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> Arithmetic:
        out = cls(
            operands=np.asarray(arrays["operands"], np.float32), result=np.asarray(arrays["result"], np.float32),
            nearest=np.asarray(arrays["nearest"], np.int64),
            nearest_distance=np.asarray(arrays["nearest_distance"], np.float32),
            distance_ratio=float(meta["distance_ratio"]), off_data=bool(meta["off_data"]),
            threshold=float(meta["threshold"]), position=arrays.get("position"),
        )
        if out.operands.shape != (3, len(out.result)) or out.nearest.shape != out.nearest_distance.shape:
            raise UserError("the saved latent arithmetic is damaged")
        return out


def latent_arithmetic(latents, a, b, c, k: int = 5, scale: OffDataScale | None = None) -> Arithmetic:
    """A − B + C over the data ``latents`` (N, D). Each operand: a data index, several indices
    (their mean latent — averaging a few examples of a concept makes the difference cleaner),
    or a latent vector (D,). ``k``: how many nearest data latents to return."""
    z = as_data_latents(latents)
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 1 <= k <= len(z):
        raise UserError(f"k must be a whole number from 1 to {len(z)}, got {k!r}")
    operands = np.stack([resolve_latent(z, x, name) for x, name in zip((a, b, c), "ABC")])
    result = (operands[0].astype(np.float64) - operands[1] + operands[2]).astype(np.float32)
    if scale is None:
        scale = OffDataScale(z)
    idx, dist = scale.nearest(result, int(k))
    ratio = float(dist[0, 0] / scale.spacing)
    return Arithmetic(operands, result, idx[0], dist[0], ratio, bool(scale.flag(ratio)), scale.threshold)


__all__ = ["Arithmetic", "latent_arithmetic"]
