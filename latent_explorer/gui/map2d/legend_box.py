"""The 2-D map's legend as one item that paints its entries itself.

pyqtgraph's LegendItem builds a LabelItem (an HTML text layout) and a ScatterPlotItem per
entry: ten entries cost 30–50 ms of the GUI thread each time a map arrives, while training
holds the GIL in between (the stall benchmark's dumps). Here a fill measures the texts once
with the font's metrics and a paint draws dots and texts: well under a millisecond."""
from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetricsF, QPen

PAD = 6.0  # inside the box's border
GAP = 5.0  # between a dot and its text
COLUMN_GAP = 14.0
ROW_GAP = 2.0
SHOWN, HIDDEN = "✓", "✗"
TEXT, TEXT_HIDDEN = QColor("#222222"), QColor("#999999")


class LegendBox(pg.GraphicsWidgetAnchor, pg.GraphicsWidget):
    """Entries (colour, text) in one or more columns, each with a check mark when its group
    is shown; a click on an entry — its dot or its text — emits ``toggled(index)``."""

    toggled = Signal(int)

    def __init__(self, point_size: int, font_pt: float = 9.0) -> None:
        pg.GraphicsWidget.__init__(self)
        pg.GraphicsWidgetAnchor.__init__(self)
        self.setFlag(self.GraphicsItemFlag.ItemIgnoresTransformations)
        self.font = QFont()
        self.font.setPointSizeF(font_pt)
        self.metrics = QFontMetricsF(self.font)
        self.dot = float(max(point_size, 6) + 2)
        self.brush = QBrush(QColor(255, 255, 255, 215))
        self.pen = QPen(QColor("#cccccc"))
        self.colours: list[QColor] = []
        self.texts: list[str] = []
        self.shown: list[bool] = []
        self.columns = 1
        self._cell = (0.0, 0.0)  # one entry's width and height

    def set_entries(self, entries: list[tuple[QColor, str]], columns: int = 1) -> None:
        if not entries and not self.texts:
            return  # a resize lays the plot out again
        self.colours = [QColor(c) for c, _ in entries]
        self.texts = [t for _, t in entries]
        self.shown = [True] * len(entries)
        self.columns = max(1, columns)
        widest = max((self.metrics.horizontalAdvance(f"{SHOWN} {t}") for t in self.texts), default=0.0)
        self._cell = (self.dot + GAP + widest, max(self.metrics.height(), self.dot) + ROW_GAP)
        rows = self.rows
        width = 2 * PAD + self.columns * self._cell[0] + (self.columns - 1) * COLUMN_GAP
        height = 2 * PAD + rows * self._cell[1] - (ROW_GAP if rows else 0)
        self.setMinimumSize(0, 0)
        self.setMaximumSize(width, height)
        self.resize(width, height)
        self.update()

    def set_shown(self, index: int, shown: bool) -> None:
        self.shown[index] = shown
        self.update(self.entry_rect(index))

    @property
    def rows(self) -> int:
        return -(-len(self.texts) // self.columns)

    def entry_rect(self, index: int) -> QRectF:
        """Where entry ``index`` (dot and text) lies, in this item's coordinates."""
        rows = self.rows
        column, row = divmod(index, rows) if rows else (0, 0)
        w, h = self._cell
        return QRectF(PAD + column * (w + COLUMN_GAP), PAD + row * h, w, h - ROW_GAP)

    def index_at(self, pos: QPointF) -> int:
        return next((i for i in range(len(self.texts)) if self.entry_rect(i).contains(pos)), -1)

    def boundingRect(self) -> QRectF:  # noqa: N802 (Qt's name)
        return QRectF(0, 0, self.size().width(), self.size().height())

    def paint(self, p, *_args) -> None:
        if not self.texts:
            return
        p.setPen(self.pen)
        p.setBrush(self.brush)
        p.drawRoundedRect(self.boundingRect().adjusted(0.5, 0.5, -0.5, -0.5), 3, 3)
        p.setFont(self.font)
        for i, (colour, text, shown) in enumerate(zip(self.colours, self.texts, self.shown)):
            rect = self.entry_rect(i)
            cy = rect.center().y()
            p.setPen(Qt.PenStyle.NoPen)
            dot = QColor(colour)
            dot.setAlpha(255 if shown else 70)
            p.setBrush(dot)
            p.drawEllipse(QPointF(rect.left() + self.dot / 2, cy), self.dot / 2 - 1, self.dot / 2 - 1)
            p.setPen(TEXT if shown else TEXT_HIDDEN)
            text_rect = QRectF(rect.left() + self.dot + GAP, rect.top(), rect.width() - self.dot - GAP, rect.height())
            p.drawText(text_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                       f"{SHOWN if shown else HIDDEN} {text}")

    def mouseClickEvent(self, ev) -> None:  # noqa: N802 (pyqtgraph's name)
        if ev.button() != Qt.MouseButton.LeftButton:
            return
        index = self.index_at(ev.pos())
        ev.accept()  # a click on the box never reaches the map beneath
        if index >= 0:
            self.toggled.emit(index)


__all__ = ["LegendBox", "SHOWN", "HIDDEN"]
