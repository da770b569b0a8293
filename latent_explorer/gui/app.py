"""Start the desktop app: ``python main.py [--demo] [--screenshot FILE.png]``."""
from __future__ import annotations

import argparse
import os
import signal
import sys
import time

from PySide6.QtCore import QEvent, QObject, QPoint, QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from latent_explorer import __version__
from latent_explorer.infra.blas import reserve_a_core_for_the_gui
from latent_explorer.infra.resources import resource_path
from latent_explorer.gui.threads import gc_guard
from latent_explorer.gui.main_window import APP_TITLE, MainWindow


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="latent-explorer-gui", description=f"{APP_TITLE}: the desktop app")
    p.add_argument("--demo", action="store_true", help="start training on demo:digits at once")
    p.add_argument("--source", default="demo:digits", help="what --demo trains on (a folder or demo:NAME)")
    p.add_argument("--epochs", type=int, default=None, help="epochs for --demo (default: auto)")
    p.add_argument("--model", default=None, choices=["ae", "vae", "beta-vae"], help="model for --demo")
    p.add_argument("--latent-dim", type=int, default=None, help="latent width for --demo")
    p.add_argument("--screenshot", metavar="FILE.png", default=None,
                   help="with --demo: save a picture of the window once trained, then quit")
    p.add_argument("paths", nargs="*", metavar="PATH",
                   help="open it: a workspace (.lexp), a folder of images, an image, embeddings (.npy/.csv)")
    return p.parse_args(argv)


def make_app() -> QApplication:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName(APP_TITLE)
    app.setOrganizationName("latent-explorer")
    app.setApplicationVersion(__version__)
    app.setDesktopFileName("latent-explorer")  # Wayland: the window takes the menu entry's icon
    icon = resource_path("icons", "latent-explorer.png")
    if icon is not None:
        app.setWindowIcon(QIcon(str(icon)))
    gc_guard.install(app)
    return app


def has_display() -> bool:
    """Whether a window can be shown (on Linux: an X or Wayland display, or a Qt platform
    chosen explicitly, such as offscreen)."""
    if not sys.platform.startswith("linux"):
        return True
    return any(os.environ.get(v) for v in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"))


FIRST_WINDOW_ENV = "LATENT_EXPLORER_FIRST_WINDOW"


def _quit_at_first_window(app: QApplication) -> None:
    """With LATENT_EXPLORER_FIRST_WINDOW=1: print the wall-clock time (``time.time()``) at
    which the window is first exposed, then quit — launch time measured from outside, the
    frozen app included (packaging/launch_time.py)."""
    class Watch(QObject):
        def eventFilter(self, obj, event):  # noqa: N802 (Qt's name)
            if event.type() == QEvent.Type.Expose:
                print(f"first window at {time.time():.3f}", flush=True)
                app.removeEventFilter(self)
                QTimer.singleShot(0, app.quit)
            return False

    app.installEventFilter(Watch(app))


def warm_ups() -> list:
    """What the background warm-up runs besides UMAP's compile: the map renderer's kernels (the
    points' and the images-as-points'), and
    the imports the views make when a workspace arrives (else the GUI thread imports them then,
    tens of milliseconds in one go)."""
    from latent_explorer.gui.map2d.scatter import warm_up as warm_up_renderer
    from latent_explorer.gui.render.thumb_lod import warm_up as warm_up_thumbnails

    return [warm_up_renderer, warm_up_thumbnails, _import_for_adoption]


def start_warm_up(window: MainWindow):
    """The app's background warm-up (`warm_ups` and UMAP's compile) in a thread; when it is
    done the GUI thread freezes the garbage collector's view of what it loaded. Returns the
    thread."""
    from latent_explorer.session.warmup import warm_up_in_background

    collector = gc_guard.install(QApplication.instance())
    return warm_up_in_background(warm_ups(), on_done=lambda: window.dispatcher(collector.freeze))


def _import_for_adoption() -> None:
    from latent_explorer.analysis.generate import arithmetic, interpolation, sampling  # noqa: F401
    from latent_explorer.analysis.latent import neighbours, offdata  # noqa: F401
    from latent_explorer.session import map_decoder  # noqa: F401
    from latent_explorer.workspace import generated, summary  # noqa: F401


class AppWindows:
    """The app's windows; paths from a later launch open in the first one that shows nothing
    and runs nothing, else in a new window beside the last."""

    def __init__(self, first: MainWindow) -> None:
        self.windows = [first]

    def open(self, paths: list[str]) -> str:
        from latent_explorer.gui.drops import open_from_outside
        from latent_explorer.gui.single_instance import NEW_WINDOW, THIS_WINDOW

        self.windows = [w for w in self.windows if w.isVisible()]
        idle = [w for w in self.windows if w.session.workspace is None and w.runner.running_threads() == 0]
        if idle:
            window, where = idle[0], THIS_WINDOW
        else:
            window, where = MainWindow(), NEW_WINDOW
            if self.windows:
                window.move(self.windows[-1].pos() + QPoint(32, 32))
            self.windows.append(window)
            window.show()
        window.raise_()
        window.activateWindow()
        open_from_outside(window, paths)
        return where


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.screenshot and not has_display():
        os.environ["QT_QPA_PLATFORM"] = "offscreen"  # nothing to show: draw off screen
    app = make_app()
    reserve_a_core_for_the_gui()
    window = MainWindow()
    from latent_explorer.gui.single_instance import InstanceServer

    windows = AppWindows(window)
    server = InstanceServer(windows.open, parent=app)
    server.listen()
    if os.environ.get(FIRST_WINDOW_ENV):
        _quit_at_first_window(app)
    window.show()
    QTimer.singleShot(300, lambda: start_warm_up(window))
    # Ctrl-C in the terminal closes the window cleanly (Python only sees signals between events).
    signal.signal(signal.SIGINT, lambda *_: window.close())
    heartbeat = QTimer(window)
    heartbeat.timeout.connect(lambda: None)
    heartbeat.start(200)
    if args.paths:
        from latent_explorer.gui.drops import open_from_outside

        QTimer.singleShot(0, lambda: open_from_outside(window, args.paths))
    elif args.demo or args.screenshot:
        QTimer.singleShot(0, lambda: _start_demo(window, args))
    else:
        from latent_explorer.gui.first_run import open_on_first_launch

        QTimer.singleShot(0, lambda: open_on_first_launch(window))
    code = app.exec()
    server.close()
    return code


def _start_demo(window: MainWindow, args: argparse.Namespace) -> None:
    window.model_panel.set_source(args.source)
    panel = window.model_panel
    if args.epochs is not None:
        panel.form.epochs.setValue(args.epochs)
    if args.latent_dim is not None:
        panel.form.latent_dim.setValue(args.latent_dim)
    if args.model is not None:
        panel.form.model_kind.setCurrentIndex(panel.form.model_kind.findData(args.model))
    if args.screenshot:  # unattended: errors go to stderr and the app quits, nothing asks
        window.ask_before_discarding = False
        def report(title: str, text: str, details: str | None = None) -> None:
            print(f"{title}: {text}", file=sys.stderr)
            QApplication.instance().exit(1)

        window.show_error = report
    worker = window.start_training()
    if args.screenshot and worker is not None:
        def shoot() -> None:
            if window.session.n_points:
                window.session.select(0)
            QTimer.singleShot(200, lambda: (window.grab().save(args.screenshot), window.close()))

        worker.done.connect(shoot)


__all__ = ["AppWindows", "has_display", "main", "make_app", "start_warm_up"]
