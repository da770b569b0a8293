"""interpolate, sample and arithmetic on a real trained workspace: files written, results stored."""
from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from PIL import Image, ImageSequence

from latent_explorer.cli.main import main
from latent_explorer.workspace.generated import restore_result, stored_inputs
from latent_explorer.workspace.session_file import load_workspace
from latent_explorer.workspace.stored_map import restore_map


@pytest.fixture
def ws_copy(saved_digits_workspace, tmp_path):
    path = tmp_path / "digits.lexp"
    shutil.copy(saved_digits_workspace, path)
    return path


def test_interpolate_along_the_data_writes_a_looping_gif_of_decoded_frames(ws_copy, tmp_path, capsys):
    from latent_explorer.analysis.latent.latents import decode_latents
    from latent_explorer.pipeline.train import load_model

    gif = tmp_path / "walk.gif"
    argv = ["interpolate", str(ws_copy), "0", "5", "--method", "path", "--steps", "12", "-o", str(gif), "--json"]
    assert main(argv + ["--quiet"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["method"] == "path" and out["steps"] == 12 and out["via"][0] == 0 and out["via"][-1] == 5
    assert len(out["off_data"]) == 12 and out["n_off_data"] == sum(out["off_data"]) and out["threshold"] > 1
    ws = load_workspace(ws_copy)
    stored = restore_result(ws, "interpolation")
    assert stored.latents.shape == (12, 16) and stored.via.tolist() == out["via"]
    assert stored_inputs(ws, "interpolation") == {"a": "0", "b": "5", "method": "path", "steps": 12, "k": 10,
                                                   "smooth": 0.05}
    with Image.open(gif) as im:
        assert im.is_animated and im.n_frames == 12 and im.info["loop"] == 0 and min(im.size) >= 128
        frames = [np.asarray(f.convert("L")).astype(int) for f in ImageSequence.Iterator(im)]
    expected = decode_latents(load_model(ws), stored.latents[[0, 6]])[..., 0].astype(int)
    for frame, image in zip((frames[0], frames[6]), expected):
        inner = frame[3:-3, 3:-3][::8, ::8]  # inside the border, one pixel per enlarged block
        assert np.abs(inner - image).max() <= 2


def test_a_dataset_path_and_an_image_file_on_disk_name_the_same_image(ws_copy, tmp_path, capsys, digits):
    five = tmp_path / "five.png"
    Image.fromarray(digits.images[5][..., 0]).save(five)
    strip = tmp_path / "strip.png"
    assert main(["interpolate", str(ws_copy), "digit_0000.png", str(five), "--steps", "5", "-o", str(strip)]) == 0
    text = capsys.readouterr().out
    assert "linear interpolation, 5 steps" in text and "off the data" in text
    ws = load_workspace(ws_copy)
    stored = restore_result(ws, "interpolation")
    np.testing.assert_array_equal(stored.latents[0], ws.latents.mean[0])
    np.testing.assert_allclose(stored.latents[-1], ws.latents.mean[5], atol=1e-4)  # loaded and encoded alike
    with Image.open(strip) as im:
        assert im.format == "PNG" and im.width > 5 * 128 and im.height < 200


def test_sample_writes_a_grid_placed_on_the_stored_map(ws_copy, tmp_path, capsys):
    assert main(["project", str(ws_copy), "--method", "pca", "--quiet"]) == 0
    capsys.readouterr()
    grid = tmp_path / "grid.png"
    assert main(["sample", str(ws_copy), "--n", "9", "--temperature", "0.5", "-o", str(grid), "--json",
                 "--quiet"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["n"] == 9 and out["prior"] == "density" and "N(0, I)" in out["note"]  # see test_sampling
    assert out["n_off_data"] <= 2 and len(out["positions"]) == 9
    ws = load_workspace(ws_copy)
    samples = restore_result(ws, "samples")
    np.testing.assert_allclose(out["positions"], restore_map(ws).transform(samples.latents), atol=1e-3)
    with Image.open(grid) as im:
        assert abs(im.width - im.height) < 10 and im.width > 3 * 128  # 3 × 3
    assert main(["sample", str(ws_copy), "--n", "4", "--prior", "normal", "--no-save"]) == 0
    assert "4 off the data" in capsys.readouterr().out
    assert restore_result(load_workspace(ws_copy), "samples").temperature == 0.5  # --no-save kept it


def test_arithmetic_writes_the_equation_and_the_nearest_images(ws_copy, tmp_path, capsys):
    png = tmp_path / "sum.png"
    assert main(["arithmetic", str(ws_copy), "7", "1", "11", "--k", "4", "-o", str(png)]) == 0
    text = capsys.readouterr().out
    assert "A − B + C is" in text and text.count("digit_") == 4
    with Image.open(png) as im:
        assert im.width > 8 * 128 and 128 < im.height < 200  # A, B, C, result, 4 neighbours, captions
    stored = restore_result(load_workspace(ws_copy), "arithmetic")
    assert len(stored.nearest) == 4
    assert main(["arithmetic", str(ws_copy), "7", "1", "11", "--json", "--no-save"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [r["index"] for r in out["nearest"]][:4] == stored.nearest.tolist()
    assert all(r["label"] in [str(d) for d in range(10)] and r["path"].endswith(".png") for r in out["nearest"])
    assert out["nearest_images"] is None  # no -o: no images
    ws = load_workspace(ws_copy)
    ws.latents.mean = ws.latents.mean[:, :8]  # retrained narrower: the stored result no longer fits
    assert restore_result(ws, "arithmetic") is None


@pytest.mark.parametrize("argv, message", [
    (["interpolate", "{ws}", "0", "5000"], "B: image index 5000 is out of range: the workspace has 1797 images"),
    (["interpolate", "{ws}", "nope.png", "1"], "A: 'nope.png' is not an image index"),
    (["interpolate", "{ws}", "0", "{notes}"], "B: cannot use"),
    (["interpolate", "{ws}", "0", "1", "-o", "{tmp}/x.jpg"], "write .gif or .png, not '.jpg'"),
    (["interpolate", "{ws}", "0", "1", "--steps", "1"], "steps must be a whole number from 2"),
    (["arithmetic", "{ws}", "0", "1", "2", "-o", "{tmp}/no/x.png"], "does not exist"),
    (["arithmetic", "{ws}", "0", "1", "2", "-o", "{tmp}/x.gif"], "write .png, not '.gif'"),
    (["sample", "{ws}", "--temperature", "0"], "temperature must be above 0"),
    (["sample", "{tmp}/missing.lexp"], "does not exist"),
])
def test_bad_input_is_a_one_line_error(ws_copy, tmp_path, capsys, argv, message):
    notes = tmp_path / "notes.png"
    notes.write_text("not an image")
    args = [a.format(ws=ws_copy, tmp=tmp_path, notes=notes) for a in argv]
    assert main(args) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("latent-explorer: error: ") and message in err and "\n" not in err


def test_a_workspace_of_embeddings_computes_but_cannot_draw(ws_copy, tmp_path, capsys):
    vectors = tmp_path / "z.npy"
    np.save(vectors, load_workspace(ws_copy).latents.mean[:300])
    emb = tmp_path / "emb.lexp"
    assert main(["train", str(vectors), "-o", str(emb), "--quiet"]) == 0
    capsys.readouterr()
    assert main(["interpolate", str(emb), "0", "1", "--method", "path", "--json", "--quiet"]) == 0
    assert json.loads(capsys.readouterr().out)["via"][0] == 0
    assert main(["sample", str(emb), "--n", "4", "--json", "--quiet"]) == 0
    assert json.loads(capsys.readouterr().out)["prior"] == "density"  # no model: no prior to trust
    assert main(["interpolate", str(emb), "0", "1", "-o", str(tmp_path / "x.gif")]) == 2
    assert "has no model" in capsys.readouterr().err
    assert restore_result(load_workspace(emb), "samples") is not None
