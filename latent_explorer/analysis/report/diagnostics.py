"""Diagnostics a person can act on: does the model under- or over-fit, how faithful is each map,
how much does the latent compress and how sharp are the reconstructions, which latent dimensions
carry information."""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from latent_explorer.errors import UserError

OVERFIT_GAP = 0.25  # held-out error ≥ 25 % above the training error
VAL_RISE = 0.05  # held-out loss ≥ 5 % above its best epoch while training went on
STILL_FALLING = 0.03  # training loss fell ≥ 3 % over the last LOOKBACK epochs
LOOKBACK = 3


def trustworthiness_continuity(
    z, embedding, k: int = 10, sample: int = 2000, seed: int = 0
) -> tuple[float, float]:
    """(trustworthiness, continuity) of a map, in [0, 1], 1 = perfect (Venna & Kaski 2001).
    Trustworthiness penalises map neighbours that are not latent neighbours (false structure);
    continuity penalises latent neighbours torn apart on the map. Measured on a random
    ``sample`` of the points (their neighbourhoods within the sample) to stay fast on large
    sets; points the map could not place (NaN rows) are left out."""
    from sklearn.manifold import trustworthiness

    x = np.asarray(z, np.float64)
    y = np.asarray(embedding, np.float64)
    if x.ndim != 2 or y.ndim != 2 or len(x) != len(y) or x.shape[1] == 0 or y.shape[1] == 0:
        raise UserError(f"Latents {x.shape} and map {y.shape} do not match")
    if not np.isfinite(x).all():
        raise UserError("The latents contain NaN or infinite values")
    placed = np.flatnonzero(np.isfinite(y).all(axis=1))
    if len(placed) > sample:
        placed = np.sort(np.random.default_rng(seed).choice(placed, int(sample), replace=False))
    x, y = x[placed], y[placed]
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 1 <= k < len(x) / 2:
        raise UserError(
            f"k must be a whole number from 1 to below half of the {len(x)} placed points, "
            f"got {k!r}"
        )
    t = trustworthiness(x, y, n_neighbors=int(k))
    c = trustworthiness(y, x, n_neighbors=int(k))
    return float(t), float(c)


def _rows_with(history: Sequence[dict[str, Any]] | None, key: str) -> list[dict[str, Any]]:
    return [h for h in history or [] if h.get(key) is not None and np.isfinite(h[key])]


def _losses(history: Sequence[dict[str, Any]] | None, key: str) -> np.ndarray:
    return np.array([h[key] for h in _rows_with(history, key)], np.float64)


def fit_verdict(
    train_err: float, val_err: float, history: Sequence[dict[str, Any]] | None = None,
    reference: tuple[float, float] | None = None, best_kept: bool = False,
) -> dict[str, Any]:
    """"overfitting", "underfitting" or "good fit", with the reason in words.

    ``train_err`` / ``val_err``: mean reconstruction error on the training and held-out images
    (e.g. `LatentSet.recon_error` averaged over each split); ``history``: the epochs'
    ``train_loss`` / ``val_loss`` (`TrainState.history`). In order:

    - overfitting: the generalisation gap val/train − 1 is ≥ 25 % (beyond the reference's,
      below), or the held-out loss rose ≥ 5 % above its best epoch, at least 3 epochs and a
      tenth of them before the end (the model memorises its training images), and the weights
      judged are the last epoch's. With ``best_kept`` (the
      trainer keeps the best epoch's weights, and the errors are theirs) the rise is told, not
      held against the model: it says more epochs will not help;
    - underfitting: the training loss still fell ≥ 3 % over the last 3 epochs (training
      stopped before the model learnt what it can: train longer);
    - good fit otherwise. Without a history only the gap is judged.

    ``reference``: the (training, held-out) errors of PCA of the pixels with the same width on
    the same split. Where it is given, the gap judged is the model's beyond PCA's: on a few
    hundred photos the held-out fifth alone can be 1 dB harder than the training images for
    PCA too (400 photo crops, three splits: PCA's gap 0.32, 0.95 and 1.23 dB), and calling
    that memorising would send the user after the wrong cure."""
    tr, va = float(train_err), float(val_err)
    if not (np.isfinite(tr) and np.isfinite(va)) or tr < 0 or va < 0:
        raise UserError(
            f"Errors must be finite and ≥ 0, got train {train_err!r}, held-out {val_err!r}"
        )
    gap = va / tr - 1.0 if tr > 0 else (0.0 if va == 0 else np.inf)
    train_loss, val_loss = _losses(history, "train_loss"), _losses(history, "val_loss")
    drop = None
    if len(train_loss) > LOOKBACK and train_loss[-1 - LOOKBACK] > 0:
        drop = 1.0 - train_loss[-1] / train_loss[-1 - LOOKBACK]
    rise = None
    best = int(np.argmin(val_loss)) if len(val_loss) else 0
    since_best = len(val_loss) - 1 - best
    # a rise counts once it has lasted: 400 photos' best epoch was 194 of 200, and its last epoch
    # 9 % above it was the held-out loss's epoch-to-epoch noise, not memorising
    if len(val_loss) >= 2 and val_loss.min() > 0 and since_best >= max(LOOKBACK, 0.1 * len(val_loss)):
        rise = val_loss[-1] / val_loss.min() - 1.0
    gap_text = f"held-out error {va:.3g} vs training {tr:.3g} ({gap:+.0%})"
    ref_gap = _reference_gap(reference)
    excess = gap if ref_gap is None else (1.0 + gap) / (1.0 + ref_gap) - 1.0
    if ref_gap is not None:
        gap_text += f"; PCA of the pixels on the same split {ref_gap:+.0%}"
    if excess >= OVERFIT_GAP:
        verdict = "overfitting"
        reason = f"{gap_text}: the model does worse on images it has not seen"
        if ref_gap is not None:
            reason += f", {excess:+.0%} beyond PCA's gap"
    elif rise is not None and rise >= VAL_RISE and not best_kept:
        verdict = "overfitting"
        reason = (
            f"held-out loss rose {rise:.0%} above its best epoch while training went on: "
            "stop earlier or use more data"
        )
    elif rise is not None and rise >= VAL_RISE:
        verdict = "good fit"
        best_epoch = _rows_with(history, "val_loss")[best].get("epoch", best + 1)
        reason = (
            f"{gap_text}, with the best epoch's weights (epoch {best_epoch}); the held-out "
            f"loss rose {rise:.0%} after it: more epochs will not help, more images would"
        )
    elif drop is not None and drop >= STILL_FALLING:
        verdict = "underfitting"
        reason = (
            f"training loss still fell {drop:.0%} over the last {LOOKBACK} epochs: "
            f"train longer ({gap_text})"
        )
    else:
        verdict = "good fit"
        reason = gap_text
        if gap >= OVERFIT_GAP:
            reason += ": the held-out images are harder on this split, for PCA too"
        if drop is not None:
            reason += f"; training loss settled ({-drop:+.1%} over the last {LOOKBACK} epochs)"
        if not history:
            reason += "; no training history: only the gap was judged"
    return {
        "verdict": verdict,
        "reason": reason,
        "gap": float(gap),
        "reference_gap": None if ref_gap is None else float(ref_gap),
        "train_error": tr,
        "val_error": va,
        "train_loss_drop": None if drop is None else float(drop),
        "val_loss_rise": None if rise is None else float(rise),
    }


def _reference_gap(reference: tuple[float, float] | None) -> float | None:
    if reference is None:
        return None
    rt, rv = (float(v) for v in reference)
    if not (np.isfinite(rt) and np.isfinite(rv)) or rt <= 0 or rv < 0:
        return None
    return rv / rt - 1.0


def psnr(mse, peak: float = 1.0):
    """Peak signal-to-noise ratio in dB, 10·log10(peak² / mse), for images scaled 0..``peak``
    (`LatentSet.recon_error` is the per-pixel MSE of 0..1 images). A float or an array like
    ``mse``; inf for a perfect reconstruction."""
    m = np.asarray(mse, np.float64)
    if np.any(m < 0) or not np.all(np.isfinite(m)):
        raise UserError("Mean squared errors must be finite and ≥ 0")
    with np.errstate(divide="ignore"):
        out = 10.0 * np.log10(peak**2 / m)
    return float(out) if out.ndim == 0 else out


PSNR_MARGIN_DB = 0.5  # what "better than PCA" must clear on held-out images
KNN_MARGIN = 0.02


def against_pca(model_val_mse: float | None, pca_val_mse: float | None, model_knn: float | None = None,
                pca_knn: float | None = None, model_train_mse: float | None = None,
                pca_train_mse: float | None = None) -> dict[str, Any] | None:
    """The learned latent space against PCA of the pixels with the same width, on held-out
    images: the PSNR gain in dB, the 5-NN gain, whether the model is worth its cost, and what
    to try when it is not. None when either error is unknown."""
    if model_val_mse is None or pca_val_mse is None or model_val_mse <= 0 or pca_val_mse <= 0:
        return None
    gain = psnr(model_val_mse) - psnr(pca_val_mse)
    knn_gain = None if model_knn is None or pca_knn is None else model_knn - pca_knn
    better = gain >= PSNR_MARGIN_DB and (knn_gain is None or knn_gain >= -KNN_MARGIN)
    out: dict[str, Any] = {"psnr_gain_db": round(float(gain), 2), "better": bool(better),
                           "knn_gain": None if knn_gain is None else round(float(knn_gain), 3)}
    if better:
        out["verdict"] = f"{gain:+.1f} dB over PCA of the pixels on held-out images"
        return out
    tips = []
    if _memorises(model_train_mse, model_val_mse, pca_train_mse, pca_val_mse):
        tips.append("augmentation on or more images (it memorises its training images)")
    else:
        tips.append("more epochs (Resume)")
    tips += ["a wider latent", "smaller images"]
    knn_text = "" if knn_gain is None else f", 5-NN {knn_gain:+.3f}"
    out["verdict"] = (f"no better than PCA of the pixels ({gain:+.1f} dB{knn_text} on held-out images): "
                      f"try {', '.join(tips)}")
    return out


def _memorises(train_mse, val_mse, pca_train_mse, pca_val_mse) -> bool:
    """The model's train − held-out PSNR gap exceeds 1 dB, beyond PCA's on the same split
    when that is known."""
    if train_mse is None or train_mse <= 0:
        return False
    gap = psnr(train_mse) - psnr(val_mse)
    if pca_train_mse is not None and pca_train_mse > 0:
        gap -= psnr(pca_train_mse) - psnr(pca_val_mse)
    return gap > 1.0


def compression_ratio(image_size: int, channels: int, latent_dim: int) -> float:
    """Values in / values out: image_size² × channels pixel values per latent of ``latent_dim``
    numbers (not bytes: a pixel is one byte, a latent value four)."""
    for name, v in (("image_size", image_size), ("channels", channels), ("latent_dim", latent_dim)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
            raise UserError(f"{name} must be a whole number ≥ 1, got {v!r}")
    return float(image_size * image_size * channels) / float(latent_dim)


def kl_per_dimension(mean, logvar) -> np.ndarray:
    """(D,) KL(N(μ, σ²) ‖ N(0, 1)) of each latent dimension, averaged over the images, in nats.
    Near 0: the dimension is unused (the encoder ignores the image there)."""
    mu = np.asarray(mean, np.float64)
    lv = np.asarray(logvar, np.float64)
    if mu.ndim != 2 or mu.shape != lv.shape or len(mu) == 0:
        raise UserError(
            f"Means {mu.shape} and log-variances {lv.shape} must be the same (N, D) shape"
        )
    if not (np.isfinite(mu).all() and np.isfinite(lv).all()):
        raise UserError("The latents contain NaN or infinite values")
    return (0.5 * (mu**2 + np.exp(lv) - 1.0 - lv)).mean(axis=0)


def dimensions_by_kl(kl) -> np.ndarray:
    """Dimension indices by decreasing KL (ties: lower index first)."""
    kl = np.asarray(kl, np.float64)
    return np.lexsort((np.arange(len(kl)), -kl))
