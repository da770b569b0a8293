"""The cards of the cluster regions (`map2d.regions`): each region's medoid image, size and
dominant label, drawn at a constant size in pixels, and their layout.

A card has a full body ("cluster 3 · 412 images", "mostly “cat” (87 %)", a 40 px image) and a
compact one (a 24 px image, "cluster 3 · 412", "“cat” 87 %") for a crowded or small map. The
layout places the cards largest cluster first: each tries its full body, then its compact one
(or, when that hides some card, every card its compact one), at the region's deepest spot when the region holds it, else on rings around that spot, and takes
the free place (no other card, not the legend, inside the view) covering the fewest points,
a little farther being worth a few points more in view. A card with no free place near its
region, or whose region is out of view, is hidden; a card set off its spot gets a leader line."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QPen
from PySide6.QtWidgets import (
    QGraphicsItem, QGraphicsLineItem, QGraphicsPixmapItem, QGraphicsRectItem, QGraphicsSimpleTextItem,
)

from latent_explorer.analysis.maps.regions import Region

Z_CARD = 8  # over the dots and image sprites (5), under the hover and selection markers (10)
THUMB, THUMB_COMPACT = 40, 24  # pixels
PAD = 4
GAP = 3  # pixels kept free between cards
PIXELS_PER_POINT = 20  # moving a card this much farther is worth one point less covered


def card_texts(region: Region, label_names: list[str], compact: bool = False) -> list[str]:
    """The lines of a region's card: its number (1-based, as the legend's), size and, with
    labels, its commonest label and that label's share of its labelled members."""
    n = region.members
    lines = [f"cluster {region.cluster + 1} · {n}" + ("" if compact else f" image{'s' if n != 1 else ''}")]
    if region.label is not None:
        name = label_names[region.label] if region.label < len(label_names) else str(region.label)
        pct = f"{region.purity * 100:.0f} %"
        lines.append(f"“{name}” {pct}" if compact else f"mostly “{name}” ({pct})")
    return lines


class _Body(QGraphicsRectItem):
    def __init__(self, parent: QGraphicsItem, colour: QColor, image, texts: list[str], thumb: int,
                 point_size: float) -> None:
        super().__init__(parent)
        self.texts = texts
        self.setBrush(QBrush(QColor(255, 255, 255, 228)))
        self.setPen(QPen(colour.darker(115), 1.5))
        x = PAD
        pixmap = None
        if image is not None:
            pixmap = image
            if pixmap.width() > thumb or pixmap.height() > thumb:
                pixmap = pixmap.scaled(thumb, thumb, Qt.AspectRatioMode.KeepAspectRatio,
                                       Qt.TransformationMode.SmoothTransformation)
            QGraphicsPixmapItem(pixmap, self).setPos(PAD, PAD)
            x += pixmap.width() + PAD + 1
        y, width = PAD, x
        for i, text in enumerate(texts):
            item = QGraphicsSimpleTextItem(text, self)
            font = QFont()
            font.setPointSizeF(point_size)
            font.setBold(i == 0)
            item.setFont(font)
            item.setBrush(QBrush(QColor("#202020" if i == 0 else "#444444")))
            item.setPos(x, y)
            y += item.boundingRect().height()
            width = max(width, x + item.boundingRect().width())
        self.size = (width + PAD, max(y, PAD + (pixmap.height() if pixmap is not None else 0)) + PAD)
        self.setRect(QRectF(0, 0, *self.size))


class RegionCard(QGraphicsRectItem):
    """A card at a region's deepest spot (this item: no outline of its own, its origin the spot
    in pixels); shows one of its two bodies, centred on the spot or set off it."""

    def __init__(self, region: Region, colour: QColor, pixmap, label_names: list[str]) -> None:
        super().__init__()
        self.region = region
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.setPen(QPen(Qt.PenStyle.NoPen))
        self.setZValue(Z_CARD)
        self.leader = QGraphicsLineItem(self)
        self.leader.setPen(QPen(colour.darker(115), 1.2))
        small = None if pixmap is None else pixmap.scaled(
            THUMB_COMPACT, THUMB_COMPACT, Qt.AspectRatioMode.KeepAspectRatio,
            Qt.TransformationMode.SmoothTransformation)
        self.bodies = [_Body(self, colour, pixmap, card_texts(region, label_names), THUMB, 8),
                       _Body(self, colour, small, card_texts(region, label_names, compact=True), THUMB_COMPACT, 7)]
        self.body = self.bodies[0]
        self.setPos(QPointF(float(region.anchor[0]), float(region.anchor[1])))
        main = max(region.outline, key=lambda loop: np.ptp(loop[:, 0]) * np.ptp(loop[:, 1]))
        (x0, y0), (x1, y1) = main.min(axis=0), main.max(axis=0)
        self.extent = QRectF(float(x0), float(y0), float(x1 - x0), float(y1 - y0))  # map coordinates
        self.show_body(self.body, 0, 0)

    @property
    def texts(self) -> list[str]:
        """The lines of the body shown."""
        return self.body.texts

    def show_body(self, body: _Body, dx: float, dy: float) -> None:
        """Show ``body`` centred ``dx``, ``dy`` pixels from the spot."""
        self.body = body
        for b in self.bodies:
            b.setVisible(b is body)
        w, h = body.size
        rect = QRectF(dx - w / 2, dy - h / 2, w, h)
        body.setPos(rect.topLeft())
        end = QPointF(min(max(0.0, rect.left()), rect.right()), min(max(0.0, rect.top()), rect.bottom()))
        self.leader.setLine(0.0, 0.0, end.x(), end.y())
        self.leader.setVisible(not rect.contains(QPointF(0, 0)))


def _candidates(size: tuple[float, float], spot: QPointF, extent: QRectF):
    """Where a card's centre may go (scene pixels): on ``spot``, the region's deepest point,
    when the region (its main area spans ``extent`` on screen) holds the card; on rings around it."""
    w, h = size
    x, y = spot.x(), spot.y()
    if extent.width() >= w + 2 * GAP and extent.height() >= 1.6 * h:
        yield x, y
    base = min(max(min(extent.width(), extent.height()) / 2, 8.0), 60.0)
    for r in (base, 0.5 * base, base + 40, base + 90):
        d = 0.7 * r
        yield x, y - r - h / 2
        yield x, y + r + h / 2
        yield x + r + w / 2, y
        yield x - r - w / 2, y
        for sx, sy in ((1, -1), (-1, -1), (1, 1), (-1, 1)):
            yield x + sx * (d + w / 2), y + sy * (d + h / 2)


def arrange(cards: list[RegionCard], vb, obstacles: list[QRectF], sample: np.ndarray, weight: float) -> None:
    """Lay ``cards`` out on the view box ``vb``, away from ``obstacles`` (scene rectangles) and
    covering few of the map positions ``sample`` (each covered one costs ``weight``). When some
    card finds no place, all-compact cards are tried too, and the layout showing more is kept."""
    o, e = vb.mapViewToScene(QPointF(0, 0)), vb.mapViewToScene(QPointF(1, 1))
    pts = sample * [e.x() - o.x(), e.y() - o.y()] + [o.x(), o.y()]
    plan = _plan(cards, vb, obstacles, pts, weight, 0)
    if len(plan) < len(cards):
        compact = _plan(cards, vb, obstacles, pts, weight, 1)
        plan = compact if len(compact) > len(plan) else plan
    for card in cards:
        placed = plan.get(card)
        card.setVisible(placed is not None)
        if placed is not None:
            body, rect = placed
            spot = vb.mapViewToScene(card.pos())
            card.show_body(body, rect.center().x() - spot.x(), rect.center().y() - spot.y())


def _plan(cards: list[RegionCard], vb, obstacles, pts: np.ndarray, weight: float, first_body: int) -> dict:
    """card → (body, scene rectangle) of the cards that find a place, largest cluster first."""
    visible = vb.sceneBoundingRect()
    taken = list(obstacles)
    plan = {}
    for card in sorted(cards, key=lambda c: -c.region.members):
        spot = vb.mapViewToScene(card.pos())
        if not visible.contains(spot):
            continue
        extent = vb.mapViewToScene(card.extent).boundingRect()
        for body in card.bodies[first_body:]:
            rect = _best_place(body.size, spot, extent, visible, taken, pts, weight)
            if rect is not None:
                plan[card] = (body, rect)
                taken.append(rect)
                break
    return plan


def _best_place(size, spot: QPointF, extent: QRectF, visible: QRectF, taken: list[QRectF], pts: np.ndarray,
                weight: float) -> QRectF | None:
    w, h = size
    best, best_cost = None, np.inf
    for cx, cy in _candidates(size, spot, extent):
        rect = QRectF(cx - w / 2, cy - h / 2, w, h)
        if not visible.contains(rect) or any(rect.adjusted(-GAP, -GAP, GAP, GAP).intersects(t) for t in taken):
            continue
        covered = np.count_nonzero((np.abs(pts[:, 0] - cx) < w / 2) & (np.abs(pts[:, 1] - cy) < h / 2))
        cost = covered * weight + np.hypot(cx - spot.x(), cy - spot.y()) / PIXELS_PER_POINT
        if cost < best_cost:
            best, best_cost = rect, cost
    return best


__all__ = ["RegionCard", "arrange", "card_texts"]
