"""The first launch opens onto the shipped digits demo (``resources/demo/digits.lexp``, made by
scripts/make_demo_workspace.py): a trained 16-d VAE with its UMAP map, directions and anomalies,
so the window is populated at once — no training, no network. Where the package ships no
resources (a plain pip install) the demo trains in the background instead, the map filling in
when it is done. Help ▸ Open the Digits Demo does the same at any time."""
from __future__ import annotations

from latent_explorer.infra.resources import resource_path
from latent_explorer.gui.window_services import WindowServices

DEMO = ("demo", "digits.lexp")


def open_demo(window: WindowServices):
    """Open the shipped demo as an unsaved copy (or train it); returns the worker, or None."""
    path = resource_path(*DEMO)
    if path is None:
        window.model_panel.set_source("demo:digits")
        return window.start_training()
    return window.open_workspace(path, as_copy=True)


def open_on_first_launch(window: WindowServices) -> bool:
    """Open the demo if this is the first launch with the window's settings."""
    if not window.settings.first_launch():
        return False
    return open_demo(window) is not None
