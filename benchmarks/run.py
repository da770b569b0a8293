"""The benchmark suite: every figure in its own process, one report.

    .venv/bin/python benchmarks/run.py [--quick] [--only NAME,...] [--out docs/]

writes OUT/benchmarks.md (figure, reference, ours, ratio, target, met?), OUT/benchmarks.json (raw
numbers and the machine) and OUT/benchmarks/*.png. Without a display it runs itself again under
Xvfb (`xvfb-run`), as scripts/test.sh does, so the map is drawn through a real X server with
Mesa. ``--only`` reruns some figures and keeps the others' last results (marked with their date).
Full suite: over half an hour on 2 cores (the growth curves alone about 20 minutes)."""
from __future__ import annotations

import argparse
import datetime
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.figures import BY_NAME, FIGURES, timeout_for  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
XVFB_ARGS = ["xvfb-run", "-a", "-s", "-screen 0 1280x1024x24"]


def ensure_display(argv: list[str]) -> None:
    """Re-run this command under Xvfb when there is no display (once)."""
    if os.environ.get("DISPLAY") or os.environ.get("BENCH_UNDER_XVFB") or not shutil.which("xvfb-run"):
        return
    os.environ["BENCH_UNDER_XVFB"] = "1"
    os.execvp("xvfb-run", [*XVFB_ARGS, sys.executable, str(Path(__file__).resolve()), *argv])


def git_commit() -> str:
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                              text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                               capture_output=True, text=True, timeout=10).stdout.strip()
        return head + ("+changes" if dirty else "") if head else "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def run_figure(name: str, workdir: Path, quick: bool, env: dict) -> dict:
    out = workdir / f"{name}.json"
    log = workdir / "logs" / f"{name}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, str(ROOT / "benchmarks" / "figures.py"), name, "--workdir", str(workdir),
           "--json", str(out)] + (["--quick"] if quick else [])
    limit = timeout_for(BY_NAME[name], quick)
    t0 = time.perf_counter()
    with open(log, "w") as f:
        proc = subprocess.Popen(cmd, stdout=f, stderr=subprocess.STDOUT, env=env, cwd=ROOT, start_new_session=True)
        try:
            code = proc.wait(limit)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            code = None
    took = round(time.perf_counter() - t0, 1)
    if code is None:
        result = {"error": f"timed out after {limit} s"}
    elif not out.exists():
        tail = log.read_text(errors="replace").strip().splitlines()[-3:]
        result = {"error": f"crashed (exit status {code}): {' / '.join(tail)}"}
    else:
        result = json.loads(out.read_text())
    if "error" in result:
        result["log"] = str(log)
    result["wall_s"] = took
    result["quick"] = quick
    result["date"] = datetime.date.today().isoformat()
    return result


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description="Run the benchmark suite and write the report.")
    ap.add_argument("--quick", action="store_true", help="smaller sizes and fewer repetitions (under 3 minutes)")
    ap.add_argument("--only", default="", help="comma-separated figures: " + ",".join(BY_NAME))
    ap.add_argument("--out", type=Path, default=ROOT / "docs", help="where the report goes (default docs/)")
    args = ap.parse_args(argv)
    names = [n.strip() for n in args.only.split(",") if n.strip()] or [f.name for f in FIGURES]
    unknown = [n for n in names if n not in BY_NAME]
    if unknown:
        ap.error(f"unknown figure(s) {', '.join(unknown)}: choose from {', '.join(BY_NAME)}")
    ensure_display(argv)
    if "machine" not in names:
        names.insert(0, "machine")
    workdir = Path(tempfile.mkdtemp(prefix="latent-explorer-bench-"))
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "XDG_CONFIG_HOME": str(workdir / "config"),
           "LATENT_EXPLORER_CACHE_DIR": str(workdir / "cache"),
           "QT_QPA_PLATFORM": "xcb" if os.environ.get("DISPLAY") else "offscreen"}
    print(f"benchmarks: {', '.join(names)}{' (quick)' if args.quick else ''}; work folder {workdir}", flush=True)
    start = time.perf_counter()
    results: dict = {}
    previous = args.out / "benchmarks.json"
    if args.only and previous.exists():
        try:
            results = json.loads(previous.read_text()).get("figures", {})
        except (OSError, ValueError):
            results = {}
    for name in names:
        result = run_figure(name, workdir, args.quick, env)
        results[name] = result
        status = f"failed: {result['error']}" if "error" in result else \
            "; ".join(f"{r['ours']} ({'met' if r['met'] else 'MISSED' if r['met'] is False else 'no target'})"
                      for r in result.get("rows", [])) or "described"
        print(f"[{time.perf_counter() - start:6.0f} s] {name:<13} {result['wall_s']:6.1f} s  {status}", flush=True)
    order = [f.name for f in FIGURES]
    results = {k: results[k] for k in sorted(results, key=lambda k: order.index(k) if k in order else 99)}
    from benchmarks import report

    command = "benchmarks/run.py" + (" --quick" if args.quick else "") + (f" --only {args.only}" if args.only else "")
    meta = {"command": command,
            "date": datetime.datetime.now().strftime("%Y-%m-%d %H:%M"), "commit": git_commit(),
            "quick": args.quick, "figures": order, "ran": names, "workdir": str(workdir)}
    meta["seconds"] = time.perf_counter() - start
    report.write(args.out, results, meta, [])
    plots = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "plots.py"), str(args.out / "benchmarks.json"),
                            str(args.out / "benchmarks")], capture_output=True, text=True, env=env, timeout=120)
    pngs = [line for line in plots.stdout.splitlines() if line.endswith(".png")]
    if plots.returncode != 0:
        print(f"plots failed: {plots.stderr[-500:]}", file=sys.stderr)
    growth_png = args.out / "benchmarks" / "growth.png"  # drawn by the growth figure itself
    if "growth" in results and growth_png.exists():
        pngs.append(str(growth_png))
    meta["seconds"] = time.perf_counter() - start
    md, js = report.write(args.out, results, meta, pngs)
    missed = sum(1 for r in results.values() for row in r.get("rows", []) if row["met"] is False)
    failed = sum(1 for r in results.values() if "error" in r)
    print(f"wrote {md}, {js} and {len(pngs)} plots in {meta['seconds'] / 60:.1f} min: "
          f"{missed} target(s) missed, {failed} figure(s) failed", flush=True)
    if failed:
        print(f"logs of the failed figures are in {workdir / 'logs'}", flush=True)
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
