"""Shared fixtures. Tests never touch the user's real settings or cache: every user directory
points into a temporary folder for the whole session."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np
import pytest

_SANDBOX = tempfile.mkdtemp(prefix="lexp-tests-")
for var, sub in [
    ("LATENT_EXPLORER_CACHE_DIR", "cache/decoded"),
    ("XDG_CACHE_HOME", "cache"),
    ("XDG_CONFIG_HOME", "config"),
    ("XDG_DATA_HOME", "data"),
    ("NUMBA_CACHE_DIR", "cache/numba"),
]:
    os.environ[var] = os.path.join(_SANDBOX, sub)
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# a launch from a test never hands its paths to an app the user is running
os.environ["LATENT_EXPLORER_INSTANCE"] = os.path.join(_SANDBOX, "instance")


_COMPILER: subprocess.Popen | None = None
COMPILED = "compiled_numba"  # the fixture of tests that would otherwise compile numba code cold


def pytest_collection_modifyitems(session, config, items):
    """UMAP and pynndescent compile their numba kernels for minutes in a fresh cache. When a
    selected test needs them, one background process (niced, one core) compiles them into the
    session's cache while the other tests run, and the tests that need them run last."""
    global _COMPILER
    needs = [item for item in items if COMPILED in getattr(item, "fixturenames", ())]
    if not needs:
        return
    others = [item for item in items if COMPILED not in getattr(item, "fixturenames", ())]
    items[:] = others + needs
    log = open(os.path.join(_SANDBOX, "numba-warm-up.log"), "wb")
    _COMPILER = subprocess.Popen(
        [sys.executable, "-c", "from latent_explorer.session.warmup import warm_for_install;"
         "print(warm_for_install(), flush=True)"],
        stdout=log, stderr=subprocess.STDOUT,
        preexec_fn=(lambda: os.nice(10)) if os.name == "posix" else None,
    )
    log.close()


def pytest_sessionfinish(session, exitstatus):
    if _COMPILER is not None and _COMPILER.poll() is None:
        _COMPILER.kill()
        _COMPILER.wait()
    shutil.rmtree(_SANDBOX, ignore_errors=True)  # caches and settings of this run only


@pytest.fixture(scope="session")
def compiled_numba():
    """Waits for the background compile (see `pytest_collection_modifyitems`). Had it failed,
    or not finished in 20 minutes (a starved machine: it runs niced), the test compiles what it
    needs itself: slower, and the same result."""
    if _COMPILER is not None:
        try:
            _COMPILER.wait(timeout=1200)
        except subprocess.TimeoutExpired:
            _COMPILER.kill()
            _COMPILER.wait()


LIBRARY_SET = ("KMP_", "TORCHINDUCTOR_")  # set once by torch's first import or compile, not by a test


@pytest.fixture(autouse=True)
def _environment_restored():
    """A test that changes the environment (a variable set and not put back) fails: later tests
    would run in another world than alone (monkeypatch's changes are undone before this check)."""
    before = dict(os.environ)
    yield
    after = dict(os.environ)
    changed = sorted(k for k in before.keys() | after.keys()
                     if before.get(k) != after.get(k) and k != "PYTEST_CURRENT_TEST"
                     and not (k not in before and k.startswith(LIBRARY_SET)))
    assert not changed, f"the test left environment variables changed: {changed}"


@pytest.fixture(scope="session")
def digits():
    from latent_explorer.data.demos import digits as load

    return load(16)


@pytest.fixture(scope="session")
def small_digits(digits):
    """400 digits, enough for a model that trains in a couple of seconds."""
    from latent_explorer.data.dataset import Dataset

    idx = np.arange(400)
    return Dataset(
        images=digits.images[idx],
        labels=digits.labels[idx],
        label_names=digits.label_names,
        paths=[digits.paths[i] for i in idx],
        source=dict(digits.source),
    )


@pytest.fixture(scope="session")
def trained_digits_workspace():
    """A VAE trained briefly on demo:digits through the real pipeline (shared by many tests)."""
    from latent_explorer.pipeline.train import TrainOptions, train_source
    from latent_explorer.infra.tasks import run_task

    return run_task(train_source("demo:digits", TrainOptions(epochs=12, seed=0, threads=1)))


@pytest.fixture(scope="session")
def saved_digits_workspace(trained_digits_workspace, tmp_path_factory):
    from latent_explorer.workspace.session_file import save_workspace

    path = tmp_path_factory.mktemp("ws") / "digits.lexp"
    save_workspace(path, trained_digits_workspace)
    return path
