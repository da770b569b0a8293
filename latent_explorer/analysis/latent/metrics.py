"""How good is a latent space: numbers that the report and the diagnostics show.

Every score is measured on the held-out split, fitted on the training split."""
from __future__ import annotations

import numpy as np
from sklearn.decomposition import PCA
from sklearn.linear_model import LinearRegression
from sklearn.metrics import r2_score
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor

from latent_explorer.data.dataset import gather


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


FIT_BYTES = 128 * 1024**2  # float32 pixels a PCA is fitted on, at most: a sample of larger splits
_CHUNK = 2048  # images per step when projecting: memory stays bounded on large folders


def pixel_rows(images: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """float32 ``(len(idx), H·W·C)`` in [0, 1] of the uint8 images (maybe memory-mapped)."""
    return gather(images, idx).reshape(len(idx), -1).astype(np.float32) / 255.0


def fixed_sample(idx: np.ndarray, cap: int, seed: int = 0) -> np.ndarray:
    """``idx``, or a sorted random sample of ``cap`` of them, the same for the same ``seed``."""
    if len(idx) <= cap:
        return idx
    return np.sort(np.random.default_rng(seed).choice(idx, cap, replace=False))


def fit_sample(idx: np.ndarray, images: np.ndarray, seed: int = 0) -> np.ndarray:
    """``idx``, or a sorted random sample of it whose float32 pixels fit in FIT_BYTES."""
    return fixed_sample(idx, max(256, FIT_BYTES // (4 * int(np.prod(images.shape[1:])))), seed)


def pca_codes(pca, images: np.ndarray, idx: np.ndarray | None = None) -> np.ndarray:
    """``pca.transform`` of the images ``idx`` (all by default), a chunk at a time."""
    idx = np.arange(len(images)) if idx is None else np.asarray(idx)
    parts = [pca.transform(pixel_rows(images, idx[s : s + _CHUNK])) for s in range(0, len(idx), _CHUNK)]
    return np.concatenate(parts) if parts else np.zeros((0, pca.n_components_), np.float32)


def pca_baseline(
    pixels: np.ndarray, width: int, train_idx: np.ndarray, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """PCA of the raw pixels with the latent's width, fitted on the training split only (a
    sample of it on large folders, see `fit_sample`): the codes of every image and each image's
    per-pixel MSE (0..1 scale) when reconstructed from its code — the linear model a learned
    latent space must beat."""
    n_comp = int(min(width, np.prod(pixels.shape[1:]), max(1, len(train_idx) - 1)))
    pca = PCA(n_components=n_comp, random_state=seed).fit(
        pixel_rows(pixels, fit_sample(train_idx, pixels, seed)))
    codes, error = [], np.empty(len(pixels), np.float64)
    for start in range(0, len(pixels), _CHUNK):
        flat = pixel_rows(pixels, np.arange(start, min(len(pixels), start + _CHUNK)))
        codes.append(pca.transform(flat))
        error[start : start + len(flat)] = ((pca.inverse_transform(codes[-1]) - flat) ** 2).mean(axis=1)
    return np.concatenate(codes), error


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
