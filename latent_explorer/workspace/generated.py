"""Generated results stored in a workspace — the latest interpolation, set of samples and latent
arithmetic — under ``extra_meta[KIND]`` (with the ``inputs`` that made them) and
``KIND.*`` arrays, so the app shows what the command line made without computing it again."""
from __future__ import annotations

from typing import Any, Union

import numpy as np

from latent_explorer.analysis.generate.arithmetic import Arithmetic
from latent_explorer.analysis.generate.interpolation import Interpolation
from latent_explorer.analysis.generate.sampling import Samples
from latent_explorer.errors import UserError
from latent_explorer.workspace.session_file import Workspace

Generated = Union[Interpolation, Samples, Arithmetic]
KINDS: dict[str, type] = {cls.KIND: cls for cls in (Interpolation, Samples, Arithmetic)}


def store_result(ws: Workspace, result: Generated, inputs: dict[str, Any] | None = None) -> None:
    """Replace the stored result of ``result``'s kind. ``inputs``: JSON-able, how it was asked
    for (e.g. ``{"a": "12", "b": "digit_0040.png", "steps": 16}``)."""
    kind = result.KIND
    prefix = kind + "."
    for key in [k for k in ws.extra_arrays if k.startswith(prefix)]:
        del ws.extra_arrays[key]
    meta, arrays = result.to_state()
    ws.extra_meta[kind] = {**meta, "inputs": dict(inputs or {})}
    ws.extra_arrays.update({prefix + k: np.asarray(v) for k, v in arrays.items()})


def restore_result(ws: Workspace, kind: str) -> Generated | None:
    """The stored result of ``kind`` ("interpolation", "samples", "arithmetic"), or None when
    there is none, or it is damaged or no longer fits the workspace's latents."""
    if kind not in KINDS:
        raise UserError(f"unknown result kind {kind!r}: choose one of {', '.join(KINDS)}")
    meta = ws.extra_meta.get(kind)
    if not isinstance(meta, dict) or ws.latents is None:
        return None
    prefix = kind + "."
    arrays = {k[len(prefix):]: v for k, v in ws.extra_arrays.items() if k.startswith(prefix)}
    try:
        result = KINDS[kind].from_state(meta, arrays)
    except (UserError, KeyError, TypeError, ValueError):
        return None
    n, d = ws.latents.mean.shape
    latents = result.operands if isinstance(result, Arithmetic) else result.latents
    indices = {Interpolation: "via", Samples: "nearest", Arithmetic: "nearest"}[type(result)]
    idx = np.asarray(getattr(result, indices))
    if latents.shape[-1] != d or (idx.size and (idx.min() < 0 or idx.max() >= n)):
        return None
    return result


def stored_inputs(ws: Workspace, kind: str) -> dict[str, Any]:
    meta = ws.extra_meta.get(kind)
    inputs = meta.get("inputs") if isinstance(meta, dict) else None
    return dict(inputs) if isinstance(inputs, dict) else {}


__all__ = ["KINDS", "Generated", "restore_result", "stored_inputs", "store_result"]
