"""Child process of the cold-start figure: start the app the way `python main.py` does (numba
cache configured, `make_app`, `MainWindow`, shown, event loop) and print, as one JSON line, the
wall-clock time (time.time()) of the main window's first Expose and first paint, then quit.
Nothing here but the standard library and the app, so the import cost measured is the app's."""
import json
import sys
import time

from latent_explorer.infra.numba_cache import configure_numba_cache

configure_numba_cache()
from latent_explorer.gui.app import make_app  # noqa: E402
from latent_explorer.gui.main_window import MainWindow  # noqa: E402
from PySide6.QtCore import QEvent, QObject, QTimer  # noqa: E402

seen: dict = {}


class FirstFrame(QObject):
    def eventFilter(self, obj, event):  # noqa: N802 (Qt's name)
        kind = event.type()
        if kind == QEvent.Type.Expose and "expose" not in seen:
            seen["expose"] = time.time()
        elif kind == QEvent.Type.Paint and "paint" not in seen and obj is window:
            seen["paint"] = time.time()
            QTimer.singleShot(0, lambda: (seen.setdefault("painted", time.time()), app.quit()))
        return False


seen["imported"] = time.time()
app = make_app()
watcher = FirstFrame()
app.installEventFilter(watcher)
window = MainWindow()
window.ask_before_discarding = False
window.show()
QTimer.singleShot(30_000, app.quit)
app.exec()
print(json.dumps(seen), flush=True)
window.shutdown()
sys.stdout.flush()
import os  # noqa: E402

os._exit(0)
