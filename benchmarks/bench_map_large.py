"""A million latents mapped in minutes (issue #17, item 3): UMAP above
`placement_large.SAMPLE_ABOVE` points is fitted on a random sample and the rest placed beside
their nearest sample neighbours.

Synthetic latents: a mixture of 50 Gaussian blobs in 16-d with varied spreads. At 100,000 the
full fit and the sampled one run in the same process (a 10,000-point sample: the share of
points fitted at 1M, 100,000 of 1,000,000), with umap-learn's `transform` as the other way to
place the rest; trustworthiness (sklearn, k=10) on one fixed 5,000-point subsample for all.
Then the sampled map at 1,000,000 × 16 with the app's own thresholds. numba's compile is paid
before any timing (the app's warm-up pays most of it too) and reported apart.

    .venv/bin/python benchmarks/run.py --only map_million --out /tmp/bench
"""
from __future__ import annotations

import os
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # also when run as a script

from benchmarks.common import fmt_s, fmt_x, row  # noqa: E402

TW_POINTS, TW_K = 5000, 10
TARGET_TW_GAP = 0.02  # sampled trustworthiness at most this far below the full fit's
TARGET_MILLION_S = 180.0


def blob_latents(n: int, d: int = 16, blobs: int = 50, seed: int = 0) -> np.ndarray:
    """(n, d) float32: 50 Gaussian blobs with centres N(0, 4²) and spreads from 0.4 to 2."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(0.0, 4.0, (blobs, d))
    spread = rng.uniform(0.4, 2.0, blobs)
    label = rng.integers(0, blobs, n)
    x = centres[label] + rng.normal(size=(n, d)) * spread[label, None]
    return x.astype(np.float32)


def trust(x: np.ndarray, y: np.ndarray) -> float:
    from sklearn.manifold import trustworthiness

    sub = np.random.default_rng(1).choice(len(x), min(TW_POINTS, len(x)), replace=False)
    return float(trustworthiness(x[sub], y[sub], n_neighbors=TW_K))


def load() -> float:
    return round(os.getloadavg()[0], 2)


@contextmanager
def thresholds(above: int, size: int):
    from latent_explorer.analysis.maps import placement_large as pl

    saved = pl.SAMPLE_ABOVE, pl.SAMPLE_SIZE
    pl.SAMPLE_ABOVE, pl.SAMPLE_SIZE = above, size
    try:
        yield
    finally:
        pl.SAMPLE_ABOVE, pl.SAMPLE_SIZE = saved


def timed_fit(x: np.ndarray) -> tuple[np.ndarray, float, dict]:
    from latent_explorer.analysis.maps.projection import Projection
    from latent_explorer.infra.tasks import run_task

    phases: dict[str, float] = {}
    t0 = time.perf_counter()

    def progress(p) -> None:  # when the placing began: the sample's fit took that long
        if p.message.startswith("placing"):
            phases.setdefault("placing_began_s", round(time.perf_counter() - t0, 1))

    proj = Projection("umap", 2, random_state=0)
    y = run_task(proj.fit_task(x), on_progress=progress)
    return np.asarray(y), time.perf_counter() - t0, phases


def transform_placed(x: np.ndarray, size: int) -> tuple[np.ndarray, float]:
    """The other way: the sample's map, then umap-learn's `transform` for the rest."""
    from latent_explorer.analysis.maps.placement_large import choose_sample
    from latent_explorer.analysis.maps.projection import Projection

    t0 = time.perf_counter()
    sample = choose_sample(len(x), size, 0)
    proj = Projection("umap", 2, random_state=0)
    y = np.empty((len(x), 2), np.float32)
    y[sample] = proj.fit(x[sample])
    rest = np.setdiff1d(np.arange(len(x)), sample)
    for start in range(0, len(rest), 50_000):
        rows = rest[start:start + 50_000]
        y[rows] = proj.transform(x[rows])
    return y, time.perf_counter() - t0


def warm_up() -> float:
    from latent_explorer.analysis.latent.neighbours import NeighbourIndex
    from latent_explorer.analysis.maps.projection import Projection

    t0 = time.perf_counter()
    x = blob_latents(5000, seed=9)
    Projection("umap", 2, n_epochs=5, random_state=0).fit(x)
    NeighbourIndex(x, exact_below=0).query(x[:10], 8)
    return time.perf_counter() - t0


def figure_map_million(workdir, quick: bool) -> dict:
    from latent_explorer.analysis.maps import placement_large as pl

    mid, big = (20_000, 200_000) if quick else (100_000, 1_000_000)
    share = pl.SAMPLE_SIZE / 1_000_000
    mid_sample = int(mid * share)
    raw: dict = {"load_start": load(), "compile_s": round(warm_up(), 1)}
    x = blob_latents(mid)
    with thresholds(10**12, pl.SAMPLE_SIZE):
        y_full, t_full, _ = timed_fit(x)
    raw["full"] = {"n": mid, "seconds": round(t_full, 1), "trust": trust(x, y_full), "load": load()}
    print(f"full {mid:,}: {t_full:.1f} s, trustworthiness {raw['full']['trust']:.4f}", flush=True)
    with thresholds(mid_sample, mid_sample):
        y_s, t_s, phases = timed_fit(x)
    raw["sampled"] = {"n": mid, "sample": mid_sample, "seconds": round(t_s, 1), "phases": phases,
                      "trust": trust(x, y_s), "load": load()}
    print(f"sampled {mid_sample:,} of {mid:,}: {t_s:.1f} s, trustworthiness {raw['sampled']['trust']:.4f}",
          flush=True)
    if not quick:  # a quick run's sample is under 4,096: umap-learn's transform is slow there
        y_t, t_t = transform_placed(x, mid_sample)
        raw["transform"] = {"n": mid, "sample": mid_sample, "seconds": round(t_t, 1),
                            "trust": trust(x, y_t), "load": load()}
        print(f"sample + umap transform: {t_t:.1f} s, trustworthiness {raw['transform']['trust']:.4f}",
              flush=True)
    del x, y_full, y_s
    xb = blob_latents(big, seed=1)
    with thresholds(min(pl.SAMPLE_ABOVE, big - 1), int(big * share)):
        y_b, t_b, phases_b = timed_fit(xb)
    raw["million"] = {"n": big, "sample": int(big * share), "seconds": round(t_b, 1), "phases": phases_b,
                      "trust": trust(xb, y_b), "finite": bool(np.isfinite(y_b).all()), "load": load()}
    print(f"sampled {big:,}: {t_b:.1f} s, trustworthiness {raw['million']['trust']:.4f}", flush=True)

    full, sampled, tr, mil = raw["full"], raw["sampled"], raw.get("transform"), raw["million"]
    gap = sampled["trust"] - full["trust"]
    loads = f"load average {raw['load_start']}→{mil['load']} on the machine's cores"
    rows = [
        row(f"UMAP {mid:,} × 16: fitted on {mid_sample:,}, the rest placed by neighbours",
            f"full fit {fmt_s(full['seconds'])}", fmt_s(sampled["seconds"]),
            f"{fmt_x(full['seconds'] / sampled['seconds'])} faster", "—", None, key="map_sampled_time",
            note=loads, full_s=full["seconds"], sampled_s=sampled["seconds"]),
        row(f"UMAP {mid:,} × 16: trustworthiness (k={TW_K}, {TW_POINTS:,} points), sampled vs full",
            f"full fit {full['trust']:.4f}", f"{sampled['trust']:.4f}", f"{gap:+.4f}",
            f"within {TARGET_TW_GAP}", gap >= -TARGET_TW_GAP, key="map_sampled_trust",
            full=full["trust"], sampled=sampled["trust"]),
    ]
    if tr is not None:
        rows.append(row(
            f"UMAP {mid:,} × 16: placing the rest with umap-learn transform instead",
            f"by neighbours {fmt_s(sampled['seconds'])}, {sampled['trust']:.4f}",
            f"{fmt_s(tr['seconds'])}, {tr['trust']:.4f}", f"{fmt_x(tr['seconds'] / sampled['seconds'])} slower",
            "—", None, key="map_sampled_transform", seconds=tr["seconds"], trust=tr["trust"]))
    rows.append(
        row(f"UMAP {big:,} × 16, fitted on {mil['sample']:,} (trustworthiness {mil['trust']:.4f})",
            f"full fit of {mid:,}: {fmt_s(full['seconds'])}", fmt_s(mil["seconds"]),
            f"{fmt_x(mil['seconds'] / full['seconds'])} the full {mid:,}",
            f"≤ {fmt_s(TARGET_MILLION_S)}", mil["seconds"] <= TARGET_MILLION_S if not quick else None,
            key="map_million_time", note=f"{loads}; compile beforehand {raw['compile_s']} s",
            seconds=mil["seconds"], trust=mil["trust"]))
    return {"rows": rows, "raw": raw}


if __name__ == "__main__":
    from latent_explorer.infra.numba_cache import configure_numba_cache

    configure_numba_cache()
    import json

    print(json.dumps(figure_map_million(None, "--quick" in sys.argv)["raw"], indent=1))
