"""What floats over the 3-D map: the legend (click a group to hide it), the colour bar of a
continuous colouring, the axes triad that shows which way the map's axes point, the hovered
image beside the cursor and the ring around the hovered point."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QLinearGradient, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QCheckBox, QFrame, QGridLayout, QLabel, QVBoxLayout, QWidget

from latent_explorer.gui.render.camera3d import OrbitCamera
from latent_explorer.gui.map2d.hover_thumb import OFFSET, SIZE, stand_in
from latent_explorer.gui.render.pixmaps import scaled_pixmap

PANEL_STYLE = "background: rgba(255, 255, 255, 215); border: 1px solid #cccccc; border-radius: 3px"
AXIS_COLOURS = ("#d62728", "#2ca02c", "#1f77b4")


def _swatch(rgba) -> QIcon:
    pix = QPixmap(12, 12)
    pix.fill(Qt.GlobalColor.transparent)
    p = QPainter(pix)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QColor(*rgba))
    p.drawEllipse(QRectF(1, 1, 10, 10))
    p.end()
    return QIcon(pix)


class Legend3D(QFrame):
    """One check box per group; unticking one hides its points."""

    group_toggled = Signal(int, bool)  # colour code, visible

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setStyleSheet(f"Legend3D {{{PANEL_STYLE}}} QCheckBox {{background: transparent; border: none}}")
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(6, 4, 6, 4)
        self.grid.setSpacing(2)
        self.boxes: dict[int, QCheckBox] = {}

    def set_groups(self, groups: list[tuple[int, str, tuple]]) -> None:
        """(code, text, rgba) per group; fewer than two hide the legend."""
        for box in self.boxes.values():
            self.grid.removeWidget(box)
            box.deleteLater()
        self.boxes = {}
        columns = 1 if len(groups) <= 12 else 2
        for i, (code, text, rgba) in enumerate(groups):
            box = QCheckBox(text, self)
            box.setIcon(_swatch(rgba))
            box.setChecked(True)
            box.toggled.connect(lambda on, c=code: self.group_toggled.emit(c, on))
            self.grid.addWidget(box, i // columns, i % columns)
            box.show()  # counts in the size even while the map is hidden
            self.boxes[code] = box
        self.setVisible(len(groups) > 1)
        self.adjustSize()


class ColourBar(QWidget):
    """A vertical bar of the colour map with its title and the values at both ends."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFixedSize(92, 230)
        self.lut = np.zeros((2, 3), np.uint8)
        self.title, self.lo, self.hi = "", 0.0, 1.0
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)

    def set_range(self, lut: np.ndarray, title: str, lo: float, hi: float) -> None:
        self.lut, self.title, self.lo, self.hi = np.asarray(lut), title, float(lo), float(hi)
        self.update()

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setPen(QColor("#cccccc"))
        p.setBrush(QColor(255, 255, 255, 215))
        p.drawRoundedRect(QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5), 3, 3)
        bar = QRectF(10, 38, 14, self.height() - 54)
        grad = QLinearGradient(bar.bottomLeft(), bar.topLeft())
        for t, c in zip(np.linspace(0, 1, len(self.lut)), self.lut):
            grad.setColorAt(float(t), QColor(*(int(v) for v in c[:3])))
        p.setPen(QColor("#666666"))
        p.setBrush(grad)
        p.drawRect(bar)
        p.setPen(QColor("#222222"))
        p.drawText(QRectF(4, 2, self.width() - 8, 32), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                   self.title)
        p.drawText(QPointF(bar.right() + 5, bar.top() + 9), f"{self.hi:.3g}")
        p.drawText(QPointF(bar.right() + 5, bar.bottom()), f"{self.lo:.3g}")
        p.end()


class AxesTriad(QWidget):
    """The map's three axes as the camera sees them, nearest drawn last."""

    def __init__(self, camera: OrbitCamera, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.camera = camera
        self.names = ("1", "2", "3")
        self.setFixedSize(150, 130)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)

    def set_names(self, names) -> None:
        self.names = tuple(names)
        self.update()

    def paintEvent(self, event) -> None:  # noqa: N802
        right, up, back = self.camera.axes()
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        centre = QPointF(self.width() / 2, self.height() / 2)
        length = self.height() / 2 - 24
        for k in np.argsort([back[k] for k in range(3)]):  # farthest first
            tip = centre + QPointF(right[k] * length, -up[k] * length)
            colour = QColor(AXIS_COLOURS[k])
            if back[k] < 0:
                colour.setAlpha(130)
            p.setPen(QPen(colour, 2.2))
            p.drawLine(centre, tip)
            d = np.array([right[k], -up[k]])
            d = d * length + 16 * d / max(np.hypot(*d), 1e-6)  # labels clear of the centre
            label = centre + QPointF(*d)
            p.drawText(QRectF(label.x() - 30, label.y() - 8, 60, 16), Qt.AlignmentFlag.AlignCenter, self.names[k])
        p.end()


class HoverRing(QWidget):
    """The circle around the hovered point (a tiny overlay: hovering never redraws the map)."""

    def __init__(self, point_size: int, parent: QWidget) -> None:
        super().__init__(parent)
        self.setFixedSize(point_size + 12, point_size + 12)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.hide()

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setPen(QPen(QColor("#333333"), 1.5))
        p.drawEllipse(self.rect().adjusted(2, 2, -2, -2))
        p.end()


class HoverThumb3D(QFrame):
    """The hovered point's original image and caption, as the 2-D map's `HoverThumb` shows it."""

    def __init__(self, session, parent: QWidget) -> None:
        super().__init__(parent)
        self.session = session
        self.setStyleSheet("HoverThumb3D {background: rgba(255, 255, 255, 240); border: 1px solid #888888}"
                           "QLabel {color: #333333; font-size: 8pt; border: none; background: transparent}")
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(2)
        self.image, self.caption = QLabel(self), QLabel(self)
        layout.addWidget(self.image)
        layout.addWidget(self.caption)
        self.index = -1
        self.hide()

    def show_for(self, index: int, pos: QPointF) -> None:
        """Image ``index`` beside ``pos`` (parent coordinates); hidden for -1 or without images."""
        image, decoded = stand_in(self.session, index) if index >= 0 else (None, False)
        if image is None:
            self.index = -1
            self.hide()
            return
        if index != self.index:
            self.image.setPixmap(scaled_pixmap(image, SIZE))
            label = self.session.label_of(index)
            self.caption.setText(f"#{index}" + (f" · {label}" if label is not None else "")
                                 + (" · decoded" if decoded else ""))
            self.index = index
            self.adjustSize()
        area = self.parentWidget().rect()
        x, y = pos.x() + OFFSET, pos.y() + OFFSET
        if x + self.width() > area.right():
            x = pos.x() - OFFSET - self.width()
        if y + self.height() > area.bottom():
            y = pos.y() - OFFSET - self.height()
        self.move(int(max(0, x)), int(max(0, y)))
        self.show()
        self.raise_()


__all__ = ["AxesTriad", "ColourBar", "HoverRing", "HoverThumb3D", "Legend3D"]
