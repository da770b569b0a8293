"""One entry point from a SOURCE string to a Dataset: a folder, ``demo:NAME`` or embeddings."""
from __future__ import annotations

import os
from pathlib import Path

from latent_explorer.errors import UserError
from latent_explorer.infra.tasks import CancelToken, Progress


EMBEDDING_SUFFIXES = (".npy", ".csv")
DEFAULT_FOLDER_SIZE = 32


def describe_source(spec: str) -> str:
    """"demo", "embeddings" or "folder" — what kind of source a string names."""
    if spec.startswith("demo:"):
        return "demo"
    if Path(spec).suffix.lower() in EMBEDDING_SUFFIXES and not Path(spec).is_dir():
        return "embeddings"
    return "folder"


def open_source(
    spec: str,
    image_size: int | None = None,
    color: str = "auto",
    cancel: CancelToken | None = None,
):
    """Generator: yields Progress while loading, returns the Dataset."""
    kind = describe_source(spec)
    if kind == "demo":
        from latent_explorer.data.demos import load_demo, parse_demo

        name, params = parse_demo(spec)
        yield Progress(0, 1, f"generating demo:{name}")
        dataset = load_demo(name, image_size, **params)
        if color == "rgb" and dataset.channels == 1:
            import numpy as np

            dataset.images = np.repeat(dataset.images, 3, axis=3)
            dataset.source["color"] = "rgb"
        elif color == "grey" and dataset.channels == 3:  # demo:scenes; Pillow's "L" weights
            import numpy as np

            luma = dataset.images @ np.array([0.299, 0.587, 0.114], np.float32)
            dataset.images = np.clip(luma + 0.5, 0, 255).astype(np.uint8)[..., None]
            dataset.source["color"] = "grey"
        yield Progress(1, 1, f"demo:{name} ready")
        return dataset
    if kind == "embeddings":
        from latent_explorer.data.embeddings import load_embeddings

        return load_embeddings(spec)
    from latent_explorer.data.folder import load_folder

    if not os.path.exists(spec):
        raise UserError(f"no such folder or file: {spec}")
    dataset = yield from load_folder(
        spec, image_size=image_size or DEFAULT_FOLDER_SIZE, color=color, cancel=cancel
    )
    if len(dataset) == 0:
        raise UserError(
            f"no usable images in {spec} ({len(dataset.skipped)} files skipped; "
            "`latent-explorer scan` lists why)"
        )
    return dataset


def source_spec(source: dict) -> str | None:
    """The spec `open_source` takes for a workspace's source description (a demo by name, a
    folder's root, an embeddings file), or None for sources without one."""
    kind = source.get("kind")
    if kind == "demo" and source.get("name"):
        return f"demo:{source['name']}"
    if kind == "folder" and source.get("root"):
        return str(source["root"])
    if kind == "embeddings" and source.get("path"):
        return str(source["path"])
    return None


def reload_source(source: dict, cancel: CancelToken | None = None):
    """Generator: rebuild the Dataset a workspace was trained on from its source description."""
    kind = source.get("kind")
    if kind == "demo":
        from latent_explorer.data.demos import load_demo

        return load_demo(source["name"], source.get("image_size"), **source.get("params", {}))
    if kind == "folder":
        from latent_explorer.data.folder import load_folder

        return (
            yield from load_folder(
                source["root"],
                image_size=source["image_size"],
                color=source.get("color", "auto"),
                cancel=cancel,
            )
        )
    if kind == "embeddings":
        from latent_explorer.data.embeddings import load_embeddings

        return load_embeddings(source["path"])
    raise UserError(f"cannot reload a source of kind '{kind}'")
