"""The report judges samples against held-out images: a model's real samples score far better
than black squares or noise, and the reference (training vs held-out images) is small. Their
dark share is set against the images' own."""
from __future__ import annotations

import numpy as np

from latent_explorer.analysis.generate.sample_quality import frechet_distance, sample_quality


def test_frechet_distance_is_zero_for_one_gaussian_and_grows_with_a_shift():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((4000, 4))
    b = rng.standard_normal((4000, 4))
    assert frechet_distance(a, b) < 0.02
    assert abs(frechet_distance(a, b + 2.0) - 16.0) < 0.5  # ‖μ‖² = 4 · 2²
    assert abs(frechet_distance(a, 3.0 * b) - 4 * (3 - 1) ** 2) < 0.6  # Tr(Σ) terms: (3 − 1)² per dim


def test_the_trained_workspace_reports_its_samples_and_black_ones_would_show(trained_digits_workspace):
    ws = trained_digits_workspace
    q = ws.report["sample_quality"]
    print("digits sample quality", q)
    assert q["prior"] == "density" and q["n_samples"] == len(ws.train_idx) and q["black"] == 0.0
    assert q["black_held_out"] == 0.0 and q["black_photos"] == 0.0  # no digit is a black square
    assert q["features"] == "PCA-32 of the pixels" and 0 < q["frechet_train_vs_held_out"] < q["frechet"]
    images = ws.dataset.images
    black = np.zeros((500,) + images.shape[1:], np.uint8)
    noise = np.random.default_rng(0).integers(0, 256, black.shape).astype(np.uint8)
    for bad in (black, noise):
        worse = sample_quality(images, ws.train_idx, ws.val_idx, bad, "normal")
        assert worse["ratio"] > 3 * q["ratio"]
    assert sample_quality(images, ws.train_idx, ws.val_idx, black, "normal")["black"] == 1.0
    some_dark = images.copy()
    some_dark[ws.train_idx[:18]] = 0  # 1 % of the images are black, none of them held out
    judged = sample_quality(some_dark, ws.train_idx, ws.val_idx, black, "normal")
    assert judged["black_held_out"] == 0.0 and judged["black_photos"] == round(18 / len(images), 4)


def test_the_model_panel_rows_say_how_the_samples_compare_and_how_many_are_black(trained_digits_workspace):
    from dataclasses import replace

    from latent_explorer.workspace.summary import diagnostic_rows

    ws = trained_digits_workspace
    q = ws.report["sample_quality"]
    rows = dict(diagnostic_rows(ws))
    assert f"{q['ratio']:.1f}× that of the training images (prior: density)" in rows["Samples"]
    dark = replace(ws, report={**ws.report, "sample_quality": {**q, "black": 0.02, "black_photos": 0.011}})
    assert rows["Samples"].replace(")", ", 2.0% black, the images 1.1%)") == dict(diagnostic_rows(dark))["Samples"]
    older = {k: v for k, v in q.items() if k != "black_photos"}  # reported before the images' own share
    old = replace(ws, report={**ws.report, "sample_quality": {**older, "black": 0.02, "black_held_out": 0.0}})
    assert rows["Samples"].replace(")", ", 2.0% black, held-out images 0.0%)") == dict(diagnostic_rows(old))["Samples"]
