"""Maps of the latents — PCA, t-SNE (openTSNE), UMAP (umap-learn) — in 2D or 3D.

`Projection.fit_task` is a task (see `latent_explorer.infra.tasks`): it yields Progress and
Partial(embedding (N, k) float32) while the optimiser runs, so a view can animate the map, ends
with Partial(result), and stops within one chunk of iterations once its CancelToken is set.
Maps are cached in memory by (latents, method, parameters); `to_state` / `from_state` keep one in a
workspace as JSON + arrays (no pickled estimators: `transform` rebuilds what it needs).
t-SNE and UMAP of very many latents are fitted on a sample, the rest placed beside their
neighbours (`placement_large`); the map says so (`sample_`, `note`, the saved state)."""
from __future__ import annotations

import dataclasses

import warnings
from typing import Any

import numpy as np

from latent_explorer.errors import UserError
from latent_explorer.infra.tasks import CancelToken, Partial, Progress, Task, run_task
from latent_explorer.analysis.maps.projection_cache import FittedMap, ProjectionCache, cache_key, latents_digest
from latent_explorer.analysis.maps.gpu_umap import fit_umap_on_gpu_or
from latent_explorer.analysis.maps.placement_large import fit_sampled, sample_size, sampled_note
from latent_explorer.analysis.maps.projection_steps import (
    fit_tsne_steps, fit_umap_steps, rebuild_tsne, rebuild_umap, tsne_transform,
)

METHODS = ("pca", "tsne", "umap")
DEFAULTS: dict[str, dict[str, Any]] = {
    "pca": {"random_state": 0},
    "tsne": {
        "perplexity": 30.0, "learning_rate": "auto", "early_exaggeration": 12.0,
        "early_exaggeration_iter": 250, "n_iter": 500, "initialization": "pca",
        "metric": "euclidean", "n_jobs": 1, "random_state": 0,
    },
    "umap": {
        "n_neighbors": 15, "min_dist": 0.1, "spread": 1.0, "metric": "euclidean",
        "n_epochs": None, "init": "spectral", "random_state": 0,
    },
}
_NAMES = {"pca": "PCA", "tsne": "t-SNE", "umap": "UMAP"}


def _number(p: dict, name: str, low: float, integer: bool = False, optional: bool = False) -> None:
    value = p[name]
    if value is None and optional:
        return
    kind = (int, np.integer) if integer else (int, float, np.integer, np.floating)
    if isinstance(value, bool) or not isinstance(value, kind) or not value >= low:
        what = "a whole number" if integer else "a number"
        raise UserError(f"{name} must be {what} ≥ {low}, got {value!r}")
    p[name] = int(value) if integer else float(value)


def validated_params(method: str, n_components: int, params: dict, n_points: int) -> dict:
    """Defaults merged with ``params``, checked against the data size; UserError if wrong."""
    if method not in METHODS:
        raise UserError(f"Unknown map method {method!r}: choose one of {', '.join(METHODS)}")
    if n_components not in (2, 3):
        raise UserError(f"A map has 2 or 3 dimensions, not {n_components!r}")
    unknown = sorted(set(params) - set(DEFAULTS[method]))
    if unknown:
        allowed = ", ".join(DEFAULTS[method])
        raise UserError(f"{_NAMES[method]} has no parameter {unknown[0]!r}; it has: {allowed}")
    p = {**DEFAULTS[method], **params}
    rs = p["random_state"]
    if rs is not None and (isinstance(rs, bool) or not isinstance(rs, (int, np.integer))):
        raise UserError(f"random_state must be a whole number or None, got {rs!r}")
    p["random_state"] = None if rs is None else int(rs)
    if n_points < n_components + 2:
        raise UserError(
            f"A {n_components}D map needs at least {n_components + 2} points, got {n_points}"
        )
    if method == "tsne":
        _number(p, "perplexity", 1.0)
        if 3 * p["perplexity"] >= n_points - 1:
            raise UserError(
                f"perplexity {p['perplexity']:g} is too high for {n_points} points: "
                f"use at most {max(1.0, (n_points - 2) / 3):.0f}"
            )
        if p["learning_rate"] != "auto":
            _number(p, "learning_rate", 1e-9)
        _number(p, "early_exaggeration", 1.0)
        _number(p, "early_exaggeration_iter", 0, integer=True)
        _number(p, "n_iter", 1, integer=True)
        _number(p, "n_jobs", 1, integer=True)
        if p["initialization"] not in ("pca", "spectral", "random"):
            raise UserError("t-SNE initialization must be 'pca', 'spectral' or 'random'")
    elif method == "umap":
        _number(p, "n_neighbors", 2, integer=True)
        if p["n_neighbors"] >= n_points:
            raise UserError(f"n_neighbors must be below the number of points ({n_points})")
        _number(p, "min_dist", 0.0)
        _number(p, "spread", 1e-9)
        if p["min_dist"] > p["spread"]:
            raise UserError("min_dist must not exceed spread")
        _number(p, "n_epochs", 1, integer=True, optional=True)
        if p["init"] not in ("spectral", "pca", "random"):
            raise UserError("UMAP init must be 'spectral', 'pca' or 'random'")
    if not isinstance(p.get("metric", ""), str):
        raise UserError("metric must be a name such as 'euclidean' or 'cosine'")
    return p


def as_latents(latents) -> np.ndarray:
    """(N, D) float32, C-contiguous; no copy when it already is."""
    x = np.ascontiguousarray(latents, dtype=np.float32)
    if x.ndim != 2 or x.shape[0] == 0 or x.shape[1] == 0:
        raise UserError(f"Latents must be a non-empty (N, D) array, got shape {x.shape}")
    return x


def require_finite(x: np.ndarray) -> None:
    if not np.isfinite(x).all():
        raise UserError("The latents contain NaN or infinite values")


def _read_only(a: np.ndarray) -> np.ndarray:
    view = a.view()
    view.flags.writeable = False
    return view


def _fit_pca(x: np.ndarray, k: int, p: dict, cancel, every) -> Task:
    from sklearn.decomposition import PCA

    if x.shape[1] < k:
        raise UserError(f"A {k}D PCA map needs latents with at least {k} dimensions")
    yield Progress(0, 1, "PCA")
    pca = PCA(n_components=k, random_state=p["random_state"])
    try:
        embedding = pca.fit_transform(x)
    except ValueError as exc:  # NaN or infinite latents
        raise UserError(f"PCA could not run: {exc}") from exc
    yield Progress(1, 1, "PCA")
    return embedding, {"mean": pca.mean_, "components": pca.components_}


_FITTERS = {"pca": _fit_pca, "tsne": fit_tsne_steps, "umap": fit_umap_steps}
_NEVER_CANCELLED = CancelToken()  # shared, never set: saves an Event per fit


class Projection:
    """A map method with its parameters, estimator-style: parameters are stored here and
    checked when fitting. ``embedding_`` (N, k) float32, read-only, is set by `fit`."""

    def __init__(self, method: str = "umap", n_components: int = 2, **params: Any) -> None:
        self.method = method
        self.n_components = n_components
        self.params = params
        self._fitted: FittedMap | None = None

    def __repr__(self) -> str:
        args = "".join(f", {k}={v!r}" for k, v in self.params.items())
        return f"Projection({self.method!r}, {self.n_components}{args})"

    @property
    def name(self) -> str:
        return f"{self.method}-{self.n_components}d"

    @property
    def embedding_(self) -> np.ndarray | None:
        return None if self._fitted is None else self._fitted.embedding

    @property
    def sample_(self) -> np.ndarray | None:
        """Indices of the latents a sampled map was fitted on (the others were placed beside
        their neighbours); None when it was fitted on all of them."""
        return None if self._fitted is None else self._fitted.sample

    @property
    def note(self) -> str:
        """"UMAP fitted on 100,000 of 1,000,000 points" for a sampled map, else ""."""
        fitted = self._fitted
        if fitted is None or fitted.sample is None:
            return ""
        return sampled_note(fitted.method, len(fitted.sample), len(fitted.embedding))

    def fit_task(
        self, latents, cancel: CancelToken | None = None, partial_every: int | None = None,
        cache: ProjectionCache | None = None,
    ) -> Task:
        """Compute the map of ``latents`` (N, D). ``partial_every``: iterations (t-SNE) or
        epochs (UMAP) between two Partial embeddings; ``cache``: where a map of the same latents
        and parameters is looked up first and the new one kept (none: always computed). Above
        `placement_large.SAMPLE_ABOVE` latents t-SNE/UMAP are fitted on a sample."""
        x = as_latents(latents)
        size = sample_size(self.method, len(x))
        params = validated_params(self.method, self.n_components, self.params, size or len(x))
        # PCA is not cached: hashing the latents costs about as much as computing it. Without
        # a seed a t-SNE or UMAP map is a fresh draw each time: nothing to cache either.
        cacheable = cache is not None and self.method != "pca" and params["random_state"] is not None
        if self.method != "pca":  # sklearn's PCA checks this itself
            require_finite(x)
        digest, hit = None, None
        if cacheable:
            digest = latents_digest(x)
            hit = cache.get(cache_key(digest, self.method, self.n_components, params, size))
        if hit is not None:
            self._fitted = hit
            yield Progress(1, 1, f"{_NAMES[self.method]}: cached")
            yield Partial(hit.embedding)
            return hit.embedding
        token = cancel if cancel is not None else _NEVER_CANCELLED
        fit = _FITTERS[self.method]
        if self.method == "umap":
            fit = fit_umap_on_gpu_or(fit)
        sample = None
        if size is None:
            embedding, model = yield from fit(x, self.n_components, params, token, partial_every)
        else:
            embedding, model, sample = yield from fit_sampled(
                fit, self.method, x, self.n_components, params, token, partial_every, size
            )
        embedding = _read_only(np.asarray(embedding, np.float32))
        # The latents are referenced, not copied: t-SNE/UMAP `transform` may need them again.
        fitted = FittedMap(
            self.method, self.n_components, params, digest, embedding, model, x, sample
        )
        if cacheable:
            cache.put(fitted)
        self._fitted = fitted
        yield Partial(embedding)
        return embedding

    def fit(self, latents, **kwargs: Any) -> np.ndarray:
        return run_task(self.fit_task(latents, **kwargs))

    def _require_fitted(self) -> FittedMap:
        if self._fitted is None:
            raise UserError(f"The {self.name} map has not been computed yet")
        return self._fitted

    def transform(self, new_latents) -> np.ndarray:
        """Place new latents (M, D) on this map: (M, k) float32. Exact for PCA; t-SNE and UMAP
        optimise the new points against the fixed map (openTSNE / umap-learn `transform`)."""
        fitted = self._require_fitted()
        z = as_latents(new_latents)
        require_finite(z)
        if fitted.latents is not None and z.shape[1] != fitted.latents.shape[1]:
            raise UserError(
                f"New latents have {z.shape[1]} dimensions, the map's have {fitted.latents.shape[1]}"
            )
        if fitted.method == "pca":
            mean, components = fitted.model["mean"], fitted.model["components"]
            return ((z - mean) @ components.T).astype(np.float32)
        with fitted.lock:  # openTSNE moves its map during a transform; rebuilds happen once
            if fitted.model is None:
                if fitted.latents is None:
                    raise UserError("This map was loaded without its latents: give them to from_state")
                rebuild = rebuild_tsne if fitted.method == "tsne" else rebuild_umap
                x, y = fitted.latents, fitted.embedding
                if fitted.sample is not None:  # the model of a sampled map knows the sample only
                    x, y = x[fitted.sample], y[fitted.sample]
                fitted.model = rebuild(x, y, fitted.n_components, fitted.params)
            if fitted.method == "tsne":
                return tsne_transform(fitted.model, z)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)
                return np.asarray(fitted.model.transform(z), np.float32)

    def linear_inverse(self) -> tuple[np.ndarray, np.ndarray] | None:
        """(mean (D,), components (k, D)) of a PCA map — latent = mean + position @ components
        — or None for a non-linear map."""
        fitted = self._require_fitted()
        if fitted.method != "pca":
            return None
        return fitted.model["mean"], fitted.model["components"]

    def orient_like(self, target) -> None:
        """Flip a PCA map's axes where that brings it closer to ``target`` (N, k; rows not
        finite are ignored) — the map a training ends on faces the way its live frames did. A
        flipped principal axis is as principal: nothing else changes. Other maps are left as
        they are."""
        from latent_explorer.analysis.maps.live import axis_signs

        fitted = self._require_fitted()
        t = np.asarray(target, np.float64)
        if fitted.method != "pca" or t.shape != fitted.embedding.shape:
            return
        signs = axis_signs(np.asarray(fitted.embedding, np.float64), t)
        if (signs > 0).all():
            return
        model = {"mean": fitted.model["mean"], "components": fitted.model["components"] * signs[:, None]}
        embedding = _read_only((fitted.embedding * signs).astype(np.float32))
        self._fitted = dataclasses.replace(fitted, embedding=embedding, model=model)

    def to_state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        """JSON-able description and arrays for `Workspace.extra_meta` / `extra_arrays`."""
        fitted = self._require_fitted()
        if fitted.digest is None:
            fitted.digest = latents_digest(fitted.latents)
        meta = {
            "method": fitted.method, "n_components": fitted.n_components,
            "params": dict(fitted.params), "latents_digest": fitted.digest,
            "n_points": int(len(fitted.embedding)),
        }
        arrays = {"embedding": np.array(fitted.embedding, np.float32)}
        if fitted.sample is not None:
            meta["sample_size"] = int(len(fitted.sample))
            meta["note"] = self.note
            arrays["sample"] = np.asarray(fitted.sample, np.int64)
        if fitted.method == "pca":
            arrays["pca_mean"] = np.asarray(fitted.model["mean"], np.float32)
            arrays["pca_components"] = np.asarray(fitted.model["components"], np.float32)
        return meta, arrays

    @classmethod
    def from_state(cls, meta: dict, arrays: dict[str, np.ndarray], latents=None,
                   cache: ProjectionCache | None = None) -> Projection:
        """A map saved by `to_state`. With the latents it was made from, t-SNE/UMAP `transform`
        works (and the map joins ``cache``); different latents raise UserError (it is stale)."""
        try:
            proj = cls(str(meta["method"]), int(meta["n_components"]), **dict(meta["params"]))
            embedding = np.asarray(arrays["embedding"], np.float32)
            n, digest = int(meta["n_points"]), str(meta["latents_digest"])
            sample = _saved_sample(meta, arrays, n)
            fitted_on = n if sample is None else len(sample)
            params = validated_params(proj.method, proj.n_components, proj.params, fitted_on)
            model = None
            if proj.method == "pca":
                model = {"mean": arrays["pca_mean"], "components": arrays["pca_components"]}
        except (KeyError, TypeError, ValueError) as exc:
            raise UserError(f"A saved map is damaged: {type(exc).__name__}: {exc}") from None
        if embedding.shape != (n, proj.n_components):
            raise UserError(f"A saved map is damaged: embedding shape {embedding.shape}")
        x = None
        if latents is not None:
            x = as_latents(latents)
            if latents_digest(x) != digest:
                raise UserError(f"The {proj.name} map was made from other latents: compute it again")
        fitted = FittedMap(
            proj.method, proj.n_components, params, digest, _read_only(embedding), model, x, sample
        )
        if cache is not None and x is not None and proj.method != "pca":
            cache.put(fitted)
        proj._fitted = fitted
        return proj


def _saved_sample(meta: dict, arrays: dict[str, np.ndarray], n: int) -> np.ndarray | None:
    """The sample indices of a saved sampled map (None: fitted on all ``n`` points)."""
    if "sample" not in arrays:
        return None
    sample = np.asarray(arrays["sample"])
    size = int(meta["sample_size"])
    ok = sample.ndim == 1 and 0 < len(sample) == size and np.issubdtype(sample.dtype, np.integer)
    if not ok or sample.min() < 0 or sample.max() >= n or (np.diff(sample) <= 0).any():
        raise ValueError("the saved sample indices do not fit the map")
    return sample.astype(np.int64)
