"""What a file dropped onto the window opens: a folder becomes the training source, a workspace
(.lexp) opens, precomputed embeddings (.npy/.csv) load and map, a TorchScript model (.pt/.ts)
opens the import dialog with it as the decoder. Anything else is refused while it is dragged
(the cursor says so), so a drop never does something unexpected."""
from __future__ import annotations

import os

from latent_explorer.gui.window_services import WindowServices

WORKSPACE = (".lexp",)
EMBEDDINGS = (".npy", ".csv")
TORCHSCRIPT = (".pt", ".ts", ".pth", ".torchscript")


def kind_of(path: str) -> str | None:
    """"folder", "workspace", "embeddings", "model", or None for what cannot be dropped."""
    if os.path.isdir(path):
        return "folder"
    ext = os.path.splitext(path)[1].lower()
    if not os.path.isfile(path):
        return None
    for kind, exts in (("workspace", WORKSPACE), ("embeddings", EMBEDDINGS), ("model", TORCHSCRIPT)):
        if ext in exts:
            return kind
    return None


def dropped_path(mime) -> str | None:
    """The one local file or folder a drag carries, when it is something the window opens."""
    urls = mime.urls() if mime.hasUrls() else []
    if len(urls) != 1 or not urls[0].isLocalFile():
        return None
    path = urls[0].toLocalFile()
    return path if kind_of(path) is not None else None


def open_dropped(window: WindowServices, path: str) -> None:
    kind = kind_of(path)
    if kind == "folder":
        window.model_panel.set_source(path)
        window.show_status(f"{path} selected: press Train")
    elif kind == "workspace":
        window.open_workspace(path)
    elif kind == "embeddings":
        window.model_panel.open_embeddings(path)
    elif kind == "model":
        window.model_panel.choose_model().decoder.setText(path)


__all__ = ["dropped_path", "kind_of", "open_dropped"]
