"""Analysis tests share one way of making real latents: a 16-d PCA of demo:digits images."""
from __future__ import annotations

import numpy as np

# Short optimisations: maps good enough to check behaviour, fast enough for the suite.
FAST_PARAMS = {"pca": {}, "tsne": {"early_exaggeration_iter": 50, "n_iter": 150}, "umap": {"n_epochs": 100}}

_LATENTS: dict[int, np.ndarray] = {}


def digit_latents(digits, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(latents (n, 16) float32, labels (n,)) of the first ``n`` digits. The same call gives the
    same bytes, so maps fitted in one test module are cache hits in another."""
    if id(digits) not in _LATENTS:
        from sklearn.decomposition import PCA

        pixels = digits.images.reshape(len(digits.images), -1).astype(np.float32) / 255.0
        _LATENTS[id(digits)] = PCA(16, random_state=0).fit_transform(pixels).astype(np.float32)
    return np.ascontiguousarray(_LATENTS[id(digits)][:n]), digits.labels[:n]
