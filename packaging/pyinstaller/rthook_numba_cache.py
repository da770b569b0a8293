# PyInstaller runtime hook: runs in the frozen app before main.py (see frozen_numba_cache.py).
# numba keys each cached kernel by the CPU it was compiled for. The build warms the bundle's
# cache for x86-64-v3 (AVX2/FMA: Intel since 2013, AMD since 2015) with no extra features; on
# such a CPU the app compiles for that same target, so the bundled kernels load instead of
# compiling (~1 minute). Elsewhere (older CPUs, ARM) it compiles for the host as numba does.
# A generic x86-64 target would serve every CPU, but ran UMAP 3x slower. NUMBA_CPU_NAME set
# in the environment wins.
import os

V3 = {"avx", "avx2", "fma", "bmi1", "bmi2", "abm", "movbe", "f16c", "xsave", "sse4_2", "popcnt"}


def _cpu_has_v3() -> bool:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    return V3 <= set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return False


os.environ.setdefault("NUMBA_CACHE_LOCATOR_CLASSES",
                      "frozen_numba_cache.FrozenSourceCacheLocator,UserWideCacheLocator")
if "NUMBA_CPU_NAME" not in os.environ and _cpu_has_v3():
    os.environ["NUMBA_CPU_NAME"] = "x86-64-v3"
    os.environ["NUMBA_CPU_FEATURES"] = ""
