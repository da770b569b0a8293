"""The map's fast point layer: pixels drawn where the points are, in their colours; hiding,
highlighting, panning; hit-testing; lasso and box selection by real mouse drags; the choice
between the raster and the OpenGL path (the GL drawing itself runs in a child process on an X
display, since this process's Qt platform is offscreen)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication

from latent_explorer.gui.render import hit_test
from latent_explorer.gui.render.hit_test import PointPicker
from latent_explorer.gui.map2d.scatter import (GLScatterItem, RasterScatterItem, choose_renderer, legend_proxy,
                                         make_scatter_item, renderer_info)
from latent_explorer.gui.map2d.selection_tools import SelectionTool

RED, BLUE, GREEN = (220, 20, 20, 255), (20, 20, 220, 255), (0, 160, 0, 255)
WHITE = (255, 255, 255, 255)
ISOLATED = (1.5, 1.2)


def make_points(n=10_000, seed=0):
    """Red points fill [0,1]², blue ones [2,3]×[0,1]; the last point sits alone between them."""
    rng = np.random.default_rng(seed)
    codes = (np.arange(n) % 2).astype(np.int64)
    pos = rng.uniform(0, 1, (n, 2))
    pos[codes == 1, 0] += 2
    pos[-1] = ISOLATED
    return pos, codes


@pytest.fixture
def plot(qtbot):
    w = pg.PlotWidget(background="w")
    w.resize(420, 320)
    w.setRange(xRange=(-0.5, 3.5), yRange=(-0.5, 1.7), padding=0)
    w.plotItem.vb.setMouseEnabled(True, True)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    return w


@pytest.fixture
def raster(plot):
    pos, codes = make_points()
    item = RasterScatterItem(size_px=5)
    item.setData(pos, colors=codes, palette=[RED, BLUE])
    plot.addItem(item)
    return plot, item, pos, codes


def grab(widget):
    QApplication.processEvents()
    return widget.grab().toImage()


def viewport_xy(plot, x, y) -> QPoint:
    """The viewport pixel (where mouse events go) that contains data point (x, y)."""
    p = plot.viewportTransform().map(plot.plotItem.vb.mapViewToScene(QPointF(x, y)))
    return QPoint(int(np.floor(p.x())), int(np.floor(p.y())))


def widget_xy(plot, x, y) -> QPoint:
    """Where data point (x, y) is on the widget's grab() (the viewport sits inside a frame)."""
    return plot.viewport().mapTo(plot, viewport_xy(plot, x, y))


def rgba(image, p: QPoint):
    return image.pixelColor(p).getRgb()


def lit(image, p: QPoint) -> bool:
    return rgba(image, p) != WHITE


def send_mouse(widget, kind, pos, buttons, modifiers=Qt.KeyboardModifier.NoModifier, button=None):
    button = Qt.MouseButton.LeftButton if button is None else button
    event = QMouseEvent(kind, QPointF(pos), QPointF(widget.mapToGlobal(pos)), button, buttons, modifiers)
    QApplication.sendEvent(widget, event)


def drag(widget, points, modifiers=Qt.KeyboardModifier.NoModifier):
    """Left button down at the first point, through the others, up at the last."""
    left, none = Qt.MouseButton.LeftButton, Qt.MouseButton.NoButton
    send_mouse(widget, QEvent.Type.MouseButtonPress, points[0], left, modifiers)
    for p in points[1:]:
        send_mouse(widget, QEvent.Type.MouseMove, p, left, modifiers, button=none)
        QApplication.processEvents()
    send_mouse(widget, QEvent.Type.MouseButtonRelease, points[-1], none, modifiers)
    QApplication.processEvents()


def brute_in_polygon(pos, vertices):
    x, y = pos[:, 0], pos[:, 1]
    inside = np.zeros(len(x), bool)
    for k in range(len(vertices)):
        (ax, ay), (bx, by) = vertices[k], vertices[(k + 1) % len(vertices)]
        with np.errstate(divide="ignore", invalid="ignore"):
            cross = ax + (y - ay) * (bx - ax) / (by - ay)
        inside ^= ((ay > y) != (by > y)) & (x < cross)
    return np.flatnonzero(inside)


# ---------------------------------------------------------------------- drawing


def test_points_are_drawn_in_their_colours_and_nowhere_else(raster):
    plot, item, pos, _ = raster
    image = grab(plot)
    assert rgba(image, widget_xy(plot, 0.5, 0.5)) == RED
    assert rgba(image, widget_xy(plot, 2.5, 0.5)) == BLUE
    assert rgba(image, widget_xy(plot, *ISOLATED)) == BLUE  # the last point's code is 1
    for empty in [(1.5, 0.4), (-0.3, 1.5), (3.3, -0.3)]:
        assert not lit(image, widget_xy(plot, *empty))
    assert item.last_render_ms > 0


def test_later_points_are_drawn_on_top(plot):
    item = RasterScatterItem(size_px=7)
    item.setData([[1.0, 0.5], [1.02, 0.5], [1.0, 0.5]], colors=np.array([RED, BLUE, GREEN], np.uint8))
    plot.addItem(item)
    assert rgba(grab(plot), widget_xy(plot, 1.0, 0.5)) == GREEN
    item.setVisibleMask(np.array([True, True, False]))
    assert rgba(grab(plot), widget_xy(plot, 1.0, 0.5)) == BLUE


def test_visible_mask_hides_a_group_and_its_picks(raster):
    plot, item, pos, codes = raster
    item.setGroupVisible(0, False)
    image = grab(plot)
    assert not lit(image, widget_xy(plot, 0.5, 0.5))
    assert rgba(image, widget_xy(plot, 2.5, 0.5)) == BLUE
    scene = plot.plotItem.vb.mapViewToScene(QPointF(*pos[0]))
    assert item.index_at(scene) == -1 or codes[item.index_at(scene)] == 1
    item.setVisibleMask(None)
    assert rgba(grab(plot), widget_xy(plot, 0.5, 0.5)) == RED


def test_legend_proxy_toggles_its_group(raster):
    plot, item, _, _ = raster
    proxy = legend_proxy(item, 1, BLUE)
    legend = plot.addLegend()
    legend.addItem(proxy, "blue")
    proxy.setVisible(False)
    assert not lit(grab(plot), widget_xy(plot, 2.5, 0.5))
    proxy.setVisible(True)
    assert rgba(grab(plot), widget_xy(plot, 2.5, 0.5)) == BLUE


def test_refilling_the_legend_frees_its_old_entries(raster, qtbot):
    """A legend refilled for every new map must not keep the old entries alive (each held
    itself through its toggle's connection: a soak grew by 32 Qt items a cycle)."""
    import gc

    from latent_explorer.gui.map2d.legend import MapLegend

    plot, item, _, _ = raster

    def alive() -> int:
        QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        gc.collect()
        return sum(isinstance(o, (pg.ScatterPlotItem, pg.LabelItem)) for o in gc.get_objects())

    legend = MapLegend(plot, item, 6)
    entries = [(0, RED, "red"), (1, BLUE, "blue")]
    legend.fill(entries)
    once = alive()
    for _ in range(10):
        legend.fill(entries)
    assert alive() == once  # 40 more without the clean-up
    assert legend.entry_texts() == ["red", "blue"] and legend.shown() == [True, True]
    legend.items[1][0].item.setVisible(False)  # the new entries still toggle their group
    assert legend.shown() == [True, False]
    assert not lit(grab(plot), widget_xy(plot, 2.5, 0.5))


def test_highlight_draws_a_ring_on_top(raster):
    plot, item, pos, _ = raster
    centre = widget_xy(plot, *ISOLATED)
    beside = centre + QPoint(4, 0)
    assert not lit(grab(plot), beside)
    item.setHighlight([len(pos) - 1], GREEN)
    image = grab(plot)
    assert rgba(image, beside) == GREEN
    assert rgba(image, centre) == BLUE
    item.setHighlight([])
    assert not lit(grab(plot), beside)


def test_panning_moves_the_lit_pixels(raster):
    plot, item, pos, _ = raster
    before = widget_xy(plot, *ISOLATED)
    assert lit(grab(plot), before)
    plot.plotItem.vb.translateBy(x=-0.25)
    after = widget_xy(plot, *ISOLATED)
    assert after.x() - before.x() > 10
    image = grab(plot)
    assert lit(image, after) and not lit(image, before)


def test_the_image_is_cached_until_the_view_or_data_change(raster):
    plot, item, pos, _ = raster
    grab(plot)
    key = item._cache_key
    plot.repaint()
    assert item._cache_key == key
    plot.plotItem.vb.scaleBy((0.5, 0.5))
    grab(plot)
    assert item._cache_key != key


def test_gl_item_draws_on_the_cpu_where_there_is_no_gl_viewport(plot):
    pos, codes = make_points()
    item = GLScatterItem(size_px=5)
    item.setData(pos, colors=codes, palette=[RED, BLUE])
    plot.addItem(item)
    image = grab(plot)
    assert not item.last_paint_was_gl
    assert rgba(image, widget_xy(plot, 0.5, 0.5)) == RED


def test_auto_range_fits_the_points(plot):
    pos, codes = make_points()
    item = make_scatter_item("raster", size_px=3)
    item.setData(pos * 10 + 100, colors=codes, palette=[RED, BLUE])
    plot.addItem(item)
    plot.autoRange()
    (x0, x1), (y0, y1) = plot.plotItem.vb.viewRange()
    assert x0 <= 100 and x1 >= 130 and y0 <= 100 and y1 >= 112
    assert x1 - x0 < 40


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


# ---------------------------------------------------------------------- choosing the renderer


def test_offscreen_chooses_raster_and_the_variable_overrides(monkeypatch):
    monkeypatch.delenv("LATENT_EXPLORER_RENDERER", raising=False)
    info = renderer_info(refresh=True)
    assert set(info) >= {"vendor", "renderer", "version", "software", "available"}
    if QApplication.platformName() == "offscreen":
        assert choose_renderer() == "raster"
        assert info["software"]
    monkeypatch.setenv("LATENT_EXPLORER_RENDERER", "gl")
    assert choose_renderer() == "gl"
    assert type(make_scatter_item()) is GLScatterItem
    monkeypatch.setenv("LATENT_EXPLORER_RENDERER", "raster")
    assert choose_renderer() == "raster"
    assert type(make_scatter_item()) is RasterScatterItem


def test_software_renderers_are_recognised(monkeypatch):
    from latent_explorer.gui.render import scatter_gl
    monkeypatch.delenv("LATENT_EXPLORER_RENDERER", raising=False)
    for renderer, software in [("llvmpipe (LLVM 15.0.6, 256 bits)", True), ("softpipe", True),
                               ("Microsoft Basic Render Driver", True), ("NVIDIA GeForce RTX 3080/PCIe/SSE2", False),
                               ("AMD Radeon Pro 5500M OpenGL Engine", False)]:
        monkeypatch.setattr(scatter_gl, "_probe", lambda r=renderer: {"vendor": "x", "renderer": r,
                                                                      "version": "4.5", "available": True})
        monkeypatch.setattr(scatter_gl.QGuiApplication, "platformName", staticmethod(lambda: "xcb"))
        assert renderer_info(refresh=True)["software"] is software
        assert choose_renderer() == ("raster" if software else "gl")
    monkeypatch.undo()
    renderer_info(refresh=True)


GL_SCRIPT = textwrap.dedent("""
    import json, sys, time
    import numpy as np
    import pyqtgraph as pg
    from PySide6.QtCore import QPoint, QPointF
    from PySide6.QtWidgets import QApplication
    from latent_explorer.gui.map2d.scatter import GLScatterItem, prepare_view, renderer_info
    app = QApplication([])
    w = pg.PlotWidget(background="w")
    item = GLScatterItem(size_px=5)
    prepare_view(w, item)
    w.resize(420, 320)
    rng = np.random.default_rng(0)
    pos = rng.uniform(0, 1, (10000, 2))
    item.setData(pos, colors=np.zeros(10000, int), palette=[(220, 20, 20, 255)])
    item.setHighlight([0], (0, 160, 0, 255))
    w.addItem(item)
    w.setRange(xRange=(-0.5, 2.5), yRange=(-0.5, 1.5), padding=0)
    w.show()
    WHITE = [255, 255, 255, 255]
    def at(image, x, y):
        s = w.viewportTransform().map(w.plotItem.vb.mapViewToScene(QPointF(x, y)))
        p = w.viewport().mapTo(w, QPoint(int(s.x()), int(s.y())))
        return list(image.pixelColor(p).getRgb())
    def on_screen(ready):
        # The X server shows a GL frame some time after Qt swapped it (long under load: a grab
        # taken too soon read the window's black backing). Grab until ``ready`` says the frame
        # is there, at most 20 s; what is checked then is what was drawn.
        end = time.time() + 20
        while True:
            w.repaint()
            app.processEvents()
            image = app.primaryScreen().grabWindow(w.winId()).toImage()
            if ready(image) or time.time() > end:
                return image
            time.sleep(0.05)
    image = on_screen(lambda im: at(im, 2.0, 0.5) == WHITE)  # the plot's background is up
    result = {"gl": item.last_paint_was_gl, "failed": item.gl_failed, "info": renderer_info(),
              "inside": at(image, 0.5, 0.5), "outside": at(image, 2.0, 0.5),
              "viewport": type(w.viewport()).__name__}
    item.setVisibleMask(np.zeros(10000, bool))
    image = on_screen(lambda im: at(im, 0.5, 0.5) != result["inside"])  # the next frame
    result["hidden"] = at(image, 0.5, 0.5)
    print(json.dumps(result))
""")


@pytest.mark.skipif(not os.environ.get("DISPLAY"), reason="needs an X display (run under xvfb-run)")
def test_gl_path_draws_points_on_an_x_display():
    env = {**os.environ, "QT_QPA_PLATFORM": "xcb"}
    done = subprocess.run([sys.executable, "-c", GL_SCRIPT], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["viewport"] == "GraphicsViewGLWidget"
    assert result["gl"] and not result["failed"], result
    assert result["inside"] == [220, 20, 20, 255], result
    assert result["outside"] == [255, 255, 255, 255], result
    assert result["hidden"] == [255, 255, 255, 255], result


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
