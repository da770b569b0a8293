"""New latents drawn from the model's prior (a VAE's N(0, I)) or from a density fitted to the
data latents (an autoencoder has no prior), with a temperature, each judged on or off the data.

"auto" takes the normal prior for models trained towards one (VAE, β-VAE, a GAN generator)
unless the latents left it — a VAE whose reconstruction term dominates its KL term spreads its
latents far wider than N(0, I) (the digits demo VAE: mean latent 5.2 from the origin, every prior
draw off the data; on photos a spread of 3–6 per dimension, where N(0, I) draws decode to black
squares yet lie "near" some latent, distances in 16-d being what they are) — and the fitted density
otherwise; ``Samples.note`` says why. Two tests, either one enough: the latents' own spread
against the prior (`prior_mismatch`) and the share of prior draws off the data.

The density is a Gaussian mixture with full covariances (scikit-learn), fitted on at most
10,000 latents (a fixed random subset beyond that), with as many components as the latents
support: the most of 1, 2, 4, 8, 16 that leaves every component 4 (D + 1) latents on average.
Not fewer by BIC: on photo folders BIC chose 4 components, whose broad covariances reach between
the photos' clusters and past the darkest ones, where 16 resolve each cluster's own directions.
Three mixture seeds on the 1,600-crop folder cut from scikit-image's photographs (32 px): Fréchet
distance to the held-out photos 1.37–1.62× the training photos' with 4 components, 1.19–1.44×
with 8, 1.28–1.45× with 16; black samples 1.8–3.6 %, 1.9–3.2 %, 0.2–0.4 % (held-out photos:
0.6 %); draws off the data 20–22 %, 14–17 %, 9 %. On scikit-learn's photos at 32 px: 2.32–2.67×,
2.00–3.17×, 1.25–1.91×; at 64 px 2.18–3.48×, 1.83–2.90×, 1.56–2.41×, no more black than the
photos with any. The held-out latents' likelihood under 16 components was as good as under 8 and
better than under 4 (−24.8 to −25.0 nats against −24.7 to −25.3 and −25.6 to −25.7). Temperature
T scales every covariance by T² (the prior's too): T < 1 draws typical latents, T > 1 adventurous
ones; component weights are kept.

Why not a Gaussian around every latent with the spread of its 32 nearest neighbours (manifold
Parzen windows): on four 1,600-photo models (scikit-learn's photos at 32 and 64 px, scikit-image's
at 64 px trained at 1e-3 and at 3e-3), 2,000 draws at two seeds, it drew nearer the photos (Fréchet
0.99–1.20× the training photos', the mixture 1.10–1.56×; off the data 5–14 %, the mixture 7–20 %),
but darker on scikit-learn's photos (1.3–1.9 % black, the mixture 0.75–1.45 %, the photos 1.44 %),
and on scikit-image's 3e-3 model still 1.05 % at one seed (the mixture 1.2–1.4 %, the photos
0.75 %). On that model the dark draws come from the component over the Hubble deep field's
crops, which also holds three of the retina's: 12 % of its draws decode darker than 0.06, against
4 % of the crops and of their reconstructions (a Gaussian fitted to the deep field's crops alone:
5 %). Refitting every component robustly to its members (minimum covariance determinant) cut the
dark draws of scikit-image's two models to 0–0.35 % (scikit-learn's rose to 1.55–2.2 %) but drew
too narrowly: Fréchet 1.34–2.01× on the four (the mixture 1.10–1.56×)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from latent_explorer.errors import UserError
from latent_explorer.infra.tasks import CancelToken, Progress, Task, run_task
from latent_explorer.analysis.latent.offdata import OffDataScale, as_data_latents

PRIORS = ("auto", "normal", "density")
NORMAL_PRIOR_KINDS = ("vae", "beta-vae", "generator")  # models whose latents follow N(0, I)
COMPONENT_CHOICES = (1, 2, 4, 8, 16)
MAX_FIT = 10_000
MAX_SAMPLES = 100_000
PROBE = 256  # prior draws "auto" checks against the data
LATENTS_PER_COMPONENT = 4  # on average, per free direction of a component's mean and covariance row
PRIOR_MISMATCH_LIMIT = 0.5  # nats per dimension: e.g. a spread of 2.1 (or 0.35) where N(0, 1) has 1


def prior_mismatch(latents) -> tuple[float, float]:
    """How far the latents' own distribution is from N(0, I): the mean over dimensions of
    KL(N(m_d, s_d²) ‖ N(0, 1)) of each dimension's mean and spread (0 when they follow the
    prior), and the median spread s_d."""
    z = np.asarray(latents, np.float64)
    m, s2 = z.mean(axis=0), np.maximum(z.var(axis=0), 1e-12)
    kl = 0.5 * (s2 + m**2 - 1.0 - np.log(s2))
    return float(kl.mean()), float(np.median(np.sqrt(s2)))


@dataclass
class LatentDensity:
    """A fitted Gaussian mixture: ``weights`` (K,), ``means`` (K, D), ``cholesky`` (K, D, D)
    lower factors of the covariances."""

    weights: np.ndarray
    means: np.ndarray
    cholesky: np.ndarray

    @property
    def n_components(self) -> int:
        return len(self.weights)

    def sample(self, n: int, temperature: float = 1.0, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
        """(latents (n, D) float32, component of each (n,) int64)."""
        rng = np.random.default_rng(seed)
        comp = rng.choice(self.n_components, size=n, p=self.weights)
        eps = rng.standard_normal((n, self.means.shape[1]))
        z = self.means[comp] + temperature * np.einsum("nij,nj->ni", self.cholesky[comp], eps)
        return z.astype(np.float32), comp.astype(np.int64)


def density_components(n: int, d: int) -> int:
    """How many mixture components ``n`` latents of ``d`` dimensions support."""
    return max(c for c in COMPONENT_CHOICES if c == 1 or n >= LATENTS_PER_COMPONENT * c * (d + 1))


def fit_density_task(latents, seed: int = 0, cancel: CancelToken | None = None) -> Task:
    """Task: the `LatentDensity` of ``latents`` (N, D)."""
    from sklearn.mixture import GaussianMixture

    z = as_data_latents(latents).astype(np.float64)
    n, d = z.shape
    if n < 2:
        raise UserError("fitting a density needs at least 2 latents")
    if n > MAX_FIT:
        z = z[np.sort(np.random.default_rng(seed).choice(n, MAX_FIT, replace=False))]
    k = density_components(len(z), d)
    if cancel is not None:
        cancel.raise_if_cancelled()
    yield Progress(0, 1, f"fitting a {k}-component density to {len(z):,} latents")
    reg = 1e-6 * max(float(z.var(axis=0).mean()), 1e-12)
    gm = GaussianMixture(k, covariance_type="full", reg_covar=reg, random_state=seed, max_iter=200).fit(z)
    yield Progress(1, 1, f"density: {k} components")
    return LatentDensity(gm.weights_ / gm.weights_.sum(), gm.means_, np.linalg.cholesky(gm.covariances_))


def fit_density(latents, seed: int = 0) -> LatentDensity:
    return run_task(fit_density_task(latents, seed))


@dataclass
class Samples:
    """``latents`` (n, D) float32 drawn from ``prior`` ("normal" or "density") at
    ``temperature``; for each, ``distance_ratio`` and ``off_data`` as in `Interpolation`, the
    nearest data latent (``nearest`` index, ``nearest_distance``) and, for the density, the
    mixture ``component`` (-1 for the normal prior). ``note``: why "auto" chose what it chose,
    when that is not the obvious choice. ``positions``: map positions, when a caller placed them
    (`placement.place_on_map`)."""

    KIND: ClassVar[str] = "samples"

    latents: np.ndarray
    prior: str
    temperature: float
    seed: int
    distance_ratio: np.ndarray
    off_data: np.ndarray
    threshold: float
    nearest: np.ndarray
    nearest_distance: np.ndarray
    component: np.ndarray
    n_components: int = 0
    note: str | None = None
    positions: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.latents)

    @property
    def n_off_data(self) -> int:
        return int(np.count_nonzero(self.off_data))

    def to_dict(self) -> dict[str, Any]:
        out = {
            "prior": self.prior, "temperature": self.temperature, "seed": self.seed, "n": len(self),
            "n_components": self.n_components, "n_off_data": self.n_off_data,
            "threshold": round(self.threshold, 4), "off_data": self.off_data.tolist(),
            "distance_ratio": [round(float(r), 4) for r in self.distance_ratio],
            "nearest": self.nearest.tolist(), "note": self.note,
        }
        if self.positions is not None:
            out["positions"] = np.round(self.positions, 4).tolist()
        return out

    def to_state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        meta = {"prior": self.prior, "temperature": self.temperature, "seed": self.seed,
                "threshold": self.threshold, "n_components": self.n_components, "note": self.note}
        arrays = {name: getattr(self, name) for name in _ARRAYS}
        if self.positions is not None:
            arrays["positions"] = self.positions
        return meta, arrays

    @classmethod
    def from_state(cls, meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> Samples:
        out = cls(
            prior=str(meta["prior"]), temperature=float(meta["temperature"]), seed=int(meta["seed"]),
            threshold=float(meta["threshold"]), n_components=int(meta.get("n_components", 0)),
            note=None if meta.get("note") is None else str(meta["note"]), positions=arrays.get("positions"), **{name: arrays[name] for name in _ARRAYS},
        )
        n = len(out.latents)
        if out.latents.ndim != 2 or any(len(arrays[name]) != n for name in _ARRAYS):
            raise UserError("the saved samples are damaged")
        return out


_ARRAYS = ("latents", "distance_ratio", "off_data", "nearest", "nearest_distance", "component")


def resolve_prior(prior: str, model_kind: str | None, scale: OffDataScale | None = None,
                  seed: int = 0) -> tuple[str, str | None]:
    """("normal" | "density", note): "auto" takes the normal prior for models trained towards
    one (``model_kind`` in `NORMAL_PRIOR_KINDS`) — unless, given the data's ``scale``, more than
    half of `PROBE` draws from N(0, I) land off the data — and the fitted density otherwise."""
    if prior not in PRIORS:
        raise UserError(f"unknown prior {prior!r}: choose one of {', '.join(PRIORS)}")
    if prior != "auto":
        return prior, None
    if model_kind not in NORMAL_PRIOR_KINDS:
        return "density", None
    if scale is None:
        return "normal", None
    mismatch, spread = prior_mismatch(scale.latents)
    if mismatch > PRIOR_MISMATCH_LIMIT:
        return "density", (f"the latents spread {spread:.1f} per dimension where N(0, I) has 1 "
                           f"({mismatch:.1f} nats per dimension from the prior): they left it, so the "
                           "samples come from a density fitted to the latents")
    probe = np.random.default_rng(seed).standard_normal((PROBE, scale.latents.shape[1]))
    off = float(scale.flag(scale.ratio(probe)).mean())
    if off <= 0.5:
        return "normal", None
    return "density", (f"{off:.0%} of draws from N(0, I) land off the data (this model's latents "
                       "do not follow its prior): sampled from a density fitted to the latents")


def sample_latents_task(
    latents, n: int = 16, temperature: float = 1.0, prior: str = "auto", seed: int = 0,
    model_kind: str | None = "vae", density: LatentDensity | None = None,
    scale: OffDataScale | None = None, cancel: CancelToken | None = None,
) -> Task:
    """Task form of `sample_latents` (fitting the density is the long part)."""
    z = as_data_latents(latents)
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or not 1 <= n <= MAX_SAMPLES:
        raise UserError(f"the number of samples must be a whole number from 1 to {MAX_SAMPLES:,}, got {n!r}")
    if not (isinstance(temperature, (int, float, np.number)) and 0 < temperature <= 10):
        raise UserError(f"the temperature must be above 0 and at most 10, got {temperature!r}")
    if scale is None:
        scale = yield from OffDataScale.fit_task(z, cancel=cancel)
    kind, note = resolve_prior(prior, model_kind, scale, seed)
    if kind == "normal":
        rng = np.random.default_rng(seed)
        out = (temperature * rng.standard_normal((int(n), z.shape[1]))).astype(np.float32)
        comp, n_comp = np.full(int(n), -1, np.int64), 0
    else:
        if density is None or density.means.shape[1] != z.shape[1]:
            density = yield from fit_density_task(z, seed, cancel)
        out, comp = density.sample(int(n), float(temperature), seed)
        n_comp = density.n_components
    idx, dist = scale.nearest(out)
    ratio = (dist[:, 0] / scale.spacing).astype(np.float32)
    yield Progress(1, 1, f"{n} samples")
    return Samples(
        out, kind, float(temperature), int(seed), ratio, scale.flag(ratio), scale.threshold,
        idx[:, 0], dist[:, 0], comp, n_comp, note,
    )


def sample_latents(
    latents, n: int = 16, temperature: float = 1.0, prior: str = "auto", seed: int = 0,
    model_kind: str | None = "vae", density: LatentDensity | None = None,
    scale: OffDataScale | None = None,
) -> Samples:
    """``n`` new latents for the data ``latents`` (N, D): from N(0, T²I) (``prior="normal"``)
    or from the fitted Gaussian mixture with each covariance scaled by T² ("density");
    "auto" picks by ``model_kind`` and how well the latents follow N(0, I) (`resolve_prior`). Fixed ``seed`` → the same samples.
    ``density`` and ``scale`` may be passed in to reuse them across calls."""
    return run_task(sample_latents_task(latents, n, temperature, prior, seed, model_kind, density, scale))


__all__ = [
    "PRIORS", "LatentDensity", "Samples", "density_components", "fit_density", "fit_density_task", "prior_mismatch", "resolve_prior",
    "sample_latents", "sample_latents_task",
]
