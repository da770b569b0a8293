"""View ▸ Images as points: each image's own thumbnail at its point, larger as the map zooms in,
following the map, pickable; and the level-of-detail kernels under it (Qt-free)."""
from __future__ import annotations

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QImage

from latent_explorer.gui.render import thumb_lod
from tests.gui.helpers import LONG, hover

N_IMAGES = 60


def solid_folder(root, n=N_IMAGES, seed=3):
    """``n`` images of one colour each, far apart from each other in RGB."""
    rng = np.random.default_rng(seed)
    root.mkdir(parents=True)
    colours = rng.choice(np.arange(8, 248, 8), size=(n, 3))
    for i, c in enumerate(colours):
        Image.fromarray(np.full((24, 24, 3), c, np.uint8)).save(root / f"c{i:03d}.png")
    return root


def rgb(widget) -> np.ndarray:
    img = widget.grab().toImage().convertToFormat(QImage.Format.Format_RGB888)
    a = np.frombuffer(img.constBits(), np.uint8, img.sizeInBytes())
    return a.reshape(img.height(), img.bytesPerLine())[:, :img.width() * 3].reshape(img.height(), -1, 3).copy()


def sprite_box(grab, centre: QPoint, colour, reach: int):
    """The width and height of the pixels of ``colour`` within ``reach`` px of ``centre``."""
    x0, y0 = max(centre.x() - reach, 0), max(centre.y() - reach, 0)
    win = grab[y0:centre.y() + reach, x0:centre.x() + reach].astype(int)
    ys, xs = np.nonzero(np.abs(win - np.asarray(colour, int)).max(axis=2) <= 3)
    if not len(xs):
        return 0, 0
    return xs.max() - xs.min() + 1, ys.max() - ys.min() + 1


@pytest.fixture
def solid_map(window, qtbot, tmp_path):
    root = solid_folder(tmp_path / "solid")
    with qtbot.waitSignal(window.session.map_changed, timeout=LONG):
        window.files.open_folder(str(root))
    qtbot.waitUntil(lambda: window.map_view.point_count() == N_IMAGES, timeout=LONG)
    return window


def test_images_are_drawn_at_their_points_larger_when_zoomed_and_off_restores_the_dots(solid_map, qtbot):
    window = solid_map
    view, layer, session = window.map_view, window.views.thumbnails, window.session
    vb = view.plotItem.vb
    i = int(np.argmin(np.linalg.norm(session.map - session.map.mean(axis=0), axis=1)))  # amid the others
    x, y = (float(v) for v in session.map[i])
    session.select(i)
    colour = session.original(i)[0, 0]
    vb.scaleBy((4, 4), center=(x, y))  # the map seen from afar
    before = rgb(view.viewport())
    with qtbot.waitSignal(layer.drawn, timeout=LONG) as shown:
        window.views.thumbnails_action.trigger()
    assert shown.args[0] >= 10  # many images on screen, not only the selected one
    size = layer.item.size_px
    w, h = sprite_box(rgb(view.viewport()), view.widget_pos_of(i), colour, 2 * size)
    assert size >= 12 and abs(w - size) <= 2 and abs(h - size) <= 2  # image i's own pixels at its point

    with qtbot.waitSignal(layer.drawn, timeout=LONG):
        vb.scaleBy((0.25, 0.25), center=(x, y))
    bigger = layer.item.size_px
    w2, h2 = sprite_box(rgb(view.viewport()), view.widget_pos_of(i), colour, 2 * bigger)
    assert bigger > size and w2 > w and abs(w2 - bigger) <= 2 and abs(h2 - bigger) <= 2

    vb.scaleBy((4, 4), center=(x, y))
    window.views.thumbnails_action.trigger()
    qtbot.waitUntil(lambda: not layer.item.isVisible())
    after = rgb(view.viewport())
    assert sprite_box(after, view.widget_pos_of(i), colour, 2 * size) == (0, 0)
    assert np.abs(after.astype(int) - before.astype(int)).max() <= 2  # the dots as they were


def test_a_sprite_is_picked_as_its_image_and_follows_a_moved_map(solid_map, qtbot):
    window = solid_map
    view, layer, session = window.map_view, window.views.thumbnails, window.session
    with qtbot.waitSignal(layer.drawn, timeout=LONG):
        window.views.thumbnails_action.trigger()
    index, rect = next(iter(layer.item.shown().items()))
    spot = QPointF(rect.left() + 0.2 * rect.width(), rect.top() + 0.2 * rect.height())
    corner = view.mapFromScene(view.plotItem.vb.mapViewToScene(spot))  # inside the sprite, off its point
    with qtbot.waitSignal(view.hovered, timeout=5000, check_params_cb=lambda j: j == index):
        hover(view.viewport(), corner)
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=corner)
    assert session.selected == index

    colour = session.original(index)[0, 0]
    with qtbot.waitSignal(layer.drawn, timeout=LONG):
        session.show_live_map(-session.map)  # a training frame: every point moves
    size = layer.item.size_px
    w, h = sprite_box(rgb(view.viewport()), view.widget_pos_of(index), colour, 2 * size)
    assert abs(w - size) <= 2 and abs(h - size) <= 2


def test_one_image_per_cell_nearest_its_centre_and_stable_when_panning():
    rng = np.random.default_rng(0)
    pos = rng.uniform(0, 10, size=(20_000, 2))
    x, y = pos[:, 0].copy(), pos[:, 1].copy()
    tr = (100.0, 0.0, -100.0, 1000.0)  # 1000 × 1000 px for the data
    chosen = thumb_lod.choose(x, y, None, tr, 1000, 1000, cell=50.0, margin=0.0)
    assert len(chosen) == 400  # one per 50-px cell: 20 × 20
    cells = np.floor(np.c_[x[chosen], y[chosen]] * 2).astype(int)  # 50 px = 0.5 data units
    assert len({tuple(c) for c in cells}) == len(chosen)
    d = np.linalg.norm(pos[chosen] - (cells + 0.5) / 2, axis=1)
    assert np.median(d) < 0.08  # nearest the cell centres (a random point's median: 0.18)
    panned = thumb_lod.choose(x, y, None, (100.0, -137.0, -100.0, 1071.0), 1000, 1000, 50.0, 0.0)
    inside = (100 * x[chosen] - 137 >= 0) & (1071 - 100 * y[chosen] <= 1000)
    assert set(chosen[inside]) <= set(panned)  # what stays on screen keeps its image
    hidden = np.ones(len(x), bool)
    hidden[chosen] = False
    again = thumb_lod.choose(x, y, hidden, tr, 1000, 1000, 50.0, 0.0)
    assert not set(again) & set(chosen) and len(again) == 400  # hidden points give way


def test_grey_and_colour_sprites_keep_their_pixels_and_come_in_budgeted_frames():
    rng = np.random.default_rng(1)
    grey = rng.integers(0, 256, (500, 28, 28, 1), dtype=np.uint8)
    cache = thumb_lod.SpriteCache(grey)
    slots, pool, complete = cache.sprites(28, np.arange(500), budget=200)
    assert not complete and (slots >= 0).sum() == 200
    sprite = pool[slots[0]]
    r, g, b = (sprite >> 16) & 255, (sprite >> 8) & 255, sprite & 255
    assert (r == g).all() and (g == b).all() and (r == grey[0, :, :, 0]).all()
    slots, pool, complete = cache.sprites(28, np.arange(500), budget=400)
    assert complete and (slots >= 0).all()
    small = thumb_lod.SpriteCache(np.full((3, 32, 32, 3), (200, 40, 10), np.uint8)).sprites(12, np.arange(3))[1]
    assert (small[:3] == np.uint32(0xFFC8280A)).all()  # box-filtered down, colour kept, opaque
    x, y = np.array([0.0, 5.0]), np.array([0.0, 5.0])
    img, placed, complete = thumb_lod.render_thumbnails(
        x, y, None, np.full(2, 0xC81F77B4, np.uint32), thumb_lod.SpriteCache(grey[:2]),
        (10.0, 20.0, -10.0, 80.0), 100, 100, 16, selected=1)
    assert complete and list(placed[:, 0]) == [0, 1]  # the selected one last, on top
    _, top, left = placed[0]
    assert img[top + 8, left + 8] == 0xFF000000 | int(grey[0, 14, 14, 0]) * 0x010101
    assert thumb_lod.sprite_at(placed, 16, left + 3, top + 3) == 0
    assert thumb_lod.sprite_at(placed, 16, 0, 0) == -1
