"""What the map's points can be coloured by — labels, categories, continuous attributes,
reconstruction error, anomaly score, cluster — and the values for each (Qt-free)."""
from __future__ import annotations
from latent_explorer.workspace import schema

from dataclasses import dataclass, field

import numpy as np



@dataclass
class Colouring:
    """``kind`` "groups": ``codes`` (N,) with −1 for none and ``names`` per code; "continuous":
    ``values`` (N,) (NaN = unknown) within ``range``."""

    kind: str
    title: str
    codes: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    names: list[str] = field(default_factory=list)
    values: np.ndarray = field(default_factory=lambda: np.zeros(0))
    range: tuple[float, float] = (0.0, 1.0)


def colour_options(session) -> list[tuple[str, str]]:
    """(key, title) of everything the current workspace can colour its map by."""
    ws = session.workspace
    if ws is None:
        return []
    ds = ws.dataset
    out = [("label", "label")] if ds.labels is not None and np.any(ds.labels >= 0) else [("label", "one colour")]
    out += [(f"cat:{name}", name) for name in ds.categories]
    out += [(f"attr:{name}", name) for name in ds.attributes]
    if ws.latents is not None and ws.latents.recon_error is not None:
        out.append(("recon_error", "reconstruction error"))
    if schema.ANOMALY_SCORES in ws.extra_arrays:
        out.append(("anomaly", "anomaly score"))
    if schema.CLUSTER_LABELS in ws.extra_arrays:
        out.append(("cluster", "cluster"))
    return out


def _continuous(title: str, values) -> Colouring:
    v = np.asarray(values, np.float64)
    known = v[np.isfinite(v)]
    lo, hi = (np.percentile(known, [1, 99]) if len(known) else (0.0, 1.0))
    return Colouring("continuous", title, values=v, range=(float(lo), float(hi)))


def colouring(session, key: str) -> Colouring:
    """The colouring ``key`` (from `colour_options`); unknown or stale keys fall back to labels."""
    ws = session.workspace
    n = session.n_points
    ds = None if ws is None else ws.dataset
    try:
        if key.startswith("attr:") and key[5:] in ds.attributes:
            return _continuous(key[5:], ds.attributes[key[5:]])
        if key.startswith("cat:") and key[4:] in ds.categories:
            name = key[4:]
            return Colouring("groups", name, codes=np.asarray(ds.categories[name], np.int64),
                             names=list(ds.category_names.get(name, [])))
        if key == "recon_error" and ws.latents.recon_error is not None:
            return _continuous("reconstruction error", ws.latents.recon_error)
        if key == "anomaly" and schema.ANOMALY_SCORES in ws.extra_arrays:
            return _continuous("anomaly score (percentile)", ws.extra_arrays[schema.ANOMALY_SCORES])
        if key == "cluster" and schema.CLUSTER_LABELS in ws.extra_arrays:
            codes = np.asarray(ws.extra_arrays[schema.CLUSTER_LABELS], np.int64)
            k = int(codes.max()) + 1 if len(codes) else 0
            return Colouring("groups", "cluster", codes=codes, names=[f"cluster {i + 1}" for i in range(k)])
    except (AttributeError, KeyError, TypeError):
        pass
    labels = session.labels
    if labels is not None and len(labels) == n and np.any(labels >= 0):
        names = session.label_names
        k = int(labels.max()) + 1
        return Colouring("groups", "label", codes=np.asarray(labels, np.int64),
                         names=[names[i] if i < len(names) else str(i) for i in range(k)])
    return Colouring("groups", "images", codes=np.zeros(n, np.int64), names=["images"])


__all__ = ["Colouring", "colour_options", "colouring"]
