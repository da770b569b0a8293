"""A line in the Model dock while the workspace's images are missing (their folder moved or
deleted): how many, and a "Locate folder…" button that asks where they are now."""
from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from latent_explorer.session import image_folder
from latent_explorer.session.session import Session


class MissingFolderBar(QWidget):
    locate_requested = Signal()

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.missing: image_folder.MissingImages | None = None
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.text.setStyleSheet("color: #b45309")  # amber: something to see to, not an error
        self.locate_button = QPushButton("Locate folder…")
        self.locate_button.setToolTip("point this workspace at the folder where its images are now "
                                      "(the same files, by name and size)")
        self.locate_button.clicked.connect(self.locate_requested)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addStretch(1)
        row.addWidget(self.locate_button)
        col = QVBoxLayout(self)
        col.setContentsMargins(0, 2, 0, 2)
        col.addWidget(self.text)
        col.addLayout(row)
        session.add_preparer(image_folder.prepare)  # counted in the task's thread
        session.workspace_changed.connect(self._on_workspace)
        self.hide()

    def _on_workspace(self, ws) -> None:
        prepared = self.session.prepared
        if image_folder.PREPARED_KEY in prepared:
            self.missing = prepared[image_folder.PREPARED_KEY]
        else:  # adopted without the preparers' results: count here
            self.missing = image_folder.find_missing(ws, self.session.dataset)
        if self.missing is None:
            self.hide()
            return
        self.text.setText(self.missing.text())
        self.show()


__all__ = ["MissingFolderBar"]
