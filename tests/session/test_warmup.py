"""The app's start-up warm-up takes what the first training would otherwise import in its own
thread: an optimizer's first step imports torch._dynamo and sympy (1.8 s, holding the GIL in
stretches while the GUI thread waits)."""
from __future__ import annotations

import json
import subprocess
import sys

CHILD = """
import json, sys
from latent_explorer.session.warmup import warm_up_maps
before = {m: m in sys.modules for m in ("torch._dynamo", "sympy")}
warm_up_maps()
print(json.dumps({"before": before, "after": {m: m in sys.modules for m in ("torch._dynamo", "sympy")}}))
"""


def test_the_warm_up_imports_what_the_first_optimizer_step_needs(compiled_numba):
    done = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["before"] == {"torch._dynamo": False, "sympy": False}
    assert seen["after"] == {"torch._dynamo": True, "sympy": True}
