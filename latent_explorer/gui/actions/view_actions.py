"""The View menu: full screen, the layers drawn over the map (the decoded atlas, …) and the
docks. It owns the map layers it switches, and shuts them down with the window."""
from __future__ import annotations

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu

from latent_explorer.gui.map_atlas import AtlasLayer
from latent_explorer.gui.window_services import WindowServices


class ViewActions:
    def __init__(self, window: WindowServices) -> None:
        self.window = window
        self.atlas = AtlasLayer(window.map_view.plotItem, window.steering, window.map_view3d)

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
        menu.addSeparator()
        for dock in docks:
            menu.addAction(dock.toggleViewAction())

    def shutdown(self) -> None:
        self.atlas.shutdown()


__all__ = ["ViewActions"]
