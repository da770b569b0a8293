"""Training over several processes (issue #17, item 4): `latent-explorer train` under torchrun
with two gloo processes against one process, on the same data and seed — the held-out MSE of
both, every epoch's held-out loss, and the wall time of each (one after the other, so neither
shares the cores with the other). Two processes on two cores are not faster: the figure is the
same model, not a speed-up. NCCL on CUDA runs the same code when a GPU server has several.

    .venv/bin/python benchmarks/bench_distributed.py [--quick]
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.common import fmt_s, row  # noqa: E402


def train(out: Path, kind: str, epochs: int, processes: int) -> float:
    args = ["train", "demo:digits", "--model", kind, "--epochs", str(epochs), "--latent-dim", "4",
            "--device", "cpu", "--quiet", "-o", str(out)]
    env = {k: v for k, v in os.environ.items() if k not in ("RANK", "WORLD_SIZE", "LOCAL_RANK")}
    if processes > 1:
        cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node",
               str(processes), str(ROOT / "main.py"), *args]
    else:
        cmd = [sys.executable, str(ROOT / "main.py"), *args, "--threads", "1"]
    t0 = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=out.parent, env=env, timeout=900)
    if done.returncode != 0:
        raise RuntimeError(f"{processes} process(es): {done.stderr[-2000:]}")
    return time.perf_counter() - t0


def figure_distributed(workdir, quick: bool) -> dict:
    from latent_explorer.workspace.session_file import load_workspace

    epochs = 3 if quick else 10
    work = Path(workdir or tempfile.mkdtemp(prefix="bench-ddp-"))
    rows, raw = [], {"epochs": epochs}
    for kind in ("ae", "vae"):
        seconds, report, history = {}, {}, {}
        for processes in (1, 2):
            path = work / f"{kind}-{processes}.lexp"
            seconds[processes] = train(path, kind, epochs, processes)
            ws = load_workspace(path)
            report[processes] = ws.report["recon_mse_val"]
            history[processes] = [h["val_loss"] for h in ws.train_state.history]
        worst = max(abs(a - b) / abs(b) for a, b in zip(history[2], history[1]))
        gap = (report[2] - report[1]) / report[1]
        raw[kind] = {"seconds": seconds, "recon_mse_val": report, "val_loss": history, "worst_epoch_rel": worst}
        # an autoencoder sees exactly the one-process batches; a VAE's processes draw their own noise
        tolerance = 1e-3 if kind == "ae" else 0.05
        rows.append(row(
            f"{kind.upper()} on demo:digits, {epochs} epochs: 2 gloo processes (torchrun, DDP) vs 1",
            f"1 process: held-out MSE {report[1]:.6f}, {fmt_s(seconds[1])}",
            f"2 processes: {report[2]:.6f}, {fmt_s(seconds[2])}", f"{gap:+.2%} MSE",
            f"within {tolerance:.1%}", abs(gap) <= tolerance, key=f"distributed_{kind}",
            note=f"every epoch's held-out loss within {worst:.1e} (relative); two processes share the "
                 f"machine's cores", gap=gap, worst_epoch=worst))
    return {"rows": rows, "raw": raw}


if __name__ == "__main__":
    import json

    result = figure_distributed(None, "--quick" in sys.argv)
    for r in result["rows"]:
        print(f"{r['figure']}: {r['ours']} (reference {r['reference']}; {r['ratio']})")
    print(json.dumps(result["raw"], indent=1, default=float))
