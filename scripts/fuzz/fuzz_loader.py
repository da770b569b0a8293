"""Coverage-guided fuzzing of the image loader (``decode_image``): atheris when it is installed,
else a long hypothesis run. Not part of the test suite (tests/reliability runs a short one).

    # atheris (pip install atheris — kept out of requirements.lock; e.g. into a side folder):
    PYTHONPATH=/tmp/atheris-site .venv/bin/python scripts/fuzz/fuzz_loader.py \\
        -max_total_time=300 -print_final_stats=1 [-workdir=DIR]
    # without atheris, or to force hypothesis:
    .venv/bin/python scripts/fuzz/fuzz_loader.py --examples 50000

The seed corpus is every kind of real file the loader handles (tests/reliability/fuzz_inputs.py).
A failure is anything but an image or an ImageSkip with a documented reason; atheris saves the
input as ``crash-*`` in the working folder (make it a regression test), hypothesis prints it.
"""
from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

SIZES = (1, 7, 16)


def run_hypothesis(work: Path, examples: int) -> int:
    import warnings

    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from tests.reliability.fuzz_inputs import decode_or_skip, hostile_files

    warnings.simplefilter("ignore")
    path = work / "input.img"
    counts = {"loaded": 0, "skipped": 0}
    t0 = time.perf_counter()

    @settings(max_examples=examples, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(data=hostile_files(), size=st.sampled_from(SIZES))
    def one(data, size):
        path.write_bytes(data)
        counts[decode_or_skip(path, size)] += 1

    one()
    took = time.perf_counter() - t0
    print(f"hypothesis: {sum(counts.values())} inputs in {took:.0f} s "
          f"({counts['loaded']} loaded, {counts['skipped']} skipped), no failure")
    return 0


def run_atheris(work: Path, argv: list[str]) -> int:
    import atheris

    with atheris.instrument_imports(include=["PIL", "latent_explorer"]):
        from PIL import Image

        Image.init()  # import every format plugin here, so they are instrumented too
        from latent_explorer.data.images import ImageSkip, decode_image  # noqa: F401

    from tests.reliability.fuzz_inputs import decode_or_skip, image_seeds

    corpus = work / "corpus"
    corpus.mkdir()
    for name, data in image_seeds().items():
        (corpus / name).write_bytes(data)
    path = work / "input.img"

    def test_one_input(data: bytes) -> None:
        if not data:
            return
        path.write_bytes(data[1:])
        decode_or_skip(path, SIZES[data[0] % len(SIZES)])  # the first byte picks the size

    import warnings

    warnings.simplefilter("ignore")
    print(f"corpus and inputs in {work} (kept for the next run; delete it when done)", file=sys.stderr)
    atheris.Setup([argv[0], "-timeout=20", "-rss_limit_mb=4096", "-max_len=65536", *argv[1:], str(corpus)],
                  test_one_input)
    atheris.Fuzz()
    return 0


def main() -> int:
    work = Path(tempfile.mkdtemp(prefix="lexp-fuzz-loader-"))
    os.environ.setdefault("LATENT_EXPLORER_CACHE_DIR", str(work / "cache"))
    examples = int(sys.argv[sys.argv.index("--examples") + 1]) if "--examples" in sys.argv else None
    if examples is None:
        try:
            import atheris  # noqa: F401
        except ImportError:
            print("atheris is not installed: running hypothesis (--examples 20000) instead", file=sys.stderr)
            examples = 20000
    if examples is None:
        return run_atheris(work, sys.argv)
    try:
        return run_hypothesis(work, examples)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
