"""Quality targets with fixed seeds: the learned latent must be worth having."""
import numpy as np
import pytest

from latent_explorer.pipeline.train import TrainOptions, train_dataset, train_source
from latent_explorer.infra.tasks import run_task
from tests.parallel import reports_side_by_side
from tests.photo_folder import build_photo_folder

pytestmark = pytest.mark.slow


def _digits_report(seed: int) -> dict:
    from latent_explorer.data.demos import digits

    return run_task(train_dataset(digits(16), TrainOptions(seed=seed, threads=1))).report


def _folder_report(folder_and_seed: tuple[str, int]) -> dict:
    folder, seed = folder_and_seed
    return run_task(train_source(folder, TrainOptions(seed=seed, epochs=60, threads=1))).report


def _defaults_report(folder_and_seed: tuple[str, int]) -> dict:
    folder, seed = folder_and_seed
    return run_task(train_source(folder, TrainOptions(seed=seed, threads=1))).report


def test_digits_vae_defaults_beat_the_target_and_match_pca():
    reports = reports_side_by_side(_digits_report, [0, 1])
    # two seeds: the suite stays under 20 minutes; the benchmark averages more
    knn = np.mean([r["knn_accuracy"] for r in reports])
    pca = np.mean([r["pca_knn_accuracy"] for r in reports])
    print(f"digits 5-NN: VAE {knn:.4f} vs PCA {pca:.4f}; per seed", [r["knn_accuracy"] for r in reports])
    assert knn >= 0.97
    assert knn >= pca - 0.01
    assert all(r["active_units"] >= 8 for r in reports)
    assert all(r["recon_mse_val"] < 0.01 for r in reports)


def test_sprites_latent_holds_position_and_scale():
    # 16 epochs (1,200 steps), half the default: x, y R² 0.99, scale 0.76 — the bounds below hold
    ws = run_task(train_source("demo:sprites", TrainOptions(seed=0, threads=1, epochs=16)))
    r = ws.report
    print("sprites linear R²", r["attribute_r2"], "10-NN R²", r["attribute_r2_knn"], "s", r["train_seconds"])
    assert r["image_size"] == 32
    assert r["attribute_r2"]["x"] >= 0.8 and r["attribute_r2"]["y"] >= 0.8
    assert r["attribute_r2"]["scale"] >= 0.6
    assert r["attribute_r2_knn"]["x"] >= 0.95 and r["attribute_r2_knn"]["y"] >= 0.95


def _scenes_report(seed: int) -> dict:
    from latent_explorer.data.demos import scenes

    # demo:scenes' own recipe (broadcast net, focus loss, 4e-3), a third of its 5,700 steps
    options = TrainOptions(seed=seed, threads=1, epochs=50)
    return run_task(train_dataset(scenes(32, n=3000, seed=0), options)).report


def test_scenes_latent_reads_the_small_objects_place_and_size():
    """Issue #15's scenes: the conv net with squared error reads the object's x with R² 0.12 and
    its size with 0.06 (PCA of the pixels 0.72 and 0.09). The demo's recipe reads both after a
    third of its steps (measured: x 0.99, size 0.82 and 0.85, shape 5-NN 0.50 and 0.55, 145 s
    each); the whole recipe, 150 epochs here, reads the shape too (0.62 on two seeds), which the
    benchmark `scenes` measures: 8–10 minutes a seed is too long for the suite."""
    reports = reports_side_by_side(_scenes_report, [0, 1])
    for r in reports:
        r2, pca = r["attribute_r2"], r["pca_attribute_r2"]
        print(f"scenes: x R² {r2['x']:.2f} (PCA {pca['x']:.2f}), size {r2['scale']:.2f} (PCA {pca['scale']:.2f}), "
              f"shape 5-NN {r['knn_accuracy']:.3f} (PCA {r['pca_knn_accuracy']:.3f}), {r['train_seconds']} s")
        assert r2["x"] >= 0.9 and r2["x"] >= pca["x"] + 0.15
        assert r2["scale"] >= 0.6 and r2["scale"] >= pca["scale"] + 0.4
        assert r["knn_accuracy"] >= r["pca_knn_accuracy"] + 0.05
        assert r["recon_mse_val"] < r["pca_recon_mse_val"]


def test_real_photographs_latent_is_not_worse_than_pca(tmp_path):
    root = build_photo_folder(tmp_path / "photos", per_class=100)
    reports = reports_side_by_side(_folder_report, [(str(root), seed) for seed in range(3)])
    knn = np.mean([r["knn_accuracy"] for r in reports])
    pca = np.mean([r["pca_knn_accuracy"] for r in reports])
    print(f"photos 5-NN: VAE {knn:.4f} vs PCA {pca:.4f}; per seed", [r["knn_accuracy"] for r in reports])
    assert reports[0]["labels"] == ["china", "flower"] and reports[0]["n_images"] == 200
    assert knn >= pca - 0.02


def test_a_photo_folder_with_the_defaults_beats_pca_generalises_and_samples_like_the_photos(tmp_path):
    """Issue #15's targets on a small realistic folder: 400 photo crops of 8 sources (JPEG and
    PNG, 40–240 px), the app's defaults, two seeds side by side. The benchmark's figure
    `photo_quality` has the 1,600-photo folder at 32 and 64 px, where the gap target holds too."""
    from benchmarks.photo_folder import build

    root = build(tmp_path / "photos", n=400, seed=0)
    reports = reports_side_by_side(_defaults_report, [(str(root), seed) for seed in range(2)])
    for r in reports:
        p, q = r["psnr"], r["sample_quality"]
        print(f"photos 400: PSNR {p}, 5-NN {r['knn_accuracy']:.4f} vs PCA {r['pca_knn_accuracy']:.4f}, "
              f"samples {q['ratio']}x, black {q['black']} (held-out {q['black_held_out']}), {r['train_seconds']} s")
        assert p["val"] > p["pca_val"]  # held-out PSNR over PCA of the same width, each seed
        # not by memorising: 1,600 photos reach the target's 1 dB (0.52); 400 leave 0.23 and 1.13
        # dB here, where a plain autoencoder without augmentation left 5 dB. PCA's own gap on these
        # splits is 0.32 and 0.95 dB: beyond it the model adds -0.09 and 0.18 dB
        assert p["train"] - p["val"] <= 1.5
        assert (p["train"] - p["val"]) - (p["pca_train"] - p["pca_val"]) <= 1.0
        assert r["fit_verdict"]["verdict"] != "overfitting", r["fit_verdict"]["reason"]
        assert q["prior"] == "density" and q["ratio"] <= 2.0
    gain = np.mean([r["psnr"]["val"] - r["psnr"]["pca_val"] for r in reports])
    assert gain >= 0.5  # +1.07 and +0.60 dB
    knn = np.mean([r["knn_accuracy"] for r in reports])
    pca = np.mean([r["pca_knn_accuracy"] for r in reports])
    assert knn >= pca - 0.02
