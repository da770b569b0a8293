"""A session remembers the last map of each dimension, and a saved workspace keeps both:
reopening a workspace saved with its 3-D map shows the 2-D one again without computing it."""
from __future__ import annotations

import numpy as np

from latent_explorer.session.session import Session
from latent_explorer.infra.tasks import run_task
from latent_explorer.workspace.session_file import load_workspace
from latent_explorer.workspace import schema
from latent_explorer.workspace.stored_map import restore_map


def test_both_dimensions_are_saved_and_come_back(saved_digits_workspace, tmp_path):
    s = Session()
    s.open(saved_digits_workspace)
    map2d = s.projection
    assert s.maps == {2: map2d}
    run_task(s.map_task(method="pca", dim=3))
    map3d = s.projection
    assert map3d.n_components == 3 and s.maps == {2: map2d, 3: map3d}

    path = s.save(tmp_path / "both.lexp")
    stored = load_workspace(path)
    other = restore_map(stored, schema.OTHER_MAP)
    assert other is not None and np.array_equal(other.embedding_, map2d.embedding_)

    again = Session()
    again.open(path)
    assert again.projection.n_components == 3 and np.array_equal(again.map, map3d.embedding_)
    shown2d = again.maps.get(2)
    assert shown2d is not None and np.array_equal(shown2d.embedding_, map2d.embedding_)
    again.show_map(shown2d)
    assert again.map.shape[1] == 2 and np.array_equal(again.map, map2d.embedding_)


def test_a_workspace_with_one_map_opens_with_only_that_one(saved_digits_workspace, tmp_path):
    s = Session()
    s.open(saved_digits_workspace)
    path = s.save(tmp_path / "one.lexp")
    assert restore_map(load_workspace(path), schema.OTHER_MAP) is None
    again = Session()
    again.open(path)
    assert set(again.maps) == {2}
