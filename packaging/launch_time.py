"""Launch time: seconds from starting the app to its window first being exposed.

    python3 packaging/launch_time.py [--runs 5] [--max SECONDS] COMMAND [ARG...]

Runs COMMAND (e.g. dist/latent-explorer/latent-explorer) with LATENT_EXPLORER_FIRST_WINDOW=1,
which makes the app print the wall-clock time of its first Expose event and quit, and prints
one JSON line: every run and the median. The first run may read the files from disk; the
median is the figure for a warm start. Under no display the window is drawn off screen.
With --max, exits 1 when the median is above it. Standard library only."""
from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time


def one_launch(command: list[str]) -> float:
    env = {**os.environ, "LATENT_EXPLORER_FIRST_WINDOW": "1"}
    if not any(env.get(v) for v in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")):
        env["QT_QPA_PLATFORM"] = "offscreen"
    start = time.time()
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    shown = re.search(r"first window at ([0-9.]+)", done.stdout)
    if not shown:
        raise SystemExit(f"launch_time: no window reported (exit {done.returncode}): {done.stderr.strip()[-500:]}")
    return float(shown.group(1)) - start


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--max", type=float, default=None, help="fail when the median is above this")
    p.add_argument("command", nargs=argparse.REMAINDER)
    args = p.parse_args()
    if not args.command:
        p.error("give the command that starts the app")
    runs = [round(one_launch(args.command), 3) for _ in range(args.runs)]
    median = statistics.median(runs)
    print(json.dumps({"launch_to_first_window_s": {"median": round(median, 3), "runs": runs}}))
    return 1 if args.max is not None and median > args.max else 0


if __name__ == "__main__":
    sys.exit(main())
