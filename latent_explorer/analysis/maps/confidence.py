"""A calibrated confidence for decoding a map: the predicted chance that the image decoded at a
position is what the model would show for an image lying there — within τ of that image's
reconstruction, τ the median distance from a real image to its nearest other real image, both in
PCA-32 of the pixels. So 50 % (the preview's green) means "as faithful as a real image's nearest
neighbour usually is".

Checked on held-out images by spatial cross-validation: all embedded points within a "hole" of
radius h around image i's position are taken away (h = 0: i alone; up to 128 map spacings), the
map is decoded there from what is left and compared with i's reconstruction, so the check reaches
as far from the data as the map does. A logistic model with non-positive slopes maps a position's
features (`InverseMap.features`: r_map, r_lat, spread) to the chance; half of the held-out images
fit it, the other half give its reliability table. On a data point the decoded image *is* the
reconstruction: 1. Beyond the farthest checked distance the chance also fades with the excess,
so "far off the map" never reads as trusted.

Measured on 1,600 photos, why this event: "close to *some* real image" held for 73 % of UMAP
decodes 600 spacings off the data (blends of near latents look real: it measured the decoder,
not the position), and comparing with the image rather than its reconstruction failed half the
images' own positions (the model's blur). It says nothing of the blur itself — a model that
draws every image alike is "faithful" everywhere; the reconstruction error tells that.

Why the spread of the map neighbours' latents (`InverseMap.features`): on a PCA map of 16-d
latents a position leaves 14 dimensions open, so near the data the distances barely tell a
faithful decode from one that is not; where the map's neighbours agree in latent space it is.
Measured on the held-out half, against the distances alone, on two folders of 1,600 photos
(32 px; PCA map, UMAP map): ROC AUC 0.858 → 0.879 and 0.912 → 0.935, 0.792 → 0.853 and
0.884 → 0.905; Brier score 0.090 → 0.071, 0.100 → 0.082, 0.127 → 0.107, 0.112 → 0.100.
With the distances alone it read 0.03–0.11 above what happens at held-out images' own
positions (0.39 against 0.28 on the first PCA map); 0.26 now. The spread's weights leave out
the blend's 1/d on purpose: near one point the blend is that point's latent, and a spread
weighted like it would call the position certain when its neighbourhood is not (that version
kept the bias). Walking off the edge of the data, 40 spacings out it reads 0.1–0.3 (0.04–0.2
with the distances alone; 0.1–0.5 untapered, rising with the distance on one PCA map). What it
still over-reads: a PCA map position 32 spacings past a tight cluster, where the blend of its
agreeing neighbours also lies near the data in latent space (r_lat 1.6), reads 0.41 (0.16 with
the distances alone); no checked position was like it. Inside the data it reads 0.00 where
held-out images decode faithfully 6 % of the time (0.63 with the distances alone).

Qt- and torch-free: ``decode`` is any callable latents (M, D) → uint8 images (M, H, W, C)."""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import minimize

from latent_explorer.errors import UserError

QUANTILE = 0.5  # τ: half of the real images have another real image this close
FEATURE_DIMS = 32
PCA_SAMPLE = 2000  # images the feature space is fitted on, and whose nearest neighbours give τ
REFERENCE_CAP = 10_000  # images those neighbours are looked for among (a fixed sample beyond)
CENTRES = 250  # held-out images whose positions are checked
HOLES = (0, 1, 2, 4, 8, 16, 32, 64, 128)  # hole radii, in map spacings
MAP_CAP = 20_000  # a bigger map is calibrated on a fixed sample of its points (features are in spacings)
ON_POINT = 1e-4  # r_map below this: the position is a data point's own
LINEAR_SCALE = (64.0, 8.0, 8.0)  # r_map, r_lat, spread units of the linear terms (keeps the fit well scaled)
SPREAD_TAPER = 2.0  # map spacings: the spread's terms weigh 1 / (1 + r_map / this)
BINS = 10
CHUNK = 1 << 22  # distance-matrix entries per block
_ONE_AT_A_TIME = threading.Lock()  # calibrations queue: they would only share two cores, and the
# BLAS thread limit below is process-wide, so overlapping ones could restore it out of order


def _pixels(images: np.ndarray) -> np.ndarray:
    return np.asarray(images, np.float32).reshape(len(images), -1) / 255.0


class ImageSpace:
    """Where "as close as real images are to their nearest neighbour" is measured: PCA-32 of
    the pixels (it keeps shapes and colours, not the texture a decoder blurs) fitted on a fixed
    sample, and τ, a quantile of that sample's distances to the nearest other real image."""

    def __init__(self, images: np.ndarray, quantile: float = QUANTILE, seed: int = 0) -> None:
        from sklearn.decomposition import PCA

        n = len(images)
        if n < 3:
            raise UserError("calibrating the confidence needs at least 3 images")
        rng = np.random.default_rng(seed)
        refs = np.sort(rng.choice(n, min(REFERENCE_CAP, n), replace=False))
        sample = np.sort(rng.choice(len(refs), min(PCA_SAMPLE, len(refs)), replace=False))
        dims = int(min(FEATURE_DIMS, len(sample) - 1, np.prod(images.shape[1:])))
        self.pca = PCA(dims, svd_solver="randomized", iterated_power=2, random_state=seed).fit(_pixels(images[refs[sample]]))
        reference = self.project(images[refs])
        self.real_nearest = _nearest(reference[sample], reference, exclude=sample)
        self.quantile = float(quantile)
        self.tau = float(np.quantile(self.real_nearest, quantile))

    def project(self, images: np.ndarray) -> np.ndarray:
        out = [self.pca.transform(_pixels(images[s:s + 1024])) for s in range(0, len(images), 1024)]
        return np.concatenate(out).astype(np.float32)


def _nearest(queries: np.ndarray, reference: np.ndarray, exclude: np.ndarray) -> np.ndarray:
    """(M,) distance from each query to its nearest reference other than ``exclude`` (M,)."""
    sq = np.einsum("nd,nd->n", reference, reference)
    out = np.empty(len(queries))
    rows = max(1, CHUNK // len(reference))
    for s in range(0, len(queries), rows):
        q = queries[s:s + rows]
        score = sq - 2.0 * (q @ reference.T)
        score[np.arange(len(q)), exclude[s:s + rows]] = np.inf
        out[s:s + rows] = np.linalg.norm(reference[np.argmin(score, axis=1)] - q, axis=1)
    return out


def reliability(predicted, observed, bins: int = BINS) -> tuple[list[dict], float]:
    """Reliability table over equal-width bins of the prediction (count, mean predicted, share
    observed) and the expected calibration error (count-weighted |observed − predicted|)."""
    p, y = np.asarray(predicted, np.float64), np.asarray(observed, np.float64)
    which = np.minimum((p * bins).astype(int), bins - 1)
    table, ece = [], 0.0
    for b in range(bins):
        m = which == b
        if m.any():
            row = {"lo": b / bins, "hi": (b + 1) / bins, "count": int(m.sum()),
                   "predicted": float(p[m].mean()), "observed": float(y[m].mean())}
            table.append(row)
            ece += m.sum() / len(p) * abs(row["observed"] - row["predicted"])
    return table, float(ece)


def _design(r_map, r_lat, spread) -> np.ndarray:
    """log(r + 0.02) follows the fast change near the data, r / scale the collapse far away. The
    spread speaks of the neighbourhood a position lies in, so its terms taper off with the
    distance from it: off the edge of a tight cluster every neighbour agrees, as at no checked
    position that far out, and untapered the fit read such a position 0.99."""
    columns = np.broadcast_arrays(*(np.atleast_1d(np.asarray(r, np.float64)) for r in (r_map, r_lat, spread)))
    x = np.stack([c for r, scale in zip(columns, LINEAR_SCALE) for c in (np.log(r + 0.02), r / scale)], axis=1)
    x[:, 4:] /= (1.0 + columns[0] / SPREAD_TAPER)[:, None]
    return x


def _fit_logistic(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """(intercept, slopes…) of the most likely logistic model with every slope ≤ 0 (further from
    the data is never more trusted); a tiny ridge keeps separable data finite."""
    def loss(w):
        t = w[0] + x @ w[1:]
        p = 1.0 / (1.0 + np.exp(-t))
        nll = np.sum(np.logaddexp(0.0, t) - y * t) + 1e-3 * np.sum(w[1:] ** 2)
        return nll, np.concatenate([[np.sum(p - y)], x.T @ (p - y) + 2e-3 * w[1:]])

    bounds = [(None, None)] + [(None, 0.0)] * x.shape[1]
    return minimize(loss, np.zeros(x.shape[1] + 1), jac=True, method="L-BFGS-B", bounds=bounds).x


@dataclass
class Calibration:
    """P(decoded image within τ of the reconstruction of an image lying there | r_map, r_lat, spread),
    and how it did on the held-out images it was not fitted on. ``samples``: every checked
    position (hole radius in map spacings, −1 for the image's own position)."""

    weights: np.ndarray
    reach: tuple[float, float]  # the farthest r_map and r_lat it was fitted on
    tau: float
    quantile: float
    table: list[dict]
    ece: float
    seconds: float
    samples: dict = field(repr=False)

    def predict(self, r_map, r_lat, spread) -> np.ndarray:
        r_map = np.atleast_1d(np.asarray(r_map, np.float64))
        r_lat = np.broadcast_to(np.asarray(r_lat, np.float64), r_map.shape)
        t = self.weights[0] + _design(r_map, r_lat, spread) @ self.weights[1:]
        beyond = np.maximum(r_map / self.reach[0] - 1.0, 0.0) ** 2 + np.maximum(r_lat / self.reach[1] - 1.0, 0.0) ** 2
        return np.where(r_map < ON_POINT, 1.0, np.exp(-0.5 * beyond) / (1.0 + np.exp(-t)))

    def summary(self, predicted=None) -> dict:
        """The issue's figures on the test half, for this calibration or for ``predicted`` (another
        confidence of the same positions): mean confidence at held-out images' positions with
        the image taken away (hole 0), the share of positions beyond 2 map spacings given ≤ 0.2,
        and the reliability table with its expected calibration error."""
        s = self.samples
        p = self.predict(s["r_map"], s["r_lat"], s["spread"]) if predicted is None else np.asarray(predicted, np.float64)
        test = ~s["fit"] & (s["hole"] >= 0)
        held, far = test & (s["hole"] == 0), test & (s["r_map"] > 2.0)
        table, ece = reliability(p[test], s["event"][test])
        return {"held_out_mean": float(p[held].mean()), "held_out_observed": float(s["event"][held].mean()),
                "far_low_share": float((p[far] <= 0.2).mean()) if far.any() else float("nan"),
                "far_mean": float(p[far].mean()) if far.any() else float("nan"),
                "far_observed": float(s["event"][far].mean()) if far.any() else float("nan"),
                "far_count": int(far.sum()), "test_count": int(test.sum()), "table": table, "ece": ece}


def calibrate(inverse, embedding, images: np.ndarray, decode, held_out=None, seed: int = 0,
              quantile: float = QUANTILE, centres: int = CENTRES) -> Calibration:
    """Fit the calibrated confidence of ``inverse`` (an `InverseMap` fitted on the rows of
    ``embedding``) with ``images`` (N, H, W, C) uint8 of the same rows; ``held_out``: the rows
    to check it on (the validation images; all when None or too few). Deterministic per seed.
    BLAS runs on one thread meanwhile: on 2 busy cores its second thread made the same work
    take 1.4–3.2 s instead of 1.2 s (1,600 photos)."""
    from threadpoolctl import threadpool_limits

    with _ONE_AT_A_TIME, threadpool_limits(1, user_api="blas"):
        return _calibrate(inverse, embedding, images, decode, held_out, seed, quantile, centres)


def _calibrate(inverse, embedding, images, decode, held_out, seed, quantile, centres) -> Calibration:
    t0 = time.perf_counter()
    embedding = np.asarray(embedding, np.float64)
    if np.ndim(images) != 4 or len(images) != len(embedding):
        raise UserError(f"images {np.shape(images)} do not match the map's {len(embedding)} points")
    placed = np.flatnonzero(inverse.placed)
    pool = np.intersect1d(np.asarray([] if held_out is None else held_out, np.int64), placed)
    if len(pool) < 8:
        pool = placed
    if len(pool) < 8:
        raise UserError("calibrating the confidence needs at least 8 placed images")
    rng = np.random.default_rng(seed)
    chosen = np.sort(rng.choice(pool, min(centres, len(pool)), replace=False))
    local = inverse
    if len(placed) > MAP_CAP:
        others = np.setdiff1d(placed, chosen)
        local = inverse.subset(np.sort(np.concatenate([chosen, rng.choice(others, MAP_CAP - len(chosen), replace=False)])))
    space = ImageSpace(images, quantile, seed)
    y = embedding[chosen]
    own = local.features(y)
    groups = [local.features(y, hole=h * local.map_spacing) for h in HOLES]
    n = len(chosen)
    decoded = decode(np.concatenate([own.latents] + [g.latents for g in groups]))
    if decoded.shape[1:] != tuple(np.shape(images)[1:]):
        raise UserError(f"decoded images {decoded.shape[1:]} differ from the data's {np.shape(images)[1:]}")
    features = space.project(decoded)
    distance = np.linalg.norm(features - np.tile(features[:n], (len(HOLES) + 1, 1)), axis=1)
    fit_centre = np.zeros(n, bool)
    fit_centre[rng.permutation(n)[: (n + 1) // 2]] = True
    samples = {
        "r_map": np.concatenate([own.r_map] + [g.r_map for g in groups]),
        "r_lat": np.concatenate([own.r_lat] + [g.r_lat for g in groups]),
        "spread": np.concatenate([own.spread] + [g.spread for g in groups]),
        "hole": np.repeat(np.array((-1,) + HOLES, np.float64), n),
        "event": distance <= space.tau, "distance": distance,
        "fit": np.tile(fit_centre, len(HOLES) + 1), "image": np.tile(chosen, len(HOLES) + 1),
    }
    fit = samples["fit"] & (samples["hole"] >= 0)  # own positions hold by definition: not fitted
    weights = _fit_logistic(_design(samples["r_map"][fit], samples["r_lat"][fit], samples["spread"][fit]),
                            samples["event"][fit].astype(float))
    reach = (float(samples["r_map"][fit].max()), float(samples["r_lat"][fit].max()))
    cal = Calibration(weights, reach, space.tau, space.quantile, [], 0.0, 0.0, samples)
    report = cal.summary()
    cal.table, cal.ece = report["table"], report["ece"]
    cal.seconds = time.perf_counter() - t0
    return cal


__all__ = ["Calibration", "ImageSpace", "calibrate", "reliability"]
