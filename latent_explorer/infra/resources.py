"""Where the app's read-only data files live (``resources/``: icons, demo weights).

From a source checkout it is the repository's ``resources/`` folder; in the frozen app
(PyInstaller) it is ``sys._MEIPASS/resources``. A pip-installed package ships no resources:
`resources_dir` is then None and callers go without (no window icon, no demo weights).
Never write here: the frozen app's folder may be read-only."""
from __future__ import annotations

import sys
from pathlib import Path


def resources_dir() -> Path | None:
    """The resources folder, or None where there is none."""
    frozen_root = getattr(sys, "_MEIPASS", None)
    if frozen_root is not None:
        candidate = Path(frozen_root) / "resources"
    else:
        candidate = Path(__file__).resolve().parents[2] / "resources"
    return candidate if candidate.is_dir() else None


def resource_path(*parts: str) -> Path | None:
    """``resources/<parts…>`` if that file or folder exists, else None."""
    root = resources_dir()
    if root is None:
        return None
    path = root.joinpath(*parts)
    return path if path.exists() else None
