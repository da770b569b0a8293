"""App-level figures, measured in the real main window: hover → decoded image shown (the
preview's latest-wins worker and `MapDecoder.decode_at`), slider drag → decoded image shown
(the sliders dock and `Steering`), and how long the GUI thread stalls while a model trains
(see `stall_child`)."""
from __future__ import annotations

import sys
import time
from pathlib import Path

if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np

from benchmarks.common import fmt_ms, loop_until, pin_singletons, qt_platform, row, stats_ms, wait_until
from benchmarks.fixtures import workspace_64

RATE_LIMIT_S = 0.012


def open_window(path: Path | None = None):
    """The app's own window (as `gui.app.main` builds it), shown, with ``path`` opened."""
    qt_platform()
    pin_singletons()
    from latent_explorer.gui.app import make_app
    from latent_explorer.gui.main_window import MainWindow

    from latent_explorer.infra.blas import reserve_a_core_for_the_gui

    app = make_app()
    reserve_a_core_for_the_gui()
    window = MainWindow()
    window.ask_before_discarding = False
    window.errors = []
    window.show_error = lambda title, text, details=None: window.errors.append(f"{title}: {text}")
    window.show()
    wait_until(lambda: window.isVisible() and window.windowHandle().isExposed(), 30)
    if path is not None:
        window.session.open(path)
        app.processEvents()
    return app, window


class PaintWatch:
    """Records when ``widget`` is next painted after `arm`, and quits a local event loop then."""

    def __init__(self, widget) -> None:
        from PySide6.QtCore import QEvent, QEventLoop, QObject

        class Filter(QObject):
            def eventFilter(inner, obj, event):  # noqa: N802, N805 (Qt's name)
                if event.type() == QEvent.Type.Paint and self.armed:
                    self.painted_at = time.perf_counter()
                    self.armed = False
                    self.loop.quit()
                return False

        self.armed, self.painted_at = False, None
        self.loop = QEventLoop()
        self.filter = Filter()
        widget.installEventFilter(self.filter)

    def arm(self) -> None:
        self.armed = True

    def wait(self, timeout_ms: int = 10_000) -> float | None:
        from PySide6.QtCore import QTimer

        if self.painted_at is None:
            QTimer.singleShot(timeout_ms, self.loop.quit)
            self.loop.exec()
        t, self.painted_at = self.painted_at, None
        return t


def empty_positions(view, count: int) -> list:
    """Widget positions inside the plot with no point under the pick radius (decoded on hover)."""
    from PySide6.QtCore import QPointF

    rect = view.plotItem.vb.sceneBoundingRect()
    rng = np.random.default_rng(3)
    out = []
    while len(out) < count:
        scene = QPointF(rect.left() + rng.uniform(0.05, 0.95) * rect.width(),
                        rect.top() + rng.uniform(0.05, 0.95) * rect.height())
        if view.index_at(scene) < 0:
            out.append(view.mapFromScene(scene))
    return out


def _bare_decode_times(model, latents: np.ndarray, pause_s: float = 0.0) -> list[float]:
    """``model.decode(z)`` one latent at a time; ``pause_s`` between calls paces them like the
    hover moves (a decode after an idle pause costs more than back-to-back ones)."""
    import torch

    times = []
    with torch.no_grad():
        for z in latents:
            t = torch.from_numpy(np.asarray(z, np.float32)[None])
            time.sleep(pause_s)
            t0 = time.perf_counter()
            model.decode(t)
            times.append(time.perf_counter() - t0)
    return times


def figure_hover(workdir, quick: bool) -> dict:
    from PySide6.QtCore import QEvent, QPointF, Qt
    from PySide6.QtGui import QMouseEvent
    from PySide6.QtWidgets import QApplication

    path, made = workspace_64(workdir, quick)
    app, window = open_window(path)
    view, preview = window.map_view, window.preview
    window.preview_dock.raise_()
    watch = PaintWatch(preview.decoded)
    marks: dict = {}
    preview.decoded_shown.connect(lambda _p: (marks.__setitem__("shown", time.perf_counter()), watch.arm()))
    asked: list = []
    view.hovered_position.connect(lambda p: asked.append((time.perf_counter(), p)))
    decoder = window.steering.decoder
    real_decode_at = decoder.decode_at

    def decode_at(p):  # the app's own call, timed from the worker thread
        marks["start"] = time.perf_counter()
        result = real_decode_at(p)
        marks["end"] = time.perf_counter()
        return result

    decoder.decode_at = decode_at
    moves, warm = (200, 10) if quick else (400, 20)
    targets = empty_positions(view, moves + warm)
    viewport = view.viewport()
    latencies, lost, retried = [], 0, 0
    parts: dict[str, list] = {k: [] for k in ("event_to_decode", "decode_at", "decode_to_shown", "repaint")}
    for i, pos in enumerate(targets):
        event = QMouseEvent(QEvent.Type.MouseMove, QPointF(pos), QPointF(viewport.mapToGlobal(pos)),
                            Qt.MouseButton.NoButton, Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier)
        for _ in range(20):
            asked.clear()
            time.sleep(RATE_LIMIT_S)  # pyqtgraph drops moves that come sooner than 10 ms apart
            t0 = time.perf_counter()
            QApplication.sendEvent(viewport, event)
            if asked:
                break
            retried += 1
        if asked[-1][1] is None:  # the rounded pixel landed on a point: nothing to decode
            continue
        t = watch.wait(5000)
        if t is None:
            lost += 1
        elif i >= warm:
            latencies.append(t - t0)
            steps = (t0, marks["start"], marks["end"], marks["shown"], t)
            for key, a, b in zip(parts, steps, steps[1:]):
                parts[key].append(b - a)
    decoder.decode_at = real_decode_at
    decoder = window.steering.decoder
    positions = np.array([[p.x(), p.y()] for p in (view.plotItem.vb.mapSceneToView(view.mapToScene(q))
                                                    for q in targets[warm:])])
    latents, _ = decoder.latent_at(positions)
    model = window.session.model
    pause = RATE_LIMIT_S + (float(np.median(latencies)) if latencies else 0.0)
    bare = _bare_decode_times(model, latents, pause)
    back_to_back = _bare_decode_times(model, latents)
    direct = []
    for p in positions[:100]:
        t0 = time.perf_counter()
        decoder.decode_at(p)
        direct.append(time.perf_counter() - t0)
    ours, ref = stats_ms(latencies), stats_ms(bare)
    overhead = ours["median_ms"] / ref["median_ms"]
    size = model.config.image_size
    window.shutdown()
    rows = [row(f"hover → decoded {size}×{size} image shown (CPU)",
                f"bare decoder(z) {fmt_ms(ref['median_ms'])} "
                f"(back to back {fmt_ms(stats_ms(back_to_back)['median_ms'])})",
                f"{fmt_ms(ours['median_ms'])} median, p95 {fmt_ms(ours['p95_ms'])}", f"{overhead:.2f}× overhead",
                "median < 16 ms, overhead < 2×", ours["median_ms"] < 16 and overhead < 2, key="hover_decode",
                note=f"{ours['n']} moves, mouse-move event → preview repainted; the bare decode paced like "
                     f"the moves; MapDecoder.decode_at back to back {fmt_ms(stats_ms(direct)['median_ms'])}",
                ours_median_ms=ours["median_ms"], bare_median_ms=ref["median_ms"], overhead=overhead)]
    return {"rows": rows, "raw": {"workspace": made, "moves": ours, "bare_decode": ref, "lost": lost,
                                  "bare_decode_back_to_back": stats_ms(back_to_back),
                                  "events_dropped_by_rate_limit": retried,
                                  "decode_at": stats_ms(direct), "errors": window.errors,
                                  "breakdown_median_ms": {k: float(np.median(v)) * 1e3 for k, v in parts.items() if v}}}


def figure_slider(workdir, quick: bool) -> dict:
    from PySide6.QtCore import QTimer

    path, made = workspace_64(workdir, quick)
    app, window = open_window(path)
    sliders, steering = window.sliders, window.steering
    window.sliders_dock.raise_()
    shown: list = []
    sliders.edited_image_shown.connect(lambda e: shown.append((time.perf_counter(), e)))
    window.session.select(0)
    wait_until(lambda: bool(shown), 60)
    slider = sliders.rows[0].slider
    slider.sliderPressed.emit()
    sweep = np.r_[np.arange(0, 300, 5), np.arange(300, -300, -5), np.arange(-300, 0, 5)]
    set_at: dict[int, tuple[float, object]] = {}
    step = {"i": 0}

    def move() -> None:
        value = int(sweep[step["i"] % len(sweep)] or 1)
        step["i"] += 1
        t0 = time.perf_counter()
        slider.setValue(value)
        set_at[id(steering.edit)] = (t0, steering.edit)

    duration = 3.0 if quick else 6.0
    interval_ms = 8  # 125 moves a second: a common mouse report rate
    decoded: list = []
    sliders.worker.finished.connect(lambda key, _img: decoded.append(time.perf_counter()))
    timer = QTimer()
    timer.timeout.connect(move)
    shown.clear()
    start = time.perf_counter()
    timer.start(interval_ms)
    wait_until(lambda: time.perf_counter() - start >= duration, duration + 10, sleep_ms=0)
    timer.stop()
    elapsed = time.perf_counter() - start
    during = [(t, e) for t, e in shown if t - start <= elapsed]
    latency = [t - set_at[id(e)][0] for t, e in during if id(e) in set_at and set_at[id(e)][1] is e]
    rate = len(during) / elapsed
    window.shutdown()
    lat = stats_ms(latency)
    rows = [row("slider drag → decoded image shown", f"{step['i'] / elapsed:.0f} slider moves/s",
                f"{rate:.0f} images/s, latency median {fmt_ms(lat['median_ms'])}", "—", "≥ 60 updates/s",
                rate >= 60, key="slider",
                note=f"{window.steering.decoder.model.config.image_size} px model; "
                     f"{len([t for t in decoded if 0 <= t - start <= elapsed]) / elapsed:.0f} decodes/s finished",
                updates_per_s=rate, moves_per_s=step["i"] / elapsed)]
    return {"rows": rows, "raw": {"workspace": made, "seconds": elapsed, "moves": step["i"], "shown": len(during),
                                  "decoded": len([t for t in decoded if 0 <= t - start <= elapsed]),
                                  "latency": lat, "errors": window.errors}}


# ---------------------------------------------------------------------- GUI-thread stall


def stall_child(epochs: int, source: str, beat_file: Path, out: Path) -> None:
    """Runs in its own process: the window trains ``source`` while a 5 ms timer ticks; every
    tick's time goes to a list and to ``beat_file`` (for the py-spy watchdog in the parent)."""
    import json
    import mmap
    import struct

    from PySide6.QtCore import QTimer

    app, window = open_window()
    f = open(beat_file, "r+b")
    beat = mmap.mmap(f.fileno(), 16)
    ticks: list[float] = []

    def tick() -> None:
        ticks.append(time.perf_counter())
        beat[:8] = struct.pack("d", time.monotonic())

    timer = QTimer()
    timer.timeout.connect(tick)
    timer.start(5)
    progress: list = []
    window.session.training_progress.connect(lambda p: progress.append((time.perf_counter(), p.message)))
    panel = window.model_panel
    panel.set_source(source)
    panel.form.epochs.setValue(epochs)
    # as the app starts (gui.app.main): the background warm-up imports torch, compiles the map's
    # kernels and UMAP's; a person clicks Train after it, as here
    from latent_explorer.gui.app import start_warm_up

    warming = start_warm_up(window)
    loop_until(lambda: len(ticks) > 20 and not warming.is_alive(), 300)
    start = time.perf_counter()
    beat[8:16] = struct.pack("d", 1.0)  # training: the watchdog may dump from now on
    window.start_training()
    loop_until(lambda: not window.runner.is_busy("workspace") and window.session.workspace is not None, 600)
    trained = time.perf_counter()
    loop_until(lambda: time.perf_counter() - trained > 1.5, 10)
    beat[8:16] = struct.pack("d", 0.0)
    timer.stop()
    t = np.array([x for x in ticks if x >= start])
    gaps = np.diff(t)
    worst = np.argsort(gaps)[::-1][:5]
    stalls = []
    for i in worst:
        at = t[i] - start
        before = [m for pt, m in progress if pt <= t[i + 1]]
        stalls.append({"at_s": round(float(at), 3), "gap_ms": round(float(gaps[i]) * 1e3, 1),
                       "last_progress": before[-1] if before else "(before the first progress)"})
    result = {"epochs": epochs, "training_s": trained - start, "ticks": len(t),
              **stats_ms(gaps), "over_50ms": int((gaps > 0.05).sum()), "worst": stalls,
              "errors": window.errors, "n_points": window.session.n_points}
    out.write_text(json.dumps(result))
    window.shutdown()


def _stall_row(res: dict, epochs: int, what: str, key: str) -> dict:
    note = (f"{res['over_50ms']} gaps over 50 ms in {res['training_s']:.0f} s of training ({what}, {epochs} epochs, "
            f"after the app's start-up warm-up, from start_training until 1.5 s after the workspace arrived)")
    if res["worst"]:
        w = res["worst"][0]
        note += f"; worst at {w['at_s']:.1f} s, after “{w['last_progress']}”"
    label = "GUI-thread stall while training (5 ms heartbeat)" + ("" if key == "stall" else f", {what}")
    return row(label, "—", f"max {fmt_ms(res['max_ms'])}, p99 {fmt_ms(res['p99_ms'])}", "—",
               "max < 50 ms, p99 reported", res["max_ms"] < 50, key=key, note=note, max_ms=res["max_ms"],
               p99_ms=res["p99_ms"])


def figure_stall(workdir, quick: bool) -> dict:
    """demo:digits, and a folder of colour photo crops opened for the first time (its images
    decoded to the cache, the pixel map, the live latent map while it trains)."""
    from benchmarks.photo_folder import build
    from benchmarks.stall_watch import run_watched

    workdir = Path(workdir)
    epochs = 3 if quick else 8
    res, dumps = run_watched([sys.executable, __file__, "stall-child", str(epochs), "demo:digits"], workdir,
                             limit_s=300)
    n, photo_epochs = (400, 5) if quick else (1600, 40)
    folder = build(workdir / "stall_photos", n=n)
    photos, photo_dumps = run_watched([sys.executable, __file__, "stall-child", str(photo_epochs), str(folder)],
                                      workdir, limit_s=600)
    rows = [_stall_row(res, epochs, "demo:digits", "stall"),
            _stall_row(photos, photo_epochs, f"a folder of {n:,} colour photos", "stall_photos")]
    return {"rows": rows, "raw": {**res, "py_spy_dumps": dumps, "photos": {**photos, "py_spy_dumps": photo_dumps}}}


if __name__ == "__main__" and sys.argv[1:2] == ["stall-child"]:
    from latent_explorer.infra.numba_cache import configure_numba_cache

    configure_numba_cache()
    stall_child(int(sys.argv[2]), sys.argv[3], Path(sys.argv[4]), Path(sys.argv[5]))
    import os

    os._exit(0)
