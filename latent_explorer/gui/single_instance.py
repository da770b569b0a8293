"""A second launch with files hands them to the app already running (a file manager's double-click
on a workspace while the app is open), instead of starting a second process.

The first app listens on a per-user local socket. A launch with paths connects, sends them with its
working directory, and gets back where they opened: in the running window when it shows nothing
yet, else in a new window of the running app. When nothing listens (or it does not answer within
a few seconds), the launch starts its own app as before. ``LATENT_EXPLORER_INSTANCE`` names the
socket (tests use their own)."""
from __future__ import annotations

import getpass
import json
import os

from PySide6.QtCore import QByteArray, QObject, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

INSTANCE_ENV = "LATENT_EXPLORER_INSTANCE"
CONNECT_MS = 1000
REPLY_MS = 5000
THIS_WINDOW = "the running window"
NEW_WINDOW = "a new window of the running app"


def server_name() -> str:
    name = os.environ.get(INSTANCE_ENV)
    if name:
        return name
    try:
        user = getpass.getuser()
    except Exception:  # no user name in this environment
        user = str(os.getuid()) if hasattr(os, "getuid") else "user"
    return f"latent-explorer-{user}"


def hand_over(paths: list[str], name: str | None = None) -> str | None:
    """Send ``paths`` to a running app; where it opened them, or None when none answered."""
    socket = QLocalSocket()
    socket.connectToServer(name or server_name())
    if not socket.waitForConnected(CONNECT_MS):
        return None
    message = json.dumps({"paths": [os.path.abspath(p) for p in paths], "cwd": os.getcwd()}) + "\n"
    socket.write(QByteArray(message.encode()))
    if not socket.waitForBytesWritten(REPLY_MS):
        return None
    reply = b""
    while not reply.endswith(b"\n"):
        if not socket.waitForReadyRead(REPLY_MS):
            return None
        reply += bytes(socket.readAll().data())
    socket.disconnectFromServer()
    return reply.decode(errors="replace").strip() or None


class InstanceServer(QObject):
    """Listens for later launches; ``open_paths(paths) -> str`` opens them and says where."""

    opened = Signal(list, str)  # the paths, where they opened

    def __init__(self, open_paths, name: str | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.open_paths = open_paths
        self.name = name or server_name()
        self.server = QLocalServer(self)
        self.server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        self.server.newConnection.connect(self._on_connection)

    def listen(self) -> bool:
        """Start listening; False when another app already does (or the socket cannot be made)."""
        probe = QLocalSocket()
        probe.connectToServer(self.name)
        if probe.waitForConnected(200):  # another app is alive and listening
            probe.disconnectFromServer()
            return False
        QLocalServer.removeServer(self.name)  # a socket file left by an app that crashed
        return self.server.listen(self.name)

    def close(self) -> None:
        self.server.close()

    def _on_connection(self) -> None:
        while self.server.hasPendingConnections():
            socket = self.server.nextPendingConnection()
            buffer = bytearray()

            def read(socket=socket, buffer=buffer) -> None:
                buffer.extend(bytes(socket.readAll().data()))
                if buffer.endswith(b"\n"):
                    self._answer(socket, bytes(buffer))

            socket.readyRead.connect(read)
            socket.disconnected.connect(socket.deleteLater)

    def _answer(self, socket: QLocalSocket, data: bytes) -> None:
        try:
            message = json.loads(data)
            cwd = str(message.get("cwd") or "")
            paths = [os.path.join(cwd, str(p)) for p in message["paths"]]
        except (ValueError, KeyError, TypeError):
            socket.write(QByteArray(b"refused: not a list of paths\n"))
            return
        where = self.open_paths(paths)
        socket.write(QByteArray((where + "\n").encode()))
        socket.flush()
        self.opened.emit(paths, where)


__all__ = ["INSTANCE_ENV", "NEW_WINDOW", "THIS_WINDOW", "InstanceServer", "hand_over", "server_name"]
