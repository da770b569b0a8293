"""What the app remembers between runs — recent workspaces and folders, window layout — in an
INI file in the user's config directory (``XDG_CONFIG_HOME`` on Linux). A damaged file is set
aside (``.corrupt``) and rebuilt, never fatal."""
from __future__ import annotations

import os

from PySide6.QtCore import QByteArray, QSettings

ORGANISATION = "latent-explorer"
APPLICATION = "Latent Explorer"
MAX_RECENT = 8
KINDS = ("workspaces", "folders")


class AppSettings:
    def __init__(self, path: str | None = None) -> None:
        if path is None:
            probe = QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANISATION, APPLICATION)
            path = probe.fileName()
        self.path = path
        self.note = ""
        self.qsettings = QSettings(path, QSettings.Format.IniFormat)
        if self.qsettings.status() != QSettings.Status.NoError:
            self._rebuild("unreadable")

    def _rebuild(self, why: str) -> None:
        try:
            os.replace(self.path, self.path + ".corrupt")
        except OSError:
            pass
        self.qsettings = QSettings(self.path, QSettings.Format.IniFormat)
        self.note = f"settings were {why} and have been reset (the old file is {self.path}.corrupt)"

    def recent(self, kind: str) -> list[str]:
        value = self.qsettings.value(f"recent/{kind}", [])
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            return []
        return [v for v in value if isinstance(v, str) and v][:MAX_RECENT]

    def add_recent(self, kind: str, path: str) -> list[str]:
        if kind not in KINDS:
            raise ValueError(kind)
        items = [path] + [p for p in self.recent(kind) if p != path]
        self.qsettings.setValue(f"recent/{kind}", items[:MAX_RECENT])
        self.qsettings.sync()
        return items[:MAX_RECENT]

    def clear_recent(self, kind: str) -> None:
        self.qsettings.remove(f"recent/{kind}")
        self.qsettings.sync()

    def first_launch(self) -> bool:
        """True once: on the very first launch with these settings (then remembered)."""
        if self.qsettings.value("app/launched", False) in (True, "true"):
            return False
        self.qsettings.setValue("app/launched", True)
        self.qsettings.sync()
        return True

    def save_window(self, geometry: QByteArray, state: QByteArray) -> None:
        self.qsettings.setValue("window/geometry", geometry)
        self.qsettings.setValue("window/state", state)
        self.qsettings.sync()

    def window(self) -> tuple[QByteArray | None, QByteArray | None]:
        geometry = self.qsettings.value("window/geometry")
        state = self.qsettings.value("window/state")
        ok = lambda v: v if isinstance(v, QByteArray) and not v.isEmpty() else None  # noqa: E731
        return ok(geometry), ok(state)


__all__ = ["AppSettings"]
