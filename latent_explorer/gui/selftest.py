"""`latent-explorer selftest`: the app proves itself, in the source tree and in a frozen bundle.

Opens the main window (off screen when there is no display), trains the digits demo for one
epoch in the worker thread, computes a UMAP map, decodes a point of empty map space, moves a
slider, saves and reopens the workspace — and prints one JSON line with every step's result and
time. Exit status 0 only when every step worked."""
from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import time
from typing import Any, Callable

import numpy as np

STEP_TIMEOUT_MS = 240_000


class StepFailed(Exception):
    pass


def _wait(condition: Callable[[], bool], timeout_ms: int = STEP_TIMEOUT_MS) -> None:
    from PySide6.QtCore import QCoreApplication, QThread

    deadline = time.monotonic() + timeout_ms / 1000
    while not condition():
        if time.monotonic() > deadline:
            raise StepFailed(f"timed out after {timeout_ms / 1000:.0f} s")
        QCoreApplication.processEvents()
        QThread.msleep(5)


def run_selftest(out=None, warm_cache: bool = False) -> int:
    """``warm_cache``: then compile every numba kernel the app uses (`warm_for_install`), so
    that NUMBA_CACHE_DIR holds them all (the build ships that cache in the bundle)."""
    from latent_explorer.gui.app import has_display

    if not has_display():
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    t0 = time.perf_counter()
    from latent_explorer.gui.app import make_app
    from latent_explorer.gui.main_window import MainWindow

    app = make_app()
    steps: list[dict[str, Any]] = []
    window = MainWindow()
    window.ask_before_discarding = False
    errors: list[str] = []
    window.show_error = lambda title, text, details=None: errors.append(f"{title}: {text}")
    window.show()
    app.processEvents()
    steps.append({"step": "window", "ok": True, "seconds": round(time.perf_counter() - t0, 3),
                  "platform": app.platformName()})
    tmp = tempfile.mkdtemp(prefix="lexp-selftest-")
    state: dict[str, Any] = {}

    def step(name: str, fn: Callable[[], dict | None]) -> bool:
        start = time.perf_counter()
        try:
            detail = fn() or {}
            if errors:
                raise StepFailed(errors.pop())
            ok = True
        except Exception as exc:  # noqa: BLE001 - every failure becomes a line of the report
            detail, ok = {"error": f"{type(exc).__name__}: {exc}"}, False
        steps.append({"step": name, "ok": ok, "seconds": round(time.perf_counter() - start, 3), **detail})
        return ok

    s = window.session

    def train() -> dict:
        window.start_training("demo:digits", {"epochs": 1, "latent_dim": 8, "threads": 1})
        _wait(lambda: not window.runner.is_busy("workspace") and s.workspace is not None)
        if s.n_points == 0:
            raise StepFailed("nothing was mapped")
        return {"images": s.n_points, "status": s.workspace.train_status}

    def umap() -> dict:
        window.compute_map("umap")
        _wait(lambda: not window.runner.is_busy("map"))
        if s.projection is None or s.projection.method != "umap":
            raise StepFailed("the UMAP map did not arrive")
        return {"points": int(len(s.map))}

    def decode() -> dict:
        lo, hi = s.map.min(0), s.map.max(0)
        target = lo + 0.37 * (hi - lo)  # some position between the data, not a data point
        shown: list = []
        window.preview.decoded_shown.connect(shown.append)
        window.preview.show_position(target)
        _wait(lambda: bool(shown))
        return {"confidence": round(float(window.preview.last_confidence), 3)}

    def slider() -> dict:
        sliders = window.sliders
        shown: list = []
        sliders.edited_image_shown.connect(shown.append)
        s.select(0)
        _wait(lambda: bool(shown))
        before = sliders.edited_image.pixmap().toImage()
        shown.clear()
        sliders.rows[0].slider.setValue(200)
        _wait(lambda: bool(shown) and not shown[-1].is_identity)
        after = sliders.edited_image.pixmap().toImage()
        if before == after:
            raise StepFailed("moving the slider did not change the image")
        return {"direction": window.steering.directions[0].name,
                "moved": round(float(np.linalg.norm(shown[-1].position - shown[-1].origin_position)), 3)}

    def save_reopen() -> dict:
        path = os.path.join(tmp, "selftest.lexp")
        window.session.save(path)
        n, method = s.n_points, s.projection.method
        state["reopened"] = False
        window.open_workspace(path)
        _wait(lambda: not window.runner.is_busy("workspace") and s.path == path and not s.dirty)
        if s.n_points != n or s.projection.method != method:
            raise StepFailed(f"reopened {s.n_points} points of a {s.projection.method} map")
        return {"bytes": os.path.getsize(path), "map": method}

    def warm() -> dict:
        from latent_explorer.gui.app import warm_ups
        from latent_explorer.session.warmup import warm_for_install

        return {"parts": {k: round(v, 2) for k, v in warm_for_install(warm_ups()).items()}}

    planned = [("train", train), ("umap", umap), ("decode", decode), ("slider", slider),
               ("save_reopen", save_reopen)] + ([("warm_cache", warm)] if warm_cache else [])
    try:
        for name, fn in planned:
            if not step(name, fn):
                break
        window.shutdown()
        window.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)  # the workspace it saved and reopened
    ok = all(st["ok"] for st in steps) and len(steps) == len(planned) + 1
    line = {"selftest": "passed" if ok else "failed", "seconds": round(time.perf_counter() - t0, 2),
            "steps": steps}
    print(json.dumps(line), file=out or sys.stdout, flush=True)
    return 0 if ok else 1


__all__ = ["run_selftest"]
