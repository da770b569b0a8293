"""A long session in the real window, scripted: does memory, threads or file handles grow?

    .venv/bin/python scripts/reliability/soak.py [--minutes 30 | --cycles N] [--folder DIR]
        [--n 400] [--json out.json]

Runs the window off screen in this process, started as the app starts it (its background warm-up,
and with it garbage collection from the GUI thread, `gui.threads.gc_guard`). The first cycle opens a folder of photo-like crops
(built with benchmarks/photo_folder.py unless --folder is given), trains a small model on it and
saves it; every later cycle reopens that workspace and then, as a user would: computes PCA,
t-SNE and UMAP maps, moves the mouse over the map (10,000 moves over the whole session), drags
sliders, turns the decoded atlas and images-as-points on and off, draws prior samples, an
interpolation and an arithmetic result, and saves. After each cycle it records the resident
memory (VmRSS; with --trim, again after glibc returns its free pages), the process's threads, its open file descriptors and the worker threads still
running. Python warnings (those the default filters would print) and Qt warnings are counted. Prints one line per cycle and, at the end,
the growth after the first cycle; --json writes every figure. Linux only (/proc).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
TOTAL_HOVERS = 10_000


def rss_mb() -> float:
    status = Path("/proc/self/status").read_text()
    return next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")) / 1024


def trimmed_rss() -> dict:
    """VmRSS after glibc hands its free heap pages back (what is still in use, without the
    allocator's kept pages) and how long that took; {} where the C library cannot."""
    from latent_explorer.infra.memory import release_free_memory

    start = time.perf_counter()
    if not release_free_memory():
        return {}
    return {"rss_trimmed_mb": rss_mb(), "trim_ms": round((time.perf_counter() - start) * 1000, 2)}


def proc_figures() -> dict:
    return {"rss_mb": rss_mb(), "threads": len(os.listdir("/proc/self/task")),
            "fds": len(os.listdir("/proc/self/fd"))}


class Driver:
    def __init__(self, window, app) -> None:
        self.w, self.app = window, app

    def pump(self, seconds: float = 0.0) -> None:
        end = time.perf_counter() + seconds
        while True:
            self.app.processEvents()
            if time.perf_counter() >= end:
                return
            time.sleep(0.005)

    def idle(self, timeout: float = 600.0) -> None:
        """Until no task of the window runs (a task that fails raises: a soak must not hide it)."""
        end = time.perf_counter() + timeout
        runners = [self.w.runner, self.w.direction_actions.runner]
        while any(r.running_threads() for r in runners):
            if time.perf_counter() > end:
                raise TimeoutError("a task did not finish")
            self.pump(0.02)
        self.pump(0.05)

    def hover(self, moves: int) -> None:
        from PySide6.QtCore import QEvent, QPointF, Qt
        from PySide6.QtGui import QMouseEvent

        view = self.w.map_view.viewport()
        rng = __import__("numpy").random.default_rng(moves)
        for i in range(moves):
            pos = QPointF(rng.uniform(5, view.width() - 5), rng.uniform(5, view.height() - 5))
            event = QMouseEvent(QEvent.Type.MouseMove, pos, view.mapToGlobal(pos), Qt.MouseButton.NoButton,
                                Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier)
            self.app.sendEvent(view, event)
            if i % 20 == 0:
                self.pump()

    def drag_sliders(self) -> None:
        s, steering = self.w.session, self.w.steering
        s.select(3 % max(s.n_points, 1))
        for k in range(min(3, len(steering.directions))):
            for v in range(-20, 21, 2):
                steering.set_strength(k, v / 10)
                self.pump()
        steering.reset()

    def cycle(self, first: bool, folder: str, path: str, hovers: int) -> None:
        from latent_explorer.session.generate import SLOTS

        w = self.w
        if first:
            w.files.open_folder(folder)
            self.idle()
            w.model_panel.form.epochs.setValue(3)
            w.start_training()
            self.idle()
        else:
            w.open_workspace(path)
            self.idle()
        for method in ("pca", "tsne", "umap"):
            w.compute_map(method)
            self.idle()
            self.hover(hovers // 3)
        self.drag_sliders()
        self.idle()
        w.atlas_action.trigger()
        self.pump(0.5)
        self.idle()
        w.atlas_action.trigger()
        views = w.views
        views.thumbnails_action.trigger()
        self.pump(0.3)
        views.thumbnails_action.trigger()
        for slot, index in zip(SLOTS, (1, 2, 3, 1, 2, 3)):
            w.session.select(index)
            w.generate.pick(slot)
        for start in (lambda: w.generate.sample(16), lambda: w.generate.interpolate("linear", 8),
                      lambda: w.generate.arithmetic(4)):
            start()
            self.idle()
        if not w.files.save_to(path):
            raise RuntimeError("the workspace was not saved")
        self.idle()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--minutes", type=float, default=30.0)
    p.add_argument("--cycles", type=int, default=None, help="run exactly this many cycles instead")
    p.add_argument("--folder", default=None, help="an image folder (default: 400 photo crops, built once)")
    p.add_argument("--n", type=int, default=400, help="images in the built folder")
    p.add_argument("--json", default=None)
    p.add_argument("--trim", action="store_true",
                   help="after each cycle's figures, also VmRSS after malloc_trim (a diagnosis: it changes later cycles' RSS)")
    args = p.parse_args(argv)

    from PySide6.QtCore import QtMsgType, qInstallMessageHandler

    from latent_explorer.gui.app import make_app, start_warm_up
    from latent_explorer.gui.main_window import MainWindow

    work = Path(tempfile.mkdtemp(prefix="lexp-soak-"))
    folder = args.folder
    if folder is None:
        from benchmarks.photo_folder import build

        folder = str(build(work / "photos", args.n))
    qt_warnings: list[str] = []

    def on_qt_message(kind, _context, message) -> None:
        if kind in (QtMsgType.QtWarningMsg, QtMsgType.QtCriticalMsg, QtMsgType.QtFatalMsg) \
                and "propagateSizeHints" not in message:  # the offscreen platform's own notice
            qt_warnings.append(message)

    qInstallMessageHandler(on_qt_message)
    app = make_app()
    window = MainWindow()
    window.ask_before_discarding = False
    window.resize(1280, 800)
    window.show()
    warm_up = start_warm_up(window)  # as the app starts: with it, its garbage collection regime
    driver = Driver(window, app)
    while warm_up.is_alive():
        driver.pump(0.05)
    path = str(work / "soak.lexp")
    rows, start = [], time.perf_counter()
    with warnings.catch_warnings(record=True) as py_warnings:  # what would be printed: default filters
        cycles_planned = args.cycles or max(2, int(args.minutes / 1.5))
        cycle = 0
        while (cycle < args.cycles) if args.cycles else \
                (cycle < 2 or time.perf_counter() - start < args.minutes * 60):
            t0 = time.perf_counter()
            driver.cycle(cycle == 0, folder, path, max(30, TOTAL_HOVERS // cycles_planned))
            row = {"cycle": cycle + 1, "seconds": round(time.perf_counter() - t0, 1),
                   "elapsed_min": round((time.perf_counter() - start) / 60, 2), **proc_figures(),
                   **(trimmed_rss() if args.trim else {}),
                   "workers_running": window.runner.running_threads(),
                   "warnings": len(py_warnings) + len(qt_warnings)}
            rows.append(row)
            print(json.dumps(row), flush=True)
            cycle += 1
    window.close()
    app.processEvents()
    first, last = rows[0], rows[-1]
    summary = {
        "cycles": len(rows), "minutes": round((time.perf_counter() - start) / 60, 2), "images": args.n,
        "rss_first_cycle_mb": round(first["rss_mb"], 1), "rss_last_mb": round(last["rss_mb"], 1),
        "rss_growth_after_first_cycle_mb": round(last["rss_mb"] - first["rss_mb"], 1),
        "rss_growth_after_second_cycle_mb": round(last["rss_mb"] - rows[1]["rss_mb"], 1),
        # one cycle's figure swings by tens of MB (what a cycle has just allocated): the trend
        # compares the median of the last ten cycles with that of the ten after the first
        "rss_trend_mb": round(statistics.median(r["rss_mb"] for r in rows[-10:])
                              - statistics.median(r["rss_mb"] for r in rows[1:11]), 1) if len(rows) >= 11 else None,
        **({"trimmed_rss_growth_after_first_cycle_mb": round(last["rss_trimmed_mb"] - first["rss_trimmed_mb"], 1)}
           if "rss_trimmed_mb" in first else {}),
        "threads_growth": last["threads"] - rows[1]["threads"], "fds_growth": last["fds"] - rows[1]["fds"],
        "workers_running_at_end": window.runner.running_threads(),
        "python_warnings": sorted({f"{w.category.__name__}: {w.message}" for w in py_warnings})[:20],
        "qt_warnings": sorted(set(qt_warnings))[:20],
    }
    print(json.dumps(summary, indent=1))
    if args.json:
        Path(args.json).write_text(json.dumps({"summary": summary, "cycles": rows}, indent=1))
    shutil.rmtree(work, ignore_errors=True)  # the built folder and the saved workspace
    return 0


if __name__ == "__main__":
    sys.exit(main())
