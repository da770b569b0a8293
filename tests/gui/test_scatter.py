"""The map's fast point layer: pixels drawn where the points are, in their colours; hiding,
highlighting, panning; the choice between the raster and the OpenGL path (the GL drawing itself
runs in a child process on an X display, since this process's Qt platform is offscreen)."""
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
from PySide6.QtWidgets import QApplication

from latent_explorer.gui.map2d.scatter import (GLScatterItem, RasterScatterItem, choose_renderer,
                                               make_scatter_item, renderer_info)
from tests.gui.scatter_helpers import BLUE, GREEN, ISOLATED, RED, grab, lit, make_points, rgba, widget_xy


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


def test_a_click_on_a_legend_entry_toggles_its_group_and_a_refill_keeps_no_items(raster, qtbot):
    """A legend refilled for every new map must not keep old entries alive (pyqtgraph's legend
    held each entry through its toggle's connection: a soak grew by 32 Qt items a cycle)."""
    import gc

    from latent_explorer.gui.map2d.legend import MapLegend

    plot, item, _, _ = raster

    def alive() -> set[int]:
        QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        gc.collect()
        return {id(o) for o in gc.get_objects() if isinstance(o, pg.QtWidgets.QGraphicsItem)}

    legend = MapLegend(plot, item, 6)
    entries = [(0, RED, "red"), (1, BLUE, "blue")]
    legend.fill(entries)
    once = alive()
    for _ in range(10):
        legend.fill(entries)
    # none made by the refills is still alive (items of earlier tests may be freed meanwhile)
    assert not alive() - once
    assert legend.entry_texts() == ["red", "blue"] and legend.shown() == [True, True]
    blue = plot.mapFromScene(legend.entry_scene_rect(1).center())
    qtbot.mouseClick(plot.viewport(), Qt.MouseButton.LeftButton, pos=blue)
    assert legend.shown() == [True, False] and legend.entry_label(1) == "✗ blue"
    assert not lit(grab(plot), widget_xy(plot, 2.5, 0.5))
    qtbot.mouseClick(plot.viewport(), Qt.MouseButton.LeftButton, pos=blue)
    assert legend.shown() == [True, True] and legend.entry_label(1) == "✓ blue"
    assert rgba(grab(plot), widget_xy(plot, 2.5, 0.5)) == BLUE


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
