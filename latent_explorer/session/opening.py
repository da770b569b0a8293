"""Opening a workspace inside a session (the task behind `Session.open_task`) and saving one."""
from __future__ import annotations

import os
from functools import partial

from latent_explorer.errors import UserError
from latent_explorer.infra.tasks import CancelToken, Progress


def open_in_session(session, ticket: int, path: str, cancel: CancelToken, as_copy: bool = False):
    """Read the file, reload the images from their source, restore (or compute) the map,
    prepare what the views need, then hand it all to the session's thread."""
    from latent_explorer.data.sources import reload_source
    from latent_explorer.workspace.session_file import load_workspace
    from latent_explorer.workspace.stored_map import OTHER_MAP_KEY, restore_map

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
    if projection is not None:
        other = restore_map(ws, OTHER_MAP_KEY)
        if other is not None and other.n_components != projection.n_components:
            prepared["other_map"] = other  # going 2-D ↔ 3-D shows it without computing it
    yield Progress(3, 3, "opened")
    post(session._adopt, ws, dataset, projection, None if as_copy else path, False, False, prepared)
    opened = f"opened a copy of {os.path.basename(path)} (Save asks where to keep it)" if as_copy else f"opened {path}"
    post(session.status.emit, note or opened)
    return ws


def save_session(session, path: str) -> str:
    """Save the session's workspace with its map and the last map of the other dimension
    (atomic); returns the path written."""
    from latent_explorer.workspace.session_file import EXTENSION, save_workspace
    from latent_explorer.workspace.stored_map import store_map

    ws = session.workspace
    if ws is None:
        raise UserError("nothing to save yet: train a model or open a workspace first")
    if not path.endswith(EXTENSION):
        path += EXTENSION
    others = [p for p in session.maps.values() if p is not session.projection]
    store_map(ws, session.projection, others[0] if others else None)
    save_workspace(path, ws)
    session.path, session.dirty = path, False
    session.file_changed.emit(path)
    session.dirty_changed.emit(False)
    session.status.emit(f"saved {path}")
    return path
