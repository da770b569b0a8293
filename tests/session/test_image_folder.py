"""Without a window: a workspace whose image folder moved opens, says how many images are
missing, and `relocate_task` points it at the folder where they are now (same names and sizes)."""
from __future__ import annotations

import os
import shutil

import numpy as np
import pytest
from PIL import Image

from latent_explorer.errors import UserError
from latent_explorer.infra.tasks import run_task
from latent_explorer.session.image_folder import PREPARED_KEY, find_missing, relocate_task
from latent_explorer.session.session import Session


@pytest.fixture
def moved(tmp_path):
    """A pixel-map workspace of a folder of 12 pictures, saved, then the folder renamed."""
    from latent_explorer.pipeline.pixels import pixel_workspace
    from latent_explorer.workspace.session_file import save_workspace
    from tests.folders import load_folder_sync

    folder = tmp_path / "pictures"
    folder.mkdir()
    rng = np.random.default_rng(1)
    for i in range(12):
        Image.fromarray((rng.random((12, 12, 3)) * 255).astype(np.uint8)).save(folder / f"p{i}.png")
    save_workspace(tmp_path / "w.lexp", pixel_workspace(load_folder_sync(folder, image_size=12, cache=False)))
    shutil.move(str(folder), str(tmp_path / "renamed"))
    return str(tmp_path / "w.lexp"), str(tmp_path / "renamed")


def test_a_moved_folder_is_counted_and_relocated(moved):
    path, folder = moved
    s = Session()
    s.open(path)
    assert s.n_points == 12 and not s.has_images
    missing = s.prepared.get(PREPARED_KEY) or find_missing(s.workspace, s.dataset)
    assert (missing.missing, missing.total, missing.folder_gone) == (12, 12, True)
    assert "12 of 12 images are missing" in missing.text()

    with pytest.raises(UserError, match="12 of 12 images are not there"):
        run_task(relocate_task(s, os.path.dirname(folder)))
    assert not s.has_images and not s.dirty

    run_task(relocate_task(s, folder))
    assert s.has_images and s.dirty and s.n_points == 12
    assert s.workspace.dataset.source["root"] == folder
    assert find_missing(s.workspace, s.dataset) is None
    s.save(path)  # and it opens from there from now on
    again = Session()
    again.open(path)
    assert again.has_images
