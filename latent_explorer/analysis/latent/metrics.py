"""How good is a latent space: numbers that the report and the diagnostics show.

Every score is measured on the held-out split, fitted on the training split."""
from __future__ import annotations

import numpy as np
from sklearn.decomposition import PCA
from sklearn.linear_model import LinearRegression
from sklearn.metrics import r2_score
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor


def knn_accuracy(
    z: np.ndarray, labels: np.ndarray | None, train_idx: np.ndarray, val_idx: np.ndarray, k: int = 5
) -> float | None:
    """5-NN classification accuracy on the held-out split, or None without labels."""
    if labels is None:
        return None
    tr = train_idx[labels[train_idx] >= 0]
    va = val_idx[labels[val_idx] >= 0]
    if len(va) == 0 or len(np.unique(labels[tr])) < 2 or len(tr) < k:
        return None
    clf = KNeighborsClassifier(n_neighbors=k).fit(z[tr], labels[tr])
    return float(clf.score(z[va], labels[va]))


def pca_baseline(
    pixels: np.ndarray, width: int, train_idx: np.ndarray, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """PCA of the raw pixels with the latent's width, fitted on the training split only: the
    codes of every image and each image's per-pixel MSE (0..1 scale) when reconstructed from
    its code — the linear model a learned latent space must beat."""
    flat = pixels.reshape(len(pixels), -1).astype(np.float32) / 255.0
    n_comp = int(min(width, flat.shape[1], max(1, len(train_idx) - 1)))
    pca = PCA(n_components=n_comp, random_state=seed).fit(flat[train_idx])
    codes = pca.transform(flat)
    error = np.empty(len(flat), np.float64)
    for start in range(0, len(flat), 2048):  # bounded memory on large folders
        part = slice(start, start + 2048)
        error[part] = ((pca.inverse_transform(codes[part]) - flat[part]) ** 2).mean(axis=1)
    return codes, error


def attribute_r2(
    z: np.ndarray,
    attributes: dict[str, np.ndarray],
    train_idx: np.ndarray,
    val_idx: np.ndarray,
    knn: int | None = None,
) -> dict[str, float | None]:
    """Held-out R² of a linear fit (or a k-NN regressor when ``knn`` is set) from the latent
    to each continuous attribute; None where too few values are known."""
    out: dict[str, float | None] = {}
    for name, values in attributes.items():
        values = np.asarray(values, np.float64)
        tr = train_idx[np.isfinite(values[train_idx])]
        va = val_idx[np.isfinite(values[val_idx])]
        if len(tr) < 3 or len(va) < 2 or np.ptp(values[va]) == 0:
            out[name] = None
            continue
        reg = KNeighborsRegressor(n_neighbors=min(knn, len(tr))) if knn else LinearRegression()
        reg.fit(z[tr], values[tr])
        out[name] = float(r2_score(values[va], reg.predict(z[va])))
    return out


def active_units(logvar: np.ndarray | None, mean: np.ndarray, threshold: float = 0.01) -> int:
    """Latent dimensions the encoder actually uses: Var over the data of E[z|x] above
    ``threshold`` (Burda et al. 2016). For a plain AE, dimensions with non-trivial variance."""
    if len(mean) < 2:
        return 0
    var = mean.var(axis=0)
    if logvar is None:
        return int(np.sum(var > threshold * max(var.max(), 1e-12)))
    return int(np.sum(var > threshold))
