"""What the 3-D map draws over its points, placed in 3-D and projected on every paint: the
slider edit as a dashed arrow with a diamond head, kept edits as stars, the Generate dock's
results (`GeneratedOverlays3D`: the interpolation path, samples, the arithmetic result and the
ring around the picked frame), and the lasso or box being drawn.

`Marks3D` is one transparent widget over the canvas; it repaints whenever the view redraws,
so the marks follow the camera. A mark whose point is behind the camera is not drawn (nor a
line segment with an end there). `paint` draws the same picture on any painter (export)."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetricsF, QPainter, QPainterPath, QPen, QPolygonF, QTransform
from PySide6.QtWidgets import QWidget

from latent_explorer.gui.map2d.overlays import OFF_PATH, ON_PATH, RESULT, SAMPLE

EDIT_LINE = "#222222"
EDIT_HEAD = "#ffcc00"
KEPT = "#ff4fa3"
OUTLINE_PEN = QColor(30, 30, 30)
OUTLINE_FILL = QColor(80, 140, 255, 40)
LAYERS = ("edit", "kept", "samples", "interpolation", "arithmetic", "ring")  # bottom to top


def _polygon(points) -> QPainterPath:
    path = QPainterPath()
    path.addPolygon(QPolygonF([QPointF(x, y) for x, y in points]))
    path.closeSubpath()
    return path


def _star() -> QPainterPath:
    angles = np.pi / 2 + np.arange(10) * np.pi / 5
    radii = np.where(np.arange(10) % 2 == 0, 0.5, 0.2)
    return _polygon(np.c_[radii * np.cos(angles), -radii * np.sin(angles)])


SYMBOLS = {  # unit-sized shapes, as pyqtgraph's symbols of the same names
    "o": None,
    "s": _polygon([(-0.5, -0.5), (0.5, -0.5), (0.5, 0.5), (-0.5, 0.5)]),
    "d": _polygon([(0, -0.5), (0.4, 0), (0, 0.5), (-0.4, 0)]),
    "h": _polygon([(0.5 * np.cos(a), 0.5 * np.sin(a)) for a in np.arange(6) * np.pi / 3]),
    "star": _star(),
}


@dataclass
class Line:
    """A polyline through ``points`` (M, 3); ``segments`` (M-1,) bool says which are drawn."""

    points: np.ndarray
    pen: QPen
    segments: np.ndarray | None = None


@dataclass
class Symbols:
    """One ``symbol`` of ``size`` pixels per point; ``pens``/``brushes`` one for all or one each."""

    points: np.ndarray
    symbol: str
    size: float
    pens: list = field(default_factory=list)
    brushes: list = field(default_factory=list)


@dataclass
class Label:
    point: np.ndarray
    text: str


def pen(colour, width: float = 1.0, dashed: bool = False) -> QPen:
    p = QPen(QColor(colour), width)
    if dashed:
        p.setStyle(Qt.PenStyle.DashLine)
    p.setCapStyle(Qt.PenCapStyle.RoundCap)
    return p


def brush(colour) -> QBrush:
    return QBrush(QColor(*colour) if isinstance(colour, tuple) else QColor(colour))


def as_points(position) -> np.ndarray | None:
    """(M, 3) finite positions of a 3-D map, else None (a 2-D map's positions are not drawn here)."""
    if position is None:
        return None
    p = np.asarray(position, np.float64)
    p = p.reshape(1, -1) if p.ndim == 1 else p
    return p if p.ndim == 2 and p.shape[1] == 3 and len(p) and np.isfinite(p).all() else None


class Marks3D(QWidget):
    """Layers (name → list of marks) over ``view``'s canvas, and the selection outline."""

    def __init__(self, view) -> None:
        super().__init__(view)
        self.view = view
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.layers: dict[str, list] = {}
        self.outline: QPainterPath | None = None

    def set_layer(self, name: str, marks: list) -> None:
        if marks or self.layers.get(name):
            self.layers[name] = list(marks)
            self.update()

    def set_outline(self, path: QPainterPath | None) -> None:
        self.outline = path
        self.update()

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        if not any(self.layers.values()) and self.outline is None:
            return
        painter = QPainter(self)
        self.paint(painter, *self.view.canvas.device_size())
        painter.end()

    def paint(self, painter: QPainter, w: int, h: int, dpr: float, outline: bool = True) -> None:
        """Everything, on ``painter`` in logical pixels of a w × h device-pixel view."""
        camera = self.view.camera
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        for name in sorted(self.layers, key=lambda n: LAYERS.index(n) if n in LAYERS else len(LAYERS)):
            for mark in self.layers[name]:
                points = mark.point[None] if isinstance(mark, Label) else mark.points
                x, y, depth = camera.project(points, w, h)
                front = depth > 1e-9 * camera.distance
                xy = np.c_[x, y] / dpr
                if isinstance(mark, Line):
                    _draw_line(painter, mark, xy, front)
                elif isinstance(mark, Symbols):
                    _draw_symbols(painter, mark, xy, front)
                elif front[0]:
                    _draw_label(painter, mark.text, QPointF(*xy[0]))
        if outline and self.outline is not None:
            p = QPen(OUTLINE_PEN, 1.5, Qt.PenStyle.DashLine)
            painter.setPen(p)
            painter.setBrush(OUTLINE_FILL)
            painter.drawPath(self.outline)
        painter.restore()


def _draw_line(painter: QPainter, mark: Line, xy: np.ndarray, front: np.ndarray) -> None:
    painter.setPen(mark.pen)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    draw = front[:-1] & front[1:]
    if mark.segments is not None:
        draw &= mark.segments
    path = QPainterPath()
    for i in np.flatnonzero(draw):
        if path.isEmpty() or path.currentPosition() != QPointF(*xy[i]):
            path.moveTo(*xy[i])
        path.lineTo(*xy[i + 1])
    if not path.isEmpty():
        painter.drawPath(path)


def _draw_symbols(painter: QPainter, mark: Symbols, xy: np.ndarray, front: np.ndarray) -> None:
    shape = SYMBOLS[mark.symbol]
    pens = mark.pens or [Qt.PenStyle.NoPen]
    brushes = mark.brushes or [Qt.BrushStyle.NoBrush]
    s = mark.size
    if shape is not None:
        shape = QTransform.fromScale(s, s).map(shape)
    for i in np.flatnonzero(front):
        painter.setPen(pens[i % len(pens)])
        painter.setBrush(brushes[i % len(brushes)])
        x, y = xy[i]
        if shape is None:
            painter.drawEllipse(QPointF(x, y), s / 2, s / 2)
        else:
            painter.drawPath(shape.translated(x, y))


def _draw_label(painter: QPainter, text: str, at: QPointF) -> None:
    """A small boxed label above ``at`` (as the 2-D map's TextItems with anchor (0.5, 1.25))."""
    font = QFont(painter.font())
    font.setPointSizeF(9)
    painter.setFont(font)
    size = QFontMetricsF(font).size(0, text)
    box = QRectF(0, 0, size.width() + 8, size.height() + 2)
    box.moveCenter(QPointF(at.x(), at.y() - 1.25 * box.height()))
    painter.setPen(pen("#555555"))
    painter.setBrush(QColor(255, 255, 255, 210))
    painter.drawRect(box)
    painter.setPen(QColor("#000000"))
    painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)


class SteeringMarks:
    """The slider edit and the kept edits on ``marks`` (connect to Steering's signals)."""

    def __init__(self, marks: Marks3D) -> None:
        self.marks = marks

    def show_edit(self, edit) -> None:
        start = None if edit is None or edit.is_identity else as_points(edit.origin_position)
        end = None if edit is None or edit.is_identity else as_points(edit.position)
        if start is None or end is None:
            self.marks.set_layer("edit", [])
            return
        self.marks.set_layer("edit", [
            Line(np.vstack([start, end]), pen(EDIT_LINE, 2, dashed=True)),
            Symbols(end, "d", 16, [pen("#000000", 1.5)], [brush(EDIT_HEAD)]),
        ])

    def show_kept(self, kept) -> None:
        placed = [p for p in (as_points(k.position) for k in kept) if p is not None]
        self.marks.set_layer("kept", [Symbols(np.vstack(placed), "star", 16, [pen("#000000", 1)], [brush(KEPT)])]
                             if placed else [])


class GeneratedOverlays3D:
    """The 3-D counterpart of `map_overlays.GeneratedOverlays`: `show(kind, shown)`,
    `highlight(kind, index)`, `drawn(kind)`; results placed on a 2-D map are not drawn."""

    def __init__(self, view) -> None:
        self.marks: Marks3D = view.marks
        self.positions: dict[str, np.ndarray | None] = {}
        self._ringed: tuple[str, int] | None = None

    def show(self, kind: str, shown) -> None:
        pos = None if shown is None else as_points(shown.positions)
        self.positions[kind] = pos
        marks = []
        if pos is not None:
            off = np.asarray(shown.off_data, bool).reshape(-1)
            off = np.resize(off, len(pos))
            if kind == "interpolation":
                seg = off[:-1] | off[1:]
                marks = [Line(pos, pen(ON_PATH, 3), ~seg), Line(pos, pen(OFF_PATH, 3, dashed=True), seg),
                         Symbols(pos, "o", 7, [pen("#ffffff", 1)],
                                 [brush(OFF_PATH if o else ON_PATH) for o in off]),
                         Label(pos[0], "A"), Label(pos[-1], "B")]
            elif kind == "samples":
                marks = [Symbols(pos, "s", 10, [pen(OFF_PATH if o else "#000000", 1.5) for o in off],
                                 [brush((255, 255, 255, 200)) if o else brush(SAMPLE) for o in off])]
            elif kind == "arithmetic":
                marks = [Symbols(pos, "h", 18, [pen("#000000", 1.5)], [brush(RESULT)]), Label(pos[0], "A−B+C")]
        self.marks.set_layer(kind, marks)
        if self._ringed is not None and self._ringed[0] == kind:
            self.highlight(kind, self._ringed[1])

    def highlight(self, kind: str, index: int) -> None:
        """Ring step / sample ``index`` of ``kind`` (-1: none)."""
        pos = self.positions.get(kind)
        self._ringed = (kind, index) if index >= 0 else None
        ok = pos is not None and 0 <= index < len(pos)
        self.marks.set_layer("ring", [Symbols(pos[index:index + 1], "o", 22, [pen("#000000", 2.5)])] if ok else [])

    def drawn(self, kind: str) -> np.ndarray | None:
        """The 3-D positions drawn for ``kind``."""
        return self.positions.get(kind)


__all__ = ["GeneratedOverlays3D", "Label", "Line", "Marks3D", "SteeringMarks", "Symbols"]
