"""Where and on how many threads torch runs."""
from __future__ import annotations

import os

import torch


def resolve_device(device: str = "auto") -> torch.device:
    if device == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        mps = getattr(torch.backends, "mps", None)
        if mps is not None and mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    try:
        dev = torch.device(device)
    except RuntimeError as exc:
        raise ValueError(f"unknown device '{device}'") from exc
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ValueError("device 'cuda' asked for, but no CUDA GPU is available")
    return dev


def usable_device(device: str) -> str:
    """``device`` when this machine has it, else "auto"."""
    try:
        resolve_device(device)
    except ValueError:
        return "auto"
    return device


def choose_threads(reserve: int = 1) -> int:
    """Threads for CPU torch: the idle cores, minus ``reserve`` kept free (one for the window's
    GUI thread; none on the command line).

    Oversubscription is far worse than too few threads (measured: 2 threads beside another
    busy process ran 12× slower than 1), so the machine's load counts as busy cores."""
    cores = os.cpu_count() or 1
    try:
        load = os.getloadavg()[0]
    except (AttributeError, OSError):
        load = 0.0
    idle = int(cores - load + 0.5)
    return max(1, min(cores - reserve, idle))
