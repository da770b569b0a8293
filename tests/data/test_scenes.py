"""The built-in scenes demo: a small object on a floor before a wall, in colour, with its factors."""
from __future__ import annotations

import time

import numpy as np
import pytest

from latent_explorer.data import demos, scenes
from latent_explorer.data.sources import open_source
from latent_explorer.errors import UserError
from latent_explorer.infra.tasks import run_task

FACTORS = ("floor_hue", "wall_hue", "object_hue", "scale", "x", "y")


def test_scenes_are_the_same_for_a_seed_and_differ_between_seeds():
    a, b, c = demos.scenes(32, n=200, seed=1), demos.scenes(32, n=200, seed=1), demos.scenes(32, n=200, seed=2)
    assert np.array_equal(a.images, b.images) and np.array_equal(a.labels, b.labels)
    assert all(np.array_equal(a.attributes[k], b.attributes[k]) for k in FACTORS)
    assert not np.array_equal(a.images, c.images)


def test_two_thousand_scenes_of_32_px_take_under_three_seconds():
    demos.scenes(32, n=100)  # imports and first calls, untimed
    t0 = time.perf_counter()
    d = demos.scenes(32, n=2000)
    seconds = time.perf_counter() - t0
    assert d.images.shape == (2000, 32, 32, 3) and d.images.dtype == np.uint8
    assert seconds < 3.0, f"2,000 scenes took {seconds:.2f} s"


def test_factors_are_attributes_and_the_shape_is_the_label():
    d = demos.scenes(32, n=600, seed=0)
    assert sorted(d.attributes) == sorted(FACTORS)
    for k in FACTORS:
        v = d.attributes[k]
        assert v.shape == (600,) and v.dtype == np.float64 and 0 <= v.min() and v.max() <= 1 and v.std() > 0.2
    assert d.label_names == list(scenes.SCENE_SHAPES) == ["cube", "cylinder", "sphere"]
    assert np.array_equal(d.categories["shape"], d.labels)
    assert d.category_names["shape"] == d.label_names
    counts = np.bincount(d.labels, minlength=3)
    assert counts.min() >= 0.8 * 200 and counts.max() <= 1.2 * 200, counts  # balanced: about 1/3 each
    assert d.source == {"kind": "demo", "name": "scenes", "image_size": 32, "params": {"n": 600, "seed": 0}}
    assert len(d.paths) == 600


def test_the_object_is_visible_against_its_empty_room():
    f = scenes.sample_factors(300, seed=4)
    full, empty = scenes.render_scenes(32, f), scenes.render_scenes(32, f, draw_object=False)
    diff = np.abs(full.astype(int) - empty.astype(int)).max(axis=3)  # (N, H, W)
    changed = (diff > 40).sum(axis=(1, 2))  # pixels the object (or its shadow) clearly changes
    assert changed.min() >= 8, changed.min()  # even the smallest object at the back is seen
    assert changed.max() <= 0.25 * 32 * 32  # and it stays small: most of the image is the room
    # a bigger object changes more pixels
    big = f["scale"] > 0.75
    small = f["scale"] < 0.25
    assert changed[big].mean() > 2 * changed[small].mean()


def test_the_images_are_colour_with_a_floor_darker_toward_the_back():
    d = demos.scenes(32, n=300, seed=0)
    img = d.images.astype(np.float64)
    assert d.channels == 3
    spread = img.max(axis=3) - img.min(axis=3)  # 0 for a grey pixel
    assert np.median(spread) > 40
    hue_walls = np.abs(img[:, 2].mean(axis=1) - img[:, 2].mean(axis=(0, 1)))  # wall colours differ
    assert hue_walls.mean() > 20
    luma = img @ np.array([0.299, 0.587, 0.114])
    back, front = luma[:, 17].mean(axis=1), luma[:, 31].mean(axis=1)  # floor rows, edges included
    assert (back < front).mean() > 0.95


def test_the_scenes_demo_loads_by_name_with_its_parameters_and_in_grey_when_asked():
    name, params = demos.parse_demo("demo:scenes?n=150&seed=3")
    assert name == "scenes" and params == {"n": 150, "seed": 3}
    d = run_task(open_source("demo:scenes?n=150&seed=3"))
    assert d.images.shape == (150, 32, 32, 3)
    assert np.array_equal(d.images, demos.scenes(32, n=150, seed=3).images)
    assert demos.load_demo("scenes", 48, n=100).images.shape == (100, 48, 48, 3)
    grey = run_task(open_source("demo:scenes?n=150&seed=3", color="grey"))
    assert grey.images.shape == (150, 32, 32, 1) and grey.source["color"] == "grey"
    with pytest.raises(UserError):
        demos.scenes(32, n=50)


def test_scenes_are_rendered_in_chunks_with_the_same_pixels_as_one_at_a_time():
    f = scenes.sample_factors(40, seed=5)
    whole = scenes.render_scenes(64, f)  # 64 px: more than one chunk
    assert scenes.CHUNK_PIXELS // (64 * 4) ** 2 < 40
    one = np.concatenate([scenes.render_scenes(64, {k: v[i : i + 1] for k, v in f.items()}) for i in range(40)])
    assert np.array_equal(whole, one)
