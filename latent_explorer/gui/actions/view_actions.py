"""The View menu: full screen, the layers drawn over the map (the decoded atlas, images as
points, cluster regions) and the docks. It owns the map layers it switches, and shuts them down with the window."""
from __future__ import annotations

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu

from latent_explorer.gui.map_atlas import AtlasLayer
from latent_explorer.gui.map2d.thumbnails import ThumbnailLayer
from latent_explorer.gui.map2d.regions import RegionLayer
from latent_explorer.gui.window_services import WindowServices


class ViewActions:
    def __init__(self, window: WindowServices) -> None:
        self.window = window
        self.atlas = AtlasLayer(window.map_view.plotItem, window.steering, window.map_view3d)
        self.thumbnails = ThumbnailLayer(window.map_view)
        self.regions = RegionLayer(window.map_view, window.insight_actions.find_clusters)
        window.runner.stopped.connect(lambda purpose, _w: self.regions.refresh() if purpose == "insights" else None)

    def _action(self, menu: QMenu, text: str, slot, shortcut: str | None, tip: str,
                checkable: bool = False) -> QAction:
        action = QAction(text, self.window)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
        action.setStatusTip(tip)
        action.setCheckable(checkable)
        action.triggered.connect(slot)
        menu.addAction(action)
        return action

    def build(self, menu: QMenu, docks) -> None:
        """Fill the View menu; ``docks`` are the window's docks, in the order they are listed."""
        w = self.window
        self.fullscreen_action = self._action(
            menu, "&Full screen", lambda on: w.showFullScreen() if on else w.showNormal(), "F11",
            "the map and docks over the whole screen", checkable=True)
        menu.addSeparator()
        self.atlas_action = self._action(menu, "Decoded &atlas", self.atlas.set_enabled, "Ctrl+D",
                                         "tile decoded images over the map; refines as you zoom",
                                         checkable=True)
        self.thumbnails_action = self._action(
            menu, "&Images as points", self.thumbnails.set_enabled, "Ctrl+T",
            "draw each image's own thumbnail at its point; more and larger as you zoom in", checkable=True)
        self.regions_action = self._action(
            menu, "Cluster &regions", self.regions.set_enabled, "Ctrl+Shift+R",
            "each cluster as a region of the map, with its medoid image, size and main label", checkable=True)
        self.regions.switched_off.connect(lambda: self.regions_action.setChecked(False))
        self.regions.failed.connect(lambda message: w.show_error("Cannot draw the cluster regions", message))
        menu.addSeparator()
        for dock in docks:
            menu.addAction(dock.toggleViewAction())

    def shutdown(self) -> None:
        self.atlas.shutdown()
        self.thumbnails.shutdown()
        self.regions.shutdown()


__all__ = ["ViewActions"]
