"""What the map's point-layer tests share: two coloured clouds and one isolated point on a real
plot widget, the pixel under a data point, and real mouse drags."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication

RED, BLUE, GREEN = (220, 20, 20, 255), (20, 20, 220, 255), (0, 160, 0, 255)
WHITE = (255, 255, 255, 255)
ISOLATED = (1.5, 1.2)


def make_points(n=10_000, seed=0):
    """Red points fill [0,1]², blue ones [2,3]×[0,1]; the last point sits alone between them."""
    rng = np.random.default_rng(seed)
    codes = (np.arange(n) % 2).astype(np.int64)
    pos = rng.uniform(0, 1, (n, 2))
    pos[codes == 1, 0] += 2
    pos[-1] = ISOLATED
    return pos, codes


def grab(widget):
    QApplication.processEvents()
    return widget.grab().toImage()


def viewport_xy(plot, x, y) -> QPoint:
    """The viewport pixel (where mouse events go) that contains data point (x, y)."""
    p = plot.viewportTransform().map(plot.plotItem.vb.mapViewToScene(QPointF(x, y)))
    return QPoint(int(np.floor(p.x())), int(np.floor(p.y())))


def widget_xy(plot, x, y) -> QPoint:
    """Where data point (x, y) is on the widget's grab() (the viewport sits inside a frame)."""
    return plot.viewport().mapTo(plot, viewport_xy(plot, x, y))


def rgba(image, p: QPoint):
    return image.pixelColor(p).getRgb()


def lit(image, p: QPoint) -> bool:
    return rgba(image, p) != WHITE


def send_mouse(widget, kind, pos, buttons, modifiers=Qt.KeyboardModifier.NoModifier, button=None):
    button = Qt.MouseButton.LeftButton if button is None else button
    event = QMouseEvent(kind, QPointF(pos), QPointF(widget.mapToGlobal(pos)), button, buttons, modifiers)
    QApplication.sendEvent(widget, event)


def drag(widget, points, modifiers=Qt.KeyboardModifier.NoModifier):
    """Left button down at the first point, through the others, up at the last."""
    left, none = Qt.MouseButton.LeftButton, Qt.MouseButton.NoButton
    send_mouse(widget, QEvent.Type.MouseButtonPress, points[0], left, modifiers)
    for p in points[1:]:
        send_mouse(widget, QEvent.Type.MouseMove, p, left, modifiers, button=none)
        QApplication.processEvents()
    send_mouse(widget, QEvent.Type.MouseButtonRelease, points[-1], none, modifiers)
    QApplication.processEvents()


def brute_in_polygon(pos, vertices):
    x, y = pos[:, 0], pos[:, 1]
    inside = np.zeros(len(x), bool)
    for k in range(len(vertices)):
        (ax, ay), (bx, by) = vertices[k], vertices[(k + 1) % len(vertices)]
        with np.errstate(divide="ignore", invalid="ignore"):
            cross = ax + (y - ay) * (bx - ax) / (by - ay)
        inside ^= ((ay > y) != (by > y)) & (x < cross)
    return np.flatnonzero(inside)
