"""Where and on how many threads torch runs."""
from __future__ import annotations

import os
import time

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
    busy process ran 12× slower than 1), so the cores other processes keep busy count."""
    cores = os.cpu_count() or 1
    if cores - reserve <= 1:  # one thread whatever the load: no need to wait and measure it
        return 1
    idle = int(cores - busy_cores() + 0.5)
    return max(1, min(cores - reserve, idle))


def busy_cores(window: float = 0.2) -> float:
    """Cores that other processes keep busy now: /proc/stat's busy time over ``window`` seconds,
    less this process's own. Not the load average, which lags a minute behind: right after a
    45 s busy loop ended it read 0.75, and `train` got one thread of 2 idle cores (a 1,600-photo
    64 px training takes 181–200 s on two, 283–303 s on one). Elsewhere, the load average."""
    def sample() -> tuple[int, int, float, float]:
        with open("/proc/stat") as f:
            ticks = [int(v) for v in f.readline().split()[1:9]]
        return sum(ticks), ticks[3] + ticks[4], time.process_time(), time.monotonic()

    try:
        total0, idle0, own0, wall0 = sample()
        time.sleep(window)
        total1, idle1, own1, wall1 = sample()
    except (OSError, ValueError, IndexError):
        try:
            return float(os.getloadavg()[0])
        except (AttributeError, OSError):
            return 0.0
    if total1 <= total0 or wall1 <= wall0:
        return 0.0
    busy = (1.0 - (idle1 - idle0) / (total1 - total0)) * (os.cpu_count() or 1)
    return max(0.0, busy - (own1 - own0) / (wall1 - wall0))
