"""The session's map stored in a workspace (``extra_meta["map"]`` and ``map.*`` arrays), so a
reopened workspace shows exactly the same map without computing it again; the last map of the
other dimension (2-D beside a 3-D one) is kept under ``map_other`` the same way."""
from __future__ import annotations

import numpy as np

from latent_explorer.analysis.maps.projection import Projection
from latent_explorer.analysis.maps.projection_cache import ProjectionCache
from latent_explorer.errors import UserError
from latent_explorer.workspace.session_file import Workspace
from latent_explorer.workspace import schema

def store_map(ws: Workspace, projection: Projection | None, other: Projection | None = None) -> None:
    """``projection`` as the map; ``other`` (or nothing) as the map of the other dimension."""
    for key, p in ((schema.MAP, projection), (schema.OTHER_MAP, other)):
        prefix = schema.array_prefix(key)
        for name in [k for k in ws.extra_arrays if k.startswith(prefix)]:
            del ws.extra_arrays[name]
        ws.extra_meta.pop(key, None)
        if p is not None:
            meta, arrays = p.to_state()
            ws.extra_meta[key] = meta
            ws.extra_arrays.update({prefix + k: v for k, v in arrays.items()})


def restore_map(ws: Workspace, key: str = schema.MAP, cache: ProjectionCache | None = None) -> Projection | None:
    """The stored map (``key``: the other dimension's), or None when there is none or it no
    longer fits the latents."""
    meta = ws.extra_meta.get(key)
    if not isinstance(meta, dict) or ws.latents is None:
        return None
    prefix = schema.array_prefix(key)
    arrays = {k[len(prefix):]: v for k, v in ws.extra_arrays.items() if k.startswith(prefix)}
    z = ws.latents.mean
    if z.ndim == 2 and z.shape[1] == 1:
        z = np.concatenate([z, np.zeros_like(z)], axis=1)
    try:
        return Projection.from_state(meta, arrays, z, cache)
    except UserError:
        return None  # stale or damaged: computed again
