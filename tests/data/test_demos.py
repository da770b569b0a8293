"""The built-in sprites demo: rendered in chunks that keep memory bounded, same pixels as one go."""
from __future__ import annotations

import tracemalloc

import numpy as np

from latent_explorer.data import demos


def test_sprites_are_rendered_in_chunks_with_the_same_pixels_as_all_at_once():
    d = demos.sprites(image_size=64, n=150, seed=3)
    step = demos._sprites_per_chunk(64)
    assert 1 < step < 150  # more than one chunk here
    a = d.attributes
    codes = np.array([demos.SPRITE_SHAPES.index(name) for name in np.asarray(d.label_names)[d.labels]])
    whole = demos._render_sprites(64, codes, a["scale"], a["rotation"], a["x"], a["y"])
    assert np.array_equal(d.images[..., 0], whole)
    assert d.images[..., 0].max() == 255 and (d.images > 0).mean() > 0.05  # shapes drawn, not blank


def test_a_large_sprites_demo_stays_within_a_few_hundred_megabytes():
    tracemalloc.start()  # numpy reports its arrays to tracemalloc
    try:
        demos.sprites(image_size=64, n=600)  # 512 sprites in one go peaked at 2.4 GB
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak / 2**20 < 600, f"rendering peaked at {peak / 2**20:.0f} MiB"
