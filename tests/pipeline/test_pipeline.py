"""Source → trained model → latents → workspace, through the real pipeline."""
import numpy as np
import pytest

from latent_explorer.analysis.latent.latents import decode_latents, encode_dataset, reconstruct
from latent_explorer.data.sources import reload_source
from latent_explorer.errors import UserError
from latent_explorer.pipeline.train import (
    TrainOptions, continue_training, load_model, summary_line, train_source,
)
from latent_explorer.infra.tasks import CancelToken, Progress, run_task
from latent_explorer.workspace.session_file import load_workspace, save_workspace

REPORT_KEYS = {
    "n_images", "n_skipped", "skipped", "labels", "attributes", "image_size", "latent_dim",
    "model", "epochs_run", "train_seconds", "recon_mse_train", "recon_mse_val", "knn_accuracy",
    "pca_knn_accuracy", "attribute_r2", "active_units",
}


def test_trained_workspace_has_latents_errors_and_report(trained_digits_workspace):
    ws = trained_digits_workspace
    n = 1797
    assert ws.latents.mean.shape == (n, 16) and ws.latents.logvar.shape == (n, 16)
    assert np.all(ws.latents.spread > 0)
    assert ws.latents.recon_error.shape == (n,) and np.all(ws.latents.recon_error >= 0)
    assert REPORT_KEYS <= set(ws.report)
    assert ws.report["epochs_run"] == 12 and ws.report["model"] == "vae"
    assert 0.5 < ws.report["knn_accuracy"] <= 1.0
    assert len(ws.train_idx) + len(ws.val_idx) == n


def test_workspace_round_trip_keeps_everything_and_decodes_the_same(
    trained_digits_workspace, saved_digits_workspace
):
    ws, back = trained_digits_workspace, load_workspace(saved_digits_workspace)
    assert back.report == ws.report
    assert np.array_equal(back.latents.mean, ws.latents.mean)
    assert np.array_equal(back.val_idx, ws.val_idx)
    assert back.dataset.label_names == ws.dataset.label_names
    assert np.array_equal(back.dataset.labels, ws.dataset.labels)
    assert back.model_config == ws.model_config
    z = ws.latents.mean[:5]
    assert np.array_equal(decode_latents(load_model(back), z), decode_latents(load_model(ws), z))
    assert back.dataset.source == {"kind": "demo", "name": "digits", "image_size": 16, "params": {}}


def test_batched_decode_of_arbitrary_latents(trained_digits_workspace):
    model = load_model(trained_digits_workspace)
    z = np.random.default_rng(0).normal(size=(700, 16)).astype(np.float32)
    images = decode_latents(model, z, batch_size=256)
    assert images.shape == (700, 16, 16, 1) and images.dtype == np.uint8
    assert np.array_equal(images[300], decode_latents(model, z[300:301])[0])


def test_reconstructions_resemble_their_originals(trained_digits_workspace, digits):
    model = load_model(trained_digits_workspace)
    idx = np.arange(20)
    recon = reconstruct(model, digits, idx).astype(float)
    orig = digits.images[idx].astype(float)
    own = np.abs(recon - orig).mean()
    shuffled = np.abs(recon - orig[::-1]).mean()
    assert own < 0.7 * shuffled


def test_resume_from_a_saved_workspace_continues_training(saved_digits_workspace):
    ws = load_workspace(saved_digits_workspace)
    dataset = run_task(reload_source(ws.dataset.source))
    before = ws.report["recon_mse_val"]
    ws = run_task(continue_training(ws, dataset, extra_epochs=2))
    assert ws.train_state.epoch == 14 and ws.report["epochs_run"] == 14
    assert len(ws.train_state.history) == 14
    assert ws.report["recon_mse_val"] < before


def test_more_epochs_after_early_stopping_train_them_all(saved_digits_workspace):
    ws = load_workspace(saved_digits_workspace)
    dataset = run_task(reload_source(ws.dataset.source))
    st = ws.train_state  # as a run that just stopped early: no better held-out loss for `patience` epochs
    st.bad_epochs, st.best_val = ws.train_params["patience"], st.best_val * 0.5
    ws.train_status = "early-stopped"
    ws = run_task(continue_training(ws, dataset, extra_epochs=2))
    assert ws.train_state.epoch == 14 and ws.train_status == "finished"


def test_cancel_during_training_still_gives_a_workspace(tmp_path):
    cancel = CancelToken()

    def on_progress(p: Progress):
        if p.message.startswith("epoch 2"):
            cancel.cancel()

    ws = run_task(train_source("demo:digits", TrainOptions(epochs=5, threads=1), cancel), on_progress)
    assert ws.train_status == "cancelled"
    assert ws.train_state.epoch == 1 and ws.latents is not None
    save_workspace(tmp_path / "c.lexp", ws)
    assert load_workspace(tmp_path / "c.lexp").train_status == "cancelled"


def test_ae_and_beta_vae_train_too():
    ae = run_task(train_source("demo:digits", TrainOptions(model="ae", epochs=1, latent_dim=3, threads=1)))
    assert ae.latents.logvar is None and ae.latents.mean.shape[1] == 3
    assert ae.report["model"] == "ae"
    bvae = run_task(train_source("demo:digits", TrainOptions(model="beta-vae", epochs=1, threads=1)))
    assert bvae.model_config.beta == 4.0 and bvae.report["model"] == "beta-vae"


def test_an_unknown_model_or_source_is_a_clear_error():
    with pytest.raises(UserError, match="unknown model"):
        run_task(train_source("demo:digits", TrainOptions(model="gan")))
    with pytest.raises(UserError, match="unknown demo"):
        run_task(train_source("demo:faces", TrainOptions()))
    with pytest.raises(UserError, match="no such folder"):
        run_task(train_source("/no/such/folder", TrainOptions()))


def test_rgb_folder_trains_and_colour_is_kept(tmp_path):
    from tests.photo_folder import build_photo_folder

    root = build_photo_folder(tmp_path / "p", per_class=12)
    ws = run_task(train_source(str(root), TrainOptions(epochs=1, image_size=24, threads=1)))
    assert ws.model_config.channels == 3 and ws.model_config.image_size == 24
    assert ws.report["labels"] == ["china", "flower"]
    assert ws.dataset.source["kind"] == "folder" and len(ws.dataset.source["files"]) == 24
    encoded = encode_dataset(load_model(ws), run_task(reload_source(ws.dataset.source)))
    assert np.allclose(encoded.mean, ws.latents.mean, atol=1e-5)


def test_embeddings_source_gives_a_workspace_without_decoder(tmp_path, trained_digits_workspace):
    from latent_explorer.data.embeddings import save_embeddings

    ws0 = trained_digits_workspace
    path = save_embeddings(tmp_path / "z.npy", ws0.latents.mean, ws0.dataset.label_list(), ws0.dataset.paths)
    ws = run_task(train_source(str(path), TrainOptions()))
    assert ws.train_status == "no-model" and not ws.has_decoder
    assert np.allclose(ws.latents.mean, ws0.latents.mean)
    assert ws.report["knn_accuracy"] is not None and ws.report["pca_knn_accuracy"] is None
    with pytest.raises(UserError, match="no decoder"):
        load_model(ws)


def test_a_workspace_whose_entries_disagree_is_refused_clearly(tmp_path, saved_digits_workspace):
    from latent_explorer.errors import WorkspaceError
    from latent_explorer.workspace.container import load_container, save_container

    c = load_container(saved_digits_workspace)
    c.arrays["split.val"] = np.array([0, 5000])
    save_container(tmp_path / "bad.lexp", c)
    with pytest.raises(WorkspaceError, match="split points outside"):
        load_workspace(tmp_path / "bad.lexp")
    c = load_container(saved_digits_workspace)
    c.arrays["latents.mean"] = c.arrays["latents.mean"][:10]
    save_container(tmp_path / "bad2.lexp", c)
    with pytest.raises(WorkspaceError, match="latents.mean"):
        load_workspace(tmp_path / "bad2.lexp")


def test_auto_options_follow_the_source_and_the_workspace_keeps_what_was_used(tmp_path):
    """demo:scenes, the demo of small objects, trains the broadcast net with the focus loss at 4e-3
    for 5,700 steps (150 epochs of 3,000 scenes); other sources the conv net with squared error at 1e-3; what the user sets wins,
    and a saved workspace resumes with the same network, loss and rate."""
    scenes = run_task(train_source("demo:scenes?n=100&seed=0", TrainOptions(epochs=1, threads=1, latent_dim=4)))
    assert (scenes.model_config.arch, scenes.model_config.loss) == ("broadcast", "focus")
    assert scenes.train_params["lr"] == 4e-3 and scenes.train_params["arch"] == "broadcast"
    from latent_explorer.workspace.summary import diagnostic_rows

    rows = dict(diagnostic_rows(scenes))  # the Model dock says what auto chose
    assert rows["Model"].endswith("32px, broadcast net, focus loss")
    assert rows["Training"].startswith("1 epoch at learning rate 0.004")
    assert "model vae 4-d (broadcast net, focus loss, lr 0.004)" in summary_line(scenes.report)  # the CLI's
    from latent_explorer.data.demos import scenes as make_scenes

    assert TrainOptions().resolved(make_scenes(32, n=3000)).epochs == 150
    assert TrainOptions().resolved(make_scenes(32, n=6000)).epochs == 76
    assert TrainOptions(arch="conv").resolved(scenes.dataset).arch == "conv"
    mine = run_task(train_source("demo:scenes?n=100&seed=0",
                                 TrainOptions(epochs=1, threads=1, latent_dim=4, arch="conv", loss="mse", lr=2e-3)))
    assert (mine.model_config.arch, mine.model_config.loss, mine.train_params["lr"]) == ("conv", "mse", 2e-3)
    save_workspace(tmp_path / "s.lexp", scenes)
    reopened = load_workspace(tmp_path / "s.lexp")
    resumed = run_task(continue_training(reopened, run_task(reload_source(reopened.dataset.source)),
                                         extra_epochs=1, threads=1))
    assert resumed.train_state.epoch == 2 and resumed.train_params["lr"] == 4e-3
    assert resumed.train_params["loss"] == "focus"
    sprites = run_task(train_source("demo:sprites?n=100&seed=0", TrainOptions(epochs=1, threads=1, latent_dim=4)))
    assert (sprites.model_config.arch, sprites.model_config.loss, sprites.train_params["lr"]) == ("conv", "mse", 1e-3)
    assert sprites.train_params["epochs"] == 1 and TrainOptions().resolved(sprites.dataset).epochs == 200
