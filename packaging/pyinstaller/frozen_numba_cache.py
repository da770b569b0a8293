"""numba's on-disk cache in the frozen app, keyed by the bundled .py files.

PyInstaller stores each module's code with a relative ``co_filename``
("umap/layouts.py"), so numba's usual locator for NUMBA_CACHE_DIR, which needs the source
file to exist at that path, finds nothing from any other working directory; numba then falls
back to a per-working-directory folder under ~/.cache/numba. This locator resolves the path
against the bundle (``sys._MEIPASS``, where build.spec's ``pyz+py`` mode puts the sources of
umap, pynndescent and latent_explorer) and stamps entries with the source's content hash, so
a new version of the app never loads a stale entry. Entries are filed under the source's
folder *inside the bundle* ("bundle/umap"), not under a hash of its absolute path, so a cache
written by the build (scripts/build.sh warms one into the bundle) serves the app wherever it is
installed. The runtime hook selects it (NUMBA_CACHE_LOCATOR_CLASSES), with numba's own
frozen-aware user-wide locator behind it."""
from __future__ import annotations

import functools
import hashlib
import os
import sys

from numba.core.caching import UserProvidedCacheLocator


@functools.lru_cache(maxsize=None)
def _content_hash(path: str) -> str:
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


class FrozenSourceCacheLocator(UserProvidedCacheLocator):
    @classmethod
    def from_function(cls, py_func, py_file):
        bundle = getattr(sys, "_MEIPASS", None)
        if bundle and not os.path.isabs(py_file):
            py_file = os.path.join(bundle, py_file)
        return super().from_function(py_func, py_file)

    @classmethod
    def get_suitable_cache_subpath(cls, py_file):
        bundle = getattr(sys, "_MEIPASS", None)
        folder = os.path.dirname(os.path.abspath(py_file))
        if bundle:
            inside = os.path.relpath(folder, os.path.abspath(bundle))
            if not inside.startswith(os.pardir):
                return os.path.join("bundle", inside)
        return super().get_suitable_cache_subpath(py_file)

    def get_source_stamp(self):
        return _content_hash(self._py_file)
