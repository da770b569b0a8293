"""What the numbers were measured on: CPU, cores, memory, OS, Python, library versions, the
OpenGL renderer Qt gets, and a CUDA GPU when there is one."""
from __future__ import annotations

import os
import platform
from pathlib import Path


def _first(path: str, key: str) -> str:
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(key):
                return line.split(":", 1)[1].strip() if ":" in line else line.split("=", 1)[1].strip('"')
    except OSError:
        pass
    return ""


def _versions() -> dict:
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for name in ("torch", "numpy", "PySide6-Essentials", "pyqtgraph", "scikit-learn", "umap-learn", "openTSNE",
                 "numba", "pynndescent", "Pillow"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = None
    return out


def describe(workdir=None, quick: bool = False) -> dict:
    import torch
    from PySide6.QtCore import qVersion
    from PySide6.QtWidgets import QApplication

    from benchmarks.common import qt_platform
    from latent_explorer.gui.map2d.scatter import choose_renderer, renderer_info

    qt_platform()
    app = QApplication.instance() or QApplication([])
    mem_kb = _first("/proc/meminfo", "MemTotal")
    cuda = torch.cuda.is_available()
    info = {
        "cpu_model": _first("/proc/cpuinfo", "model name") or platform.processor(),
        "cores": os.cpu_count(),
        "ram_gib": round(int(mem_kb.split()[0]) / 2**20, 1) if mem_kb else None,
        "os": _first("/etc/os-release", "PRETTY_NAME") or platform.platform(),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "qt": qVersion(),
        "versions": _versions(),
        "qt_platform": app.platformName(),
        "display": os.environ.get("DISPLAY", ""),
        "gl": renderer_info(),
        "map_renderer": choose_renderer(),
        "torch_threads": torch.get_num_threads(),
        "cuda": cuda,
        "cuda_device": torch.cuda.get_device_name(0) if cuda else None,
        "load_average": os.getloadavg(),
    }
    return {"rows": [], "raw": info}
