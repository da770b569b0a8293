"""The files that did not load, each with its reason — one click from the model panel."""
from __future__ import annotations

from PySide6.QtWidgets import (
    QAbstractItemView, QDialog, QDialogButtonBox, QHeaderView, QLabel, QTableWidget,
    QTableWidgetItem, QVBoxLayout, QWidget,
)


class SkippedDialog(QDialog):
    def __init__(self, skipped, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Files that were skipped")
        self.resize(760, 420)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"{len(skipped):,} file(s) could not be used. Everything else loaded."))
        self.table = QTableWidget(len(skipped), 2)
        self.table.setHorizontalHeaderLabels(["File", "Why"])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        for row, s in enumerate(skipped):
            self.table.setItem(row, 0, QTableWidgetItem(str(s.path)))
            self.table.setItem(row, 1, QTableWidgetItem(str(s.reason)))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        self.table.setColumnWidth(0, 380)
        self.table.setSortingEnabled(True)
        layout.addWidget(self.table)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)


__all__ = ["SkippedDialog"]
