"""The Generate dock on a real trained model: interpolation as a film strip and a path on the
map (and a GIF), sampling into a grid and onto the map, latent arithmetic with its nearest
images, all kept in the workspace; jobs in workers that close cleanly."""
from __future__ import annotations

import numpy as np
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QFileDialog

from latent_explorer.gui.actions.generate_actions import RESTORE

from .helpers import LONG, hint_on, viewport_pixels


def opened(window, path):
    window.session.open(path)
    window.generate.dock.raise_()
    QApplication.processEvents()
    return window


def first(window, label: int, k: int = 0) -> int:
    """The k-th image of ``label`` that a click on its point picks (no other point on top)."""
    view = window.map_view
    hits = [int(i) for i in np.flatnonzero(window.session.labels == label)[:40]
            if view.index_at(view.mapToScene(view.widget_pos_of(int(i)))) == i]
    return hits[k]


def pick(window, button, index: int) -> None:
    """Click image ``index`` on the map (a real click), then the dock's "= selection" button."""
    view = window.map_view
    window.qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.widget_pos_of(index))
    assert window.session.selected == index
    button.click()


def finished(qtbot, window, purpose: str):
    return qtbot.waitSignal(window.runner.stopped, timeout=LONG, check_params_cb=lambda p, _w: p == purpose)


def icons(widget) -> list[np.ndarray]:
    """What each item of an image list shows, as RGB arrays."""
    out = []
    for i in range(widget.count()):
        img = widget.item(i).icon().pixmap(widget.iconSize()).toImage()
        out.append(np.array([[img.pixelColor(x, y).getRgb()[:3] for x in range(img.width())]
                             for y in range(img.height())]))
    return out


def click_item(qtbot, widget, i: int) -> None:
    pos = widget.visualItemRect(widget.item(i)).center()
    qtbot.mouseClick(widget.viewport(), Qt.MouseButton.LeftButton, pos=pos)


def red_framed(widget) -> int:
    return sum(1 for a in icons(widget) if tuple(a[1, a.shape[1] // 2]) == (220, 30, 30))


def interpolate(qtbot, window, method: str, steps: int) -> None:
    tab = window.generate.panel.interpolate
    tab.method.setCurrentIndex(tab.method.findData(method))
    tab.steps.setValue(steps)
    with finished(qtbot, window, "interpolation"):
        tab.go.click()


def test_interpolation_film_strip_path_and_gif(window, qtbot, saved_digits_workspace, tmp_path, monkeypatch):
    opened(window, saved_digits_workspace)
    window.qtbot = qtbot
    gen, tab = window.generate, window.generate.panel.interpolate
    assert "Choose A and B" in tab.step_caption.text() and tab.current.text()  # the empty strip says what comes
    tab.go.click()
    assert tab.message.text() == "Pick A and B first"
    a, b = first(window, 3), first(window, 4)
    pick(window, tab.a, a)
    pick(window, tab.b, b)
    assert tab.a.text() == f"A: #{a}" and not tab.a.icon().isNull()
    interpolate(qtbot, window, "path", 12)
    frames = icons(tab.strip)
    assert tab.strip.count() == 12
    assert len({f.tobytes() for f in frames}) == 12  # every step looks different
    assert np.abs(frames[0].astype(int) - frames[-1]).mean() > 5
    path = gen.overlays.drawn("interpolation")
    m = window.session.map
    assert len(path) == 12
    assert np.allclose(path[0], m[a], atol=1e-4) and np.allclose(path[-1], m[b], atol=1e-4)
    along = red_framed(tab.strip)
    assert f"{along} of 12 steps off the data" in tab.summary.text()
    # scrubbing rings the step on the map and says where it is
    tab.scrub.setValue(5)
    assert tab.strip.currentRow() == 5 and "Step 6 of 12" in tab.step_caption.text() and not tab.current.text()
    ring = np.column_stack(gen.overlays.ring.getData())
    assert np.allclose(ring[0], path[5])
    # an animated GIF with one frame per step
    out = tmp_path / "walk.gif"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(out), ""))
    tab.export_gif.click()
    with Image.open(out) as gif:
        assert gif.is_animated and gif.n_frames == 12
    assert window.isWindowModified()  # the result is kept in the workspace
    # the straight line leaves the data where the path along it does not
    interpolate(qtbot, window, "linear", 12)
    straight = red_framed(tab.strip)
    assert along < straight and f"{straight} of 12 steps off the data" in tab.summary.text()


def test_sampling_fills_a_grid_and_the_map(window, qtbot, saved_digits_workspace, tmp_path):
    opened(window, saved_digits_workspace)
    gen, tab = window.generate, window.generate.panel.sample
    gen.panel.setCurrentWidget(tab)
    tab.n.setValue(9)
    tab.seed.setValue(3)
    assert tab.grid.count() == 0 and (viewport_pixels(tab.grid) < 200).sum() > 200  # the empty grid says what comes
    with finished(qtbot, window, "samples"):
        tab.go.click()
    assert tab.grid.count() == 9 and len({f.tobytes() for f in icons(tab.grid)}) == 9
    hint = tab.grid.hint
    assert np.array_equal(viewport_pixels(tab.grid), hint_on(tab.grid, ""))  # and says nothing over the samples
    tab.grid.hint = hint
    markers = gen.overlays.drawn("samples")
    assert markers.shape == (9, 2)
    assert tab.note.text().startswith("auto:")  # this VAE's latents left N(0, I): a fitted density
    assert "Gaussian mixture (chosen by auto)" in tab.summary.text()
    click_item(qtbot, tab.grid, 4)
    assert np.allclose(np.column_stack(gen.overlays.ring.getData())[0], markers[4])
    # Reopened, the tab says what drew the samples on screen, not what its widgets held before.
    tab.n.setValue(20)
    tab.prior.setCurrentIndex(tab.prior.findData("normal"))
    window.session.open(window.session.save(tmp_path / "samples.lexp"))
    with finished(qtbot, window, RESTORE):
        QApplication.processEvents()
    assert tab.grid.count() == 9 and (tab.n.value(), tab.seed.value(), tab.prior.currentData()) == (9, 3, "auto")
    assert "chosen by auto" in tab.summary.text() and tab.note.text().startswith("auto:")


def test_arithmetic_shows_result_and_neighbours(window, qtbot, saved_digits_workspace):
    opened(window, saved_digits_workspace)
    window.qtbot = qtbot
    gen, tab = window.generate, window.generate.panel.arithmetic
    gen.panel.setCurrentWidget(tab)
    for button, index in zip(tab.operands, (first(window, 7), first(window, 1), first(window, 1, 1))):
        pick(window, button, index)
    tab.k.setValue(5)
    with finished(qtbot, window, "arithmetic"):
        tab.go.click()
    r = gen.generator.results["arithmetic"].result
    assert tab.nearest.count() == 5 and not tab.result.pixmap().isNull()
    assert "the data" in tab.summary.text() and gen.overlays.drawn("arithmetic").shape == (1, 2)
    click_item(qtbot, tab.nearest, 2)
    assert window.session.selected == int(r.nearest[2])


def test_alt_click_interpolates_and_reopening_draws_it_again(window, qtbot, saved_digits_workspace, tmp_path):
    opened(window, saved_digits_workspace)
    view, gen, tab = window.map_view, window.generate, window.generate.panel.interpolate
    a, b = first(window, 0), first(window, 6)
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.widget_pos_of(a))
    with finished(qtbot, window, "interpolation"):
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.AltModifier,
                         pos=view.widget_pos_of(b))
    assert window.session.selected == a  # Alt+click does not move the selection
    assert tab.b.text() == f"B: #{b}" and tab.strip.count() == 16
    before = gen.overlays.drawn("interpolation")
    window.session.open(window.session.save(tmp_path / "walk.lexp"))
    with finished(qtbot, window, RESTORE):
        QApplication.processEvents()
    assert np.allclose(gen.overlays.drawn("interpolation"), before, atol=1e-4)
    assert tab.strip.count() == 16 and tab.a.text() == f"A: #{a}"
    assert "steps off the data" in tab.summary.text()
    assert not window.isWindowModified()


def test_cancel_and_close_during_a_job_leave_no_thread(window, qtbot, saved_digits_workspace):
    opened(window, saved_digits_workspace)
    tab = window.generate.panel.sample
    tab.prior.setCurrentIndex(tab.prior.findData("density"))
    with finished(qtbot, window, "samples"):
        tab.go.click()
        assert not tab.busy.isHidden()
        tab.busy.cancel_button.click()
    assert tab.busy.isHidden() and tab.grid.count() == 0
    tab.go.click()
    window.close()
    assert window.runner.running_threads() == 0
