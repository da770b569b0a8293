"""What the installers rely on, checked without building one (CI builds and checks the real
bundle with scripts/build.sh and packaging/check_packages.sh): the icons, the resources folder
found from source and frozen, the launch-time hook, numba's cache in the frozen layout, and
build.spec's safety check on stripped libraries."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from latent_explorer.infra import resources
ROOT = Path(__file__).resolve().parents[2]
ICONS = ROOT / "resources" / "icons"
sys.path.insert(0, str(ROOT / "packaging" / "pyinstaller"))


def test_icons_come_in_every_size_the_menus_and_installers_use():
    for size in (16, 32, 48, 64, 128):
        assert Image.open(ICONS / f"latent-explorer-{size}.png").size == (size, size)
    assert Image.open(ICONS / "latent-explorer.png").size == (256, 256)
    assert {(16, 16), (32, 32), (48, 48), (256, 256)} <= Image.open(ICONS / "latent-explorer.ico").info["sizes"]
    assert Image.open(ICONS / "latent-explorer.icns").size == (256, 256)
    assert sum(p.stat().st_size for p in ICONS.iterdir()) < 200_000


def test_resources_are_found_from_source_and_from_a_frozen_bundle(monkeypatch, tmp_path):
    assert resources.resources_dir() == ROOT / "resources"
    assert resources.resource_path("icons", "latent-explorer.png") == ICONS / "latent-explorer.png"
    assert resources.resource_path("icons", "no-such-file.png") is None
    (tmp_path / "resources" / "demo").mkdir(parents=True)
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert resources.resources_dir() == tmp_path / "resources"
    assert resources.resource_path("demo") == tmp_path / "resources" / "demo"
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path / "empty"), raising=False)
    assert resources.resources_dir() is None  # a bundle without resources: nothing, no error


def test_the_window_carries_the_app_icon(qapp):
    from latent_explorer.gui.app import make_app

    assert make_app().windowIcon().availableSizes()


def test_the_launch_hook_reports_the_first_window_and_quits():
    env = {**os.environ, "LATENT_EXPLORER_FIRST_WINDOW": "1", "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([sys.executable, str(ROOT / "main.py")], env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert re.search(r"^first window at \d+\.\d+$", done.stdout, re.M)


def test_numba_caches_frozen_code_with_relative_file_names(monkeypatch, tmp_path):
    """PyInstaller stores relative co_filenames; the frozen locator finds the bundled source."""
    from numba.core import config

    from frozen_numba_cache import FrozenSourceCacheLocator

    bundle = tmp_path / "bundle"
    (bundle / "pkg").mkdir(parents=True)
    (bundle / "pkg" / "kernels.py").write_text("def kernel(x):\n    return x + 1\n")
    namespace: dict = {}
    exec(compile((bundle / "pkg" / "kernels.py").read_text(), "pkg/kernels.py", "exec"), namespace)
    kernel = namespace["kernel"]
    monkeypatch.setattr(config, "CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(sys, "_MEIPASS", str(bundle), raising=False)
    locator = FrozenSourceCacheLocator.from_function(kernel, "pkg/kernels.py")
    assert locator is not None
    assert Path(locator.get_cache_path()) == tmp_path / "cache" / "bundle" / "pkg"
    moved = tmp_path / "installed" / "elsewhere"  # the same bundle installed at another place
    shutil.copytree(bundle, moved)
    monkeypatch.setattr(sys, "_MEIPASS", str(moved), raising=False)
    assert FrozenSourceCacheLocator.from_function(kernel, "pkg/kernels.py").get_cache_path() \
        == locator.get_cache_path()  # a cache built into the bundle serves it wherever installed
    monkeypatch.setattr(sys, "_MEIPASS", str(bundle), raising=False)
    stamp = locator.get_source_stamp()
    (bundle / "pkg" / "kernels.py").write_text("def kernel(x):\n    return x + 2\n")
    fresh = FrozenSourceCacheLocator.from_function(kernel, "pkg/kernels.py")
    from frozen_numba_cache import _content_hash

    _content_hash.cache_clear()
    assert fresh.get_source_stamp() != stamp  # a new version never loads a stale entry


def test_the_bundled_numba_cache_seeds_the_users_cache_once_per_build(monkeypatch, tmp_path):
    """The frozen app's first start copies the cache the build warmed into its bundle, so the
    first map compiles nothing; a later build's cache (other index files) is copied again."""
    from latent_explorer.infra import numba_cache

    bundle, home_cache = tmp_path / "bundle", tmp_path / "home" / "numba"
    index = bundle / numba_cache.BUNDLED / "bundle" / "umap" / "layouts.f-1.py311.nbi"
    index.parent.mkdir(parents=True)
    index.write_bytes(b"index of build 1")
    (index.parent / "layouts.f-1.py311.1.nbc").write_bytes(b"code")
    monkeypatch.setattr(sys, "_MEIPASS", str(bundle), raising=False)
    monkeypatch.delenv(numba_cache.ENV, raising=False)
    monkeypatch.setattr("platformdirs.user_cache_dir", lambda *a, **k: str(tmp_path / "home"))
    assert numba_cache.configure_numba_cache() == str(home_cache)
    copied = home_cache / "bundle" / "umap" / "layouts.f-1.py311.nbi"
    assert copied.read_bytes() == b"index of build 1"
    copied.write_bytes(b"the user's own later entries")
    assert numba_cache.seed_cache(str(bundle / numba_cache.BUNDLED), str(home_cache)) == 0
    assert copied.read_bytes() == b"the user's own later entries"  # once per build, not per start
    index.write_bytes(b"index of build 2")
    assert numba_cache.seed_cache(str(bundle / numba_cache.BUNDLED), str(home_cache)) == 2
    assert copied.read_bytes() == b"index of build 2"
    assert not list(home_cache.rglob("*.tmp"))
    monkeypatch.setenv(numba_cache.ENV, str(tmp_path / "chosen"))  # a cache the user chose
    numba_cache.configure_numba_cache()
    assert not (tmp_path / "chosen" / "bundle").exists()


def test_the_frozen_app_compiles_for_the_target_its_bundled_cache_was_built_for():
    """On a CPU with x86-64-v3's features the runtime hook makes numba compile for exactly that
    target, so the kernels the build cached (on another such machine) match; elsewhere, the host."""
    hook = ROOT / "packaging" / "pyinstaller" / "rthook_numba_cache.py"
    code = ("import os, runpy; runpy.run_path(%r); import numba; "
            "from numba.core.registry import cpu_target; "
            "print(os.environ.get('NUMBA_CPU_NAME'), cpu_target.target_context.codegen().magic_tuple(), "
            "numba.njit(lambda x: x * 2.5)(2.0))" % str(hook))
    env = {k: v for k, v in os.environ.items() if not k.startswith("NUMBA_CPU")}
    env["NUMBA_CACHE_LOCATOR_CLASSES"] = ""  # the frozen locator is not importable from source
    run = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    flags = next((set(line.split(":", 1)[1].split()) for line in open("/proc/cpuinfo") if line.startswith("flags")), set())
    name, rest = run.stdout.split(" ", 1)
    if {"avx2", "fma", "bmi2", "movbe"} <= flags:
        assert name == "x86-64-v3" and "'x86-64-v3', '')" in rest, run.stdout
    else:
        assert name == "None", run.stdout
    assert rest.strip().endswith("5.0")


@pytest.mark.skipif(shutil.which("strip") is None, reason="needs binutils' strip")
def test_stripping_never_ships_a_library_the_loader_would_refuse(tmp_path):
    """strip breaks some patchelf-edited wheel libraries (numpy's OpenBLAS here): the
    alignment check must agree with the dynamic loader, and such copies must not ship."""
    import numpy
    import PIL

    import bundle_tools

    libs = sorted(Path(numpy.__file__).parent.parent.glob("numpy.libs/libscipy_openblas*.so"))
    libs += sorted(Path(PIL.__file__).parent.glob("_imaging.*.so"))
    assert libs
    for lib in map(str, libs):
        raw = tmp_path / ("raw-" + Path(lib).name)
        subprocess.run(["strip", "-o", str(raw), lib], check=True)
        if not bundle_tools.elf_loads_aligned(raw):
            refused = subprocess.run([sys.executable, "-c", f"import ctypes; ctypes.CDLL({str(raw)!r})"],
                                     capture_output=True, text=True)
            assert "not page-aligned" in refused.stderr
        _, shipped, _ = bundle_tools.stripped((Path(lib).name, lib, "BINARY"), tmp_path)
        assert bundle_tools.elf_loads_aligned(shipped)
        assert os.path.getsize(shipped) <= os.path.getsize(lib)


def _spec_list(name: str) -> list[str]:
    import ast

    for node in ast.parse((ROOT / "build.spec").read_text()).body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == name:
            return ast.literal_eval(node.value)
    raise AssertionError(f"build.spec has no list named {name}")


def test_the_bundle_keeps_every_qt_module_the_app_imports():
    """A Qt module left out of the bundle fails only in the frozen app, at the line importing it
    (QtNetwork, for the second-launch hand-over, once did)."""
    from fnmatch import fnmatch

    imported = set()
    for path in (ROOT / "latent_explorer").rglob("*.py"):
        imported |= set(re.findall(r"\bPySide6\.(Qt\w+)", path.read_text()))
    assert {"QtCore", "QtWidgets", "QtNetwork"} <= imported
    excludes, drop = set(_spec_list("excludes")), _spec_list("DROP")
    for module in sorted(imported):
        assert f"PySide6.{module}" not in excludes, module
        library = f"PySide6/Qt/lib/libQt6{module[2:]}.so.6"
        assert not any(fnmatch(library, pattern) for pattern in drop), module
