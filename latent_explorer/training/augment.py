"""Augmentation for small image folders: a person's few hundred photos are memorised by a conv
net long before it generalises (held-out PSNR fell below PCA's while the training PSNR rose).
Mirroring and small translations make every epoch show new images that the data could have
held; they are drawn from torch's generator, which the trainer seeds per step, so a run stays
reproducible across Stop and Resume.

Mirroring is only right where left and right mean nothing (photos, scenes), not for digits or
letters: ``auto`` turns augmentation on for image folders and leaves the demos as they are."""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch.nn import functional as F

from latent_explorer.errors import UserError

SETTINGS = ("auto", "off", "shift", "flip+shift")
SHIFT_FRACTION = 1 / 16  # largest translation, as a share of the image side (2 px at 32, 4 at 64)


@dataclass(frozen=True)
class Augment:
    flip: bool = False  # mirror left-right, each image with chance 1/2
    shift: int = 0  # translate each image by up to this many pixels each way (reflected border)

    @property
    def active(self) -> bool:
        return self.flip or self.shift > 0

    def describe(self) -> str:
        parts = (["mirroring"] if self.flip else []) + ([f"shifts up to {self.shift} px"] if self.shift else [])
        return " and ".join(parts) or "none"

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        """A new batch (B, C, H, W) with each image augmented independently."""
        if not self.active:
            return x
        n = x.shape[0]
        if self.flip:
            mirrored = torch.rand(n, device=x.device) < 0.5
            x = torch.where(mirrored[:, None, None, None], x.flip(-1), x)
        if self.shift:
            s, (h, w) = self.shift, x.shape[-2:]
            padded = F.pad(x, (s, s, s, s), mode="reflect")
            dy = torch.randint(0, 2 * s + 1, (n,)).tolist()
            dx = torch.randint(0, 2 * s + 1, (n,)).tolist()
            x = torch.stack([padded[i, :, dy[i]:dy[i] + h, dx[i]:dx[i] + w] for i in range(n)])
        return x


def resolve_augment(setting: str, source_kind: str | None, image_size: int) -> Augment:
    """The augmentation ``setting`` means for images of ``image_size`` from a source of kind
    ``source_kind`` ("folder", "demo", …)."""
    if setting not in SETTINGS:
        raise UserError(f"augmentation must be one of {', '.join(SETTINGS)}, got '{setting}'")
    if setting == "auto":
        setting = "flip+shift" if source_kind == "folder" else "off"
    if setting == "off":
        return Augment()
    shift = max(1, round(image_size * SHIFT_FRACTION))
    return Augment(flip=setting == "flip+shift", shift=shift)


__all__ = ["SETTINGS", "Augment", "resolve_augment"]
