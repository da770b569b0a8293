"""Small pieces the Generate dock's tabs share: framed thumbnails (red frame off the data), an
operand button that shows the images it holds, a progress row with Cancel, an image strip."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QImage, QPainter, QPen, QPixmap
from PySide6.QtWidgets import (
    QHBoxLayout, QLabel, QListView, QListWidget, QListWidgetItem, QProgressBar, QPushButton,
    QToolButton, QWidget,
)

from latent_explorer.gui.render.pixmaps import to_qimage
from latent_explorer.gui.widgets.hint_list import HintList

OFF = QColor(220, 30, 30)
ON = QColor(170, 170, 170)
PICKED = QColor(20, 20, 20)


def tile(image: np.ndarray, side: int, off: bool | None = None, fade: bool = False) -> QPixmap:
    """The image in a ``side``-pixel square: small images enlarged by a whole factor without
    smoothing, big ones shrunk smoothly; a 3-pixel frame, red when ``off`` the data; ``fade``
    washes an off-data image out."""
    a = np.asarray(image)
    if fade:
        a = (a.astype(np.float32) * 0.45 + 255 * 0.55).astype(np.uint8)
    qimg = to_qimage(a)
    inner = side - 8
    longest = max(qimg.width(), qimg.height())
    if longest <= inner:
        f = inner // longest
        qimg = qimg.scaled(qimg.width() * f, qimg.height() * f, Qt.AspectRatioMode.IgnoreAspectRatio,
                           Qt.TransformationMode.FastTransformation)
    else:
        qimg = qimg.scaled(inner, inner, Qt.AspectRatioMode.KeepAspectRatio,
                           Qt.TransformationMode.SmoothTransformation)
    out = QPixmap(side, side)
    out.fill(QColor(255, 255, 255))
    p = QPainter(out)
    qimg = qimg.convertToFormat(QImage.Format.Format_RGB32)
    p.drawImage((side - qimg.width()) // 2, (side - qimg.height()) // 2, qimg)
    if off is not None:
        p.setPen(QPen(OFF if off else ON, 3))
        p.drawRect(1, 1, side - 3, side - 3)
    p.end()
    return out


class OperandButton(QToolButton):
    """"A = selection": shows the first image it holds and how many; a click asks for the map's
    selection (``picked`` carries the slot)."""

    picked = Signal(str)

    def __init__(self, slot: str, name: str, tip: str, side: int = 64) -> None:
        super().__init__()
        self.slot, self.name, self.side = slot, name, side
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextUnderIcon)
        self.setIconSize(QSize(side, side))
        self.setMinimumWidth(side + 24)
        self.setToolTip(tip)
        self.clicked.connect(lambda: self.picked.emit(self.slot))
        self.show_images(None, None)

    def show_images(self, indices, image: np.ndarray | None) -> None:
        if indices is None:
            self.setText(f"{self.name} = selection")
            self.setIcon(QIcon())
            return
        count = f"#{int(indices[0])}" if len(indices) == 1 else f"{len(indices)} images"
        self.setText(f"{self.name}: {count}")
        self.setIcon(QIcon() if image is None else QIcon(tile(image, self.side)))


class BusyRow(QWidget):
    """A progress bar with a Cancel button, shown while a job of the tab runs."""

    cancel_requested = Signal()

    def __init__(self) -> None:
        super().__init__()
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.bar = QProgressBar()
        self.bar.setRange(0, 0)
        self.bar.setTextVisible(True)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.cancel_requested)
        row.addWidget(self.bar, 1)
        row.addWidget(self.cancel_button)
        self.setVisible(False)

    def show_progress(self, progress) -> None:
        self.setVisible(True)
        if progress is None or progress.total <= 0:
            self.bar.setRange(0, 0)
            return
        self.bar.setRange(0, 1000)
        self.bar.setValue(int(1000 * progress.fraction))
        self.bar.setFormat(progress.message or "%p%")


def image_list(side: int, wrap: bool, hint: str = "") -> HintList:
    """A list of images: one scrolling row (a film strip) or a wrapping grid; ``hint`` says
    what will show in it while it is empty."""
    w = HintList(hint)
    w.setViewMode(QListView.ViewMode.IconMode)
    w.setFlow(QListView.Flow.LeftToRight)
    w.setWrapping(wrap)
    w.setResizeMode(QListView.ResizeMode.Adjust)
    w.setMovement(QListView.Movement.Static)
    w.setIconSize(QSize(side, side))
    w.setSpacing(2)
    w.setUniformItemSizes(True)
    w.setStyleSheet("QListWidget::item:selected { background: #cfe0ff; color: black; }")
    w.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
    if not wrap:
        w.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        w.setFixedHeight(side + 44)
    return w


def fill(w: QListWidget, images, side: int, off=None, captions=None, fade: bool = False,
         data=None) -> None:
    w.clear()
    if images is None:
        return
    for i, image in enumerate(images):
        flag = None if off is None else bool(off[i])
        icon = QIcon(tile(image, side, flag, fade and bool(flag)))
        icon.addPixmap(icon.pixmap(side, side), QIcon.Mode.Selected)  # no blue tint on the picked one
        item = QListWidgetItem(icon, "" if captions is None else captions[i])
        item.setData(Qt.ItemDataRole.UserRole, i if data is None else int(data[i]))
        w.addItem(item)


def message_label() -> QLabel:
    label = QLabel()
    label.setWordWrap(True)
    label.setStyleSheet("color: #a33")
    return label


__all__ = ["BusyRow", "OperandButton", "fill", "image_list", "message_label", "tile"]
