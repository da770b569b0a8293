"""The 3-D map has what the 2-D map has: the slider edit's arrow and kept edits, the Generate
dock's results, lasso and box selection, the decoded atlas, empty space decoded where the data
is, and File ▸ Export ▸ Map picture of what shows."""
from __future__ import annotations

import os

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtWidgets import QApplication

from latent_explorer.gui.map_atlas import AtlasLayer
from latent_explorer.gui.map3d.marks import EDIT_HEAD, KEPT
from latent_explorer.gui.map2d.overlays import ON_PATH, SAMPLE
from latent_explorer.gui.render.map_style import PICK_RADIUS
from latent_explorer.gui.map3d.selection3d import DEPTH_RADIUS

from .helpers import LONG, hover, run_gl_window
from .test_map3d import drag, open_in_3d, pixels, send_mouse

SHIFT, CTRL = Qt.KeyboardModifier.ShiftModifier, Qt.KeyboardModifier.ControlModifier


def rgb(colour: str) -> np.ndarray:
    return np.array([int(colour[i:i + 2], 16) for i in (1, 3, 5)])


def near_colour(image: np.ndarray, x: float, y: float, colour: str, r: int = 3, tol: int = 40) -> bool:
    """Some pixel within ``r`` of (x, y) is ``colour``."""
    patch = image[max(0, int(y) - r):int(y) + r + 1, max(0, int(x) - r):int(x) + r + 1].astype(int)
    return bool((np.abs(patch - rgb(colour)).max(axis=2) < tol).any())


def on_screen(view, points) -> np.ndarray:
    w, h, dpr = view.canvas.device_size()
    x, y, _ = view.camera.project(np.atleast_2d(points), w, h)
    return np.c_[x, y] / dpr


def inside_polygon(x, y, vertices) -> np.ndarray:
    """Even-odd rule, in numpy: the reference the 3-D lasso is held to."""
    vx, vy = vertices[:, 0], vertices[:, 1]
    out = np.zeros(len(x), bool)
    for i in range(len(vx)):
        ax, ay, bx, by = vx[i], vy[i], vx[(i + 1) % len(vx)], vy[(i + 1) % len(vx)]
        if ay == by:
            continue
        crosses = (ay > y) != (by > y)
        out ^= crosses & (x < ax + (y - ay) * (bx - ax) / (by - ay))
    return out


def drag_path(canvas, points, modifiers=Qt.KeyboardModifier.NoModifier) -> None:
    """A real left drag through ``points`` (logical pixels)."""
    left, none = Qt.MouseButton.LeftButton, Qt.MouseButton.NoButton
    send_mouse(canvas, QEvent.Type.MouseButtonPress, points[0], left, modifiers=modifiers)
    for p in points[1:]:
        send_mouse(canvas, QEvent.Type.MouseMove, p, none, left, modifiers)
    send_mouse(canvas, QEvent.Type.MouseButtonRelease, points[-1], left, none, modifiers)
    QApplication.processEvents()


def test_slider_edit_arrow_and_kept_edits_are_drawn_on_the_3d_map(window, qtbot, saved_digits_workspace):
    view = open_in_3d(window, qtbot, saved_digits_workspace)
    s, steering = window.session, window.steering
    s.select(5)
    steering.set_strength(0, 2.5)
    edit = steering.edit
    assert edit.position.shape == (3,) and not edit.is_identity
    (ox, oy), (tx, ty) = on_screen(view, [edit.origin_position, edit.position])
    assert np.hypot(tx - ox, ty - oy) > 20 and 0 < tx < view.width() and 0 < ty < view.height()
    shown = pixels(view)
    assert near_colour(shown, tx, ty, EDIT_HEAD)  # the diamond head where the edit lands
    mx, my = int((ox + tx) / 2), int((oy + ty) / 2)
    mid = shown[my - 2:my + 3, mx - 2:mx + 3]
    assert (mid.astype(int).max(axis=2) < 90).any()  # the dashed dark line between
    window.sliders.keep()
    (kx, ky), = on_screen(view, steering.kept[0].position)
    assert near_colour(pixels(view), kx, ky, KEPT)  # a pink star, over the arrow's head
    steering.set_strength(0, -2.5)
    edit = steering.edit
    view.camera.orbit(50, 10)
    view.redraw()
    (kx2, ky2), (tx2, ty2) = on_screen(view, [steering.kept[0].position, edit.position])
    assert np.hypot(tx2 - kx2, ty2 - ky2) > 20 and near_colour(pixels(view), kx2, ky2, KEPT)
    assert near_colour(pixels(view), tx2, ty2, EDIT_HEAD)  # the marks turn with the map
    steering.reset()
    assert not near_colour(pixels(view), tx2, ty2, EDIT_HEAD)


def test_marks_behind_the_camera_are_not_drawn(window, qtbot):
    from latent_explorer.gui.map3d.marks import Line, Symbols, brush, pen

    view = window.map_view3d
    window.map_stack.setCurrentWidget(view)
    cam = view.camera
    w, h, dpr = view.canvas.device_size()
    right, _, back = cam.axes()
    depth = cam.distance / 2
    behind = cam.centre + (cam.distance + depth) * back - right * depth * 100 * dpr / cam.focal(w, h)
    x, _, d = cam.project(behind[None], w, h)
    assert d[0] < 0 and x[0] / dpr == pytest.approx(view.canvas.width() / 2 + 100)  # would land on screen
    points = np.array([cam.centre, behind])
    view.marks.set_layer("kept", [Symbols(points, "s", 20, [], [brush("#ff0000")]), Line(points, pen("#00ff00", 3))])
    shown = pixels(view)
    red, green = (np.abs(shown.astype(int) - c).max(axis=2) < 40 for c in ([255, 0, 0], [0, 255, 0]))
    bx, cy = int(x[0] / dpr), view.canvas.height() // 2
    assert red.sum() > 200 and not red[cy - 15:cy + 16, bx - 15:bx + 16].any()  # the square in front only
    assert not green.any()  # nor the line to the point behind


def test_generated_results_are_drawn_on_the_3d_map(window, qtbot, saved_digits_workspace):
    view = open_in_3d(window, qtbot, saved_digits_workspace)
    gen, labels, m = window.generate, window.session.labels, window.session.map
    a, b = int(np.flatnonzero(labels == 0)[0]), int(np.flatnonzero(labels == 6)[0])
    gen.generator.set_operand("interpolation.a", [a])
    gen.generator.set_operand("interpolation.b", [b])
    before = pixels(view)
    with qtbot.waitSignal(window.runner.stopped, timeout=LONG, check_params_cb=lambda p, _w: p == "interpolation"):
        gen.interpolate("path", 12)
    path = gen.overlays3d.drawn("interpolation")
    assert path.shape == (12, 3) and np.allclose(path[[0, -1]], m[[a, b]], atol=1e-4)
    after = pixels(view)
    steps = on_screen(view, path)
    drawn = [near_colour(after, x, y, ON_PATH) and not near_colour(before, x, y, ON_PATH, tol=20)
             for x, y in steps[1:-1]]
    assert np.mean(drawn) > 0.6  # blue steps along the path, where there was none
    gen.panel.highlighted.emit("interpolation", 5)  # the dock picked step 6: ringed
    ringed = pixels(view)
    x, y = steps[5]
    ring = ringed[int(y) - 12:int(y) + 13, int(x) - 12:int(x) + 13].astype(int)
    assert (np.abs(ring - after[int(y) - 12:int(y) + 13, int(x) - 12:int(x) + 13]).max(axis=2) > 60).sum() > 20

    gen.panel.setCurrentWidget(gen.panel.sample)
    with qtbot.waitSignal(window.runner.stopped, timeout=LONG, check_params_cb=lambda p, _w: p == "samples"):
        gen.sample(6)
    samples = gen.overlays3d.drawn("samples")
    off = gen.generator.results["samples"].off_data
    assert samples.shape == (6, 3)
    shown = pixels(view)
    hits = [near_colour(shown, x, y, SAMPLE) for (x, y), o in zip(on_screen(view, samples), off) if not o]
    assert not hits or np.mean(hits) > 0.5  # orange squares where the on-data samples are


def test_lasso_and_box_in_3d_select_the_visible_points_drawn_inside(window, qtbot, saved_digits_workspace):
    view = open_in_3d(window, qtbot, saved_digits_workspace)
    stack, canvas, labels = window.map_stack, view.canvas, window.session.labels
    got = []
    stack.selected.connect(lambda idx, tool: got.append((np.asarray(idx), tool)))
    xy = on_screen(view, view.positions)
    cx, cy = np.median(xy[labels == 7], axis=0)
    t = np.linspace(0, 2 * np.pi, 19)[:-1]
    lasso = np.c_[cx + 55 * np.cos(t) * (1 + 0.25 * np.sin(3 * t)), cy + 40 * np.sin(t)]
    drag_path(canvas, [QPointF(*p) for p in lasso], SHIFT)
    expected = np.flatnonzero(inside_polygon(xy[:, 0], xy[:, 1], lasso))
    assert len(got) == 1 and got[0][1] == "lasso" and len(expected) > 20
    np.testing.assert_array_equal(got[0][0], expected)
    assert np.bincount(labels[expected]).argmax() == 7

    view.legend.boxes[7].setChecked(False)  # a hidden group is not selected
    drag_path(canvas, [QPointF(*p) for p in lasso], SHIFT)
    np.testing.assert_array_equal(got[-1][0], expected[labels[expected] != 7])

    x0, y0, x1, y1 = cx - 60, cy - 30, cx + 40, cy + 50
    drag(canvas, QPointF(x0, y0), QPointF(x1 - x0, y1 - y0), modifiers=CTRL)
    in_box = (xy[:, 0] >= x0) & (xy[:, 0] <= x1) & (xy[:, 1] >= y0) & (xy[:, 1] <= y1) & (labels != 7)
    assert got[-1][1] == "box"
    np.testing.assert_array_equal(got[-1][0], np.flatnonzero(in_box))

    azimuth = view.camera.azimuth
    window.map_toolbar.tool_requested.emit("box")  # the toolbar's drag mode: a plain drag boxes
    drag(canvas, QPointF(x0, y0), QPointF(x1 - x0, y1 - y0))
    assert got[-1][1] == "box" and len(got) == 4 and view.camera.azimuth == azimuth
    window.map_toolbar.tool_requested.emit("pan")
    drag(canvas, QPointF(x0, y0), QPointF(40, 0))
    assert len(got) == 4 and view.camera.azimuth != azimuth  # turns the map again

    chosen = got[-1][0]
    stack.highlight_chosen([])  # (the window may ring each selection already)
    plain = pixels(canvas)
    stack.highlight_chosen(chosen)
    np.testing.assert_array_equal(view.cloud.chosen, chosen)
    amber = np.array([255, 200, 0])
    assert ((np.abs(pixels(canvas).astype(int) - amber).max(axis=2) < 30).sum()
            > (np.abs(plain.astype(int) - amber).max(axis=2) < 30).sum() + 50)
    window.choose(chosen, "box")
    window.session.select(int(chosen[0]))  # a click starts a new selection: the group goes
    assert list(view.cloud.highlight) == [int(chosen[0])] and len(view.cloud.chosen) == 0


def test_decoded_atlas_in_3d_tiles_the_view_behind_the_points_and_follows_the_camera(window, qtbot,
                                                                                      saved_digits_workspace):
    view = open_in_3d(window, qtbot, saved_digits_workspace)
    canvas = view.canvas
    atlas = AtlasLayer(window.map_view.plotItem, window.steering, view)
    try:
        blank = pixels(canvas)
        with qtbot.waitSignal(atlas.atlas3d.shown, timeout=LONG):
            atlas.set_enabled(True)
        first = pixels(canvas)
        assert (blank.astype(int).min(axis=2) > 240).mean() > 0.5  # mostly white before
        assert (first.astype(int).min(axis=2) < 235).mean() > 0.6  # tiles everywhere now
        _, _, depth = view.camera.project(view.positions, *canvas.device_size()[:2])
        (x, y), = on_screen(view, view.positions[np.argmin(depth)])
        assert tuple(first[int(y), int(x)]) == tuple(blank[int(y), int(x)])  # the points on top
        backdrop = view.canvas.backdrop
        with qtbot.waitSignal(atlas.atlas3d.shown, timeout=LONG):
            drag(canvas, QPointF(200, 200), QPointF(90, 30))
        assert view.canvas.backdrop is not backdrop
        turned = pixels(canvas)
        assert np.abs(turned.astype(int) - first).max(axis=2).mean() > 10  # a new atlas for the new view
        atlas.set_enabled(False)
        assert view.canvas.backdrop is None and (pixels(canvas).astype(int).min(axis=2) > 240).mean() > 0.5
    finally:
        atlas.shutdown()


def test_hovering_empty_space_near_the_data_decodes_at_the_datas_depth(window, qtbot, saved_digits_workspace):
    view = open_in_3d(window, qtbot, saved_digits_workspace)
    canvas, decoder = view.canvas, window.steering.decoder
    w, h, dpr = canvas.device_size()
    screen = view.screen.update(w, h)
    spots = [(fx * canvas.width(), fy * canvas.height())
             for fy in np.linspace(0.1, 0.9, 24) for fx in np.linspace(0.1, 0.9, 24)]
    spots = [(x, y) for x, y in spots if canvas.pick(x, y, PICK_RADIUS) < 0
             and np.isfinite(screen.depth_near(x * dpr, y * dpr, DEPTH_RADIUS * dpr))]
    assert len(spots) >= 10  # empty space with data drawn near it
    new = np.array([view.position_at(QPointF(x, y)) for x, y in spots])
    plane = np.array([view.camera.unproject(x * dpr, y * dpr, w, h) for x, y in spots])
    # how far from the nearest data point, in typical map spacings: near the data at its depth
    r_new, r_plane = (decoder.inverse_map.features(p).r_map for p in (new, plane))
    assert np.median(r_new) < 0.8 * np.median(r_plane) and (r_new < r_plane).mean() > 0.7
    x, y = spots[int(np.argmax(r_plane - r_new))]
    with qtbot.waitSignal(window.preview.decoded_shown, timeout=LONG) as shown:
        hover(canvas, QPoint(int(x), int(y)))
    position = shown.args[0]
    (sx, sy), = on_screen(view, position)
    assert (sx, sy) == pytest.approx((int(x), int(y)), abs=0.01)  # under the cursor
    r_hovered = decoder.inverse_map.features(np.asarray(position)[None]).r_map[0]
    assert r_hovered < decoder.inverse_map.features(plane[None, spots.index((x, y))]).r_map[0]


def test_export_map_picture_while_3d_shows_is_the_3d_map(window, qtbot, saved_digits_workspace, tmp_path):
    view = open_in_3d(window, qtbot, saved_digits_workspace)
    assert window.map_stack.dim == 3
    window.session.select(3)
    png = window.files.export("picture", str(tmp_path / "map3d.png"))
    img = np.asarray(Image.open(png).convert("RGB")).astype(int)
    assert img.shape[:2] == (2 * view.height(), 2 * view.width())
    half = img.reshape(view.height(), 2, view.width(), 2, 3).mean(axis=(1, 3))
    screen = pixels(view).astype(int)
    screen[:40, :120] = half[:40, :120]  # the Reset button is not in the picture
    assert np.abs(half - screen).mean() < 6  # the 3-D view as on screen, twice as sharp
    window.map_stack.setCurrentWidget(window.map_view)  # the 2-D plot would look nothing like it
    flat = np.asarray(Image.open(window.files.export("picture", str(tmp_path / "map2d.png"))).convert("RGB"))
    assert flat.shape[:2] != img.shape[:2] or np.abs(flat.astype(int) - img).mean() > 6
    window.map_stack.setCurrentWidget(view)
    svg = open(window.files.export("picture", str(tmp_path / "map3d.svg"))).read()
    assert "<image" in svg and svg.count("<path") > 10 and len(svg) > 50_000
    assert not list(tmp_path.glob("*.part*"))


GL_BODY = """
    from latent_explorer.gui.map_atlas import AtlasLayer
    plain = rgb(canvas.grabFramebuffer())
    atlas = AtlasLayer(w.map_view.plotItem, w.steering, view)
    shown = []
    atlas.atlas3d.shown.connect(shown.append)
    atlas.set_enabled(True)
    settle(lambda: shown)
    tiled = rgb(canvas.grabFramebuffer())
    view.set_chosen(np.flatnonzero(w.session.labels == 7))
    w.session.select(5)
    w.steering.set_strength(0, 2.5)
    settle()
    chosen = rgb(canvas.grabFramebuffer())
    whole = rgb(view.grab().toImage())
    amber = lambda a, c: int((np.abs(a.astype(int) - c).max(axis=2) < 30).sum())
    print(json.dumps({"kind": canvas.kind, "gl": canvas.last_paint_was_gl, "failed": canvas.gl_failed,
                      "white_before": float((plain.min(2) > 240).mean()),
                      "white_after": float((tiled.min(2) > 240).mean()),
                      "amber_before": amber(tiled, [255, 200, 0]), "amber_after": amber(chosen, [255, 200, 0]),
                      "edit_head": amber(whole, [255, 204, 0]) - amber(chosen, [255, 204, 0])}))
    atlas.shutdown()
    w.close()
"""


@pytest.mark.skipif(not os.environ.get("DISPLAY"), reason="needs an X display (run under xvfb-run)")
def test_gl_3d_map_draws_the_atlas_the_chosen_rings_and_the_marks(saved_digits_workspace):
    result = run_gl_window(GL_BODY, saved_digits_workspace)
    assert result["kind"] == "gl" and result["gl"] and not result["failed"], result
    assert result["white_before"] > 0.5 and result["white_after"] < 0.3, result  # the atlas under the GL points
    assert result["amber_after"] > result["amber_before"] + 100, result  # a lasso selection ringed
    assert result["edit_head"] > 20, result  # the overlay's marks over the GL canvas


def test_escape_drops_a_lasso_being_drawn_in_2d_and_3d(window, qtbot, saved_digits_workspace):
    from PySide6.QtTest import QTest

    view = open_in_3d(window, qtbot, saved_digits_workspace)
    stack, canvas = window.map_stack, view.canvas
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    got = []
    stack.selected.connect(lambda idx, tool: got.append(tool))
    lasso = [QPointF(150 + 80 * np.cos(t), 150 + 60 * np.sin(t)) for t in np.linspace(0, 6, 12)]
    send_mouse(canvas, QEvent.Type.MouseButtonPress, lasso[0], modifiers=SHIFT)
    for p in lasso[1:]:
        send_mouse(canvas, QEvent.Type.MouseMove, p, Qt.MouseButton.NoButton, Qt.MouseButton.LeftButton, SHIFT)
    assert view.selection_tool.active and canvas.hasFocus()
    QTest.keyClick(canvas, Qt.Key.Key_Escape)
    assert not view.selection_tool.active and view.marks.outline is None  # the outline is gone
    send_mouse(canvas, QEvent.Type.MouseButtonRelease, lasso[-1], buttons=Qt.MouseButton.NoButton, modifiers=SHIFT)
    assert got == []  # nothing was selected

    window.map_toolbar.dims.setCurrentIndex(window.map_toolbar.dims.findData(2))
    view2d = window.map_view
    port = view2d.viewport()
    centre = view2d.widget_pos_of(0)
    points = [QPointF(centre) + QPointF(60 * np.cos(t), 40 * np.sin(t)) for t in np.linspace(0, 6, 12)]
    send_mouse(port, QEvent.Type.MouseButtonPress, points[0], modifiers=SHIFT)
    for p in points[1:]:
        send_mouse(port, QEvent.Type.MouseMove, p, Qt.MouseButton.NoButton, Qt.MouseButton.LeftButton, SHIFT)
    assert view2d.selection_tool.active
    QTest.keyClick(view2d, Qt.Key.Key_Escape)
    assert not view2d.selection_tool.active
    send_mouse(port, QEvent.Type.MouseButtonRelease, points[-1], buttons=Qt.MouseButton.NoButton, modifiers=SHIFT)
    assert got == []
