"""Catch the GUI thread in the act: run a child that writes its heartbeat time into a small
shared file, and whenever the heartbeat is late by more than `LATE_S` while the child says it
is training, take a `py-spy dump --nonblocking` of it (the child is not paused, so the dump
does not lengthen the stall it reports). py-spy is not a dependency of the project: it is
looked for on PATH, in $BENCH_PY_SPY, or in a venv under /tmp (`python -m venv /tmp/pyspy-venv
&& /tmp/pyspy-venv/bin/pip install py-spy`); without it the stalls are measured all the same."""
from __future__ import annotations

import glob
import json
import mmap
import os
import shutil
import struct
import subprocess
import time
from pathlib import Path

LATE_S = 0.06
MAX_DUMPS = 6


def find_py_spy() -> str | None:
    for candidate in (os.environ.get("BENCH_PY_SPY"), shutil.which("py-spy"),
                      *sorted(glob.glob("/tmp/*/bin/py-spy"))):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


def gui_thread_stack(dump: str) -> str:
    """The main thread's part of a py-spy dump (the GUI thread in a Qt app)."""
    blocks, current = [], []
    for line in dump.splitlines():
        if line.startswith("Thread ") and current:
            blocks.append(current)
            current = []
        current.append(line)
    blocks.append(current)
    main = [b for b in blocks if b and b[0].startswith("Thread ") and "MainThread" in b[0]]
    return "\n".join((main or blocks)[0])


def other_threads(dump: str) -> str:
    """The busy threads other than the GUI thread (the one holding the GIL while the GUI thread
    waits for it shows here)."""
    blocks = dump.split("\nThread ")
    busy = [b for b in blocks[1:] if "MainThread" not in b.splitlines()[0] and "(idle)" not in b.splitlines()[0]]
    return "\n".join("Thread " + b for b in busy)[:6000]


def run_watched(cmd: list[str], workdir: Path, limit_s: float) -> tuple[dict, list[dict]]:
    """Run ``cmd + [beat_file, out_json]``; returns (the child's JSON result, dumps taken)."""
    beat_file, out = workdir / "stall.beat", workdir / "stall.json"
    beat_file.write_bytes(b"\0" * 16)
    out.unlink(missing_ok=True)
    spy = find_py_spy()
    proc = subprocess.Popen([*cmd, str(beat_file), str(out)])
    dumps: list[dict] = []
    with open(beat_file, "r+b") as f:
        beat = mmap.mmap(f.fileno(), 16)
        deadline = time.monotonic() + limit_s
        while proc.poll() is None:
            if time.monotonic() > deadline:
                proc.kill()
                raise TimeoutError(f"the training window did not finish within {limit_s:.0f} s")
            last, training = struct.unpack("dd", beat[:16])
            late = time.monotonic() - last
            if spy and training and late > LATE_S and len(dumps) < MAX_DUMPS:
                t0 = time.monotonic()
                res = subprocess.run([spy, "dump", "--nonblocking", "--pid", str(proc.pid)],
                                     capture_output=True, text=True, timeout=30)
                still = struct.unpack("d", beat[:8])[0] == last
                dumps.append({"late_ms_when_started": round(late * 1e3), "dump_took_ms":
                              round((time.monotonic() - t0) * 1e3), "stall_still_on_after_dump": still,
                              "gui_thread": gui_thread_stack(res.stdout) if res.returncode == 0 else res.stderr[-800:],
                              "other_threads": other_threads(res.stdout) if res.returncode == 0 else ""})
                while struct.unpack("d", beat[:8])[0] == last and proc.poll() is None:
                    time.sleep(0.002)  # one dump per stall
            time.sleep(0.003)
    if proc.returncode != 0 or not out.exists():
        raise RuntimeError(f"the training window exited with status {proc.returncode}")
    result = json.loads(out.read_text())
    result["py_spy"] = spy or "not found: the stalls are measured, not profiled"
    return result, dumps
