"""What a file dropped onto the window opens: a folder is mapped and becomes the training source,
a workspace (.lexp) opens, precomputed embeddings (.npy/.csv) load and map, a TorchScript model
(.pt/.ts) opens the import dialog with it as the decoder, and an image is found on the map of a
model with an encoder (query by example; without one, its folder opens). Anything else is refused while it is dragged
(the cursor says so), so a drop never does something unexpected."""
from __future__ import annotations

import os

from latent_explorer.gui.window_services import WindowServices

WORKSPACE = (".lexp",)
EMBEDDINGS = (".npy", ".csv")
TORCHSCRIPT = (".pt", ".ts", ".pth", ".torchscript")
IMAGES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp")


def kind_of(path: str) -> str | None:
    """"folder", "workspace", "embeddings", "model", "image", or None for what cannot be dropped."""
    if os.path.isdir(path):
        return "folder"
    ext = os.path.splitext(path)[1].lower()
    if not os.path.isfile(path):
        return None
    for kind, exts in (("workspace", WORKSPACE), ("embeddings", EMBEDDINGS), ("model", TORCHSCRIPT),
                       ("image", IMAGES)):
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


def open_from_outside(window: WindowServices, paths: list[str]) -> None:
    """Paths given on the command line or by a file manager (``Exec=… %F``): the first one that
    can be opened is; an image opens its folder as the source (the others are named)."""
    for path in paths:
        path = os.path.abspath(path)
        if kind_of(path) == "image":  # the window has no model yet: the image's folder
            window.files.open_folder(os.path.dirname(path))
            return
        if kind_of(path) is not None:
            open_dropped(window, path)
            return
    window.show_error("Cannot open", "None of these can be opened: " + ", ".join(paths)
                      + " (a workspace .lexp, a folder of images, an image or embeddings .npy/.csv)")


def open_dropped(window: WindowServices, path: str) -> None:
    kind = kind_of(path)
    if kind == "folder":
        window.files.open_folder(path)
    elif kind == "workspace":
        window.open_workspace(path)
    elif kind == "embeddings":
        window.model_panel.open_embeddings(path)
    elif kind == "model":
        window.model_panel.choose_model().decoder.setText(path)
    elif kind == "image":
        model = window.session.model
        if model is not None and model.has_encoder:
            window.queries.find(path)
        else:
            window.files.open_folder(os.path.dirname(path))


__all__ = ["dropped_path", "kind_of", "open_dropped"]
