"""docs/benchmarks.md and docs/benchmarks.json from the figures' results."""
from __future__ import annotations

import json
from pathlib import Path

from benchmarks.why import explain

MARK = {True: "✅ met", False: "❌ missed", None: "—"}


def _cell(text) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _machine_line(m: dict) -> str:
    v = m.get("versions", {})
    gl = m.get("gl", {})
    gpu = f" · CUDA: {m['cuda_device']}" if m.get("cuda") else " · no CUDA GPU"
    return (f"{m.get('cpu_model', '?')} · {m.get('cores', '?')} cores · {m.get('ram_gib', '?')} GiB RAM · "
            f"{m.get('os', '?')} (Linux {m.get('kernel', '?')}) · Python {m.get('python', '?')} · "
            f"torch {v.get('torch')} · NumPy {v.get('numpy')} · Qt {m.get('qt')} (PySide6 "
            f"{v.get('PySide6-Essentials')}, pyqtgraph {v.get('pyqtgraph')}) · Qt platform "
            f"{m.get('qt_platform')} · OpenGL: {gl.get('renderer') or 'none'} ({gl.get('version') or '-'}) → map "
            f"renderer {m.get('map_renderer')}{gpu} · load average at start {m.get('load_average', ['?'])[0]:.2f}")


def _kind(meta: dict) -> str:
    rerun = [n for n in meta.get("ran", []) if n != "machine"]
    if len(rerun) < len(meta["figures"]) - 1:
        return (f"a {'quick ' if meta['quick'] else ''}rerun of {', '.join(rerun)} (rows from earlier runs are "
                "marked)")
    return "a **quick** run" if meta["quick"] else "the full suite"


def write(out: Path, results: dict, meta: dict, plots: list[str]) -> tuple[Path, Path]:
    """``results``: figure name → its result (rows, raw) or error; ``meta``: how the run went."""
    out.mkdir(parents=True, exist_ok=True)
    machine = results.get("machine", {}).get("raw", {})
    gpu = bool(machine.get("cuda"))
    json_path = out / "benchmarks.json"
    json_path.write_text(json.dumps({"meta": meta, "machine": machine, "figures": results}, indent=1,
                                    default=float) + "\n")
    head = ["figure", "reference (same run)", "ours", "ratio", "target", "met?"] + (["GPU (CUDA)"] if gpu else [])
    lines = [
        "# Benchmarks",
        "",
        f"Written by `{meta['command']}` on {meta['date']} (commit {meta['commit']}), {_kind(meta)}: "
        f"{meta['seconds'] / 60:.1f} minutes.",
        "",
        f"**Machine:** {_machine_line(machine)}." if machine else "**Machine:** not described (that figure failed).",
        "",
        "Every figure is a ratio against a reference measured in the same run, or a latency distribution "
        "(median, p95) over many repetitions. Absolute times are this machine's, on this day: the machine "
        "is shared, so compare ratios. Raw numbers: [benchmarks.json](benchmarks.json).",
        "",
        "| " + " | ".join(head) + " |",
        "|" + "---|" * len(head),
    ]
    misses, notes = [], []
    for name, result in results.items():
        if name == "machine":
            continue
        if "error" in result:
            cells = [f"**{name}**: failed", "—", _cell(result["error"])[:200], "—", "—", "❌ error"]
            lines.append("| " + " | ".join(cells + (["—"] if gpu else [])) + " |")
            misses.append(f"- **{name}** did not finish: `{_cell(result['error'])[:300]}` "
                          f"(log: {result.get('log', 'n/a')}).")
            continue
        earlier = "" if name in meta.get("ran", [name]) else \
            f" *(earlier run, {result.get('date', '?')}{', quick' if result.get('quick') else ''})*"
        for r in result.get("rows", []):
            cells = [r["figure"] + earlier, r["reference"], r["ours"], r["ratio"], r["target"], MARK[r["met"]]]
            if gpu:
                g = r.get("gpu")
                cells.append("—" if not g else f"{g['ours']} · {g['ratio']} · {MARK[g.get('met')]}"
                             + (f" ({g['note']})" if g.get("note") else ""))
            lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
            if r.get("note"):
                notes.append(f"- {r['figure']}: {r['note']}.")
            if r["met"] is False:
                misses.append(f"- **{r['figure']}** — {r['ours']} against a target of {r['target']}. "
                              + explain(r, result.get("raw", {})))
    lines += ["", "## Misses: by how much, and why", ""]
    lines += misses or ["None in this run."]
    lines += ["", "## Notes on the figures", ""] + notes
    stall = results.get("stall", {}).get("raw", {})
    dumps = stall.get("py_spy_dumps") or []
    if dumps:
        lines += ["", "### The GUI thread during stalls (py-spy dump --nonblocking, taken while the heartbeat "
                  "was late)", ""]
        for d in dumps:
            lines += [f"Heartbeat {d['late_ms_when_started']} ms late when the dump started:", "", "```",
                      d["gui_thread"].strip(), "```", ""]
    if plots:
        lines += ["", "## How the cost grows", ""]
        lines += [f"![{Path(p).stem}]({Path(p).relative_to(out).as_posix()})" for p in plots]
    lines += ["", "## Running it", "", "```bash",
              ".venv/bin/python benchmarks/run.py            # the whole suite (over half an hour on 2 cores)",
              ".venv/bin/python benchmarks/run.py --quick    # the same figures, smaller (under 3 minutes)",
              ".venv/bin/python benchmarks/run.py --quick --only cold_start   # one or more figures",
              "```", "",
              "Each figure runs in its own process (a crash is reported, not fatal); the map figures under "
              "Xvfb with Mesa, which `run.py` starts itself when there is no display. With a CUDA GPU a "
              "column for it appears. Figures: " + ", ".join(f"`{n}`" for n in meta["figures"]) + "."]
    if meta.get("quick"):
        lines += ["", "*Quick run*: fewer points, images and repetitions than the full suite (the million-point "
                  "figure uses 40,000 points and exact search); its numbers are a smoke test, not the report."]
    md_path = out / "benchmarks.md"
    md_path.write_text("\n".join(lines) + "\n")
    return md_path, json_path
