"""The `latent-explorer` command as a user runs it."""
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from latent_explorer.cli.main import main


def make_folder(root: Path) -> Path:
    rng = np.random.default_rng(0)
    for label in ("circles", "squares"):
        (root / label).mkdir(parents=True)
        for i in range(10):
            img = np.zeros((40, 40), np.uint8)
            c, r = rng.integers(12, 28, 2), int(rng.integers(5, 10))
            yy, xx = np.mgrid[:40, :40]
            if label == "circles":
                img[(yy - c[0]) ** 2 + (xx - c[1]) ** 2 <= r * r] = 255
            else:
                img[c[0] - r : c[0] + r, c[1] - r : c[1] + r] = 255
            Image.fromarray(img).save(root / label / f"{i}.png")
    (root / "squares" / "empty.png").write_bytes(b"")
    (root / "circles" / "notes.jpg").write_text("not really a picture")
    (root / "attributes.csv").write_text(
        "path,brightness,kind\n" + "".join(f"circles/{i}.png,{i / 10},round\n" for i in range(10))
    )
    return root


def test_scan_json_lists_images_skips_labels_and_attributes(tmp_path, capsys):
    root = make_folder(tmp_path / "imgs")
    assert main(["scan", str(root), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["n_images"] == 20 and out["n_skipped"] == 2
    reasons = {Path(s["path"]).name: s["reason"] for s in out["skipped"]}
    assert "empty" in reasons["empty.png"] and "not an image" in reasons["notes.jpg"]
    assert out["labels"] == ["circles", "squares"]
    assert out["attributes"] == ["brightness"] and "kind" in out["categories"]
    assert out["color"] == "grey"


def test_train_report_export_round_trip(tmp_path, capsys):
    root = make_folder(tmp_path / "imgs")
    ws = tmp_path / "run.lexp"
    assert main(["train", str(root), "-o", str(ws), "--epochs", "2", "--latent-dim", "4",
                 "--image-size", "16", "--lr", "0.003", "--lr-schedule", "decay", "--quiet"]) == 0
    assert ws.exists()
    capsys.readouterr()
    assert main(["report", str(ws), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["learning_rate"], report["lr_schedule"]) == (0.003, "decay")
    assert report["n_images"] == 20 and report["n_skipped"] == 2 and report["latent_dim"] == 4
    assert report["epochs_run"] == 2 and report["image_size"] == 16
    assert set(report["attribute_r2"]) == {"brightness"}
    assert report["labels"] == ["circles", "squares"]

    assert main(["export", str(ws), "--latents", str(tmp_path / "z.npy")]) == 0
    z = np.load(tmp_path / "z.npy")
    assert z.shape == (20, 4)
    meta = (tmp_path / "z.meta.csv").read_text()
    assert "circles/0.png" in meta and "squares" in meta
    assert main(["export", str(ws), "--latents", str(tmp_path / "z.csv")]) == 0
    assert (tmp_path / "z.csv").read_text().splitlines()[0].startswith("path,label")


@pytest.mark.parametrize(
    "argv, words",
    [
        (["scan", "/no/such/dir"], "not a folder"),
        (["train", "/no/such/dir", "-o", "{tmp}/x.lexp"], "no such folder"),
        (["train", "demo:nope", "-o", "{tmp}/x.lexp"], "unknown demo"),
        (["train", "demo:digits", "-o", "/no/such/dir/x.lexp"], "does not exist"),
        (["train", "demo:digits", "-o", "{tmp}/x.lexp", "--latent-dim", "1"], "latent width"),
        (["report", "{tmp}/garbage.lexp"], "not a Latent Explorer workspace"),
        (["report", "{tmp}/missing.lexp"], "missing.lexp"),
        (["export", "{tmp}/garbage.lexp", "--latents", "{tmp}/z.txt"], "workspace"),
    ],
)
def test_user_mistakes_are_one_clear_line_and_a_nonzero_exit(tmp_path, capsys, argv, words):
    (tmp_path / "garbage.lexp").write_bytes(b"this is not a zip file at all")
    code = main([a.replace("{tmp}", str(tmp_path)) for a in argv])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert err.startswith("latent-explorer: error:") and "\n" not in err
    assert words in err
    assert "Traceback" not in err


def test_ctrl_c_stops_training_cleanly_and_still_saves(tmp_path):
    ws = tmp_path / "stopped.lexp"
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    proc = subprocess.Popen(
        [sys.executable, "-m", "latent_explorer", "train", "demo:digits", "-o", str(ws), "--epochs", "200"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )
    deadline = time.monotonic() + 120
    seen = []
    for line in proc.stderr:
        seen.append(line)
        if "epoch 1/" in line or time.monotonic() > deadline:  # training has started
            break
    proc.send_signal(signal.SIGINT)
    out, rest = proc.communicate(timeout=120)
    err = "".join(seen) + rest
    assert proc.returncode == 0, err
    assert "stopping after this batch" in err and "saved" in err
    assert main(["report", str(ws), "--json"]) == 0
    from latent_explorer.workspace.session_file import load_workspace

    back = load_workspace(ws)
    assert back.train_status == "cancelled" and back.train_state.epoch < 200
    assert back.train_state.epoch > 0 or back.train_state.step > 0
    assert main(["resume", str(ws), "--epochs", "1", "--quiet"]) == 0
    assert load_workspace(ws).train_state.epoch == back.train_state.epoch + 1


def test_console_script_and_main_py_run(tmp_path):
    exe = Path(sys.executable).with_name("latent-explorer")
    out = subprocess.run([str(exe), "--version"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and "latent-explorer" in out.stdout
    root = Path(__file__).resolve().parents[2]
    res = subprocess.run(
        [sys.executable, str(root / "main.py"), "--headless-demo", "--epochs", "1", "--latent-dim", "2"],
        capture_output=True, text=True, timeout=300, cwd=tmp_path,
    )
    assert res.returncode == 0, res.stderr
    report = json.loads(res.stdout.strip().splitlines()[-1])
    assert report["n_images"] == 1797 and report["latent_dim"] == 2


def test_a_path_opens_the_window_and_a_name_that_is_neither_says_so(capsys):
    from latent_explorer import launcher
    from latent_explorer.cli.main import build_parser

    commands = next(a for a in build_parser()._actions if a.dest == "command").choices
    assert set(commands) | {"selftest"} == set(launcher.SUBCOMMANDS)  # the launcher knows every command
    assert launcher.run(["no-such-photos"]) == 2
    err = capsys.readouterr().err
    assert "'no-such-photos' is neither a command" in err and "nor a file or folder" in err
