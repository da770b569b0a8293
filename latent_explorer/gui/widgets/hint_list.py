"""A list that says, in grey, what will appear in it while it is still empty."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QListWidget, QWidget

HINT_COLOUR = "#888888"
_FLAGS = Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap


class HintList(QListWidget):
    def __init__(self, hint: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.hint = hint

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().paintEvent(event)
        if self.count() == 0 and self.hint:
            painter = QPainter(self.viewport())
            painter.setPen(QColor(HINT_COLOUR))
            painter.drawText(self.viewport().rect().adjusted(12, 8, -12, -8), _FLAGS, self.hint)
            painter.end()


__all__ = ["HintList"]
