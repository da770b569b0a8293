"""Model and optimizer state as plain numpy arrays + JSON, so the workspace never pickles."""
from __future__ import annotations

import json
from typing import Any

import numpy as np
import torch


def state_to_numpy(state_dict: dict[str, torch.Tensor]) -> dict[str, np.ndarray]:
    return {k: v.detach().cpu().numpy().copy() for k, v in state_dict.items()}


def numpy_to_state(arrays: dict[str, np.ndarray]) -> dict[str, torch.Tensor]:
    return {k: torch.from_numpy(np.array(v, copy=True)) for k, v in arrays.items()}


def optimizer_to_plain(optimizer: torch.optim.Optimizer) -> dict[str, Any]:
    """``{"arrays": {"<param>.<name>": ndarray}, "param_groups": JSON text}``."""
    sd = optimizer.state_dict()
    arrays: dict[str, np.ndarray] = {}
    for pid, pstate in sd["state"].items():
        for name, value in pstate.items():
            t = value if isinstance(value, torch.Tensor) else torch.tensor(value)
            arrays[f"{pid}.{name}"] = t.detach().cpu().numpy().copy()
    return {"arrays": arrays, "param_groups": json.dumps(sd["param_groups"])}


def plain_to_optimizer(optimizer: torch.optim.Optimizer, plain: dict[str, Any]) -> None:
    groups = json.loads(plain["param_groups"])
    state: dict[int, dict[str, torch.Tensor]] = {}
    for key, value in plain["arrays"].items():
        pid, _, name = key.partition(".")
        state.setdefault(int(pid), {})[name] = torch.from_numpy(np.array(value, copy=True))
    for g in groups:
        if "betas" in g:
            g["betas"] = tuple(g["betas"])
    optimizer.load_state_dict({"state": state, "param_groups": groups})
