"""Training over several processes started by torchrun (DistributedDataParallel): which
process this is, the process group, each process's share of an epoch and the few collectives
the trainer needs. One process (no torchrun) is `SINGLE`, and then nothing here changes what
the trainer does."""
from __future__ import annotations

import math
import os
import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterator, Mapping

import numpy as np
import torch
import torch.distributed as dist

from latent_explorer.errors import UserError
from latent_explorer.training.device import resolve_device


@dataclass(frozen=True)
class Ranks:
    rank: int = 0
    world: int = 1
    local_rank: int = 0

    @property
    def distributed(self) -> bool:
        return self.world > 1

    @property
    def leader(self) -> bool:
        """Process 0: the one that encodes, reports and saves."""
        return self.rank == 0

    @property
    def salt(self) -> tuple[int, ...]:
        """Added to per-step seeds: the rank over several processes (each draws its own
        augmentation and VAE noise), nothing in one (its results stay as they were)."""
        return (self.rank,) if self.distributed else ()


SINGLE = Ranks()


def from_env(environ: Mapping[str, str] | None = None) -> Ranks:
    """The ranks torchrun sets (RANK, WORLD_SIZE, LOCAL_RANK); `SINGLE` outside torchrun."""
    env = os.environ if environ is None else environ
    try:
        world = int(env.get("WORLD_SIZE") or 1)
        rank = int(env.get("RANK") or 0)
        local = int(env.get("LOCAL_RANK") or rank)
    except ValueError:
        raise UserError("RANK, WORLD_SIZE and LOCAL_RANK must be whole numbers (torchrun sets them)") from None
    if world < 1 or not 0 <= rank < world or local < 0:
        raise UserError(f"rank {rank} of {world} processes (local rank {local}) is not a valid place")
    return Ranks(rank, world, local)


def rank_device(device: torch.device, ranks: Ranks) -> torch.device:
    """Where this process trains: with several processes, CUDA means this process's own GPU
    (cuda:LOCAL_RANK); NCCL refuses two processes on one GPU."""
    if not ranks.distributed or device.type == "cpu":
        return device
    if device.type != "cuda":
        raise UserError(f"training over several processes runs on cuda or cpu, not {device.type}")
    if device.index is not None and device.index != ranks.local_rank:
        raise UserError(f"under torchrun each process uses the GPU of its local rank: use --device cuda, "
                        f"not {device}")
    if ranks.local_rank >= torch.cuda.device_count():
        raise UserError(f"process {ranks.local_rank} on this machine has no GPU "
                        f"({torch.cuda.device_count()} found): start fewer processes per node")
    return torch.device("cuda", ranks.local_rank)


def init_from_env(device: str = "auto") -> Ranks:
    """Join the process group torchrun prepared: NCCL for CUDA, gloo for the CPU."""
    ranks = from_env()
    if not ranks.distributed:
        return ranks
    try:
        dev = rank_device(resolve_device(device), ranks)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    if dev.type == "cuda":
        torch.cuda.set_device(dev)
    dist.init_process_group("nccl" if dev.type == "cuda" else "gloo", rank=ranks.rank, world_size=ranks.world)
    return ranks


def destroy() -> None:
    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()


@contextmanager
def process_group(device: str = "auto") -> Iterator[Ranks]:
    """`init_from_env`; when the block ends well, every process waits for the others at a
    barrier and the group is destroyed together. Process 1 used to destroy its group while
    process 0 was still saving: once in a full test run it aborted in gloo's teardown
    ("terminate called without an active exception"). A process that fails leaves at once:
    torchrun ends the others, which a collective teardown would only hang."""
    ranks = init_from_env(device)
    yield ranks
    if ranks.distributed:
        dist.barrier()
    destroy()


def shard(order: np.ndarray, ranks: Ranks) -> np.ndarray:
    """This process's share of an epoch's order, as DistributedSampler splits it: the order is
    padded by wrapping around to a multiple of the world size and every world-th item, from the
    rank on, is this process's. Every process gets as many items, so as many steps: DDP waits
    for all of them at each step, one step short would hang the rest. With a batch of b per
    process, step s of all processes together is items s·b·world … (s+1)·b·world of the order:
    the one-process run's batch of b·world."""
    if not ranks.distributed:
        return order
    total = math.ceil(len(order) / ranks.world) * ranks.world
    return np.resize(order, total)[ranks.rank :: ranks.world]


def local_batch(batch_size: int, ranks: Ranks) -> int:
    """Images per step and process: ``batch_size`` is the total over all processes, so steps per
    epoch, learning rate and the automatic epoch count mean what they mean in one process."""
    return max(1, math.ceil(batch_size / ranks.world))


def wrap(model: torch.nn.Module, ranks: Ranks, device: torch.device) -> torch.nn.Module:
    """``model`` in DistributedDataParallel over several processes (which starts every process
    from process 0's weights), ``model`` itself in one. Save and evaluate the unwrapped model:
    its state_dict keys have no "module." prefix, and its forward passes need no other process."""
    if not ranks.distributed:
        return model
    from torch.nn.parallel import DistributedDataParallel

    # A one-channel convolution's weight gradient comes back with other strides over its size-1
    # axis, the same memory: DDP warns once per process, wrongly.
    warnings.filterwarnings("ignore", message="Grad strides do not match bucket view strides")
    net = DistributedDataParallel(model, device_ids=[device.index] if device.type == "cuda" else None)
    net.config = model.config  # the loss functions read the model's configuration
    return net


def all_reduce_sum(values, ranks: Ranks) -> np.ndarray:
    """The element-wise sum of ``values`` over every process (float64), the same on each."""
    out = np.asarray(values, np.float64)
    if not ranks.distributed:
        return out
    device = torch.device("cuda", torch.cuda.current_device()) if dist.get_backend() == "nccl" else "cpu"
    t = torch.as_tensor(out, device=device)
    dist.all_reduce(t)
    return t.cpu().numpy()


def all_reduce_mean(values, ranks: Ranks) -> np.ndarray:
    return all_reduce_sum(values, ranks) / ranks.world
