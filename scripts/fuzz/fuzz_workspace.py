"""Coverage-guided fuzzing of the workspace reader (``load_workspace``, then opening the result
as the app does): atheris when installed, else a long hypothesis run. Not part of the test suite
(tests/reliability runs a short one).

    PYTHONPATH=/tmp/atheris-site .venv/bin/python scripts/fuzz/fuzz_workspace.py \\
        -max_total_time=300 -print_final_stats=1 [--seed-workspace run.lexp]
    .venv/bin/python scripts/fuzz/fuzz_workspace.py --examples 5000 [--seed-workspace run.lexp]

The seed is a real workspace (by default a VAE trained for one epoch on demo:digits). Besides
libFuzzer's blind mutations, a structure-aware mutator edits the manifest JSON, one entry's
header or data, or the set of entries, and writes the zip again with valid CRCs, so inputs get
past the zip layer into the reader. A failure is anything but a usable workspace or one
WorkspaceError/UserError; atheris saves it as ``crash-*`` (make it a regression test).
"""
from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))


def _option(name: str, default=None):
    if name in sys.argv:
        i = sys.argv.index(name)
        value = sys.argv[i + 1]
        del sys.argv[i : i + 2]
        return value
    return default


def make_seed(path: str) -> None:
    from latent_explorer.pipeline.train import TrainOptions, train_source
    from latent_explorer.infra.tasks import run_task
    from latent_explorer.workspace.session_file import save_workspace

    save_workspace(path, run_task(train_source("demo:digits", TrainOptions(epochs=1, seed=0, threads=1))))


def seed_workspace(given: str | None, work: Path) -> bytes:
    """The seed's bytes; made in another process, so that this one imports the reader only
    where atheris instruments it."""
    if not given:
        given = str(work / "seed.lexp")
        subprocess.run([sys.executable, __file__, "--make-seed", given], check=True)
    return Path(given).read_bytes()


def run_hypothesis(seed: bytes, work: Path, examples: int) -> int:
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from tests.reliability.fuzz_inputs import mutate_workspace, open_or_refuse

    path = work / "input.lexp"
    counts = {"opened": 0, "refused": 0}
    t0 = time.perf_counter()

    @settings(max_examples=examples, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(rnd_seed=st.integers(0, 2**64), rounds=st.integers(1, 4))
    def one(rnd_seed, rounds):
        rnd, data = random.Random(rnd_seed), seed
        for _ in range(rounds):
            data = mutate_workspace(data, rnd)
        path.write_bytes(data)
        counts[open_or_refuse(path)] += 1

    one()
    took = time.perf_counter() - t0
    print(f"hypothesis: {sum(counts.values())} inputs in {took:.0f} s "
          f"({counts['opened']} opened, {counts['refused']} refused), no failure")
    return 0


def run_atheris(seed: bytes, work: Path) -> int:
    import atheris
    import numpy  # noqa: F401 - big libraries first, uninstrumented
    import safetensors.numpy  # noqa: F401
    import sklearn.decomposition  # noqa: F401
    import torch  # noqa: F401

    with atheris.instrument_imports(include=["latent_explorer", "zipfile"]):
        import zipfile  # noqa: F401

        from latent_explorer.workspace import session_file  # noqa: F401

    from tests.reliability.fuzz_inputs import mutate_workspace, open_or_refuse

    corpus = work / "corpus"
    corpus.mkdir(exist_ok=True)
    (corpus / "seed.lexp").write_bytes(seed)
    path = work / "input.lexp"

    def test_one_input(data: bytes) -> None:
        path.write_bytes(data)
        open_or_refuse(path)

    def mutator(data: bytes, max_size: int, rnd_seed: int) -> bytes:
        rnd = random.Random(rnd_seed)
        if rnd.random() < 0.7:
            out = mutate_workspace(data, rnd)
        else:
            out = atheris.Mutate(data, max_size)
        return out[:max_size]

    import warnings

    warnings.simplefilter("ignore")
    print(f"corpus and inputs in {work} (kept for the next run; delete it when done)", file=sys.stderr)
    atheris.Setup([sys.argv[0], "-timeout=60", "-rss_limit_mb=8192", f"-max_len={2 * len(seed)}",
                   *sys.argv[1:], str(corpus)], test_one_input, custom_mutator=mutator)
    atheris.Fuzz()
    return 0


def main() -> int:
    target = _option("--make-seed")
    if target:
        make_seed(target)
        return 0
    examples = _option("--examples")
    given = _option("--seed-workspace")
    if examples is None:
        try:
            import atheris  # noqa: F401
        except ImportError:
            print("atheris is not installed: running hypothesis (--examples 5000) instead", file=sys.stderr)
            examples = "5000"
    work = Path(tempfile.mkdtemp(prefix="lexp-fuzz-workspace-"))
    os.environ.setdefault("LATENT_EXPLORER_CACHE_DIR", str(work / "cache"))
    if examples is None:
        return run_atheris(seed_workspace(given, work), work)
    try:
        return run_hypothesis(seed_workspace(given, work), work, int(examples))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
