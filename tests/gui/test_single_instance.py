"""A second launch with a path (a double-click in a file manager while the app runs) opens it in
the running app — in its window when that shows nothing yet, else in a new window — and says so;
it starts no second app. Launches here are real processes of ``main.py``."""
from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from latent_explorer.gui.app import AppWindows
from latent_explorer.gui.single_instance import NEW_WINDOW, THIS_WINDOW, InstanceServer
from tests.cli.test_cli import make_folder

REPO = Path(__file__).resolve().parents[2]
LONG = 60_000


@pytest.fixture
def server(window, tmp_path):
    windows = AppWindows(window)
    server = InstanceServer(windows.open, name=str(tmp_path / f"instance-{uuid.uuid4().hex[:8]}"))
    assert server.listen()
    server.windows = windows
    yield server
    server.close()
    for other in windows.windows[1:]:
        other.ask_before_discarding = False
        other.close()
        assert other.runner.running_threads() == 0


def launch(server: InstanceServer, *paths: str, cwd: Path = REPO) -> subprocess.Popen:
    env = dict(os.environ, LATENT_EXPLORER_INSTANCE=server.name)
    return subprocess.Popen([sys.executable, str(REPO / "main.py"), *paths], cwd=cwd, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finished(qtbot, proc: subprocess.Popen) -> str:
    qtbot.waitUntil(lambda: proc.poll() is not None, timeout=LONG)  # the event loop answers meanwhile
    out, err = proc.communicate()
    assert proc.returncode == 0, err
    return out


def test_a_second_launch_opens_its_folder_in_the_running_empty_window(window, server, qtbot, tmp_path):
    root = make_folder(tmp_path / "imgs")
    with qtbot.waitSignal(server.opened, timeout=LONG) as opened:
        proc = launch(server, str(root))
    assert opened.args == [[str(root)], THIS_WINDOW]
    assert f"opened in {THIS_WINDOW}" in finished(qtbot, proc)
    qtbot.waitUntil(lambda: window.session.n_points == 20, timeout=LONG)
    assert len(server.windows.windows) == 1


def test_a_launch_while_a_workspace_is_open_gets_a_new_window_and_leaves_the_first_alone(
        window, server, qtbot, tmp_path):
    first, second = make_folder(tmp_path / "a"), tmp_path / "b"
    make_folder(second)
    (second / "squares" / "extra.png").write_bytes((second / "squares" / "0.png").read_bytes())
    window.files.open_folder(str(first))
    qtbot.waitUntil(lambda: window.session.n_points == 20, timeout=LONG)
    with qtbot.waitSignal(server.opened, timeout=LONG) as opened:
        proc = launch(server, "b", cwd=tmp_path)  # relative to the launch's working directory
    assert opened.args[1] == NEW_WINDOW
    assert f"opened in {NEW_WINDOW}" in finished(qtbot, proc)
    windows = server.windows.windows
    assert len(windows) == 2 and windows[1].isVisible()
    qtbot.waitUntil(lambda: windows[1].session.n_points == 21, timeout=LONG)
    assert window.session.n_points == 20 and window.session.workspace.dataset.source["root"] == str(first)


def test_only_one_app_listens_and_a_crashed_apps_socket_does_not_block_the_next(window, server, tmp_path):
    rival = InstanceServer(lambda paths: THIS_WINDOW, name=server.name)
    assert not rival.listen()  # the first app is alive: the second does not take its place
    server.close()
    stale = Path(server.name)
    stale.write_bytes(b"")  # what a crash leaves behind
    assert rival.listen()
    rival.close()
