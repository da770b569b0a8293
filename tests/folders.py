"""`load_folder` driven to its end, as the tests call it (the app and the CLI drive it as a task)."""
from __future__ import annotations

from latent_explorer.data.folder import load_folder
from latent_explorer.infra.tasks import run_task


def load_folder_sync(root, image_size=64, color="auto", cache=None, workers=None, cancel=None, on_progress=None):
    return run_task(load_folder(root, image_size, color, cache, workers, cancel), on_progress)
