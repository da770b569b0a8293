"""How many threads training takes: the cores other processes keep busy now count, not the load
average, which lags a minute behind a job that has ended."""
from __future__ import annotations

import os
import subprocess
import sys
import time

from latent_explorer.training.device import busy_cores, choose_threads


def test_a_process_spinning_beside_training_counts_as_a_busy_core():
    child = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        time.sleep(0.3)  # started and spinning
        assert busy_cores() >= 0.8
        cores = os.cpu_count() or 1
        assert choose_threads(reserve=0) <= max(1, cores - 1)  # 1 of 2 cores: never oversubscribed
    finally:
        child.kill()
        child.wait()
