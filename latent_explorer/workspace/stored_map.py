"""The session's map stored in a workspace (``extra_meta["map"]`` and ``map.*`` arrays), so a
reopened workspace shows exactly the same map without computing it again."""
from __future__ import annotations

import numpy as np

from ..analysis.projection import Projection
from ..errors import UserError
from .session_file import Workspace

MAP_KEY = "map"


def store_map(ws: Workspace, projection: Projection | None) -> None:
    prefix = MAP_KEY + "."
    for key in [k for k in ws.extra_arrays if k.startswith(prefix)]:
        del ws.extra_arrays[key]
    ws.extra_meta.pop(MAP_KEY, None)
    if projection is not None:
        meta, arrays = projection.to_state()
        ws.extra_meta[MAP_KEY] = meta
        ws.extra_arrays.update({prefix + k: v for k, v in arrays.items()})


def restore_map(ws: Workspace) -> Projection | None:
    """The stored map, or None when there is none or it no longer fits the latents."""
    meta = ws.extra_meta.get(MAP_KEY)
    if not isinstance(meta, dict) or ws.latents is None:
        return None
    prefix = MAP_KEY + "."
    arrays = {k[len(prefix):]: v for k, v in ws.extra_arrays.items() if k.startswith(prefix)}
    z = ws.latents.mean
    if z.ndim == 2 and z.shape[1] == 1:
        z = np.concatenate([z, np.zeros_like(z)], axis=1)
    try:
        return Projection.from_state(meta, arrays, z)
    except UserError:
        return None  # stale or damaged: computed again
