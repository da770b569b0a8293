"""Opening a workspace inside a session: the task behind `Session.open_task`."""
from __future__ import annotations

import os

from latent_explorer.errors import UserError
from latent_explorer.infra.tasks import CancelToken, Progress, Task
from latent_explorer.session.handover import Courier, SessionTasks


def open_in_session(session: SessionTasks, courier: Courier, path: str, cancel: CancelToken,
                    as_copy: bool = False) -> Task:
    """Read the file, reload the images from their source, restore (or compute) the map,
    prepare what the views need, then hand it all to the session's thread."""
    from latent_explorer.data.sources import reload_source
    from latent_explorer.workspace.session_file import load_workspace
    from latent_explorer.workspace import schema
    from latent_explorer.workspace.stored_map import restore_map

    yield Progress(0, 3, f"reading {os.path.basename(path)}")
    ws = load_workspace(path)
    yield Progress(1, 3, "loading the images")
    dataset, note = ws.dataset, None
    if ws.dataset.source.get("kind") != "embeddings":
        try:
            reloaded = yield from reload_source(ws.dataset.source, cancel)
        except UserError as exc:
            note = f"images not loaded ({exc}): the map works, previews do not"
        else:
            if len(reloaded) != len(ws.dataset) or (ws.dataset.paths and reloaded.paths != ws.dataset.paths):
                note = "the images changed since this workspace was saved: previews are off"
            else:
                dataset = reloaded
    yield Progress(2, 3, "restoring the map")
    projection = other = None
    if ws.latents is not None:
        projection = restore_map(ws, cache=session.map_cache)
        other = restore_map(ws, schema.OTHER_MAP, session.map_cache)
    yield from session.adoption_task(courier, ws, dataset, None if as_copy else path, dirty=False,
                                     projection=projection, other_map=other, cancel=cancel)
    yield Progress(3, 3, "opened")
    opened = f"opened a copy of {os.path.basename(path)} (Save asks where to keep it)" if as_copy else f"opened {path}"
    courier.post(session.status.emit, note or opened)
    return ws


__all__ = ["open_in_session"]
