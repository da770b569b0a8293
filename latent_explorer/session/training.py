"""Training inside a session: the tasks behind `Session.train_task` and `Session.resume_task`,
and the import of a TorchScript model (`import_in_session`)."""
from __future__ import annotations

import copy
import dataclasses
import os
from typing import TYPE_CHECKING

from latent_explorer.errors import UserError
from latent_explorer.infra.tasks import PROGRESS_INTERVAL, Cancelled, CancelToken, Progress, Task, relay
from latent_explorer.session.handover import Courier, SessionTasks

if TYPE_CHECKING:
    from latent_explorer.data.dataset import Dataset
    from latent_explorer.workspace.session_file import Workspace

PLAN_DONE = ("finished", "early-stopped")  # statuses whose planned epochs are all done


def train_in_session(session: SessionTasks, courier: Courier, source: str, options, cancel: CancelToken) -> Task:
    """The body of `Session.train_task`: drive the pipeline, hand progress, epochs and the
    result over to the session's thread (stale tickets are dropped there)."""
    from latent_explorer.pipeline.train import TrainOptions, train_source  # torch: imported in the worker thread

    if isinstance(options, dict):
        fields = TrainOptions.__dataclass_fields__
        unknown = sorted(set(options) - set(fields))
        if unknown:
            raise UserError(f"unknown training option '{unknown[0]}'")
        options = TrainOptions(**options).validate()

    ws = yield from _relay(session, courier, train_source(source, options, cancel), "training")
    st = ws.train_state
    if ws.train_status == "cancelled" and st is not None and st.epoch == 0 and st.step == 0:
        courier.post(session.status.emit, "training stopped before the first step: nothing changed")
        return ws
    return (yield from _adopt(session, courier, ws, ws.dataset, None, cancel))


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
    return _resume(session, courier, session.workspace, session.dataset, session.path, extra_epochs, cancel)


def _resume(session: SessionTasks, courier: Courier, ws: Workspace, dataset: Dataset, path: str | None,
            extra_epochs: int | None, cancel: CancelToken) -> Task:
    from latent_explorer.pipeline.train import continue_training

    st = copy.deepcopy(ws.train_state)  # the session's workspace stays as it is until adopted
    before = (st.epoch, st.step)
    ws = dataclasses.replace(ws, train_state=st, train_params=dict(ws.train_params),
                             report=dict(ws.report), extra_meta=dict(ws.extra_meta),
                             extra_arrays=dict(ws.extra_arrays))
    task = continue_training(ws, dataset, cancel=cancel, extra_epochs=extra_epochs)
    ws = yield from _relay(session, courier, task, "training")
    if ws.train_status == "cancelled" and (ws.train_state.epoch, ws.train_state.step) == before:
        courier.post(session.status.emit, "training stopped before the first step: nothing changed")
        return ws
    return (yield from _adopt(session, courier, ws, dataset, path, cancel))


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


def _relay(session: SessionTasks, courier: Courier, inner: Task, what: str) -> Task:
    """Drive ``inner``, handing progress, epoch reports and stages to the session's thread."""
    from latent_explorer.training.state import EpochReport

    def partial(value) -> None:
        if isinstance(value, EpochReport):
            courier.post(session.epoch_finished.emit, value)
        elif isinstance(value, dict) and "stage" in value:
            courier.post(session.status.emit, f"{value['stage']}…")

    try:
        return (yield from relay(inner, lambda p: courier.post(session.training_progress.emit, p), partial,
                                 PROGRESS_INTERVAL))
    except Cancelled:
        raise
    except Exception as exc:
        courier.post(session.status.emit, f"{what} failed: {exc}")
        raise


def _adopt(session: SessionTasks, courier: Courier, ws: Workspace, dataset: Dataset, path: str | None,
           cancel: CancelToken) -> Task:
    """Map the new latents and prepare the model here, then let the session adopt them."""
    if ws.latents is not None:
        yield Progress(0, 1, "computing the map")
    yield from session.adoption_task(courier, ws, dataset, path, dirty=True, trained=True, cancel=cancel)
    what = "images" if dataset.has_images else "points"
    courier.post(session.status.emit, f"{ws.train_message or ws.train_status} — {len(dataset):,} {what} mapped")
    return ws
