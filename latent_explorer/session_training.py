"""Training inside a session: the task behind `Session.train_task`."""
from __future__ import annotations

import time
from functools import partial

from .errors import UserError
from .tasks import CancelToken, Partial, Progress

PROGRESS_INTERVAL = 0.05  # seconds between two training_progress events (the last always comes)


def train_in_session(session, ticket: int, source: str, options, cancel: CancelToken):
    """The body of `Session.train_task`: drive the pipeline, hand progress, epochs and the
    result over to the session's thread (stale tickets are dropped there)."""
    from .pipeline import TrainOptions, train_source  # torch: imported in the worker thread
    from .training.state import EpochReport

    if isinstance(options, dict):
        fields = TrainOptions.__dataclass_fields__
        unknown = sorted(set(options) - set(fields))
        if unknown:
            raise UserError(f"unknown training option '{unknown[0]}'")
        options = TrainOptions(**options).validate()

    post = partial(session._post, "workspace", ticket)
    last = 0.0
    inner = train_source(source, options, cancel)
    try:
        while True:
            try:
                item = next(inner)
            except StopIteration as stop:
                ws = stop.value
                break
            if isinstance(item, Progress):
                now = time.monotonic()
                if now - last >= PROGRESS_INTERVAL or item.done >= item.total:
                    last = now
                    post(session.training_progress.emit, item)
            elif isinstance(item, Partial) and isinstance(item.value, EpochReport):
                post(session.epoch_finished.emit, item.value)
            elif isinstance(item, Partial) and isinstance(item.value, dict) and "stage" in item.value:
                post(session.status.emit, f"{item.value['stage']}…")
            yield item
    except Exception as exc:
        post(session.status.emit, f"training failed: {exc}")
        raise
    finally:
        inner.close()
    st = ws.train_state
    if ws.train_status == "cancelled" and st is not None and st.epoch == 0 and st.step == 0:
        post(session.status.emit, "training stopped before the first step: nothing changed")
        return ws
    projection = None
    if ws.latents is not None:
        yield Progress(0, 1, "computing the map")
        projection = yield from session._map_task_body(ws.latents.mean, cancel)
    prepared = session._prepare(ws, ws.dataset)
    post(session._adopt, ws, ws.dataset, projection, None, True, True, prepared)
    post(session.status.emit, f"{ws.train_message or ws.train_status} — {len(ws.dataset)} images mapped")
    return ws
