"""Build the workspace the app opens on its first launch: resources/demo/digits.lexp.

A 16-d VAE trained on the built-in digits (seed 0, default plan), its UMAP map, the attribute
directions with their scores, the anomalies and the clusters — everything the window shows, so
the first launch draws a populated map at once instead of training for a minute. Deterministic
up to torch/numba's floating point; rebuild it when the workspace format or the model changes
(tests/gui/test_first_run.py fails when the shipped file no longer opens):

    .venv/bin/python scripts/make_demo_workspace.py
"""
from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from latent_explorer.cli.main import main as cli  # noqa: E402

TARGET = ROOT / "resources" / "demo" / "digits.lexp"


def run(*argv: str) -> None:
    code = cli(list(argv))
    if code != 0:
        raise SystemExit(f"latent-explorer {' '.join(argv)} failed ({code})")


def slim(path: str) -> None:
    """Drop what only resuming the exact optimisation needs (Adam's moments, the best epoch's
    copy of the weights): 2.8 MB → 0.9 MB. Resume still works, with a fresh optimizer."""
    from latent_explorer.workspace.session_file import load_workspace, save_workspace

    ws = load_workspace(path)
    ws.train_state.optimizer = None
    ws.train_state.best_model = None
    save_workspace(path, ws)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        ws = os.path.join(tmp, "digits.lexp")
        run("train", "demo:digits", "-o", ws, "--seed", "0", "--quiet")
        run("project", ws, "--method", "umap", "--dim", "2")
        run("directions", ws)
        run("anomalies", ws, "--top", "20")
        slim(ws)
        TARGET.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ws, TARGET)
    print(f"{TARGET} ({TARGET.stat().st_size / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()
