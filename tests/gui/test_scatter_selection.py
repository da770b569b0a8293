"""Finding points on the map: the nearest point under the cursor in screen pixels, nothing
beside the data, and lasso and box selection by real mouse drags matching a brute-force count."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt

from latent_explorer.gui.map2d.selection_tools import SelectionTool
from latent_explorer.gui.render import hit_test
from latent_explorer.gui.render.hit_test import PointPicker
from tests.gui.scatter_helpers import ISOLATED, brute_in_polygon, drag, make_points, viewport_xy


# ---------------------------------------------------------------------- picking


def test_picker_nearest_and_far_away():
    pos, _ = make_points()
    picker = PointPicker(pos)
    i = 1234
    assert picker.nearest(pos[i, 0] + 1e-6, pos[i, 1], 10, 100, 100) == i
    assert picker.nearest(*ISOLATED, 10, 100, 100) == len(pos) - 1
    assert picker.nearest(1.5, 0.4, 10, 100, 100) is None
    d2 = ((pos[:, 0] - 1.2) * 50) ** 2 + ((pos[:, 1] - 0.5) * 80) ** 2
    assert picker.nearest(1.2, 0.5, 20, 50, 80) == int(np.argmin(d2))
    visible = np.ones(len(pos), bool)
    visible[-1] = False
    picker.set_visible(visible)
    assert picker.nearest(*ISOLATED, 10, 100, 100) is None


def test_item_index_at_uses_screen_pixels(raster):
    plot, item, pos, _ = raster
    vb = plot.plotItem.vb
    iso = vb.mapViewToScene(QPointF(*ISOLATED))
    assert item.index_at(iso + QPointF(6, 0), radius_px=10) == len(pos) - 1
    assert item.index_at(iso + QPointF(0, 30), radius_px=10) == -1


def test_rect_and_polygon_match_brute_force():
    pos, _ = make_points(20_000, seed=3)
    picker = PointPicker(pos)
    expected = np.flatnonzero((pos[:, 0] >= 0.2) & (pos[:, 0] <= 2.4) & (pos[:, 1] >= 0.1) & (pos[:, 1] <= 0.7))
    np.testing.assert_array_equal(picker.in_rect(2.4, 0.7, 0.2, 0.1), expected)
    rng = np.random.default_rng(1)
    for _ in range(20):
        poly = rng.uniform(-0.2, 3.2, (int(rng.integers(3, 30)), 2))
        np.testing.assert_array_equal(picker.in_polygon(poly), brute_in_polygon(pos, poly))


# ---------------------------------------------------------------------- selection by mouse


@pytest.fixture
def tool(raster):
    plot, item, pos, codes = raster
    tool = SelectionTool(plot, item)
    got = []
    tool.selected.connect(lambda idx, kind: got.append((idx, kind)))
    return plot, item, pos, tool, got


def data_of(plot, widget_points):
    vb = plot.plotItem.vb
    return np.array([[q.x(), q.y()] for q in (vb.mapSceneToView(plot.mapToScene(p)) for p in widget_points)])


def test_shift_drag_lassoes_exactly_the_points_inside(tool):
    plot, item, pos, tool, got = tool
    c = viewport_xy(plot, 1.0, 0.5)
    path = [c + QPoint(int(90 * np.cos(a)), int(60 * np.sin(a) + 15 * np.sin(3 * a)))
            for a in np.linspace(0, 2 * np.pi, 40)]
    range_before = plot.plotItem.vb.viewRange()
    drag(plot.viewport(), path, Qt.KeyboardModifier.ShiftModifier)
    assert len(got) == 1 and got[0][1] == "lasso"
    expected = brute_in_polygon(pos, data_of(plot, path))
    assert len(expected) > 100
    np.testing.assert_array_equal(got[0][0], expected)
    assert plot.plotItem.vb.viewRange() == range_before
    assert not tool.active and tool._outline.scene() is None


def test_ctrl_drag_selects_a_box_and_skips_hidden_points(tool):
    plot, item, pos, tool, got = tool
    item.setGroupVisible(1, False)
    a, b = viewport_xy(plot, 0.2, 0.9), viewport_xy(plot, 2.8, 0.3)
    drag(plot.viewport(), [a, a + QPoint(20, 10), b], Qt.KeyboardModifier.ControlModifier)
    assert got[0][1] == "box"
    (x0, y0), (x1, y1) = data_of(plot, [a, b])
    inside = (pos[:, 0] >= x0) & (pos[:, 0] <= x1) & (pos[:, 1] >= y1) & (pos[:, 1] <= y0)
    expected = np.flatnonzero(inside & (np.arange(len(pos)) % 2 == 0))
    assert len(expected) > 100
    np.testing.assert_array_equal(got[0][0], expected)


def test_plain_drag_still_pans_and_lasso_mode_takes_it(tool):
    plot, item, pos, tool, got = tool
    (x0, _), _ = plot.plotItem.vb.viewRange()
    start = viewport_xy(plot, 1.5, 0.5)
    drag(plot.viewport(), [start + QPoint(k * 10, 0) for k in range(8)])
    assert got == []
    assert plot.plotItem.vb.viewRange()[0][0] < x0 - 0.1
    tool.set_mode("lasso")
    c = viewport_xy(plot, 0.5, 0.5)
    drag(plot.viewport(), [c + QPoint(-30, -30), c + QPoint(30, -30), c + QPoint(30, 30), c + QPoint(-30, 30)])
    assert len(got) == 1 and len(got[0][0]) > 50


def test_picker_beside_the_data_finds_nothing_and_reads_nothing_outside():
    """Hovering just past the outermost points crashed the app (an out-of-bounds read in the
    grid kernel at a million points): every side, near and far, answers None or a real point."""
    rng = np.random.default_rng(3)
    pos = rng.normal(size=(200_000, 2)).astype(np.float32)
    picker = PointPicker(pos)
    lo, hi = pos.min(0), pos.max(0)
    span = hi - lo
    for fx, fy in [(1.05, 0.999), (1.05, 0.5), (-0.05, 0.5), (0.5, 1.05), (0.5, -0.05), (1.2, 1.2), (-0.2, -0.2),
                   (30, 0.5), (-30, 0.5), (0.5, 30), (0.5, -30)]:
        x, y = lo + span * np.array([fx, fy])
        assert picker.nearest(float(x), float(y), 3, 100, 100) is None
        assert len(picker.in_rect(float(x), float(y), float(x) + 0.01, float(y) + 0.01)) == 0
    edge = int(np.argmax(pos[:, 0]))
    assert picker.nearest(float(pos[edge, 0]) + 0.02, float(pos[edge, 1]), 5, 100, 100) == edge
    # the kernels index the grid without bounds checks: every cell range must stay inside it
    for lo_, hi_ in [(5.0, 6.0), (-6.0, -5.0), (-1.0, 0.5), (0.2, 9.0), (-9.0, 9.0)]:
        a, b = hit_test._cell_range(lo_, hi_, 0.0, 10.0, 8)
        assert 0 <= a <= 8 and -1 <= b <= 7
