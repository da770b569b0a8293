"""A short soak of the real window (scripts/reliability/soak.py, in its own process): cycles of
reopen, PCA/t-SNE/UMAP maps, hover moves, slider drags, atlas, images as points, generate and
save must not grow memory, threads or file handles, leave work running, or print a warning.
docs/reliability.md has the 30-minute figures."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_a_short_soak_grows_nothing_and_prints_no_warning(tmp_path):
    out = tmp_path / "soak.json"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    run = subprocess.run([sys.executable, str(ROOT / "scripts" / "reliability" / "soak.py"),
                          "--cycles", "4", "--n", "150", "--json", str(out)],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stderr[-3000:]
    summary = json.loads(out.read_text())["summary"]
    print(json.dumps(summary))
    assert summary["cycles"] == 4
    assert summary["rss_growth_after_second_cycle_mb"] < 50
    assert summary["threads_growth"] == 0 and summary["fds_growth"] <= 2
    assert summary["workers_running_at_end"] == 0
    assert summary["python_warnings"] == [] and summary["qt_warnings"] == []
