"""A workspace whose image folder was moved, renamed or deleted: how many of its images are
missing, and pointing it at the folder where they are now.

The workspace opens without them (map, latents and decoder need no image); `find_missing`
counts what is gone while the workspace is prepared (`MissingImages` lands in the session's
``prepared`` under `PREPARED_KEY`), and `relocate_task` checks a folder the user names — the
same files, by name and by size where the workspace recorded sizes — then reloads the images
from there and hands the workspace, re-pointed, back to the session (unsaved: the new place is
worth saving)."""
from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

from latent_explorer.errors import UserError
from latent_explorer.infra.tasks import CancelToken, Progress, Task

if TYPE_CHECKING:
    from latent_explorer.session.session import Session

PREPARED_KEY = "image_folder.missing"


@dataclass(frozen=True)
class MissingImages:
    """The images of a folder workspace that did not load: ``missing`` of ``total`` files are
    not where it expects them (0 when they are all there but changed since it was saved)."""

    root: str
    missing: int
    total: int

    @property
    def folder_gone(self) -> bool:
        return not os.path.isdir(self.root)

    def text(self) -> str:
        if self.folder_gone:
            return (f"{self.missing:,} of {self.total:,} images are missing: the folder {self.root} "
                    "was moved or deleted. The map and the model work; pictures are decoded.")
        if self.missing:
            return (f"{self.missing:,} of {self.total:,} images are missing from {self.root}: "
                    "pictures are decoded until the folder is found.")
        return f"the images in {self.root} changed since this workspace was saved: pictures are decoded."


def find_missing(ws, dataset) -> MissingImages | None:
    """For a workspace made from a folder whose images did not load (``dataset`` is what the
    session got: without images then), how many are missing; None when nothing is."""
    source = ws.dataset.source if ws is not None else {}
    if source.get("kind") != "folder" or (dataset is not None and dataset.has_images):
        return None
    root, paths = str(source.get("root") or ""), list(ws.dataset.paths or [])
    found = _files(root)
    return MissingImages(root, sum(p not in found for p in paths), len(paths))


def prepare(ws, dataset) -> dict:
    """A `Session.add_preparer` callback: the count, computed in the task's thread."""
    return {PREPARED_KEY: find_missing(ws, dataset)}


def _files(root: str) -> dict[str, int]:
    """The image files under ``root`` by relative name, with their sizes (none without ``root``)."""
    if not os.path.isdir(root):
        return {}
    from latent_explorer.data.scan import scan_folder

    return {e.rel_path: e.size for e in scan_folder(root).files}


def check_folder(ws, folder: str) -> dict:
    """The workspace's source, re-pointed to ``folder``, once ``folder`` holds every image of it
    (same relative names, same sizes where recorded); else a UserError saying what differs."""
    source = ws.dataset.source
    if source.get("kind") != "folder":
        raise UserError("this workspace was not made from a folder of images")
    if not os.path.isdir(folder):
        raise UserError(f"not a folder: {folder}")
    paths = list(ws.dataset.paths or [])
    sizes = {str(f[0]): int(f[1]) for f in source.get("files") or [] if isinstance(f, list) and len(f) >= 2}
    found = _files(folder)
    absent = [p for p in paths if p not in found]
    resized = [p for p in paths if p in found and sizes.get(p, found[p]) != found[p]]
    if absent or resized:
        what = [f"{len(absent):,} of {len(paths):,} images are not there (e.g. {absent[0]})"] if absent else []
        what += [f"{len(resized):,} differ in size (e.g. {resized[0]})"] if resized else []
        raise UserError(f"the files in {folder} do not match this workspace's images: " + "; ".join(what))
    return {**source, "root": os.path.abspath(folder)}


def relocate_task(session: Session, folder: str, cancel: CancelToken | None = None) -> Task:
    """Task: point the session's workspace at ``folder`` (see `check_folder`), load the images
    from there, and let the session adopt it with its map as it is — unsaved."""
    ws, path = session.workspace, session.path
    if ws is None:
        raise UserError("no workspace is open")
    courier, projection = session.courier("workspace"), session.projection
    others = [p for p in session.maps.values() if p is not projection]
    return _relocate(session, courier, ws, path, projection, others[0] if others else None,
                     os.fspath(folder), cancel or CancelToken())


def _relocate(session, courier, ws, path, projection, other_map, folder: str, cancel: CancelToken) -> Task:
    from latent_explorer.data.sources import reload_source

    yield Progress(0, 2, f"checking {folder}")
    source = check_folder(ws, folder)
    yield Progress(1, 2, "loading the images")
    dataset = yield from reload_source(source, cancel)
    if dataset.paths != ws.dataset.paths:
        raise UserError(f"{folder} holds other images too ({len(dataset):,} usable there, "
                        f"{len(ws.dataset):,} in this workspace): pick the folder with just its images")
    moved = dataclasses.replace(ws, dataset=dataclasses.replace(ws.dataset, source=source))
    yield from session.adoption_task(courier, moved, dataset, path, dirty=True, projection=projection,
                                     other_map=other_map, cancel=cancel)
    yield Progress(2, 2, "found")
    courier.post(session.status.emit, f"the images are back: this workspace now reads them from {folder}")
    return moved


__all__ = ["MissingImages", "PREPARED_KEY", "check_folder", "find_missing", "prepare", "relocate_task"]
