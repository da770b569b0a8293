"""Cluster regions on a 2-D map: each blob's region holds its points and no other blob's centre,
strays do not stretch it, a cluster drawn as two islands gets two outlines, regions never
overlap, and the dominant label's share is the true one."""
from __future__ import annotations

import numpy as np
import pytest

from latent_explorer.analysis.maps.regions import contours, inside, map_regions
from latent_explorer.errors import UserError

CENTRES = np.array([[0.0, 0.0], [12.0, 0.0], [0.0, 12.0], [13.0, 13.0]])
SIZES = [500, 300, 200, 80]


def _blobs(seed: int = 0):
    rng = np.random.default_rng(seed)
    truth = np.repeat(np.arange(4), SIZES)
    pos = CENTRES[truth] + rng.normal(size=(len(truth), 2)) * np.array([[1.0, 1.4], [1.2, 0.8], [0.9, 0.9], [0.7, 1.0]])[truth]
    # labels: 80 % of each cluster has its own label, 15 % the next one's, 5 % none
    labels = truth.copy()
    for c, (start, n) in enumerate(zip(np.cumsum([0] + SIZES[:-1]), SIZES)):
        labels[start + int(0.80 * n): start + int(0.95 * n)] = (c + 1) % 4
        labels[start + int(0.95 * n): start + n] = -1
    medoids = np.array([np.flatnonzero(truth == c)[np.argmin(np.linalg.norm(pos[truth == c] - CENTRES[c], axis=1))]
                        for c in range(4)])
    return pos, truth, labels, medoids


def test_each_blob_gets_a_region_holding_its_points_and_no_other_centre():
    pos, truth, labels, medoids = _blobs()
    strays = np.array([[40.0, -30.0], [-35.0, 30.0]])  # two far members of cluster 0
    pos, truth, labels = np.concatenate([pos, strays]), np.append(truth, [0, 0]), np.append(labels, [0, 0])
    regions = map_regions(pos, truth, medoids, labels)
    assert [r.cluster for r in regions] == [0, 1, 2, 3]
    for r in regions:
        members = truth == r.cluster
        held = r.contains(pos[members]).mean()
        assert held >= 0.9, (r.cluster, held)
        assert r.contains(CENTRES[r.cluster:r.cluster + 1])[0] and r.contains(r.anchor[None])[0]
        others = np.delete(CENTRES, r.cluster, axis=0)
        assert not r.contains(others).any()
        assert r.members == members.sum() and r.medoid == medoids[r.cluster]
        # a true share: 80 % of the labelled 95 % carry the cluster's own label
        own = (labels[members] == r.cluster).sum()
        labelled = (labels[members] >= 0).sum()
        assert r.label == r.cluster and r.label_count == own and r.labelled == labelled
        assert r.purity == pytest.approx(own / labelled)
    # the strays stay outside: the region is not their hull
    assert not regions[0].contains(strays).any()
    loops = np.concatenate(regions[0].outline)
    assert np.ptp(loops[:, 0]) < 12 and np.ptp(loops[:, 1]) < 14


def test_weighted_purity_equals_the_clusterings_purity():
    from latent_explorer.analysis.latent.clusters import Clustering, cluster_latents

    pos, truth, labels, medoids = _blobs(1)
    found: Clustering = cluster_latents(pos, "kmeans", n_clusters=4, labels=labels)
    regions = map_regions(pos, found.labels, found.medoids, labels)
    overall = found.purity
    assert sum(r.label_count for r in regions) / sum(r.labelled for r in regions) == pytest.approx(overall)


def test_two_islands_get_two_outlines_and_nothing_between():
    rng = np.random.default_rng(2)
    pos = np.concatenate([rng.normal(size=(200, 2)) + [-10, 0], rng.normal(size=(200, 2)) + [10, 0],
                          rng.normal(size=(300, 2)) + [0, 10]])
    truth = np.repeat([0, 1], [400, 300])
    (region, _) = map_regions(pos, truth, [0, 400])
    assert len(region.outline) == 2
    assert region.contains([[-10, 0], [10, 0]]).all()
    assert not region.contains([[0, 0]])[0]  # a convex hull would hold the gap


def test_touching_clusters_do_not_overlap_and_noise_is_in_no_region():
    rng = np.random.default_rng(3)
    pos = np.concatenate([rng.normal(size=(400, 2)) + [-1.2, 0], rng.normal(size=(400, 2)) + [1.2, 0],
                          rng.uniform(-8, 8, size=(60, 2))])
    truth = np.repeat([0, 1, -1], [400, 400, 60])
    regions = map_regions(pos, truth, [0, 400])
    assert len(regions) == 2 and [r.members for r in regions] == [400, 400]
    grid = np.stack(np.meshgrid(np.linspace(-6, 6, 61), np.linspace(-6, 6, 61)), -1).reshape(-1, 2)
    a, b = regions[0].contains(grid), regions[1].contains(grid)
    assert a.any() and b.any() and not (a & b).any()
    assert regions[0].contains([[-2.5, 0]])[0] and regions[1].contains([[2.5, 0]])[0]
    assert regions[0].label is None and regions[0].purity is None


def test_moved_positions_move_the_regions_and_unplaced_points_are_skipped():
    pos, truth, labels, medoids = _blobs(4)
    moved = pos * 3 + [100, -50]
    moved[:5] = np.nan
    regions = map_regions(moved, truth, medoids, labels)
    for r in regions:
        assert r.contains(CENTRES[r.cluster:r.cluster + 1] * 3 + [100, -50])[0]
        assert r.members == SIZES[r.cluster]  # every member counts, placed or not


def test_contours_trace_a_disc():
    yy, xx = np.mgrid[0:60, 0:80]
    field = 20.0 - np.hypot(xx - 40.0, yy - 30.0)
    (loop,) = contours(field)
    r = np.hypot(loop[:, 1] - 40, loop[:, 0] - 30)
    assert np.all(np.abs(r - 20) < 0.1)
    assert inside([loop], [[30, 40]])[0] and not inside([loop], [[30, 65]])[0]
    ring = np.minimum(field, np.hypot(xx - 40.0, yy - 30.0) - 8.0)  # a disc with a hole: two loops
    loops = contours(ring)
    assert len(loops) == 2 and not inside(loops, [[30, 40]])[0] and inside(loops, [[30, 55]])[0]


def test_bad_input_is_refused():
    pos, truth, labels, medoids = _blobs()
    with pytest.raises(UserError):
        map_regions(np.zeros((len(pos), 3)), truth, medoids)
    with pytest.raises(UserError):
        map_regions(pos[:-1], truth, medoids)
    with pytest.raises(UserError):
        map_regions(pos, truth, medoids[:2])
    with pytest.raises(UserError):
        map_regions(pos, truth, medoids, labels[:-1])
