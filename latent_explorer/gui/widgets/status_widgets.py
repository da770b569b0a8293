"""The training status line and progress bar of the Model dock, made cheap to update.

Progress arrives about 20 times a second while training. A word-wrapped QLabel asks its dock for
a new layout on every ``setText`` — and the layout shapes the text of every wrapped label in the
dock again — and ``QProgressBar.setValue`` paints and flushes itself at once each time the value
moved 1 %. Both ran in the window's thread beside the training thread (measured with py-spy: most
of the GUI thread's time while training went there). These two widgets look the same and only
schedule a repaint; the status line asks for a new layout only when it needs another number of
lines."""
from __future__ import annotations

from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QProgressBar, QSizePolicy, QStyle, QStyleOptionProgressBar, QStylePainter, QWidget

_WRAP = Qt.TextFlag.TextWordWrap | Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop
_TALL = 1 << 20


class StatusLine(QWidget):
    """One message, word-wrapped to the width it is given (a long line never widens the dock)."""

    def __init__(self, text: str = " ", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._text = text
        policy = QSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)

    def text(self) -> str:
        return self._text

    def setText(self, text: str) -> None:  # noqa: N802 (QLabel's name)
        if text == self._text:
            return
        before = self.heightForWidth(self.width())
        self._text = text
        if self.heightForWidth(self.width()) != before:
            self.updateGeometry()
        self.update()

    def hasHeightForWidth(self) -> bool:  # noqa: N802 (Qt's name)
        return True

    def heightForWidth(self, width: int) -> int:  # noqa: N802 (Qt's name)
        box = self.fontMetrics().boundingRect(QRect(0, 0, max(1, width), _TALL), _WRAP, self._text or " ")
        return max(box.height(), self.fontMetrics().height())

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt's name)
        width = min(self.fontMetrics().horizontalAdvance(self._text), 40 * self.fontMetrics().averageCharWidth())
        return QSize(width, self.heightForWidth(width))

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt's name)
        return QSize(8 * self.fontMetrics().averageCharWidth(), self.fontMetrics().height())

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        painter = QPainter(self)
        painter.setPen(self.palette().color(self.foregroundRole()))
        painter.drawText(self.contentsRect(), _WRAP, self._text)


class QuietProgressBar(QProgressBar):
    """A progress bar whose ``setValue`` schedules a repaint instead of painting at once, and
    only when what it draws changes (its text, or its filled width in pixels): training moves
    a per-mille bar 20 times a second, four values to a pixel and ten to a percent."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._shown = 0
        self._drawn = None  # (text, filled pixels) of the last repaint asked for

    def setValue(self, value: int) -> None:  # noqa: N802 (Qt's name)
        value = min(max(int(value), self.minimum()), self.maximum())
        if value != self._shown:
            self._shown = value
            look = (self.text(), self._filled_pixels())
            if look != self._drawn:
                self._drawn = look
                self.update()

    def _filled_pixels(self) -> int:
        span = self.maximum() - self.minimum()
        return 0 if span <= 0 else (self.width() * (self._shown - self.minimum())) // span

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        self._drawn = None
        super().resizeEvent(event)

    def value(self) -> int:
        return self._shown

    def text(self) -> str:
        span = self.maximum() - self.minimum()
        percent = 0 if span <= 0 else int(100 * (self._shown - self.minimum()) / span)  # as Qt: truncated
        return self.format().replace("%p", str(percent)).replace("%v", str(self._shown)) \
            .replace("%m", str(span))

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        option = QStyleOptionProgressBar()
        self.initStyleOption(option)
        option.progress = self._shown
        option.text = self.text()
        QStylePainter(self).drawControl(QStyle.ControlElement.CE_ProgressBar, option)
