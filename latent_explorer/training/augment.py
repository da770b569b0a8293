"""Augmentation for small image folders: a person's few hundred photos are memorised by a conv
net long before it generalises (held-out PSNR fell below PCA's while the training PSNR rose).
Mirroring and small translations make every epoch show new images that the data could have
held; they are drawn from torch's generator, which the trainer seeds per step, so a run stays
reproducible across Stop and Resume.

Zooming in by up to a quarter (a random crop of 80–100 % of the side, resampled to full size)
shows each photo at scales a folder of crops holds anyway. It closes the train − held-out gap:
on 1,600 photo crops at 32 px (README), 0.66 against 1.13 dB and 0.44 against 0.76 on two seeds of
scikit-image's photographs, 0.51 against 0.87 and 0.49 against 0.72 on scikit-learn's, and at
64 px too; held-out PSNR and 5-NN moved either way by little (−0.07 to +0.13 dB, ±0.019).
Zooming up to a half did worse on both seeds tried, as did shifts of 4 px in place of 2.

Mirroring is only right where left and right mean nothing (photos, scenes), not for digits or
letters: ``auto`` turns augmentation on for image folders and leaves the demos as they are.
Workspaces saved before zooming stored "auto" and resume without it (`legacy_auto`)."""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch.nn import functional as F

from latent_explorer.errors import UserError

SETTINGS = ("auto", "off", "shift", "flip+shift", "flip+shift+zoom")
SHIFT_FRACTION = 1 / 16  # largest translation, as a share of the image side (2 px at 32, 4 at 64)
ZOOM = 0.25  # largest zoom-in: the side of the crop is 1 / (1 + zoom) of the image's at the least


@dataclass(frozen=True)
class Augment:
    flip: bool = False  # mirror left-right, each image with chance 1/2
    shift: int = 0  # translate each image by up to this many pixels each way (reflected border)
    zoom: float = 0.0  # zoom each image in by up to this share, about a random centre inside it

    @property
    def active(self) -> bool:
        return self.flip or self.shift > 0 or self.zoom > 0

    def describe(self) -> str:
        parts = ((["mirroring"] if self.flip else []) + ([f"shifts up to {self.shift} px"] if self.shift else [])
                 + ([f"zooms up to {self.zoom:.0%}"] if self.zoom else []))
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
        if self.zoom:
            x = _zoom_in(x, self.zoom)
        return x


def _zoom_in(x: torch.Tensor, most: float) -> torch.Tensor:
    """Each image seen through a random square window of 1 / (1 + u · ``most``) of its side
    (u uniform in [0, 1)), placed at random inside it, resampled bilinearly to full size."""
    n = x.shape[0]
    scale = 1.0 / (1.0 + most * torch.rand(n))
    room = 1.0 - scale
    theta = torch.zeros(n, 2, 3)
    theta[:, 0, 0] = theta[:, 1, 1] = scale
    theta[:, 0, 2] = (torch.rand(n) * 2 - 1) * room
    theta[:, 1, 2] = (torch.rand(n) * 2 - 1) * room
    grid = F.affine_grid(theta.to(x.dtype), list(x.shape), align_corners=False).to(x.device)
    return F.grid_sample(x, grid, mode="bilinear", padding_mode="reflection", align_corners=False)


def auto_augment(source_kind: str | None) -> str:
    """The setting "auto" means for a source of kind ``source_kind`` ("folder", "demo", …)."""
    return "flip+shift+zoom" if source_kind == "folder" else "off"


def legacy_auto(source_kind: str | None) -> str:
    """What "auto" meant for workspaces saved before zooming, which stored "auto" itself: the
    same without the zoom."""
    return auto_augment(source_kind).removesuffix("+zoom")


def resolve_augment(setting: str, source_kind: str | None, image_size: int) -> Augment:
    """The augmentation ``setting`` means for images of ``image_size`` from a source of kind
    ``source_kind``."""
    if setting not in SETTINGS:
        raise UserError(f"augmentation must be one of {', '.join(SETTINGS)}, got '{setting}'")
    if setting == "auto":
        setting = auto_augment(source_kind)
    if setting == "off":
        return Augment()
    shift = max(1, round(image_size * SHIFT_FRACTION))
    return Augment(flip=setting.startswith("flip"), shift=shift, zoom=ZOOM if setting.endswith("zoom") else 0.0)


__all__ = ["SETTINGS", "Augment", "auto_augment", "legacy_auto", "resolve_augment"]
