"""Steering and decoding anywhere, headless: a Session without Qt, a real trained model."""
from __future__ import annotations

import numpy as np
import pytest

from latent_explorer.analysis.directions.direction_set import directions_from_state, directions_to_state
from latent_explorer.analysis.maps.projection import Projection
from latent_explorer.errors import UserError
from latent_explorer.session.map_decoder import MapDecoder
from latent_explorer.session.steering import STRENGTH_LIMIT, Steering
from latent_explorer.session.session import Session


@pytest.fixture
def steered(saved_digits_workspace):
    s = Session()
    st = Steering(s)
    s.open(saved_digits_workspace)
    return s, st


def test_a_workspace_brings_directions_for_labels_pcs_and_dimensions(steered):
    _, st = steered
    kinds = [d.kind for d in st.directions]
    assert kinds.count("mean-diff") == 10 and kinds.count("pca") == 5 and kinds.count("dimension") == 5
    label_scores = [d.score for d in st.directions if d.kind == "mean-diff"]
    assert np.mean(label_scores) > 0.75  # held-out balanced accuracy of "toward k"


def test_strengths_move_the_latent_in_spreads_and_the_point_on_the_pca_map(steered):
    s, st = steered
    s.select(11)
    e0 = st.edit
    assert e0.is_identity and np.allclose(e0.position, s.map[11])
    d = st.directions[2]
    st.set_strength(2, 1.5)
    e = st.edit
    assert np.isclose(d.project(e.latent) - d.project(e0.origin_latent), 1.5 * d.spread)
    exact = s.projection.transform(e.latent[None].astype(np.float32))[0]
    assert np.allclose(e.position, exact, atol=1e-4)
    st.set_strength(2, 99)
    assert st.edit.strengths[2] == STRENGTH_LIMIT  # clipped, not wild
    st.checkpoint()
    st.set_strength(4, -1)
    assert st.undo() and st.edit.strengths[4] == 0 and st.edit.strengths[2] == STRENGTH_LIMIT
    st.reset()
    assert st.edit.is_identity
    s.select(-1)
    assert st.edit is None
    with pytest.raises(UserError, match="select an image"):
        st.set_strength(0, 1.0)


def test_an_edit_says_how_far_a_limited_push_really_moved(steered):
    s, st = steered
    d = st.directions[0]  # "toward 0": stops at the 0s' 90th percentile
    lo, hi = d.limits
    labels = np.asarray(s.workspace.dataset.labels)
    along = d.project(s.workspace.latents.mean)
    i = int(np.flatnonzero((labels != 0) & (along < hi - 0.5 * d.spread) & (along > hi - 2.5 * d.spread))[0])
    s.select(i)
    st.set_strength(0, 3.0)
    e = st.edit
    assert np.isclose(e.applied_strength(0), (hi - along[i]) / d.spread)
    assert 0 < e.applied_strength(0) < 3.0 - 1e-3 and e.strengths[0] == 3.0
    st.set_strength(5, 2.0)  # a principal direction has no limit: applied as asked
    assert np.isclose(st.edit.applied_strength(5), 2.0) and np.isclose(st.edit.applied_strength(0), e.applied_strength(0))


def test_an_edited_image_changes_with_the_strength(steered):
    s, st = steered
    s.select(0)
    a = st.render().astype(int)
    st.set_strength(0, 2.0)
    b = st.render().astype(int)
    assert a.shape == b.shape == (16, 16, 1) and np.abs(a - b).mean() > 3


def test_placing_on_a_nonlinear_map_lands_among_the_neighbours(saved_digits_workspace, trained_digits_workspace):
    ws = trained_digits_workspace
    z = ws.latents.mean
    emb = np.random.default_rng(0).normal(size=(len(z), 2)).astype(np.float32)
    proj = Projection.from_state(
        {"method": "tsne", "n_components": 2, "params": {}, "n_points": len(z), "latents_digest": "x"},
        {"embedding": emb},
    )
    dec = MapDecoder(None, z, proj)
    assert np.allclose(dec.place(z[:5]), emb[:5])  # a data latent sits on its own point
    mid = dec.place((z[0] + z[1]) / 2)[0]
    assert np.all(mid >= emb.min(0)) and np.all(mid <= emb.max(0))
    with pytest.raises(UserError, match="dimensions"):
        dec.place(np.zeros((1, 3)))


def test_decoded_atlas_covers_the_map_and_trusts_where_decodes_are_faithful(steered):
    """The middle of this PCA map is where the digits overlap: held-out images there decode
    faithfully (image left out) about a fifth of the time, at the rim half the time. The atlas
    reads the same: a position whose neighbours are unlike does not say which image lies there."""
    s, st = steered
    centres, images, conf = st.decoder.atlas(12)
    assert centres.shape == (144, 2) and images.shape == (144, 16, 16, 1)
    assert st.decoder.calibration is not None

    def middle(positions):
        return (np.abs(positions - np.median(s.map, 0)) < np.std(s.map, 0)).all(1)

    checked = st.decoder.calibration.samples
    held = checked["hole"] == 0
    inner = middle(s.map[checked["image"][held]])
    faithful = checked["event"][held]
    assert faithful[~inner].mean() - faithful[inner].mean() > 0.2
    tiles = middle(centres)
    assert conf[~tiles].mean() - conf[tiles].mean() > 0.1


def test_saved_directions_round_trip_and_damaged_ones_are_refused(steered):
    _, st = steered
    meta, units = directions_to_state(st.directions)
    back = directions_from_state(meta, units, units.shape[1])
    assert [d.name for d in back] == [d.name for d in st.directions]
    assert np.allclose(back[0].unit, st.directions[0].unit)
    assert back[0].limits == st.directions[0].limits and back[0].limits is not None  # "toward 0" stops there
    meta[0].pop("limits")  # saved before directions had limits: pushed without them
    assert directions_from_state(meta, units, units.shape[1])[0].limits is None
    with pytest.raises(UserError, match="damaged"):
        directions_from_state([{**meta[1], "limits": [1.0, float("nan")]}], units[1:2], units.shape[1])
    for spread in (0.0, -1.0, float("nan")):  # pushes are measured in it
        with pytest.raises(UserError, match="damaged"):
            directions_from_state([{**meta[1], "spread": spread}], units[1:2], units.shape[1])
    with pytest.raises(UserError, match="do not fit"):
        directions_from_state(meta, units[:, :3], units.shape[1])
    with pytest.raises(UserError, match="damaged"):
        directions_from_state([{"name": "x"}], units[:1], units.shape[1])
    with pytest.raises(UserError, match="damaged"):
        directions_from_state("nonsense", units, units.shape[1])


def test_a_direction_from_two_selections_becomes_a_slider(steered):
    s, st = steered
    labels = s.dataset.labels
    a, b = np.flatnonzero(labels == 1)[:30], np.flatnonzero(labels == 7)[:30]
    s.select(int(a[0]))
    i = st.direction_from_selections(a, b)
    assert st.directions[i].name == "A → B #1" and len(st.edit.strengths) == len(st.directions)
    assert s.dirty
    with pytest.raises(UserError, match="two groups"):
        st.direction_from_selections([], b)
