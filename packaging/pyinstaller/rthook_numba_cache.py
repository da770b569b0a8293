# PyInstaller runtime hook: runs in the frozen app before main.py (see frozen_numba_cache.py).
import os

os.environ.setdefault("NUMBA_CACHE_LOCATOR_CLASSES",
                      "frozen_numba_cache.FrozenSourceCacheLocator,UserWideCacheLocator")
