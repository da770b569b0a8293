"""The 3-D map in the window: computed from the toolbar, drawn, turned, panned and zoomed with
the mouse; hover and click pick the point drawn under the mouse; empty space decodes; back to
2-D and on to 3-D again without computing; saved and reopened as 3-D; animated while t-SNE
runs; and the OpenGL path drawing real pixels on an X display."""
from __future__ import annotations

import os

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QImage, QMouseEvent, QWheelEvent
from PySide6.QtWidgets import QApplication

from latent_explorer.gui.render.camera3d import DEGREES_PER_PIXEL
from latent_explorer.gui.render.map_style import PICK_RADIUS

from .helpers import LONG, hover, run_gl_window

N_DIGITS = 1797


def send_mouse(widget, kind, pos, button=Qt.MouseButton.LeftButton, buttons=None,
               modifiers=Qt.KeyboardModifier.NoModifier):
    buttons = button if buttons is None else buttons
    pos = QPointF(pos)
    event = QMouseEvent(kind, pos, QPointF(widget.mapToGlobal(pos.toPoint())), button, buttons, modifiers)
    QApplication.sendEvent(widget, event)


def drag(widget, start: QPointF, delta: QPointF, button=Qt.MouseButton.LeftButton,
         modifiers=Qt.KeyboardModifier.NoModifier) -> None:
    send_mouse(widget, QEvent.Type.MouseButtonPress, start, button, modifiers=modifiers)
    for t in np.linspace(0.25, 1.0, 4):
        send_mouse(widget, QEvent.Type.MouseMove, start + delta * float(t), Qt.MouseButton.NoButton, button,
                   modifiers)
    send_mouse(widget, QEvent.Type.MouseButtonRelease, start + delta, button, Qt.MouseButton.NoButton, modifiers)
    QApplication.processEvents()


def click(widget, pos: QPointF) -> None:
    send_mouse(widget, QEvent.Type.MouseButtonPress, pos)
    send_mouse(widget, QEvent.Type.MouseButtonRelease, pos, buttons=Qt.MouseButton.NoButton)


def wheel(widget, pos: QPointF, notches: int) -> None:
    pos = QPointF(pos)
    event = QWheelEvent(pos, QPointF(widget.mapToGlobal(pos.toPoint())), QPoint(0, 0), QPoint(0, 120 * notches),
                        Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(widget, event)


def pixels(widget) -> np.ndarray:
    """The widget as drawn: (h, w, 3) uint8."""
    QApplication.processEvents()
    img = widget.grab().toImage().convertToFormat(QImage.Format.Format_RGB888)
    arr = np.frombuffer(img.constBits(), np.uint8, img.sizeInBytes())
    rows = arr.reshape(img.height(), img.bytesPerLine())[:, :img.width() * 3]
    return rows.reshape(img.height(), img.width(), 3).copy()  # img's memory is freed with img


def coloured(rgb: np.ndarray) -> np.ndarray:
    """Pixels that are neither white nor grey: points, not background or box lines."""
    rgb = rgb.astype(int)
    return (rgb.max(axis=2) - rgb.min(axis=2)) > 40


def projected(view):
    w, h, dpr = view.canvas.device_size()
    x, y, depth = view.camera.project(view.positions, w, h)
    return x / dpr, y / dpr, depth


def open_in_3d(window, qtbot, path):
    window.session.open(path)
    QApplication.processEvents()
    with qtbot.waitSignal(window.runner.stopped, timeout=LONG):
        window.map_toolbar.dims.setCurrentIndex(window.map_toolbar.dims.findData(3))
    QApplication.processEvents()
    return window.map_view3d


def test_a_3d_map_is_drawn_and_turns_pans_and_zooms_with_the_mouse(window, qtbot, saved_digits_workspace):
    view = open_in_3d(window, qtbot, saved_digits_workspace)
    assert window.map_stack.currentWidget() is view and window.session.map.shape == (N_DIGITS, 3)
    assert view.point_count() == N_DIGITS and view.renderer == "raster"  # offscreen: no GL
    assert window.session.projection.method == "pca" and window.map_toolbar.dim == 3
    assert window.map_view.positions.shape == (N_DIGITS, 2)  # the 2-D view keeps the 2-D map
    canvas = view.canvas
    before = pixels(canvas)
    assert coloured(before).mean() > 0.01  # thousands of coloured pixels, not a blank view
    assert len(view.legend.boxes) == 10 and view.legend.isVisible()

    x0, y0, depth = projected(view)
    near, far = int(np.argmin(depth)), int(np.argmax(depth))
    azimuth = view.camera.azimuth
    drag(canvas, QPointF(canvas.width() / 2, canvas.height() / 2), QPointF(60, 0))
    assert view.camera.azimuth == pytest.approx((azimuth - DEGREES_PER_PIXEL * 60) % 360)
    x1, y1, _ = projected(view)
    assert x1[near] > x0[near] + 5 and x1[far] < x0[far] - 5  # the near side follows the mouse
    after = pixels(canvas)
    assert (np.abs(after.astype(int) - before.astype(int)).max(axis=2) > 30).mean() > 0.005
    px, py = int(x1[near]), int(y1[near])  # the nearest point is drawn where the camera puts it
    assert coloured(after[py - 1:py + 2, px - 1:px + 2]).any()

    spread = np.std(x1) + np.std(y1)
    wheel(canvas, QPointF(canvas.width() / 2, canvas.height() / 2), 2)
    x2, y2, _ = projected(view)
    assert np.std(x2) + np.std(y2) > 1.2 * spread  # zoomed in

    centre = view.camera.centre.copy()
    drag(canvas, QPointF(100, 100), QPointF(40, 0), Qt.MouseButton.MiddleButton)
    x3, y3, _ = projected(view)
    assert np.median(x3 - x2) == pytest.approx(40, abs=4) and not np.allclose(view.camera.centre, centre)
    target = QPointF(x3[near], y3[near])
    send_mouse(canvas, QEvent.Type.MouseButtonDblClick, target)
    send_mouse(canvas, QEvent.Type.MouseButtonRelease, target, buttons=Qt.MouseButton.NoButton)
    np.testing.assert_allclose(view.camera.centre, view.positions[near])  # turns around that point now
    xc, yc, _ = projected(view)
    assert (xc[near], yc[near]) == pytest.approx((canvas.width() / 2, canvas.height() / 2), abs=0.01)
    view.reset_button.click()
    x4, y4, _ = projected(view)
    np.testing.assert_allclose(np.c_[x4, y4], np.c_[x0, y0], atol=1e-6)  # the first view again

    shown = coloured(pixels(canvas)).sum()
    view.legend.boxes[0].setChecked(False)  # a legend entry hides its group
    assert coloured(pixels(canvas)).sum() < shown - 100
    assert not view.cloud.visible[window.session.labels == 0].any() and view.cloud.visible.sum() > 1500


def test_hover_picks_the_point_drawn_under_the_mouse_and_empty_space_decodes(window, qtbot,
                                                                               saved_digits_workspace):
    view = open_in_3d(window, qtbot, saved_digits_workspace)
    canvas, preview = view.canvas, window.preview
    x, y, depth = projected(view)
    order = np.argsort(depth)
    nearest = int(order[0])
    hovered = []
    window.map_stack.hovered.connect(hovered.append)
    hover(canvas, QPoint(int(x[nearest]), int(y[nearest])))
    assert hovered[-1] == nearest and window.hover_label.text().startswith(f"#{nearest}")
    assert view.thumb.isVisible() and view.thumb.caption.text().startswith(f"#{nearest} ")  # its image
    for j in order[:: len(order) // 25]:  # anywhere: the point drawn there, no farther one
        hover(canvas, QPoint(int(x[j]), int(y[j])))
        k = hovered[-1]
        assert k >= 0 and np.hypot(x[k] - int(x[j]), y[k] - int(y[j])) <= PICK_RADIUS
        assert depth[k] <= depth[j] + 1e-9 or np.hypot(x[k] - x[j], y[k] - y[j]) < 1.5

    click(canvas, QPointF(x[nearest], y[nearest]))
    assert window.session.selected == nearest and preview.index == nearest
    assert list(view.cloud.highlight) == [nearest]

    spots = [QPoint(int(fx * canvas.width()), int(fy * canvas.height()))
             for fy in np.linspace(0.15, 0.85, 8) for fx in np.linspace(0.15, 0.85, 8)]
    empty = [p for p in spots if canvas.pick(p.x(), p.y(), PICK_RADIUS) < 0]
    assert len(empty) >= 2
    images = []
    for spot in (empty[0], empty[-1]):
        with qtbot.waitSignal(preview.decoded_shown, timeout=LONG) as shown:
            hover(canvas, spot)
        position = shown.args[0]
        assert position.shape == (3,) and hovered[-1] == -1 and not view.thumb.isVisible()
        _, _, back = view.camera.axes()
        assert abs((position - view.camera.centre) @ back) < 1e-6 * view.camera.radius  # the focus plane
        sx, sy, _ = view.camera.project(position[None], *canvas.device_size()[:2])
        assert (sx[0], sy[0]) == pytest.approx((spot.x(), spot.y()), abs=0.01)
        images.append(preview.decoded.pixmap().toImage())
        assert "confidence" in preview.decoded_caption.text()
    assert images[0] != images[1]


def test_back_to_2d_and_on_to_3d_without_computing_and_the_3d_map_is_saved(window, qtbot,
                                                                           saved_digits_workspace, tmp_path):
    view = open_in_3d(window, qtbot, saved_digits_workspace)
    s, toolbar, stack = window.session, window.map_toolbar, window.map_stack
    map3d = s.projection
    toolbar.dims.setCurrentIndex(toolbar.dims.findData(2))
    assert window.runner.current("map") is None  # nothing computed
    assert stack.currentWidget() is window.map_view and s.map.shape == (N_DIGITS, 2)
    assert window.map_view.point_count() == N_DIGITS and window.map_view.isVisible()
    assert toolbar.tool.isEnabled()
    toolbar.dims.setCurrentIndex(toolbar.dims.findData(3))
    assert window.runner.current("map") is None and s.projection is map3d and stack.currentWidget() is view

    path = s.save(tmp_path / "three.lexp")
    shown = s.map.copy()
    window.session.open(path)
    QApplication.processEvents()
    assert s.projection.n_components == 3 and np.array_equal(s.map, shown)
    assert stack.currentWidget() is view and toolbar.dim == 3 and view.point_count() == N_DIGITS
    from latent_explorer.workspace.session_file import load_workspace
    from latent_explorer.workspace.stored_map import restore_map

    restored = restore_map(load_workspace(path))  # what opening used: the stored map, not a new one
    assert restored is not None and np.array_equal(restored.embedding_, shown)
    toolbar.dims.setCurrentIndex(toolbar.dims.findData(2))  # the 2-D map was saved beside it
    assert window.runner.current("map") is None and stack.currentWidget() is window.map_view
    assert s.map.shape == (N_DIGITS, 2) and toolbar.tool.isEnabled()


def test_3d_tsne_animates_while_it_runs_and_a_cancelled_map_leaves_the_3d_one(window, qtbot,
                                                                              saved_digits_workspace):
    s, stack = window.session, window.map_stack
    s.open(saved_digits_workspace)
    QApplication.processEvents()
    frames = []
    s.map_partial.connect(lambda p: frames.append((stack.dim, stack.currentWidget().positions.copy())))
    with qtbot.waitSignal(window.runner.stopped, timeout=LONG):
        window.runner.start("map", lambda t: s.map_task(t, "tsne", 3, n_iter=40, early_exaggeration_iter=20))
    assert len(frames) >= 2 and all(dim == 3 and p.shape == (N_DIGITS, 3) for dim, p in frames)
    assert not np.allclose(frames[0][1], frames[-1][1])  # the drawn points moved
    assert stack.currentWidget() is window.map_view3d and s.projection.method == "tsne"

    before, frames[:] = s.map, []
    s.map_partial.connect(lambda p: window.runner.cancel("map"))
    with qtbot.waitSignal(window.runner.stopped, timeout=LONG):
        window.runner.start("map", lambda t: s.map_task(t, "tsne", 2, perplexity=29.0))
    QApplication.processEvents()
    assert frames and frames[0][0] == 2  # it animated in 2-D until cancelled
    assert s.map is before and stack.currentWidget() is window.map_view3d and window.map_toolbar.dim == 3


GL_BODY = """
    from latent_explorer.gui.map2d.scatter import renderer_info
    from latent_explorer.gui.render.scatter3d import render_cloud, ring_stamps
    img = rgb(canvas.grabFramebuffer()).astype(int)
    lit = (img.max(2) - img.min(2)) > 40
    cw, ch, dpr = canvas.device_size()
    cpu = render_cloud(view.cloud, view.camera.frame(cw, ch), cw, ch, 6, ring_stamps(6), {}) != 0
    h, wd = min(lit.shape[0], cpu.shape[0]), min(lit.shape[1], cpu.shape[1])
    both = (lit[:h, :wd] & cpu[:h, :wd]).sum() / max(1, (lit[:h, :wd] | cpu[:h, :wd]).sum())
    print(json.dumps({"kind": canvas.kind, "gl": canvas.last_paint_was_gl, "failed": canvas.gl_failed,
                      "lit": float(lit.mean()), "overlap": float(both), "info": renderer_info(),
                      "points": view.point_count()}))
    w.close()
"""


@pytest.mark.skipif(not os.environ.get("DISPLAY"), reason="needs an X display (run under xvfb-run)")
def test_gl_3d_map_draws_the_same_points_on_an_x_display(saved_digits_workspace):
    result = run_gl_window(GL_BODY, saved_digits_workspace)
    assert result["kind"] == "gl" and result["gl"] and not result["failed"], result
    assert result["points"] == N_DIGITS and result["lit"] > 0.01, result
    assert result["overlap"] > 0.6, result  # the GPU draws the points where the CPU would
