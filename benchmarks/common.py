"""What every benchmark figure shares: the repository root on sys.path, latency statistics,
the process's memory high-water mark, and the one shape a table row takes."""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def stats_ms(seconds) -> dict:
    """median, p95, p99, max and count of a list of durations in seconds, in milliseconds."""
    a = np.asarray(seconds, np.float64) * 1e3
    if not len(a):
        return {"n": 0}
    return {"n": int(len(a)), "median_ms": float(np.median(a)), "p95_ms": float(np.percentile(a, 95)),
            "p99_ms": float(np.percentile(a, 99)), "max_ms": float(a.max()), "mean_ms": float(a.mean())}


def timed(fn, repeats: int) -> list[float]:
    out = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def vm_hwm_bytes() -> int | None:
    """This process's peak resident set (VmHWM), from /proc; None elsewhere."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def row(figure: str, reference: str, ours: str, ratio: str, target: str, met: bool | None,
        /, *, key: str, note: str = "", **numbers) -> dict:
    """One line of docs/benchmarks.md. ``met`` None: no target to meet (reported only).
    ``numbers``: the raw values behind the strings, kept in the JSON."""
    return {"key": key, "figure": figure, "reference": reference, "ours": ours, "ratio": ratio,
            "target": target, "met": met, "note": note, "numbers": numbers}


def fmt_s(seconds: float) -> str:
    if seconds >= 10:
        return f"{seconds:.1f} s"
    if seconds >= 1:
        return f"{seconds:.2f} s"
    return f"{seconds * 1e3:.0f} ms" if seconds >= 0.01 else f"{seconds * 1e3:.2f} ms"


def fmt_x(ratio: float) -> str:
    """A ratio as people read it: 0.24×, 3.1×, 16×, 7,355×."""
    return f"{ratio:.2f}×" if ratio < 1 else f"{ratio:.1f}×" if ratio < 10 else f"{ratio:,.0f}×"


def fmt_ms(ms: float) -> str:
    return fmt_s(ms / 1e3)


def qt_platform() -> None:
    """Draw on the X server when there is one (Xvfb here), off screen otherwise."""
    os.environ.setdefault("QT_QPA_PLATFORM", "xcb" if os.environ.get("DISPLAY") else "offscreen")


def pin_singletons() -> None:
    """PySide6 6.12 on Python 3.11 drops a reference to None (and to True) on many calls (about
    150 per plot repaint); a long run of repaints frees them and aborts with "none_dealloc".
    Python 3.12 made them immortal; here they get a huge reference count instead."""
    if sys.version_info < (3, 12):
        import ctypes

        for obj in (None, True, False):
            ctypes.c_ssize_t.from_address(id(obj)).value += 1 << 40


def wait_until(condition, timeout_s: float = 300.0, sleep_ms: int = 1) -> bool:
    """Run the Qt event loop until ``condition()`` holds; False on time-out."""
    from PySide6.QtCore import QCoreApplication, QThread

    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            return False
        QCoreApplication.processEvents()
        if sleep_ms:
            QThread.msleep(sleep_ms)
    return True


def loop_until(condition, timeout_s: float = 300.0, check_ms: int = 20) -> bool:
    """Like `wait_until`, but inside a real event loop (QEventLoop.exec, as app.exec runs),
    looking at ``condition()`` every ``check_ms``: for measuring how the GUI thread breathes."""
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    deadline = time.monotonic() + timeout_s
    timer = QTimer()
    timer.timeout.connect(lambda: (condition() or time.monotonic() > deadline) and loop.quit())
    timer.start(check_ms)
    if not condition():
        loop.exec()
    timer.stop()
    return bool(condition())
