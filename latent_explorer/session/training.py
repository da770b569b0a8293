"""Training inside a session: the tasks behind `Session.train_task` and `Session.resume_task`,
and the import of a TorchScript model (`import_in_session`)."""
from __future__ import annotations

import copy
import dataclasses
import os
from typing import TYPE_CHECKING

from latent_explorer.errors import UserError
from latent_explorer.infra.tasks import PROGRESS_INTERVAL, Cancelled, CancelToken, Progress, Task, relay
from latent_explorer.session.handover import Courier, SessionTasks, map_latents
from latent_explorer.session.scanning import ShownPixels, pixels_kept, show_pixels

if TYPE_CHECKING:
    from latent_explorer.data.dataset import Dataset
    from latent_explorer.workspace.session_file import Workspace

PLAN_DONE = ("finished", "early-stopped")  # statuses whose planned epochs are all done


def train_in_session(session: SessionTasks, courier: Courier, source: str, options, cancel: CancelToken,
                     shown: ShownPixels | None = None) -> Task:
    """The body of `Session.train_task`: load the source and show its pixel map at once (or keep
    ``shown``, the one on screen, when it maps the same images), train with the live latent map
    morphing from it, then hand the result over to the session's thread (stale tickets are
    dropped there)."""
    from latent_explorer.data.sources import open_source
    from latent_explorer.pipeline.train import TrainOptions, train_dataset  # torch: imported in the worker thread

    if isinstance(options, dict):
        fields = TrainOptions.__dataclass_fields__
        unknown = sorted(set(options) - set(fields))
        if unknown:
            raise UserError(f"unknown training option '{unknown[0]}'")
        options = TrainOptions(**options)
    options.validate()
    dataset = yield from _relay(session, courier, open_source(source, options.image_size, options.color, cancel),
                                "loading")
    live = None
    if dataset.has_images:
        start = pixels_kept(shown, dataset, options.seed)
        if start is None:
            start = yield from show_pixels(session, courier, dataset, options.seed, cancel)
        courier.post(session.status.emit, f"{len(dataset):,} images mapped by their pixels: training a model…")
        live = _Live(session, courier, dataset, start, options.seed)
    ws = yield from _relay(session, courier, train_dataset(dataset, options, cancel, live and live.watch), "training",
                           live)
    st = ws.train_state
    if ws.train_status == "cancelled" and st is not None and st.epoch == 0 and st.step == 0:
        courier.post(session.status.emit, "training stopped before the first step: the map shows the images' pixels")
        return ws
    return (yield from _adopt(session, courier, ws, ws.dataset, None, cancel, live))


class _Live:
    """The live latent map of one training: the trainer's snapshots become map frames here (in
    the worker) and the session shows them (in its thread) while the workspace is still the
    one they were made for."""

    def __init__(self, session: SessionTasks, courier: Courier, dataset: Dataset, start, seed: int) -> None:
        from latent_explorer.analysis.maps.live import LiveFrames
        from latent_explorer.training.live import LiveLatents

        self.watch = LiveLatents(dataset.images, seed=seed)
        self.frames = LiveFrames(len(dataset), start)
        self._session, self._courier = session, courier

    def show(self, snapshot) -> None:
        positions = self.frames.frame(snapshot.indices, snapshot.latents)
        self._courier.post(self._session.show_live_map, positions)

    def restore(self) -> None:
        """The training ended without a new workspace: the session's own map again."""
        if self.frames.frames:
            self._courier.post(self._session.show_live_map, None)


def resume_problem(session: SessionTasks, extra_epochs: int | None) -> str | None:
    """Why the current model cannot be trained further (None when it can). ``extra_epochs``
    None means "finish the planned epochs", which only a stopped training has left."""
    ws = session.workspace
    if ws is None:
        return "there is no model yet: train one first"
    if ws.model_config is None or ws.train_state is None:
        return "only a model trained here can be trained further (not embeddings or a TorchScript model)"
    if not session.has_images:
        return "the images of this workspace are not loaded: resuming needs them"
    if extra_epochs is None and ws.train_status in PLAN_DONE:
        return "the planned epochs are done: set Epochs to how many more to train"
    if extra_epochs is not None and extra_epochs < 1:
        return f"train at least one more epoch, not {extra_epochs}"
    return None


def resume_in_session(session: SessionTasks, extra_epochs: int | None, cancel: CancelToken) -> Task:
    """The task behind `Session.resume_task`: train the current model ``extra_epochs`` more
    (None: finish its plan) on a copy of its state, then adopt it like a new training (the
    loss history goes on; the file it came from stays its file)."""
    problem = resume_problem(session, extra_epochs)
    if problem is not None:
        raise UserError(problem)
    courier = session.courier("workspace")
    session.status.emit("resuming training…")
    dataset = session.dataset
    start = session.map if session.map is not None and session.map.shape[1] == 2 else None
    live = _Live(session, courier, dataset, start, int(session.workspace.train_params.get("seed", 0)))
    return _resume(session, courier, session.workspace, dataset, session.path, extra_epochs, live, cancel)


def _resume(session: SessionTasks, courier: Courier, ws: Workspace, dataset: Dataset, path: str | None,
            extra_epochs: int | None, live: _Live, cancel: CancelToken) -> Task:
    from latent_explorer.pipeline.train import continue_training

    st = copy.deepcopy(ws.train_state)  # the session's workspace stays as it is until adopted
    before = (st.epoch, st.step)
    ws = dataclasses.replace(ws, train_state=st, train_params=dict(ws.train_params),
                             report=dict(ws.report), extra_meta=dict(ws.extra_meta),
                             extra_arrays=dict(ws.extra_arrays))
    task = continue_training(ws, dataset, cancel=cancel, extra_epochs=extra_epochs, watch=live.watch)
    ws = yield from _relay(session, courier, task, "training", live)
    if ws.train_status == "cancelled" and (ws.train_state.epoch, ws.train_state.step) == before:
        courier.post(session.status.emit, "training stopped before the first step: nothing changed")
        return ws
    return (yield from _adopt(session, courier, ws, dataset, path, cancel, live))


def import_in_session(session: SessionTasks, options: dict, cancel: CancelToken) -> Task:
    """Task: import a TorchScript decoder (and encoder) as `latent-explorer import` does;
    ``options`` are `import_torchscript`'s arguments by name. The session adopts the result."""
    courier = session.courier("workspace")
    name = os.path.basename(str(options.get("decoder_path", "")))
    session.training_started.emit(f"TorchScript {name}")
    session.status.emit(f"importing {name}…")
    return _import(session, courier, dict(options), cancel)


def _import(session: SessionTasks, courier: Courier, options: dict, cancel: CancelToken) -> Task:
    from latent_explorer.pipeline.torchscript import import_torchscript

    ws = yield from _relay(session, courier, import_torchscript(**options, cancel=cancel), "import")
    return (yield from _adopt(session, courier, ws, ws.dataset, None, cancel))


def _relay(session: SessionTasks, courier: Courier, inner: Task, what: str, live: _Live | None = None) -> Task:
    """Drive ``inner``, handing progress, epoch reports, stages and live map frames to the
    session's thread. When it ends without a result (failed, cancelled), the live map gives way
    to the session's map."""
    from latent_explorer.training.live import LatentSnapshot
    from latent_explorer.training.state import EpochReport

    def partial(value) -> None:
        if isinstance(value, EpochReport):
            courier.post(session.epoch_finished.emit, value)
        elif isinstance(value, LatentSnapshot) and live is not None:
            live.show(value)
        elif isinstance(value, dict) and "stage" in value:
            courier.post(session.status.emit, f"{value['stage']}…")

    try:
        return (yield from relay(inner, lambda p: courier.post(session.training_progress.emit, p), partial,
                                 PROGRESS_INTERVAL))
    except Cancelled:
        if live is not None:
            live.restore()
        raise
    except Exception as exc:
        if live is not None:
            live.restore()
        courier.post(session.status.emit, f"{what} failed: {exc}")
        raise


def _adopt(session: SessionTasks, courier: Courier, ws: Workspace, dataset: Dataset, path: str | None,
           cancel: CancelToken, live: _Live | None = None) -> Task:
    """Map the new latents (facing the way the live map did) and prepare the model here, then
    let the session adopt them."""
    projection = None
    if ws.latents is not None:
        yield Progress(0, 1, "computing the map")
        if live is not None and live.frames.previous is not None:
            projection = yield from map_latents(ws.latents.mean, cancel, cache=session.map_cache)
            projection.orient_like(live.frames.previous)
    yield from session.adoption_task(courier, ws, dataset, path, dirty=True, trained=True,
                                     projection=projection, cancel=cancel)
    what = "images" if dataset.has_images else "points"
    courier.post(session.status.emit, f"{ws.train_message or ws.train_status} — {len(dataset):,} {what} mapped")
    return ws
