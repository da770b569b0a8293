"""View ▸ Cluster regions on the shipped digits demo: the clusters are found when asked, each is
drawn as a tinted region with a card whose numbers are the clustering's, the cards keep their
size and never overlap, a new map moves the regions, and off (or a new workspace) removes them."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRect, QRectF
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication

from latent_explorer.gui import first_run
from latent_explorer.gui.map2d.region_cards import RegionCard
from latent_explorer.gui.map2d.regions import FILL_ALPHA
from latent_explorer.gui.render.map_style import PALETTE
from latent_explorer.infra.resources import resource_path

from .helpers import LONG


def _rgb(widget) -> np.ndarray:
    img = widget.grab().toImage().convertToFormat(QImage.Format.Format_RGB888)
    a = np.frombuffer(img.constBits(), np.uint8, img.sizeInBytes()).reshape(img.height(), img.bytesPerLine())
    return a[:, :img.width() * 3].reshape(img.height(), img.width(), 3).astype(int)


def _view_pixels(view, shape, step=2):
    """A grid of every ``step``-th pixel of the map's plot area: their (row, col) (rows, cols, 2)
    and the map positions under them (rows, cols, 2)."""
    vb = view.plotItem.vb
    o = view.mapFromScene(vb.mapViewToScene(QPointF(0, 0)))
    e = view.mapFromScene(vb.mapViewToScene(QPointF(1, 1)))
    area = view.mapFromScene(vb.sceneBoundingRect()).boundingRect().intersected(QRect(0, 0, shape[1], shape[0]))
    rows, cols = np.mgrid[area.top() + 1:area.bottom() - 1:step, area.left() + 1:area.right() - 1:step]
    data = np.stack([(cols - o.x()) / (e.x() - o.x()), (rows - o.y()) / (e.y() - o.y())], -1)
    return np.stack([rows, cols], -1), data


def _on_screen(view, item):
    """A card's shown body (or the given body) as drawn, in the view's pixels (cards ignore the
    map's transformations, so their scene rectangles are not where they are drawn)."""
    body = item.body if isinstance(item, RegionCard) else item
    return body.deviceTransform(view.viewportTransform()).mapRect(body.boundingRect())


def _cards(view) -> list[RegionCard]:
    return [item for item in view.scene().items() if isinstance(item, RegionCard)]


def test_cluster_regions_on_the_digits_demo(window, qtbot):
    window.resize(1280, 800)
    window.session.open(resource_path(*first_run.DEMO))
    QApplication.processEvents()
    s, view, layer, action = window.session, window.map_view, window.views.regions, window.views.regions_action
    assert action.isCheckable() and action.shortcut().toString() == "Ctrl+Shift+R"
    shortcuts = [a.shortcut().toString() for a in window.findChildren(type(action)) if not a.shortcut().isEmpty()]
    assert shortcuts.count("Ctrl+Shift+R") == 1

    # on: the clusters are found (as the Insights dock does) and drawn
    with qtbot.waitSignal(layer.shown, timeout=LONG):
        action.trigger()
    meta = s.workspace.extra_meta["clusters"]
    k = meta["count"]
    assert action.isChecked() and k == 10 and "10 clusters" in window.insights.cluster_summary.text()
    assert len(layer.fills) == k and len(layer.cards) == k and len(_cards(view)) == k
    assign = s.workspace.extra_arrays["clusters.labels"]
    labels, names = s.labels, s.label_names
    for card in layer.cards:
        c = card.region.cluster
        members = assign == c
        own = np.bincount(labels[members & (labels >= 0)], minlength=len(names))
        assert card.bodies[0].texts == [f"cluster {c + 1} · {meta['sizes'][c]} images",
                                        f"mostly “{names[own.argmax()]}” ({100 * own.max() / own.sum():.0f} %)"]
        assert card.region.members == members.sum() == meta["sizes"][c] and card.region.medoid == meta["medoids"][c]
        assert card.body.childItems()[0].pixmap().width() > 0  # the medoid's image
    # the regions' purities add up to the clustering's
    regions = layer.regions
    assert abs(sum(r.label_count for r in regions) / sum(r.labelled for r in regions) - meta["purity"]) < 1e-9
    # cards: most shown, none on another, none on the legend
    shown = [_on_screen(view, c) for c in layer.cards if c.isVisible()]
    assert len(shown) >= k - 2
    assert not any(a.intersects(b) for i, a in enumerate(shown) for b in shown[i + 1:])
    legend = [view.mapFromScene(view.legend.item.sceneBoundingRect()).boundingRect()] if view.legend.isVisible() else []
    assert not any(r.intersects(QRectF(rect)) for r in shown for rect in legend)

    # zooming keeps the cards' pixel size
    sizes = [_on_screen(view, body).size() for c in layer.cards for body in c.bodies]  # full, compact
    view.plotItem.vb.scaleBy((0.5, 0.5))
    layer.arrange()
    assert [_on_screen(view, body).size() for c in layer.cards for body in c.bodies] == sizes
    view.plotItem.autoRange()

    old = [np.concatenate(r.outline).mean(axis=0) for r in layer.regions]
    with qtbot.waitSignal(layer.shown, timeout=LONG):
        window.compute_map("pca")
    assert np.allclose(view.positions, s.map) and len(layer.fills) == k
    home = 0  # PCA mixes the digits more than UMAP: each region is where its cluster leads
    for r in layer.regions:
        held = assign[r.contains(s.map)]
        assert np.bincount(held, minlength=k).argmax() == r.cluster
        home += np.sum(held == r.cluster)
    assert home >= 0.5 * len(assign)
    new = [np.concatenate(r.outline).mean(axis=0) for r in layer.regions]
    assert not np.allclose(old, new)
    assert [c.bodies[0].texts for c in layer.cards][0][0] == f"cluster 1 · {meta['sizes'][0]} images"

    # what a user sees (on the PCA map, where the regions have room): the region's tint on the
    # background inside it, nothing changed far outside
    regions = layer.regions
    shown = [_on_screen(view, c) for c in layer.cards if c.isVisible()]
    legend = [view.mapFromScene(view.legend.item.sceneBoundingRect()).boundingRect()] if view.legend.isVisible() else []
    on = _rgb(view)
    action.trigger()  # off: gone, and the map as it was
    assert not action.isChecked() and layer.fills == [] and _cards(view) == []
    off = _rgb(view)
    grid, data = _view_pixels(view, on.shape)
    inside = np.array([r.contains(data.reshape(-1, 2)).reshape(grid.shape[:2]) for r in regions])
    anywhere = inside.any(axis=0)
    edge = np.zeros_like(anywhere)  # within 4 px of an outline: its line, antialiasing
    for axis in (0, 1):
        for shift in (-2, 2):
            edge |= np.roll(anywhere, shift, axis=axis) != anywhere
    px, inside, edge = grid.reshape(-1, 2), inside.reshape(len(regions), -1), edge.ravel()
    covered = np.zeros(len(px), bool)  # cards (and their leader lines' ends), the legend
    for rect in shown + [QRectF(rect) for rect in legend]:
        r = rect.adjusted(-3, -3, 3, 3)
        covered |= (px[:, 1] >= r.left()) & (px[:, 1] <= r.right()) & (px[:, 0] >= r.top()) & (px[:, 0] <= r.bottom())
    before, after = off[px[:, 0], px[:, 1]], on[px[:, 0], px[:, 1]]
    blank = (before > 225).all(axis=1) & ~covered & ~edge  # background or grid, no dot
    tinted, checked = 0, 0
    for i, r in enumerate(regions):
        inner = inside[i] & blank
        colour = np.array([int(PALETTE[r.cluster][j:j + 2], 16) for j in (1, 3, 5)])
        expected = before[inner] * (1 - FILL_ALPHA / 255) + colour * FILL_ALPHA / 255
        tinted += np.sum(np.abs(after[inner] - expected).max(axis=1) <= 6)
        checked += inner.sum()
    assert checked >= 500 and tinted >= 0.9 * checked, (tinted, checked)
    far = ~inside.any(axis=0) & blank
    assert far.sum() > 1000
    assert np.mean(np.abs(after[far] - before[far]).max(axis=1) <= 2) >= 0.98  # leader lines aside

    # on again: the clustering is kept (no new task)
    with qtbot.waitSignal(layer.shown, timeout=LONG):
        action.trigger()
    assert not window.runner.is_busy("insights") and len(layer.fills) == k

    # a new workspace turns them off
    s.open(resource_path(*first_run.DEMO))
    QApplication.processEvents()
    assert not action.isChecked() and layer.fills == [] and _cards(view) == []
