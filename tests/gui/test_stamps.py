"""The two ways of stamping points' footprints draw the same picture (`gui/render/stamps.py`)."""
from __future__ import annotations

import numpy as np
import pytest

from latent_explorer.gui.render.stamps import stamp, stamp_dense, stamp_offsets, stamp_spans


@pytest.mark.parametrize("size", [1, 2, 3, 4, 6, 9])
@pytest.mark.parametrize("lit", [0.02, 0.6, 1.0])
def test_dense_stamping_draws_what_stamping_each_point_draws(size, lit):
    rng = np.random.default_rng(size)
    dy, dx = stamp_offsets(size)
    pad = int(max(np.abs(dy).max(), np.abs(dx).max()))
    shape = (40 + 2 * pad, 57 + 2 * pad)
    for dtype in (np.int32, np.int64):  # the 2-D map's indices, the 3-D map's depth keys
        centre = np.where(rng.random(shape) < lit, rng.integers(0, 10**6, shape), -1).astype(dtype)
        each = np.empty((shape[0] + 2 * pad, shape[1] + 2 * pad), dtype)
        dense = np.empty_like(each)
        stamp(centre, pad, *stamp_spans(size), each)
        stamp_dense(centre, pad, *stamp_spans(size), dense)
        assert (each >= 0).any() and np.array_equal(each, dense)
