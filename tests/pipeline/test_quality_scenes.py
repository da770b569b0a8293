"""Quality on demo:scenes (issue #15, item 6): a small object on a floor before a wall.

The issue's targets — shape 5-NN ≥ 0.6 (chance 1/3), object scale and x linear R² ≥ 0.6 from the
latent — are NOT met, by either loss, in any budget measured here (`benchmarks/bench_scenes.py`;
3,000 scenes, 2 cores): the default MSE VAE reads the room (floor and wall hue R² ≈ 0.7) and
ignores the object (20 epochs: shape 0.36, scale R² 0.01, x 0.07; 40 epochs, when its PSNR has
caught up with PCA's: 0.38, 0.03, 0.10), while PCA-16 of the pixels reads x at 0.72. The
``focus`` loss moves the latent toward the object without reaching the targets (an earlier
box-blur variant, gain 8, 40 epochs: shape 0.40, scale 0.15, x 0.21, y 0.39). This test holds what the smallest
run (2,000 scenes, 20 epochs, ~75 s alone on 2 cores) shows with margin: the object's place is
in the pixels (PCA), the latent reads the room, and with ``focus`` it reads something of the
object. Measured on this run: focus shape 0.34, x 0.20, scale 0.14, floor hue 0.51, wall hue
0.46 (MSE, same data and epochs: 0.30, 0.02, −0.04, 0.54, 0.55); PCA shape 0.31, x 0.76, y 0.74.
Held-out PSNR: focus 16.9 dB, MSE 19.5 dB, PCA 24.0 dB — focus pays for the object in PSNR."""
import pytest

from latent_explorer.data.demos import scenes
from latent_explorer.infra.tasks import run_task
from latent_explorer.pipeline.train import TrainOptions, train_dataset

pytestmark = pytest.mark.slow

N, EPOCHS = 2000, 20


def test_scenes_latent_reads_the_room_and_with_the_focus_loss_some_of_the_object():
    options = TrainOptions(seed=0, threads=1, epochs=EPOCHS, loss="focus")
    ws = run_task(train_dataset(scenes(32, n=N, seed=0), options))
    r = ws.report
    z, pca = r["attribute_r2"], r["pca_attribute_r2"]
    print("scenes: shape 5-NN", r["knn_accuracy"], "PCA", r["pca_knn_accuracy"], "linear R²", z, "PCA", pca,
          "s", r["train_seconds"])
    assert r["image_size"] == 32 and ws.model_config.channels == 3 and ws.model_config.loss == "focus"
    assert pca["x"] >= 0.6 and pca["y"] >= 0.6  # the object's place is in the pixels
    assert z["floor_hue"] >= 0.35 and z["wall_hue"] >= 0.35  # the room is read
    assert z["x"] >= 0.1 and z["scale"] >= 0.07  # some of the object (MSE here: 0.02, −0.04)
