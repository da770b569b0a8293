"""The analysis commands on a real trained workspace: results printed and stored back."""
from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from latent_explorer.cli.main import main
from latent_explorer.workspace.session_file import load_workspace


@pytest.fixture
def ws_copy(saved_digits_workspace, tmp_path):
    path = tmp_path / "digits.lexp"
    shutil.copy(saved_digits_workspace, path)
    return path


def test_directions_json_scores_every_direction_and_saves_them(ws_copy, capsys):
    assert main(["directions", str(ws_copy), "--json", "--quiet", "--walks", "8"]) == 0
    rows = json.loads(capsys.readouterr().out)
    names = [r["name"] for r in rows]
    assert "toward 0" in names and "PC1" in names and any(n.startswith("z") for n in names)
    for r in rows:
        assert r["score"] is not None and -1 <= r["monotonicity"]["spearman"] <= 1
        assert r["monotonicity"]["moved"] >= 0
    pcs = [r for r in rows if r["kind"] == "pca"]
    assert np.mean([r["monotonicity"]["spearman"] for r in pcs]) > 0.9  # the decoder honours them
    ws = load_workspace(ws_copy)
    assert [d["name"] for d in ws.extra_meta["directions"]] == names
    assert ws.extra_arrays["directions"].shape == (len(rows), 16)


def test_directions_text_and_a_workspace_without_decoder(ws_copy, tmp_path, capsys):
    assert main(["directions", str(ws_copy), "--quiet", "--walks", "4", "--no-save"]) == 0
    out = capsys.readouterr().out
    assert "toward 3" in out and "monotonicity" in out
    assert "directions" not in load_workspace(ws_copy).extra_meta
    assert main(["directions", str(tmp_path / "missing.lexp")]) == 2


def test_report_json_has_the_diagnostics_a_person_acts_on(ws_copy, capsys):
    assert main(["report", str(ws_copy), "--json"]) == 0
    r = json.loads(capsys.readouterr().out)
    assert r["fit_verdict"]["verdict"] in ("underfitting", "overfitting", "good fit")
    assert r["fit_verdict"]["reason"]
    assert 10 < r["psnr"]["val"] < 40 and r["compression_ratio"] == 16.0  # 16×16 px → 16 values
    assert 0.7 < r["trustworthiness"]["pca-2d"] <= 1 and 0.7 < r["continuity"]["pca-2d"] <= 1
    assert r["clusters"]["count"] == 10 and r["clusters"]["purity"] > 0.5  # well above 0.1 chance
    assert r["topology"]["components"] >= 1 and r["topology"]["loops"] >= 0
    assert len(r["kl_per_dimension"]) == 16


def test_project_stores_the_map_and_writes_coordinates(ws_copy, tmp_path, capsys):
    out = tmp_path / "tsne.csv"
    assert main(["project", str(ws_copy), "--method", "tsne", "-o", str(out), "--quiet"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["method"] == "tsne" and summary["n_points"] == 1797
    assert summary["trustworthiness"] > 0.9  # t-SNE keeps neighbourhoods
    lines = out.read_text().splitlines()
    assert lines[0] == "index,path,label,map_x,map_y" and len(lines) == 1798
    ws = load_workspace(ws_copy)
    assert ws.extra_meta["map"]["method"] == "tsne"
    assert main(["report", str(ws_copy), "--json"]) == 0
    r = json.loads(capsys.readouterr().out)
    assert set(r["trustworthiness"]) == {"pca-2d", "tsne-2d"}
    assert r["trustworthiness"]["tsne-2d"] > r["trustworthiness"]["pca-2d"]


def test_anomalies_lists_the_most_unusual_images_with_reasons(ws_copy, capsys):
    assert main(["anomalies", str(ws_copy), "--top", "7", "--json", "--quiet"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 7
    assert [r["combined"] for r in rows] == sorted((r["combined"] for r in rows), reverse=True)
    assert all(r["combined"] > 98 and r["reason"] and r["path"].endswith(".png") for r in rows)
    ws = load_workspace(ws_copy)
    err = ws.latents.recon_error
    worst = int(np.argmax(err))
    assert worst in [r["index"] for r in rows]  # the worst-reconstructed image is among them
    assert ws.extra_arrays["anomalies.combined"].shape == (1797,)
    # stored as the app's Insights dock lists them, so opening the workspace shows the list
    assert [r["index"] for r in ws.extra_meta["anomalies"]["top"]] == [r["index"] for r in rows]
    assert main(["anomalies", str(ws_copy), "--top", "0"]) == 2
