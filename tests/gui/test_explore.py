"""Exploring in the window: decoding empty map space under the mouse, sliders that edit the
selected image and move its point, undo, keeping an edit as a new point."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import QApplication

from .helpers import LONG, Heartbeat, hover


def pixels(label) -> np.ndarray:
    img = label.pixmap().toImage()
    return np.array([[img.pixelColor(x, y).lightness() for x in range(0, img.width(), 4)]
                     for y in range(0, img.height(), 4)])


def opened(window, path):
    window.session.open(path)
    QApplication.processEvents()
    return window


def shown_map(window, qtbot, path):
    """The window shown with ``path`` open: its map view, and the first 200 images whose point a
    click at its own position picks (not hidden under another)."""
    opened(window, path)
    view = window.map_view
    window.show()
    qtbot.waitExposed(window)
    return view, [i for i in range(0, 200) if view.index_at(view.mapToScene(view.widget_pos_of(i))) == i]


def clear_selection(window):
    next(a for m in window.menuBar().actions() for a in m.menu().actions() if a.text() == "&Clear selection").trigger()


def empty_spot(view):
    """A widget position inside the plot with no point within the pick radius."""
    vb = view.plotItem.vb
    rect = vb.sceneBoundingRect()
    for fx in np.linspace(0.1, 0.9, 9):
        for fy in np.linspace(0.1, 0.9, 9):
            scene = QPointF(rect.left() + fx * rect.width(), rect.top() + fy * rect.height())
            if view.index_at(scene) < 0:
                return view.mapFromScene(scene)
    raise AssertionError("no empty spot on the map")


def test_hovering_empty_space_decodes_it_with_a_confidence(window, qtbot, saved_digits_workspace):
    opened(window, saved_digits_workspace)
    view, preview = window.map_view, window.preview
    first = empty_spot(view)
    with qtbot.waitSignal(preview.decoded_shown, timeout=LONG):
        hover(view.viewport(), first)
    a = pixels(preview.decoded)
    conf_a = preview.last_confidence
    assert 0.0 <= conf_a <= 1.0 and "confidence" in preview.decoded_caption.text()
    # a data point's own position decodes (almost) to its reconstruction: confidence near 1
    index = next(i for i in range(50) if view.index_at(view.mapToScene(view.widget_pos_of(i))) == i)  # as hovered
    with qtbot.waitSignal(preview.decoded_shown, timeout=LONG):
        preview.show_position(window.session.map[index])
    assert preview.last_confidence > 0.9
    # somewhere far outside the data: low confidence, and a different picture
    lo, hi = window.session.map.min(0), window.session.map.max(0)
    with qtbot.waitSignal(preview.decoded_shown, timeout=LONG):
        preview.show_position(hi + 3 * (hi - lo))
    assert preview.last_confidence < 0.1
    qtbot.waitUntil(lambda: "guesswork" in preview.decoded_caption.text())  # captions follow at 12/s
    assert np.abs(pixels(preview.decoded) - a).mean() > 1.0
    hover(view.viewport(), view.widget_pos_of(index))  # over a point: nothing new is decoded
    assert window.hover_label.text().startswith(f"#{index}")


def test_hover_requests_coalesce_and_the_gui_keeps_breathing(window, qtbot, saved_digits_workspace):
    opened(window, saved_digits_workspace)
    preview = window.preview
    beat = Heartbeat()
    lo, hi = window.session.map.min(0), window.session.map.max(0)
    before = preview.worker.submitted
    shown = []
    preview.decoded_shown.connect(lambda p: shown.append(p))
    for t in np.linspace(0, 1, 200):
        preview.show_position(lo + t * (hi - lo))
    last = lo + (hi - lo)
    qtbot.waitUntil(lambda: bool(shown) and np.allclose(shown[-1], last), timeout=LONG)
    assert preview.worker.submitted - before == 200
    assert len(shown) < 200  # stale positions were dropped, not queued
    assert beat.stop() < 0.5


def test_slider_edits_the_image_and_moves_its_point(window, qtbot, saved_digits_workspace):
    opened(window, saved_digits_workspace)
    s, steering, sliders = window.session, window.steering, window.sliders
    window.sliders_dock.raise_()
    assert len(sliders.rows) == len(steering.directions) >= 10
    assert not sliders.rows[0].slider.isEnabled()  # nothing selected yet
    with qtbot.waitSignal(sliders.edited_image_shown, timeout=LONG):
        s.select(7)
    before = pixels(sliders.edited_image)
    row = next(r for r in sliders.rows if steering.directions[r.index].name == "toward 0")
    with qtbot.waitSignal(sliders.edited_image_shown, timeout=LONG):
        row.slider.sliderPressed.emit()
        row.slider.setValue(250)
    after = pixels(sliders.edited_image)
    assert np.abs(after - before).mean() > 2.0
    edit = steering.edit
    assert np.isclose(edit.strengths[row.index], 2.5)
    assert np.linalg.norm(edit.position - edit.origin_position) > 0.5  # the point moved
    xs, ys = window.map_view._edit_line.getData()
    assert np.allclose([xs[1], ys[1]], edit.position)  # drawn as an arrow on the map
    # the edit really is "more like a 0": its latent is nearer the zeros' mean than before
    z, labels = s.workspace.latents.mean, s.dataset.labels
    zero = z[labels == 0].mean(0)
    assert np.linalg.norm(edit.latent - zero) < np.linalg.norm(edit.origin_latent - zero)

    assert window.undo_action.isEnabled() or steering.can_undo
    with qtbot.waitSignal(sliders.edited_image_shown, timeout=LONG):
        window.undo_action.trigger()
    assert steering.edit.is_identity and row.slider.value() == 0
    assert np.abs(pixels(sliders.edited_image) - before).mean() < 0.5


def test_kept_edit_is_a_new_point_saved_with_the_workspace(window, qtbot, saved_digits_workspace, tmp_path):
    opened(window, saved_digits_workspace)
    s, steering = window.session, window.steering
    s.select(3)
    steering.set_strength(0, 1.5)
    window.sliders.keep()
    assert len(steering.kept) == 1 and window.isWindowModified()
    xs, _ = window.map_view._kept.getData()
    assert len(xs) == 1
    path = s.save(tmp_path / "kept.lexp")
    opened(window, path)
    assert [k.name for k in steering.kept] == ["edit of #3"]
    assert len(window.map_view._kept.getData()[0]) == 1
    assert len(window.sliders.rows) == len(steering.directions)


def test_a_tsne_map_animates_then_replaces_the_pca_map(window, qtbot, saved_digits_workspace):
    opened(window, saved_digits_workspace)
    s = window.session
    pca = s.map.copy()
    partials, axis_names = [], []
    axis = window.map_view.plotItem.getAxis("bottom")
    s.map_partial.connect(lambda p: (partials.append(p.copy()), axis_names.append(axis.labelText)))
    window.map_toolbar.method.setCurrentIndex(window.map_toolbar.method.findData("tsne"))
    beat = Heartbeat()
    with qtbot.waitSignal(s.map_changed, timeout=LONG):
        window.map_toolbar.compute.click()
        assert window.map_toolbar._cancel_action.isVisible()
    qtbot.waitUntil(lambda: not window.map_toolbar._cancel_action.isVisible(), timeout=LONG)
    assert beat.stop() < 1.0
    assert s.projection.method == "tsne" and s.map.shape == pca.shape
    assert len(partials) >= 3 and not np.allclose(partials[0], partials[-1])  # it moved
    assert window.map_view.plotItem.getAxis("bottom").labelText == "t-SNE 1"
    assert set(axis_names) == {"t-SNE 1"}  # while it animates too, not "PC 1" of the map before
    assert window.isWindowModified()
    # decoding under the cursor follows the new map: a point's own position is on the data
    with qtbot.waitSignal(window.preview.decoded_shown, timeout=LONG):
        window.preview.show_position(s.map[10])
    assert window.preview.last_confidence > 0.9


def test_decoded_atlas_tiles_the_view_and_refines_when_zooming(window, qtbot, saved_digits_workspace):
    opened(window, saved_digits_workspace)
    atlas, vb = window.atlas, window.map_view.plotItem.vb
    with qtbot.waitSignal(atlas.shown, timeout=LONG):
        window.atlas_action.trigger()
    first = atlas.image.mapRectToParent(atlas.image.boundingRect())
    (x0, x1), _ = vb.viewRange()
    assert np.isclose(first.left(), x0) and np.isclose(first.width(), x1 - x0)
    img = atlas.image.image
    assert img.shape[0] % 16 == 0 and img.shape[1] % 16 == 0 and img[..., 3].min() > 0
    with qtbot.waitSignal(atlas.shown, timeout=LONG):
        vb.scaleBy((0.4, 0.4))
    second = atlas.image.mapRectToParent(atlas.image.boundingRect())
    assert second.width() < 0.5 * first.width()  # same tiles on screen, finer steps in the map
    window.atlas_action.trigger()
    assert not atlas.image.isVisible()


def test_atlas_tiles_are_upright_and_placed_bottom_up():
    from latent_explorer.gui.render.atlas_tiles import compose

    tiles = np.zeros((6, 4, 4, 1), np.uint8)
    tiles[:, 0, :, 0] = 255  # every tile's top row is white
    tiles[5, 1:, :, 0] = 7  # the last tile is the top-right one
    out = compose(tiles, np.ones(6), nx=3, ny=2)
    assert out.shape == (8, 12, 4)
    assert (out[3, :, 0] == 255).all() and (out[7, :, 0] == 255).all()  # top rows come last
    assert out[4:8, 8:12, 0].min() >= 7 and out[0:4, 8:12, 0].max() in (0, 255)


def test_two_lasso_selections_make_a_new_slider(window, qtbot, saved_digits_workspace):
    from PySide6.QtCore import QPoint, Qt

    from tests.gui.scatter_helpers import drag

    opened(window, saved_digits_workspace)
    s, view, sliders = window.session, window.map_view, window.sliders
    labels = s.dataset.labels

    def lasso_around(points):
        """A real Shift-drag: a box-shaped lasso around the middle half of these points."""
        lo, hi = np.percentile(points, 25, axis=0), np.percentile(points, 75, axis=0)
        corners = [(lo[0], lo[1]), (hi[0], lo[1]), (hi[0], hi[1]), (lo[0], hi[1]), (lo[0], lo[1])]
        vb = view.plotItem.vb
        pts = [view.mapFromScene(vb.mapViewToScene(QPointF(x, y))) for x, y in corners]
        drag(view.viewport(), [QPoint(p.x(), p.y()) for p in pts], Qt.KeyboardModifier.ShiftModifier)

    lasso_around(s.map[labels == 0])
    a = window.chosen.copy()
    assert len(a) > 20 and np.mean(labels[a] == 0) > 0.6  # mostly zeros
    assert window.map_view.scatter is not None and "selected with the lasso" in window.statusBar().currentMessage()
    sliders.set_a_button.click()
    lasso_around(s.map[labels == 6])
    b = window.chosen.copy()
    assert np.mean(labels[b] == 6) > 0.6
    sliders.set_b_button.click()
    n = len(sliders.rows)
    sliders.make_button.click()
    assert len(sliders.rows) == n + 1
    d = window.steering.directions[-1]
    assert d.kind == "selection" and d.name == "A → B #1"
    assert d.score >= 0.8 and f"acc {d.score:.2f}" in sliders.rows[-1].score.text()  # zeros vs sixes, held out
    # walking the new direction from a zero moves it towards the sixes
    s.select(int(np.flatnonzero(labels == 0)[0]))
    window.steering.set_strength(n, 2.0)
    z = s.workspace.latents.mean
    six = z[labels == 6].mean(0)
    edit = window.steering.edit
    assert np.linalg.norm(edit.latent - six) < np.linalg.norm(edit.origin_latent - six)


def test_colour_by_reconstruction_error_shows_a_colour_bar(window, qtbot, saved_digits_workspace):
    opened(window, saved_digits_workspace)
    combo = window.map_toolbar.colour
    keys = [combo.itemData(i) for i in range(combo.count())]
    assert keys[:1] == ["label"] and "recon_error" in keys
    assert window.map_view.legend.isVisible() and not window.map_view.colour_bar.isVisible()
    combo.setCurrentIndex(keys.index("recon_error"))
    view = window.map_view
    assert view.colour_by == "recon_error" and view.colour_bar.isVisible()
    assert not view.legend.isVisible()
    lo, hi = view.colour_bar.levels()
    err = window.session.workspace.latents.recon_error
    assert lo >= err.min() and hi <= err.max() and hi > lo
    assert view.colour_bar_label.isVisible() and "error" in view.colour_bar_label.text.lower()
    combo.setCurrentIndex(0)
    assert view.legend.isVisible() and not view.colour_bar.isVisible()
    assert not view.colour_bar_label.isVisible() and view.colour_bar_label.text == ""


def test_the_legend_toggles_a_group_by_its_text_marks_it_and_keeps_off_the_points(window, qtbot, saved_digits_workspace):
    window.resize(1024, 700)  # a narrow map: every corner has points
    opened(window, saved_digits_workspace)
    view, s = window.map_view, window.session
    qtbot.waitUntil(lambda: view.legend.isVisible() and len(view.legend.entry_texts()) == 10 and view.legend.settled,
                    timeout=LONG)
    assert view.legend.entry_label(3).startswith("✓") and all(view.legend.shown())
    three = int(np.flatnonzero(s.labels == 3)[0])
    entry = view.legend.entry_scene_rect(3)
    text_at = view.mapFromScene(QPointF(entry.left() + 24, entry.center().y()))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=text_at)
    assert view.legend.shown()[3] is False and view.legend.entry_label(3).startswith("✗")  # the text, not the dot
    assert view.index_at(view.scene_pos_of(three)) != three  # a hidden group cannot be picked
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=text_at)
    assert view.legend.shown()[3] is True and view.legend.entry_label(3).startswith("✓")
    # It sits in the corner where it hides the fewest points: never more than the usual top right.
    box = view.legend.item.sceneBoundingRect()
    under = sum(box.contains(view.scene_pos_of(i)) for i in range(view.point_count()))
    vb = view.plotItem.vb.sceneBoundingRect()
    top_right = box.translated(vb.right() - 8 - box.right(), vb.top() + 8 - box.top())
    under_top_right = sum(top_right.contains(view.scene_pos_of(i)) for i in range(view.point_count()))
    print(f"points under the legend: {under} in the {view.legend.corner} corner, {under_top_right} top right")
    assert under == 0  # the new map's range was widened on the legend's side to clear it


def test_a_click_replaces_a_lasso_group_and_clear_selection_forgets_both(window, qtbot, saved_digits_workspace):
    from PySide6.QtCore import Qt

    view, pickable = shown_map(window, qtbot, saved_digits_workspace)
    target = pickable[0]
    group = np.array([p for p in pickable[1:40]], np.int64)
    window.choose(group)
    assert np.array_equal(window.selected_indices(), group)
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.widget_pos_of(target))
    assert window.session.selected == target
    assert np.array_equal(window.selected_indices(), [target])  # not the lasso's group any more
    assert len(window.sliders.chosen) == 0
    window.choose(group)
    clear_selection(window)
    assert window.session.selected == -1 and len(window.selected_indices()) == 0


def test_the_selection_ring_is_drawn_at_a_clicked_point_and_gone_after_clear(window, qtbot, saved_digits_workspace):
    """What the user sees of the selection model: the ring around the clicked point, and the
    map as it was once the selection is cleared."""
    from PySide6.QtCore import QRect, Qt

    view, pickable = shown_map(window, qtbot, saved_digits_workspace)
    target = pickable[0]
    at = view.widget_pos_of(target)
    box = QRect(at.x() - 12, at.y() - 12, 25, 25)

    def patch():
        QApplication.processEvents()
        return view.viewport().grab(box).toImage()

    before = patch()
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=at)
    assert window.session.selected == target
    qtbot.waitUntil(lambda: patch() != before)  # the ring around the point
    ringed = patch()
    dark = sum(1 for x in range(25) for y in range(25) if ringed.pixelColor(x, y).value() < 60)
    assert dark >= 20  # the ring's black outline, not just the point
    clear_selection(window)
    qtbot.waitUntil(lambda: patch() == before)


def test_every_slider_shows_its_score_and_walk_check_uncut_at_1024x700(window, qtbot, saved_digits_workspace):
    window.resize(1024, 700)
    opened(window, saved_digits_workspace)
    steering, sliders = window.steering, window.sliders
    window.sliders_dock.raise_()
    qtbot.waitUntil(lambda: steering.directions and all(d.monotonicity for d in steering.directions),
                    timeout=LONG)  # checked in the background once the model is on screen
    labels = [d for d in steering.directions if d.kind == "mean-diff"]
    rhos = [d.monotonicity["spearman"] for d in labels]
    moved = [d.monotonicity["moved"] for d in labels]
    print(f"\nlabel directions: walk rho {np.round(rhos, 2)}, moves {np.round(moved, 2)}")
    assert len(labels) == 10 and np.mean(rhos) >= 0.8 and np.mean(moved) >= 0.3
    rows = sliders.rows
    qtbot.waitUntil(lambda: all("walk ρ" in r.score.text() for r in rows))
    scroll = sliders.grid_host.parentWidget().parentWidget()
    assert not scroll.horizontalScrollBar().isVisible()
    for r in rows[:5]:
        right = r.score.mapTo(scroll.viewport(), r.score.rect().topRight()).x()
        assert r.score.isVisible() and right <= scroll.viewport().width()
        assert r.value.mapTo(scroll.viewport(), r.value.rect().topRight()).x() <= scroll.viewport().width()
    assert steering.directions[0].score is not None and f"{steering.directions[0].score:.2f}" in rows[0].score.text()


def test_the_selected_image_stays_ringed_on_a_new_map(window, qtbot, saved_digits_workspace):
    opened(window, saved_digits_workspace)
    s, view = window.session, window.map_view
    s.select(7)
    assert view.marked() == tuple(s.map[7])
    with qtbot.waitSignal(s.map_changed, timeout=LONG):
        window.compute_map("pca")
    assert s.selected == 7 and window.preview.title.text().startswith("Image #7")
    assert view.marked() == pytest.approx(tuple(s.map[7]))  # the preview still shows it: so does the map
    clear_selection(window)
    assert view.marked() is None
