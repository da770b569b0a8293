"""Disk and memory a folder needs, estimated from its file count and the image size before any
file is decoded, and a refusal that says the numbers when neither can hold it.

The decoded images live in the cache's pack on disk, memory-mapped, so the memory a folder
needs grows with the model and one batch, not with the folder; without room on disk they are
held in memory instead. The model terms mirror `models.conv` (its default width and latent)."""
from __future__ import annotations

import math
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from latent_explorer.data.cache import ENV_VAR
from latent_explorer.errors import UserError

DISK_RESERVE = 256 * 1024**2  # never fill the cache's disk to its last bytes
PER_IMAGE_BYTES = 1024  # scan entry, paths, keys, labels and latents of each image
TORCH_WORKSPACE = 64 * 1024**2  # allocator slack and kernel scratch beyond the tensors counted
ACTIVATION_COPIES = 4  # forward activations kept for backward, their gradients, temporaries
STATE_COPIES = 8  # weights, gradients, Adam's two moments, and the numpy snapshots of them
ENCODE_BATCH = 256


@dataclass(frozen=True)
class Estimate:
    n_images: int
    image_size: int
    pack_bytes: int  # the decoded RGB pixels, wherever they live
    disk_bytes: int  # new bytes the cache must write (0 when its pack already holds the folder)
    working_bytes: int  # memory besides the pixels: model, optimiser, a batch, bookkeeping
    extra_in_memory: int = 0  # a grey copy made beside the RGB pixels when they are in memory

    @property
    def in_memory_bytes(self) -> int:
        """Memory needed when the pixels cannot go to disk."""
        return self.working_bytes + self.pack_bytes + self.extra_in_memory

    def describe(self) -> str:
        disk = f"{size_text(self.disk_bytes)} on disk" if self.disk_bytes else "already on disk"
        return f"{disk}, about {size_text(self.working_bytes)} of memory"


def pack_bytes(n_images: int, image_size: int, channels: int = 3) -> int:
    return int(n_images) * int(image_size) ** 2 * int(channels) + 128  # + the .npy header


def _layers(image_size: int, channels: int, width: int) -> tuple[list[int], list[int]]:
    sizes = [image_size]
    while sizes[-1] > 7:
        sizes.append(math.ceil(sizes[-1] / 2))
    return sizes, [channels] + [min(width * 2**i, 256) for i in range(len(sizes) - 1)]


def model_parameters(image_size: int, channels: int = 3, width: int = 32, latent_dim: int = 16) -> int:
    sizes, chans = _layers(image_size, channels, width)
    convs = sum(16 * a * b + a + b for a, b in zip(chans, chans[1:]))  # encoder and decoder
    flat, hidden = chans[-1] * sizes[-1] ** 2, max(64, min(512, 8 * latent_dim))
    return convs + 2 * (flat * hidden + flat + hidden) + hidden * 3 * latent_dim + latent_dim * hidden


def training_bytes(image_size: int, channels: int = 3, batch_size: int = 64, width: int = 32,
                   latent_dim: int = 16) -> int:
    """Peak memory of a training step or an encoding batch (the larger), not counting the data."""
    sizes, chans = _layers(image_size, channels, width)
    per_image = 2 * sum(c * s * s for c, s in zip(chans, sizes))  # encoder and decoder maps, floats
    train = batch_size * per_image * 4 * ACTIVATION_COPIES
    encode = ENCODE_BATCH * per_image * 4 * 2
    state = model_parameters(image_size, channels, width, latent_dim) * 4 * STATE_COPIES
    batch = batch_size * image_size**2 * channels * 9  # uint8 rows + float32 input and augmented copy
    return state + max(train, encode) + batch + TORCH_WORKSPACE


def estimate(n_images: int, image_size: int, on_disk: bool = False, grey: bool = False,
             batch_size: int = 64, width: int = 32, latent_dim: int = 16) -> Estimate:
    """``on_disk``: the cache already holds every image in order; ``grey``: a grey copy is made."""
    pixels = pack_bytes(n_images, image_size)
    grey_bytes = pack_bytes(n_images, image_size, 1) if grey else 0
    working = training_bytes(image_size, 3, batch_size, width, latent_dim) + n_images * PER_IMAGE_BYTES
    return Estimate(int(n_images), int(image_size), pixels, 0 if on_disk else pixels + grey_bytes,
                    working, grey_bytes)


def plan(est: Estimate, disk_free: int | None, memory: int | None, cache_dir: str | os.PathLike | None) -> str:
    """Where the decoded images go: "disk" (the cache's pack, memory-mapped) or "memory".

    ``cache_dir`` None: no cache. ``disk_free``/``memory`` None: unknown, taken as enough.
    Raises UserError with the numbers and what to do when neither can hold them."""
    disk_ok = cache_dir is not None and (
        est.disk_bytes == 0 or disk_free is None or est.disk_bytes + DISK_RESERVE <= disk_free)
    if disk_ok:
        if memory is not None and est.working_bytes > memory:
            raise UserError(
                f"not enough memory to work on {est.n_images:,} images at {est.image_size} px: about "
                f"{size_text(est.working_bytes)} is needed (the model, one batch and each image's "
                f"bookkeeping) and {size_text(memory)} is available. {_smaller(est, memory, True)}"
                "close other programs")
        return "disk"
    if memory is None or est.in_memory_bytes <= memory:
        return "memory"
    where = ("no cache folder is in use" if cache_dir is None else
             f"{size_text(est.disk_bytes)} on disk and the cache folder {cache_dir} has "
             f"{size_text(disk_free or 0)} free")
    raise UserError(
        f"not enough room for {est.n_images:,} decoded images at {est.image_size} px: they need "
        f"{where}; held in memory instead they need about {size_text(est.in_memory_bytes)} and "
        f"{size_text(memory)} is available. {_smaller(est, memory, False)}free disk space, or set "
        f"{ENV_VAR} to a folder on a larger disk")


def _smaller(est: Estimate, memory: int, on_disk: bool) -> str:
    """A suggestion of the largest smaller image size that would fit, or ''."""
    size = est.image_size // 2
    while size >= 8:
        alt = estimate(est.n_images, size, on_disk=on_disk, grey=bool(est.extra_in_memory))
        need = alt.working_bytes if on_disk else alt.in_memory_bytes
        if need <= memory:
            return f"Choose a smaller image size ({size} px needs about {size_text(need)}), or "
        size //= 2
    return "Choose a smaller image size, or "


def disk_free(directory: str | os.PathLike) -> int | None:
    """Free bytes on the disk of ``directory`` (or of its nearest existing parent)."""
    path = Path(directory).absolute()
    for candidate in (path, *path.parents):
        try:
            return int(shutil.disk_usage(candidate).free)
        except OSError:
            continue
    return None


def available_memory() -> int | None:
    """Memory a new allocation can get without swapping: psutil's figure when installed, else
    /proc/meminfo's MemAvailable (capped by a cgroup v2 limit), else None (unknown)."""
    try:
        import psutil  # type: ignore[import-not-found]

        return int(psutil.virtual_memory().available)
    except Exception:
        pass
    available = None
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    available = int(line.split()[1]) * 1024
                    break
    except (OSError, ValueError):
        return None
    try:  # a container's limit; its page cache ("file") can be dropped, so it counts as free
        cgroup = Path("/sys/fs/cgroup")
        limit = (cgroup / "memory.max").read_text().strip()
        used = int((cgroup / "memory.current").read_text())
        stat = dict(line.split() for line in (cgroup / "memory.stat").read_text().splitlines())
        if limit.isdigit() and available is not None:
            available = min(available, int(limit) - used + int(stat.get("file", 0)))
    except (OSError, ValueError):
        pass
    return available


def size_text(n: int) -> str:
    for unit, scale in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n} bytes"
