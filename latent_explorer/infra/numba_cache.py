"""numba's on-disk cache: UMAP and t-SNE's first run in a fresh process spends 10–40 s
compiling, nearly all of it reusable. `configure_numba_cache` puts numba's cache in the user's
cache directory (never the install folder, which may be read-only); umap-learn's and
pynndescent's kernels are compiled without ``cache=True``, so `enable_disk_cache` turns it on."""
from __future__ import annotations

import hashlib
import os
import shutil
import sys

from latent_explorer.infra.files import atomic_write

ENV = "NUMBA_CACHE_DIR"


BUNDLED = "numba-cache"  # the frozen bundle's cache, warmed by scripts/build.sh


def configure_numba_cache() -> str:
    """Set NUMBA_CACHE_DIR (unless already set) to ``<user cache>/numba``; call before numba
    is imported. In the frozen app, the cache the build warmed into the bundle seeds it, so the
    first map after installing does not compile. Returns the directory."""
    chosen = bool(os.environ.get(ENV))
    if not chosen:
        import platformdirs

        from latent_explorer import APP_NAME

        os.environ[ENV] = os.path.join(platformdirs.user_cache_dir(APP_NAME), "numba")
    os.makedirs(os.environ[ENV], exist_ok=True)
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle and not chosen:
        seed_cache(os.path.join(bundle, BUNDLED), os.environ[ENV])
    return os.environ[ENV]


def seed_cache(source: str, target: str) -> int:
    """Copy the cache files under ``source`` into ``target`` once per bundled cache (a marker
    named after a digest of the source's index files remembers it); each file lands whole (atomic rename),
    so a second app starting meanwhile reads an old file or the new one. Returns files copied;
    a failure only means the first map compiles."""
    if not os.path.isdir(source):
        return 0
    files = sorted(os.path.relpath(os.path.join(d, f), source)
                   for d, _, names in os.walk(source) for f in names)
    digest = hashlib.sha1()
    for name in files:  # the index files name each entry's source stamp: a new build, a new marker
        digest.update(name.encode())
        if name.endswith(".nbi"):
            with open(os.path.join(source, name), "rb") as f:
                digest.update(f.read())
    marker = os.path.join(target, "seeded-" + digest.hexdigest()[:16])
    if os.path.exists(marker):
        return 0
    copied = 0
    try:
        for name in files:
            dest = os.path.join(target, name)
            os.makedirs(os.path.dirname(dest), exist_ok=True)
            with open(os.path.join(source, name), "rb") as src:
                atomic_write(dest, lambda f: shutil.copyfileobj(src, f))
            copied += 1
        open(marker, "w").close()
    except OSError:
        pass
    return copied


def enable_disk_cache(*modules) -> None:
    """umap-learn and pynndescent compile most of their numba kernels without ``cache=True``:
    10-40 s again in every process. Turn numba's on-disk cache on for the kernels of
    ``modules`` that are not compiled yet."""
    from numba.core.registry import CPUDispatcher

    for module in modules:
        for obj in vars(module).values():
            if isinstance(obj, CPUDispatcher) and not obj.overloads:
                try:
                    obj.enable_caching()
                except RuntimeError:  # numba finds nowhere to cache: compiled each start
                    pass


def cache_pynndescent() -> None:
    """`enable_disk_cache` for pynndescent (umap-learn's neighbour search too): building a
    20,000-point index in a fresh process took 26 s with its own caching, 12.5 s with this."""
    import importlib

    enable_disk_cache(*(importlib.import_module(f"pynndescent.{name}") for name in (
        "pynndescent_", "utils", "distances", "rp_trees", "sparse", "graph_utils", "sparse_nndescent")))
