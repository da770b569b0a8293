"""Cluster regions on the 2-D map (View ▸ Cluster regions): each cluster of the session's
clustering as a translucent area in its cluster colour under the dots, with a card
(`region_cards`) showing the medoid's image, "cluster 3 · 412 images" and, with labels,
"mostly “cat” (87 %)".

The outlines come from `analysis.maps.regions` in a worker thread (newest request wins). A new
map of the same latents draws them again for the new positions; a map being optimised or a live
training frame hides them until the map settles; a new workspace turns the layer off. The cards
keep their size in pixels while zooming and are laid out again after each zoom, pan or resize."""
from __future__ import annotations

from typing import Callable

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor, QPainterPath
from PySide6.QtWidgets import QGraphicsPathItem

from latent_explorer.analysis.maps.regions import Region, map_regions
from latent_explorer.gui.map2d.region_cards import THUMB, RegionCard, arrange
from latent_explorer.gui.render.map_style import PALETTE
from latent_explorer.gui.render.pixmaps import scaled_pixmap
from latent_explorer.gui.threads.latest_worker import LatestOnlyWorker
from latent_explorer.workspace import schema

FILL_ALPHA = 46
Z_FILL = -3  # over the decoded atlas (−5), under the dots (0)
SAMPLE = 4000  # points the card layout counts


def clustering_of(session) -> tuple[np.ndarray, np.ndarray] | None:
    """The session's clustering saved in its workspace: (assignment (N,), medoids (K,)), or None."""
    ws = session.workspace
    if ws is None or ws.latents is None:
        return None
    assign, meta = ws.extra_arrays.get(schema.CLUSTER_LABELS), ws.extra_meta.get(schema.CLUSTERS)
    if assign is None or not isinstance(meta, dict) or len(assign) != len(ws.latents.mean):
        return None
    medoids = np.asarray(meta.get("medoids", []), np.int64)
    k = int(np.max(assign)) + 1 if len(assign) else 0
    return (assign, medoids) if len(medoids) == k else None


def outline_path(region: Region) -> QPainterPath:
    path = QPainterPath()
    path.setFillRule(Qt.FillRule.OddEvenFill)
    for loop in region.outline:
        path.moveTo(float(loop[0, 0]), float(loop[0, 1]))
        for x, y in loop[1:]:
            path.lineTo(float(x), float(y))
        path.closeSubpath()
    return path


class RegionLayer(QObject):
    shown = Signal(int)  # regions now drawn (0: cleared)
    switched_off = Signal()  # the layer turned itself off (a new workspace, no clustering to draw)
    failed = Signal(str)  # why the regions could not be drawn

    def __init__(self, view, find_clusters: Callable[[], object]) -> None:
        """``view``: the 2-D `MapView`; ``find_clusters()`` starts clustering the session's
        latents (the result is saved in its workspace) and returns the task's worker, or None
        when it cannot start; call `refresh` once it has ended."""
        super().__init__(view)
        self.view = view
        self.session = view.session
        self.find_clusters = find_clusters
        self.enabled = False
        self.regions: list[Region] = []
        self.fills: list[QGraphicsPathItem] = []
        self.cards: list[RegionCard] = []
        self._drawn = None  # (positions, assignment) the regions were drawn for
        self._request = None
        self._sample = np.zeros((0, 2))  # map positions the cards try not to cover
        self._weight = 1.0  # what a sampled point covered costs
        self._asked = None  # the worker finding clusters for the layer, until it ends
        self.worker = LatestOnlyWorker(self)
        self.worker.finished.connect(self._on_done)
        self.worker.failed.connect(self._on_failed)
        self._layout_timer = QTimer(self)
        self._layout_timer.setSingleShot(True)
        self._layout_timer.setInterval(30)
        self._layout_timer.timeout.connect(self.arrange)
        vb = view.plotItem.vb
        vb.sigRangeChanged.connect(lambda *_: self._layout_timer.start() if self.cards else None)
        vb.sigResized.connect(lambda *_: self._layout_timer.start() if self.cards else None)
        self.session.map_changed.connect(lambda _p: self.refresh())
        self.session.map_partial.connect(lambda _p: self._set_visible(False))
        self.session.workspace_changed.connect(self._on_workspace)

    # ------------------------------------------------------------------ state

    def set_enabled(self, on: bool) -> None:
        self.enabled = bool(on)
        if not self.enabled:
            self._asked = None
            self.clear()
            return
        if clustering_of(self.session) is None:
            self._asked = self.find_clusters() if self.session.workspace is not None else None
            if self._asked is None:
                self._turn_off()
            return
        self.refresh()

    def refresh(self) -> None:
        """Draw the regions of the session's clustering on the 2-D map, when they are not drawn
        for it already (a new map, a new clustering)."""
        if not self.enabled:
            return
        found = clustering_of(self.session)
        positions = self.view.positions
        if found is None:
            if self._asked is None or not self._asked.is_running():
                self._turn_off()  # the clustering failed, was cancelled or replaced
            return
        self._asked = None
        if positions is None or positions.shape[1] != 2 or len(positions) != len(found[0]):
            return  # a 3-D map (the 2-D view keeps its own) or none yet
        if self._drawn is not None and self._drawn[0] is positions and self._drawn[1] is found[0]:
            self._set_visible(True)
            return
        labels = self.session.labels
        labels = labels if labels is not None and len(labels) == len(positions) else None
        assign, medoids = found
        key = self._request = (positions, assign)
        self.worker.submit(key, lambda: map_regions(positions, assign, medoids, labels))

    def _on_workspace(self, _ws) -> None:
        self._request = self._drawn = None
        if self.enabled:
            self._turn_off()

    def _turn_off(self) -> None:
        self.enabled = False
        self._asked = None
        self.clear()
        self.switched_off.emit()

    def _on_done(self, key, regions: list[Region]) -> None:
        if key is not self._request or not self.enabled:
            return
        self._request = None
        self.clear()
        self._drawn = key
        self.regions = regions
        positions = key[0]
        rng = np.random.default_rng(0)
        self._sample = positions if len(positions) <= SAMPLE else positions[rng.choice(len(positions), SAMPLE, replace=False)]
        self._sample = self._sample[np.isfinite(self._sample).all(axis=1)]
        self._weight = min(len(positions), 2000) / max(1, len(self._sample))  # as if 2,000 points at most
        plot, names = self.view.plotItem, self.session.label_names
        for region in regions:
            if not region.outline:
                continue
            colour = QColor(PALETTE[region.cluster % len(PALETTE)])
            fill = QGraphicsPathItem(outline_path(region))
            fill.setBrush(QBrush(QColor(colour.red(), colour.green(), colour.blue(), FILL_ALPHA)))
            fill.setPen(pg.mkPen(colour.darker(110), width=1.5))
            fill.setZValue(Z_FILL)
            fill.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
            plot.addItem(fill, ignoreBounds=True)
            self.fills.append(fill)
            image = self.session.original(region.medoid) if self.session.has_images else None
            pixmap = None if image is None else scaled_pixmap(image, THUMB)
            card = RegionCard(region, colour, pixmap, names)
            plot.addItem(card, ignoreBounds=True)
            self.cards.append(card)
        self.arrange()
        self.shown.emit(len(self.fills))

    def _on_failed(self, key, message: str) -> None:
        if key is self._request:
            self._turn_off()
            self.failed.emit(message)

    def clear(self) -> None:
        for item in self.fills + self.cards:
            self.view.plotItem.removeItem(item)
        self.fills, self.cards, self.regions = [], [], []
        self._drawn = None

    def _set_visible(self, visible: bool) -> None:
        for item in self.fills + self.cards:
            item.setVisible(visible)
        if visible:
            self.arrange()

    # ------------------------------------------------------------------ cards

    def arrange(self) -> None:
        """Lay the cards out for the view as it is now (`region_cards.arrange`)."""
        legend = self.view.legend
        arrange(self.cards, self.view.plotItem.vb, [legend.item.sceneBoundingRect()] if legend.isVisible() else [],
                self._sample, self._weight)

    def shutdown(self) -> None:
        self.worker.shutdown()


__all__ = ["RegionLayer", "clustering_of", "outline_path"]
