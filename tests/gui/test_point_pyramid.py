"""Maps with far more points than pixels draw from a level-of-detail pyramid (#17, stretch):
the same picture as visiting every point, up to a pixel, without visiting them."""
from __future__ import annotations

import numpy as np

from latent_explorer.gui.render import point_pyramid
from latent_explorer.gui.render.point_colours import premultiplied_argb
from latent_explorer.gui.render.point_pyramid import PointPyramid
from latent_explorer.gui.render.scatter_raster import render_points
from tests.gui.scatter_helpers import BLUE, RED, grab, lit, rgba, widget_xy

W, H = 400, 300
NONE = np.zeros(0, np.int64)


def cloud(n: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    x, y = rng.normal(size=n), rng.normal(size=n) * 0.6
    palette = premultiplied_argb(np.array([[31, 119, 180, 200], [255, 127, 14, 200], [44, 160, 44, 200]], np.uint8))
    return x, y, palette[rng.integers(0, 3, n)]


def draw(x, y, colours, zoom: float, pyramid=None, visible=None) -> np.ndarray:
    transform = (W / 8 * zoom, W / 2 + 3.3, -H / 8 * zoom, H / 2 - 1.7)
    return render_points(x, y, colours, visible, NONE, np.uint32(0), transform, W, H, 4, {}, pyramid).copy()


def test_zoomed_in_the_pyramid_draws_exactly_what_every_point_draws(monkeypatch):
    monkeypatch.setattr(point_pyramid, "EXACT_POINTS", 10**9)  # every view: each point at its position
    x, y, colours = cloud(200_000)
    pyramid = PointPyramid(x, y, finest=512)
    hidden = np.random.default_rng(1).random(len(x)) < 0.3
    for zoom in (0.5, 4.0, 16.0):
        assert np.array_equal(draw(x, y, colours, zoom, pyramid), draw(x, y, colours, zoom))
    pyramid.set_visible(~hidden)
    assert np.array_equal(draw(x, y, colours, 4.0, pyramid, ~hidden), draw(x, y, colours, 4.0, visible=~hidden))


def test_zoomed_out_its_cells_light_the_same_pixels_but_a_few_at_the_edges(monkeypatch):
    """Measured: 5–8 % of the lit pixels differ (a cell's point drawn over the cell, at most
    1.5 px wide), 10–31 % show another of the points there."""
    monkeypatch.setattr(point_pyramid, "EXACT_POINTS", 1_000)  # every view from the cells
    x, y, colours = cloud(200_000)
    pyramid = PointPyramid(x, y)
    for zoom in (0.25, 0.5, 1.0, 2.0):
        plain, lod = draw(x, y, colours, zoom), draw(x, y, colours, zoom, pyramid)
        lit_pixels = lit_mask(plain).sum()
        assert lit_pixels > 0.02 * plain.size
        assert (lit_mask(plain) != lit_mask(lod)).sum() < 0.12 * lit_pixels
        assert (plain != lod).sum() < 0.4 * lit_pixels


def lit_mask(img: np.ndarray) -> np.ndarray:
    return img != 0


def test_a_big_map_draws_through_the_pyramid_and_hides_a_group(plot):
    from latent_explorer.gui.map2d.scatter import RasterScatterItem

    rng = np.random.default_rng(0)
    red = rng.normal([0.5, 0.5], 0.15, size=(30_000, 2))
    blue = rng.normal([2.5, 0.5], 0.15, size=(30_000, 2))
    item = RasterScatterItem(size_px=5)
    item.pyramid_from = 50_000  # as a map of millions does
    item.setData(np.vstack([red, blue]), colors=np.repeat([0, 1], 30_000), palette=[RED, BLUE])
    plot.addItem(item)
    image = grab(plot)
    assert item.pyramid() is not None
    assert rgba(image, widget_xy(plot, 0.5, 0.5)) == RED and rgba(image, widget_xy(plot, 2.5, 0.5)) == BLUE
    item.setGroupVisible(0, False)
    image = grab(plot)
    assert not lit(image, widget_xy(plot, 0.5, 0.5)) and rgba(image, widget_xy(plot, 2.5, 0.5)) == BLUE
    item.pyramid_from = 10**9
    assert item.pyramid() is None  # a small map visits its points
