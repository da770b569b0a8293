"""A fixed-size box that shows one image or a line of text, and paints every one of its pixels.

It is opaque to Qt (a new image repaints the box alone, not the dock behind it: a third of what
a hovered decode cost to show), so it must fill its own background: a style sheet's background
is not painted for an opaque label, and an empty box showed whatever the screen held there
before — other widgets' pixels, or random streaks."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QFrame, QLabel

BACKGROUND = QColor("#f4f4f4")


class ImageBox(QLabel):
    def __init__(self, side: int) -> None:
        super().__init__()
        self.setFixedSize(side, side)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setStyleSheet("color: #888888")
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        painter = QPainter(self)
        painter.fillRect(event.rect(), BACKGROUND)
        painter.end()
        super().paintEvent(event)


__all__ = ["ImageBox"]
