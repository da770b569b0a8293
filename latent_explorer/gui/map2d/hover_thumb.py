"""The hovered image beside the cursor: a small item in the map's own scene (a tooltip would be
slow and take focus). It shows the original image (a decoded one only while the images are
missing, captioned so), scaled up without smoothing, with its index and label; the last image's
pixmap is kept while the mouse stays on its point, so a move costs one `setPos`."""
from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QPen
from PySide6.QtWidgets import QGraphicsPixmapItem, QGraphicsRectItem, QGraphicsSimpleTextItem

from latent_explorer.gui.render.pixmaps import scaled_pixmap

SIZE = 96  # pixels: the image is enlarged by the largest whole factor that fits
PAD = 4
OFFSET = 16  # pixels between the cursor and the thumbnail's corner


def stand_in(session, index: int):
    """(image, decoded): the original image, or while the images are missing (their folder
    moved) the model's decoding of its stored latent; (None, False) when there is neither."""
    if session.has_images:
        return session.original(index), False
    try:
        image = session.reconstruction(index)
    except Exception:  # noqa: BLE001 - a model that cannot decode: no picture, never a crash
        image = None
    return image, image is not None


class HoverThumb(QGraphicsRectItem):
    def __init__(self, view) -> None:
        super().__init__()
        self.view = view
        self.session = view.session
        self.setBrush(QBrush(QColor(255, 255, 255, 240)))
        self.setPen(QPen(QColor("#888888"), 1))
        self.setZValue(1e9)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.setAcceptHoverEvents(False)
        self.pixmap_item = QGraphicsPixmapItem(self)
        self.pixmap_item.setTransformationMode(Qt.TransformationMode.FastTransformation)
        self.pixmap_item.setPos(PAD, PAD)
        self.caption = QGraphicsSimpleTextItem(self)
        font = QFont()
        font.setPointSize(8)
        self.caption.setFont(font)
        self.caption.setBrush(QBrush(QColor("#333333")))
        self.index = -1
        self._dataset = None  # whose image ``index`` the pixmap shows
        self.hide()
        view.scene().addItem(self)

    def show_for(self, index: int, scene_pos: QPointF) -> bool:
        """Show image ``index`` beside ``scene_pos`` (hide for -1 or when images are not
        loaded); True when shown."""
        if index < 0 or not self._load(index):
            self.hide()
            return False
        self._place(scene_pos)
        self.show()
        return True

    def _load(self, index: int) -> bool:
        dataset = self.session.dataset
        if dataset is self._dataset and index == self.index:
            return True
        image, decoded = stand_in(self.session, index)
        if image is None:
            self.index, self._dataset = -1, None
            return False
        pixmap = scaled_pixmap(image, SIZE)
        self.pixmap_item.setPixmap(pixmap)
        label = self.session.label_of(index)
        self.caption.setText(f"#{index}" + (f" · {label}" if label is not None else "")
                             + (" · decoded" if decoded else ""))
        text = self.caption.boundingRect()
        self.caption.setPos(PAD, PAD + pixmap.height() + 2)
        width = max(pixmap.width(), text.width()) + 2 * PAD
        self.setRect(QRectF(0, 0, width, pixmap.height() + text.height() + 2 * PAD + 2))
        self.index, self._dataset = index, dataset
        return True

    def _place(self, scene_pos: QPointF) -> None:
        """Below right of the cursor, flipped to stay inside the visible map."""
        visible = self.view.mapToScene(self.view.viewport().rect()).boundingRect()
        w, h = self.rect().width(), self.rect().height()
        x, y = scene_pos.x() + OFFSET, scene_pos.y() + OFFSET
        if x + w > visible.right():
            x = scene_pos.x() - OFFSET - w
        if y + h > visible.bottom():
            y = scene_pos.y() - OFFSET - h
        self.setPos(max(visible.left(), x), max(visible.top(), y))


__all__ = ["HoverThumb"]
