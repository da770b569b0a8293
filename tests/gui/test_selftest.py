"""`latent-explorer selftest` in a fresh process, as CI and the frozen bundle run it."""
from __future__ import annotations

import json
import os
import subprocess
import sys


def test_selftest_passes_every_step_prints_one_json_line_and_leaves_no_files(tmp_path):
    temp = tmp_path / "temp"  # its own temporary folder, to see what is left in it
    temp.mkdir()
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", HOME=str(tmp_path), TMPDIR=str(temp))
    proc = subprocess.run([sys.executable, "-m", "latent_explorer.launcher", "selftest"],
                          capture_output=True, text=True, env=env, timeout=600)
    lines = [ln for ln in proc.stdout.splitlines() if ln.strip()]
    assert len(lines) == 1, proc.stdout + proc.stderr
    report = json.loads(lines[0])
    assert proc.returncode == 0, report
    assert report["selftest"] == "passed"
    steps = {s["step"]: s for s in report["steps"]}
    assert list(steps) == ["window", "train", "umap", "decode", "slider", "save_reopen"]
    assert steps["train"]["images"] == 1797 and steps["save_reopen"]["map"] == "umap"
    assert 0.0 <= steps["decode"]["confidence"] <= 1.0 and steps["slider"]["moved"] > 0
    assert not [p.name for p in temp.iterdir() if p.name.startswith("lexp-selftest-")]
