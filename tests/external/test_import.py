"""import_torchscript → Workspace → save/load → pipeline.load_model, and the CLI `import`."""
from __future__ import annotations

import hashlib
import os
import shutil
import zipfile

import numpy as np
import pytest
import torch

from latent_explorer.analysis.latent.latents import decode_latents
from latent_explorer.cli.main import main
from latent_explorer.errors import UserError
from latent_explorer.pipeline.torchscript import import_torchscript
from latent_explorer.pipeline.train import load_model
from latent_explorer.infra.tasks import run_task
from latent_explorer.workspace.session_file import load_workspace, save_workspace

from .conftest import LATENT, Decoder, Generator, save_script

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture(scope="module")
def digits_ws(files):
    return run_task(import_torchscript(files["decoder"], files["encoder"], "demo:digits"))


def test_encoder_and_decoder_map_every_digit_and_reload_identically(digits_ws, files, digits, tmp_path):
    ws = digits_ws
    n = len(digits)
    assert ws.latents.mean.shape == (n, LATENT) and ws.latents.logvar.shape == (n, LATENT)
    assert ws.latents.recon_error.shape == (n,) and np.isfinite(ws.latents.recon_error).all()
    enc = torch.jit.load(files["encoder"])
    with torch.no_grad():
        want = enc(torch.from_numpy(digits.images_float(np.arange(5))))[0].numpy()
    np.testing.assert_allclose(ws.latents.mean[:5], want, rtol=1e-5, atol=1e-6)  # batch size rounding
    report = ws.report
    assert isinstance(report["knn_accuracy"], float) and 0.0 <= report["knn_accuracy"] <= 1.0
    assert report["model"] == "external" and report["latent_dim"] == LATENT
    assert report["recon_mse_val"] is not None and ws.train_status == "imported"
    assert ws.model_config is None and ws.has_decoder

    meta = ws.extra_meta["external_model"]
    data = open(files["decoder"], "rb").read()
    assert meta["decoder"] == {
        "path": os.path.abspath(files["decoder"]), "size": len(data), "sha256": hashlib.sha256(data).hexdigest()
    }
    assert meta["encoder"]["path"] == os.path.abspath(files["encoder"])
    assert (meta["latent_dim"], meta["output_range"]) == (LATENT, "0,1")

    path = tmp_path / "own.lexp"
    save_workspace(path, ws)
    assert not any("code/" in name or name.endswith(".pt") for name in zipfile.ZipFile(path).namelist())
    ws2 = load_workspace(path)
    assert ws2.has_decoder
    z = ws.latents.mean[:20]
    first = decode_latents(load_model(ws), z)
    again = decode_latents(load_model(ws2), z)
    assert first.shape == (20, 16, 16, 1)
    np.testing.assert_array_equal(first, again)
    np.testing.assert_array_equal(ws2.latents.mean, ws.latents.mean)


def test_decoder_only_gan_maps_prior_samples(files):
    ws = run_task(import_torchscript(files["generator"], latent_dim=8, n_samples=300, seed=3))
    assert ws.latents.mean.shape == (300, 8) and ws.latents.recon_error is None
    assert ws.dataset.images is None and ws.dataset.source["kind"] == "prior-samples"
    np.testing.assert_array_equal(ws.dataset.vectors, ws.latents.mean)
    again = run_task(import_torchscript(files["generator"], latent_dim=8, n_samples=300, seed=3))
    np.testing.assert_array_equal(again.latents.mean, ws.latents.mean)
    assert ws.report["latent_dim"] == 8 and ws.report["output_range"] == "-1,1"
    model = load_model(ws)
    with torch.no_grad():
        out = model.decode(torch.from_numpy(ws.latents.mean[:16]))
    assert out.shape == (16, 3, 16, 16)
    assert 0.0 <= float(out.min()) < 0.05 and 0.95 < float(out.max()) <= 1.0  # tanh mapped
    with pytest.raises(UserError, match="needs the model's encoder"):
        run_task(import_torchscript(files["generator"], source="demo:digits", latent_dim=8))


def test_a_moved_or_changed_model_file_is_refused_on_load(tmp_path, files):
    dec = shutil.copy(files["generator"], tmp_path / "gen.pt")
    ws = run_task(import_torchscript(dec, latent_dim=8, n_samples=50))
    save_workspace(tmp_path / "gan.lexp", ws)
    ws = load_workspace(tmp_path / "gan.lexp")
    os.rename(dec, tmp_path / "elsewhere.pt")
    with pytest.raises(UserError, match="decoder file of this workspace is missing"):
        load_model(ws)
    torch.manual_seed(1)
    save_script(Generator(), dec)  # same name, different weights
    with pytest.raises(UserError, match="has changed since it was imported"):
        load_model(ws)
    shutil.copy(tmp_path / "elsewhere.pt", dec)  # the original bytes are accepted again
    assert load_model(ws).latent_dim == 8


def test_cli_import_end_to_end_and_errors(files, tmp_path, capsys):
    out = tmp_path / "cli.lexp"
    argv = ["import", "--decoder", files["decoder"], "--encoder", files["encoder"],
            "--source", "demo:digits", "-o", str(out), "--quiet"]
    assert main(argv) == 0
    captured = capsys.readouterr()
    assert "model external 6-d" in captured.out and "kNN acc" in captured.out
    assert out.exists() and load_workspace(out).has_decoder
    assert main(["resume", str(out)]) == 2
    assert "no model to train" in capsys.readouterr().err

    code = main(["import", "--decoder", str(tmp_path / "missing.pt"), "--latent-dim", "8", "-o", str(out)])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1
    assert err.startswith("latent-explorer: error: no such decoder file")
    gan = ["import", "--decoder", files["generator"], "--latent-dim", "8", "--samples", "100",
           "-o", str(tmp_path / "gan"), "--quiet"]
    assert main(gan) == 0 and (tmp_path / "gan.lexp").exists()
    assert "100 images" in capsys.readouterr().out
