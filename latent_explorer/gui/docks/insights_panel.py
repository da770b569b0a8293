"""The Insights dock: the selected image's nearest neighbours, the most unusual images with
the reason, and clusters (the map is then coloured by them). Clicking any image selects it."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import (
    QGridLayout, QGroupBox, QLabel, QListWidgetItem, QPushButton, QToolButton,
    QVBoxLayout, QWidget,
)

from latent_explorer.errors import UserError
from latent_explorer.session import insights
from latent_explorer.session.session import Session
from latent_explorer.gui.render.pixmaps import scaled_pixmap
from latent_explorer.gui.widgets.hint_list import HintList
from latent_explorer.workspace import schema

THUMB = 56
N_NEIGHBOURS = 8


class InsightsPanel(QWidget):
    anomalies_requested = Signal()
    clusters_requested = Signal()

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)

        box = QGroupBox("Nearest neighbours (latent space)")
        grid = QGridLayout(box)
        self.neighbour_buttons: list[QToolButton] = []
        for i in range(N_NEIGHBOURS):
            b = QToolButton()
            b.setIconSize(QSize(THUMB, THUMB))
            b.setAutoRaise(True)
            b.clicked.connect(lambda _=False, i=i: self._select_neighbour(i))
            grid.addWidget(b, i // 4, i % 4)
            self.neighbour_buttons.append(b)
        self.neighbour_caption = QLabel("Select an image to see its neighbours.")
        self.neighbour_caption.setWordWrap(True)
        grid.addWidget(self.neighbour_caption, 2, 0, 1, 4)
        self.neighbour_indices = np.zeros(0, np.int64)
        layout.addWidget(box)

        box = QGroupBox("Anomalies")
        col = QVBoxLayout(box)
        self.anomalies_button = QPushButton("Find the most unusual images")
        self.anomalies_button.setToolTip("by the model's reconstruction error and by how isolated "
                                         "each latent is (10-NN distance)")
        self.anomalies_button.clicked.connect(self.anomalies_requested)
        self.anomaly_list = HintList("The images least like the rest show here, each with why: "
                                     "the reconstruction error, or how far its latent lies from its neighbours.")
        self.anomaly_list.setWordWrap(True)
        self.anomaly_list.itemClicked.connect(lambda item: self.session.select(item.data(Qt.ItemDataRole.UserRole)))
        col.addWidget(self.anomalies_button)
        col.addWidget(self.anomaly_list, 1)
        layout.addWidget(box, 1)

        box = QGroupBox("Clusters")
        col = QVBoxLayout(box)
        self.clusters_button = QPushButton("Cluster the latents (k-means)")
        self.clusters_button.clicked.connect(self.clusters_requested)
        self.cluster_summary = QLabel()
        self.cluster_summary.setWordWrap(True)
        col.addWidget(self.clusters_button)
        col.addWidget(self.cluster_summary)
        layout.addWidget(box)

        session.selection_changed.connect(self.show_neighbours)
        session.workspace_changed.connect(self._on_workspace)
        self._on_workspace(session.workspace)

    def _on_workspace(self, ws) -> None:
        has = ws is not None and ws.latents is not None
        self.anomalies_button.setEnabled(has)
        self.clusters_button.setEnabled(has)
        self.anomaly_list.clear()
        self.cluster_summary.clear()
        if has and isinstance(ws.extra_meta.get(schema.ANOMALIES), dict):
            self.show_anomalies(ws.extra_meta[schema.ANOMALIES].get("top", []))
        if has and isinstance(ws.extra_meta.get(schema.CLUSTERS), dict):
            self.show_cluster_summary(ws.extra_meta[schema.CLUSTERS])
        self.show_neighbours(-1)

    def show_neighbours(self, index: int) -> None:
        s = self.session
        self.neighbour_indices = np.zeros(0, np.int64)
        for b in self.neighbour_buttons:
            b.setIcon(QIcon())
            b.setEnabled(False)
        if index is None or index < 0 or s.workspace is None or s.workspace.latents is None:
            self.neighbour_caption.setText("Select an image to see its neighbours.")
            return
        try:
            idx, dist = insights.neighbours(s, index, N_NEIGHBOURS)
        except UserError as exc:
            self.neighbour_caption.setText(str(exc))
            return
        self.neighbour_indices = idx
        same = 0
        for b, i, d in zip(self.neighbour_buttons, idx, dist):
            image = s.original(int(i)) if s.has_images else None
            if image is not None:
                b.setIcon(QIcon(scaled_pixmap(image, THUMB)))
            else:
                b.setText(f"#{int(i)}")
            label = s.label_of(int(i))
            b.setToolTip(f"#{int(i)}" + (f" — {label}" if label else "") + f" · distance {d:.3g}")
            b.setEnabled(True)
            same += label is not None and label == s.label_of(index)
        text = f"{len(idx)} nearest to #{index}"
        if s.label_of(index) is not None:
            text += f" · {same} share its label “{s.label_of(index)}”"
        self.neighbour_caption.setText(text)

    def _select_neighbour(self, i: int) -> None:
        if i < len(self.neighbour_indices):
            self.session.select(int(self.neighbour_indices[i]))

    def show_anomalies(self, rows) -> None:
        self.anomaly_list.clear()
        s = self.session
        for rank, r in enumerate(rows, 1):
            i = int(r["index"])
            label = s.label_of(i) if s.dataset is not None and i < len(s.dataset) else None
            item = QListWidgetItem(f"{rank}. #{i}" + (f" [{label}]" if label else "") + f" — {r['reason']}")
            item.setData(Qt.ItemDataRole.UserRole, i)
            if s.has_images and i < len(s.dataset):
                item.setIcon(QIcon(scaled_pixmap(s.original(i), 32)))
            self.anomaly_list.addItem(item)

    def show_cluster_summary(self, summary: dict) -> None:
        text = f"{summary.get('count')} clusters ({summary.get('method')})"
        if summary.get("purity") is not None:
            text += f" · purity {summary['purity']:.2f}, adjusted Rand {summary['adjusted_rand']:.2f} vs labels"
        self.cluster_summary.setText(text + " · the map is coloured by cluster")


__all__ = ["InsightsPanel"]
