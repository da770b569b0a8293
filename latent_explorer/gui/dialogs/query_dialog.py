"""The result of File ▸ Find an image…: the image as the model sees it, its reconstruction, how
close it lies to the data, and its nearest images (a click selects one on the map). Non-modal:
the sliders edit the image meanwhile, and Export saves the edit or a strip of it."""
from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import (
    QDialog, QDialogButtonBox, QGridLayout, QLabel, QListView, QListWidget, QListWidgetItem,
    QPushButton, QVBoxLayout, QWidget,
)

from latent_explorer.gui.render.pixmaps import scaled_pixmap

IMAGE_SIDE = 128
NEIGHBOUR_SIDE = 64


def closeness_text(closeness: float) -> str:
    if closeness != closeness:
        return "no neighbour to compare with"
    verdict = ("as close as images of the data are to each other" if closeness <= 1.5 else
               "nearer to the data than to nothing, but unlike any one image" if closeness <= 4 else
               "far from every image of the data: the model has seen nothing like it")
    return f"its nearest image is {closeness:.1f}× the typical spacing away — {verdict}"


class QueryDialog(QDialog):
    neighbour_clicked = Signal(int)  # a data index
    export_requested = Signal(str)  # "image" (the edit on screen) or "strip" (from it to the edit)

    def __init__(self, query, labels: list[str | None], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.query = query
        self.setWindowTitle(f"Found: {query.name}")
        layout = QVBoxLayout(self)
        images = QGridLayout()
        for col, (caption, image) in enumerate((("Your image", query.image),
                                                ("Its reconstruction", query.reconstruction))):
            title = QLabel(caption)
            title.setAlignment(Qt.AlignmentFlag.AlignCenter)
            box = QLabel()
            box.setAlignment(Qt.AlignmentFlag.AlignCenter)
            box.setFixedSize(IMAGE_SIDE + 4, IMAGE_SIDE + 4)
            if image is not None:
                box.setPixmap(scaled_pixmap(image, IMAGE_SIDE))
            else:
                box.setText("no decoder")
            images.addWidget(title, 0, col)
            images.addWidget(box, 1, col)
        layout.addLayout(images)
        self.verdict = QLabel(closeness_text(query.closeness))
        self.verdict.setWordWrap(True)
        layout.addWidget(self.verdict)
        layout.addWidget(QLabel("Its nearest images (click one to select it on the map):"))
        self.neighbours = QListWidget()
        self.neighbours.setViewMode(QListView.ViewMode.IconMode)
        self.neighbours.setFlow(QListView.Flow.LeftToRight)
        self.neighbours.setWrapping(True)
        self.neighbours.setResizeMode(QListView.ResizeMode.Adjust)
        self.neighbours.setMovement(QListView.Movement.Static)
        self.neighbours.setIconSize(QSize(NEIGHBOUR_SIDE, NEIGHBOUR_SIDE))
        self.neighbours.setMinimumHeight(NEIGHBOUR_SIDE + 40)
        for index, label in zip(query.neighbours, labels):
            caption = f"#{int(index)}" + (f" {label}" if label else "")
            item = QListWidgetItem(QIcon(scaled_pixmap(query.neighbour_images[len(self._items())], NEIGHBOUR_SIDE))
                                   if query.neighbour_images is not None else QIcon(), caption)
            item.setData(Qt.ItemDataRole.UserRole, int(index))
            self.neighbours.addItem(item)
        self.neighbours.itemClicked.connect(
            lambda item: self.neighbour_clicked.emit(int(item.data(Qt.ItemDataRole.UserRole))))
        layout.addWidget(self.neighbours, 1)
        hint = QLabel("The Sliders dock now edits this image; export the edit from here.")
        hint.setWordWrap(True)
        hint.setStyleSheet("color: #666666")
        layout.addWidget(hint)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.export_image = QPushButton("Export edited image…")
        self.export_strip = QPushButton("Export strip of the edit…")
        buttons.addButton(self.export_image, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.export_strip, QDialogButtonBox.ButtonRole.ActionRole)
        self.export_image.clicked.connect(lambda: self.export_requested.emit("image"))
        self.export_strip.clicked.connect(lambda: self.export_requested.emit("strip"))
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(420, 520)

    def _items(self) -> list:
        return [self.neighbours.item(i) for i in range(self.neighbours.count())]


__all__ = ["QueryDialog", "closeness_text"]
