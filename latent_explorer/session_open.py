"""Opening a workspace inside a session: the task behind `Session.open_task`."""
from __future__ import annotations

import os
from functools import partial

from .errors import UserError
from .tasks import CancelToken, Progress


def open_in_session(session, ticket: int, path: str, cancel: CancelToken, as_copy: bool = False):
    """Read the file, reload the images from their source, restore (or compute) the map,
    prepare what the views need, then hand it all to the session's thread."""
    from .data.sources import reload_source
    from .workspace.session_file import load_workspace
    from .workspace.stored_map import restore_map

    post = partial(session._post, "workspace", ticket)
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
    projection = None
    if ws.latents is not None:
        projection = restore_map(ws)
        if projection is None:
            projection = yield from session._map_task_body(ws.latents.mean, cancel)
    prepared = session._prepare(ws, dataset)
    yield Progress(3, 3, "opened")
    post(session._adopt, ws, dataset, projection, None if as_copy else path, False, False, prepared)
    opened = f"opened a copy of {os.path.basename(path)} (Save asks where to keep it)" if as_copy else f"opened {path}"
    post(session.status.emit, note or opened)
    return ws
