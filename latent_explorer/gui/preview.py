"""The preview dock: the selected image beside its reconstruction, with its error."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QVBoxLayout, QWidget

from ..errors import UserError
from ..session import Session
from .pixmaps import scaled_pixmap

IMAGE_BOX = 160  # pixels per side of each shown image


def _image_label() -> QLabel:
    label = QLabel()
    label.setFixedSize(IMAGE_BOX + 8, IMAGE_BOX + 8)
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    label.setFrameShape(QFrame.Shape.StyledPanel)
    label.setStyleSheet("background: #f4f4f4; color: #888888")
    return label


class PreviewPanel(QWidget):
    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.index = -1
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        self.title = QLabel()
        self.title.setStyleSheet("font-weight: bold")
        layout.addWidget(self.title)
        images = QGridLayout()
        self.original = _image_label()
        self.reconstruction = _image_label()
        for col, (caption, label) in enumerate([("Original", self.original),
                                                ("Reconstruction", self.reconstruction)]):
            cap = QLabel(caption)
            cap.setAlignment(Qt.AlignmentFlag.AlignCenter)
            images.addWidget(cap, 0, col)
            images.addWidget(label, 1, col)
        layout.addLayout(images)
        self.details = QLabel()
        self.details.setWordWrap(True)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.details)
        layout.addStretch(1)
        session.selection_changed.connect(self.show_image)
        self.show_image(-1)

    def show_image(self, index: int) -> None:
        self.index = index
        if index < 0:
            self.title.setText("No image selected")
            self.details.setText("Click a point on the map to see that image and how the model "
                                 "reconstructs it.")
            for label in (self.original, self.reconstruction):
                label.clear()
            return
        s = self.session
        label = s.label_of(index)
        self.title.setText(f"Image #{index}" + (f" — {label}" if label is not None else ""))
        self._put(self.original, s.original(index), "images not loaded")
        try:
            recon = s.reconstruction(index)
        except UserError as exc:
            recon, why = None, str(exc)
        else:
            why = "no decoder" if s.model is None else "images not loaded"
        self._put(self.reconstruction, recon, why)
        lines = []
        err = s.reconstruction_error(index)
        if err is not None:
            lines.append(f"Reconstruction error (MSE per pixel): <b>{err:.4f}</b>")
        if s.dataset is not None and s.dataset.paths:
            lines.append(f"File: {s.dataset.paths[index]}")
        self.details.setText("<br>".join(lines))

    @staticmethod
    def _put(label: QLabel, image: np.ndarray | None, why: str) -> None:
        if image is None:
            label.clear()
            label.setText(why)
        else:
            label.setPixmap(scaled_pixmap(image, IMAGE_BOX))


__all__ = ["PreviewPanel"]
