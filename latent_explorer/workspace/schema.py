"""Every key a workspace keeps besides its core entries, in one place. A workspace's
``extra_meta`` (JSON) and ``extra_arrays`` (``.npy``) hold what the session and the command line
add to a trained model; an entry's arrays are named ``<entry>.<name>`` (`array_key`). Renaming a
key here breaks every saved workspace that has it: add, never rename."""
from __future__ import annotations

MAP = "map"  # the map on screen: Projection.to_state(), arrays map.*
OTHER_MAP = "map_other"  # the last map of the other dimension (2-D beside a 3-D one)
DIRECTIONS = "directions"  # the sliders' directions: meta list, one (k, D) array of unit vectors
KEPT = "kept"  # edited images kept as points: meta list, one (k, D) array of latents
ANOMALIES = "anomalies"  # {"k", "by", "top": rows as the Insights dock lists them}
ANOMALY_SCORES = "anomalies.combined"  # (N,) combined anomaly percentile per image
ANOMALY_DENSITY = "anomalies.density"  # (N,) isolation score per image (the command line's)
CLUSTERS = "clusters"  # the clustering's summary and medoids
CLUSTER_LABELS = "clusters.labels"  # (N,) cluster of each image
EXTERNAL_MODEL = "external_model"  # an imported TorchScript model: its files and settings
INTERPOLATION = "interpolation"  # the latest Generate results, each with the inputs that made it
SAMPLES = "samples"
ARITHMETIC = "arithmetic"
GENERATED = (INTERPOLATION, SAMPLES, ARITHMETIC)


def array_key(entry: str, name: str) -> str:
    """The name of ``entry``'s array ``name`` in ``extra_arrays``."""
    return f"{entry}.{name}"


def array_prefix(entry: str) -> str:
    return f"{entry}."


__all__ = [
    "ANOMALIES", "ANOMALY_DENSITY", "ANOMALY_SCORES", "ARITHMETIC", "CLUSTERS", "CLUSTER_LABELS",
    "DIRECTIONS", "EXTERNAL_MODEL", "GENERATED", "INTERPOLATION", "KEPT", "MAP", "OTHER_MAP",
    "SAMPLES", "array_key", "array_prefix",
]
