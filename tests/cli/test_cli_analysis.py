"""The analysis commands on a real trained workspace: results printed and stored back."""
from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from latent_explorer.cli import main
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
