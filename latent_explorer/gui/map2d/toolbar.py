"""The map's toolbar: which map to compute (PCA, t-SNE, UMAP; 2-D or 3-D), its progress, and Cancel."""
from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QLabel, QPushButton, QToolBar, QWidget

from latent_explorer.gui.widgets.status_widgets import QuietProgressBar
from latent_explorer.infra.tasks import Progress

METHODS = [("PCA", "pca"), ("t-SNE", "tsne"), ("UMAP", "umap")]


class MapToolbar(QToolBar):
    compute_requested = Signal(str)  # the method
    dim_requested = Signal(int, str)  # 2 or 3, the method
    cancel_requested = Signal()
    colour_requested = Signal(str)  # a key of explore.colouring.colour_options
    tool_requested = Signal(str)  # "pan", "lasso" or "box"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Map", parent)
        self.setObjectName("map_toolbar")
        self.addWidget(QLabel(" Map: "))
        self.method = QComboBox()
        for text, key in METHODS:
            self.method.addItem(text, key)
        self.method.setToolTip("PCA is instant and exact to decode; t-SNE and UMAP show clusters "
                               "better and animate while they optimise")
        self.addWidget(self.method)
        self.dims = QComboBox()
        self.dims.addItem("2D", 2)
        self.dims.addItem("3D", 3)
        self.dims.setToolTip("a flat map, or a 3-D one to turn with the mouse (computed the first time)")
        self.dims.currentIndexChanged.connect(lambda _i: self._on_dim())
        self.addWidget(self.dims)
        self.compute = QPushButton("Compute")
        self.compute.clicked.connect(lambda: self.compute_requested.emit(self.method.currentData()))
        self.addWidget(self.compute)
        self.addSeparator()
        self.addWidget(QLabel(" Colour: "))
        self.colour = QComboBox()
        self.colour.setToolTip("colour the points by a label, an attribute, the reconstruction "
                               "error, the anomaly score or the cluster")
        self.colour.currentIndexChanged.connect(
            lambda _i: self.colour_requested.emit(self.colour.currentData() or "label"))
        self.addWidget(self.colour)
        self.addSeparator()
        self.addWidget(QLabel(" Drag: "))
        self.tool = QComboBox()
        for text, key in (("pan", "pan"), ("lasso select", "lasso"), ("box select", "box")):
            self.tool.addItem(text, key)
        self.tool.setToolTip("what a drag on the map does (Shift-drag: lasso, Ctrl-drag: box, always)")
        self.tool.currentIndexChanged.connect(lambda _i: self.tool_requested.emit(self.tool.currentData()))
        self.addWidget(self.tool)
        self.progress = QuietProgressBar()
        self.progress.setMaximumWidth(220)
        self.progress.setTextVisible(True)
        self._progress_action = self.addWidget(self.progress)
        self.cancel = QPushButton("Cancel")
        self.cancel.clicked.connect(self.cancel_requested)
        self._cancel_action = self.addWidget(self.cancel)
        self.set_busy(False)
        self.set_enabled(False)

    def set_enabled(self, enabled: bool) -> None:
        for w in (self.method, self.dims, self.compute, self.colour):
            w.setEnabled(enabled)
        self._sync_tool()

    @property
    def dim(self) -> int:
        return int(self.dims.currentData())

    def _on_dim(self) -> None:
        self._sync_tool()
        self.dim_requested.emit(self.dim, self.method.currentData())

    def _sync_tool(self) -> None:
        self.tool.setEnabled(self.dims.isEnabled())

    def show_dim(self, dim: int) -> None:
        """Show ``dim`` as chosen, without asking for it."""
        self.dims.blockSignals(True)
        self.dims.setCurrentIndex(self.dims.findData(dim))
        self.dims.blockSignals(False)
        self._sync_tool()

    def set_colour_options(self, options: list[tuple[str, str]], current: str) -> None:
        self.colour.blockSignals(True)
        self.colour.clear()
        for key, title in options:
            self.colour.addItem(title, key)
        i = self.colour.findData(current)
        self.colour.setCurrentIndex(max(i, 0))
        self.colour.blockSignals(False)

    def set_busy(self, busy: bool) -> None:
        self._progress_action.setVisible(busy)  # a toolbar shows and hides its widgets' actions
        self._cancel_action.setVisible(busy)
        self.compute.setEnabled(not busy)
        if busy:
            self.progress.setRange(0, 0)

    def show_progress(self, p: Progress) -> None:
        self.progress.setRange(0, 1000)
        self.progress.setValue(int(1000 * p.fraction))
        self.progress.setFormat(p.message or "%p%")

    def show_method(self, method: str, dim: int | None = None) -> None:
        index = self.method.findData(method)
        if index >= 0:
            self.method.setCurrentIndex(index)
        if dim is not None:
            self.show_dim(dim)
