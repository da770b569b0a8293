"""Trained workspaces the app-level figures open, made once per run in its work folder (the
figures run one after another, each in its own process) and reused by the next figure."""
from __future__ import annotations

import time
from pathlib import Path


def trained_workspace(workdir: Path, name: str, source: str, **options) -> tuple[Path, dict]:
    """``workdir/name.lexp`` trained on ``source`` with TrainOptions ``options`` (made on the
    first call); returns its path and how it was made."""
    path = Path(workdir) / f"{name}.lexp"
    info = {"source": source, **options}
    if path.exists():
        return path, info
    from latent_explorer.pipeline.train import TrainOptions, train_source
    from latent_explorer.session.session import Session
    from latent_explorer.infra.tasks import run_task

    t0 = time.perf_counter()
    ws = run_task(train_source(source, TrainOptions(seed=0, threads=1, **options)))
    session = Session()
    run_task(session.adopt_task(ws))
    session.save(path)
    info["made_in_s"] = round(time.perf_counter() - t0, 2)
    return path, info


def workspace_64(workdir: Path, quick: bool) -> tuple[Path, dict]:
    """A VAE on 64×64 sprites, one epoch: the decode cost is what these figures measure."""
    n = 300 if quick else 1000
    return trained_workspace(workdir, f"sprites64_{n}", f"demo:sprites?n={n}", image_size=64, epochs=1)


def workspace_digits(workdir: Path) -> tuple[Path, dict]:
    return trained_workspace(workdir, "digits", "demo:digits", epochs=2)
