"""How a session's tasks hand their results over: a `Courier` runs callables in the session's
thread unless a newer task of the same kind started (its ticket is stale); an `Arrival` is a
workspace ready to adopt, with what was `Prepared` for it in the task's thread (the model, its
preview reconstructions, what subscribers asked for) so adopting it costs the GUI thread nothing.

Session-internal: `session.py`, `opening.py` and `training.py` share it, and none of them calls
another's private members."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Protocol

import numpy as np

from latent_explorer.infra.tasks import CancelToken, Task

if TYPE_CHECKING:
    from latent_explorer.analysis.maps.projection import Projection
    from latent_explorer.analysis.maps.projection_cache import ProjectionCache
    from latent_explorer.data.dataset import Dataset
    from latent_explorer.workspace.session_file import Workspace

Dispatch = Callable[[Callable[[], Any]], Any]


class Tickets:
    """One counter per kind of task ("workspace", "map"): taking a ticket makes every older one
    of that kind stale; a new workspace makes the maps of the old one stale too."""

    KINDS = ("workspace", "map")

    def __init__(self) -> None:
        self._current = dict.fromkeys(self.KINDS, 0)

    def take(self, kind: str) -> int:
        self._current[kind] += 1
        if kind == "workspace":
            self._current["map"] += 1
        return self._current[kind]

    def is_current(self, kind: str, ticket: int) -> bool:
        return self._current[kind] == ticket

    def invalidate(self, kind: str | None = None) -> None:
        """Make every ticket of ``kind`` (None: of every kind) stale."""
        for k in self.KINDS if kind is None else (kind,):
            self._current[k] += 1


class Courier:
    """Hands one task's results to the session's thread; drops them once its ticket is stale."""

    def __init__(self, dispatch: Dispatch, tickets: Tickets, kind: str) -> None:
        self._dispatch = dispatch
        self._tickets = tickets
        self.kind = kind
        self.ticket = tickets.take(kind)

    def post(self, fn: Callable[..., Any], *args: Any) -> None:
        """Run ``fn(*args)`` in the session's thread, unless a newer task of this kind started."""

        def run() -> None:
            if self._tickets.is_current(self.kind, self.ticket):
                fn(*args)

        self._dispatch(run)


class SessionTasks(Protocol):
    """What the session's task modules (`opening`, `training`) use of their `Session`: its
    state, its signals, a courier and the adoption task, and nothing private."""

    workspace: Workspace | None
    dataset: Dataset | None
    path: str | None
    map: np.ndarray | None
    projection: Any  # the current map's analysis.maps.projection.Projection
    map_cache: ProjectionCache
    status: Any  # psygnal signals of the Session
    training_started: Any
    training_progress: Any
    epoch_finished: Any

    @property
    def has_images(self) -> bool: ...

    def courier(self, kind: str) -> Courier: ...

    def show_live_map(self, positions: np.ndarray | None) -> None: ...

    def adoption_task(self, courier: Courier, ws: Workspace | None, dataset: Dataset | None = None,
                      path: str | None = None, dirty: bool = True, trained: bool = False,
                      projection=None, other_map=None, cancel: CancelToken | None = None) -> Task: ...


@dataclass
class Prepared:
    """What was computed for a workspace in the task's thread before the session adopts it."""

    model: Any = None
    model_error: str | None = None
    preview_pairs: tuple[np.ndarray, np.ndarray] | None = None
    other_map: Projection | None = None  # the saved map of the other dimension (2-D ↔ 3-D)
    extras: dict[str, Any] = field(default_factory=dict)  # from `Session.add_preparer` callbacks


@dataclass
class Arrival:
    """A workspace ready for the session to adopt, in the session's thread."""

    workspace: Workspace | None
    dataset: Dataset | None
    projection: Projection | None
    path: str | None
    dirty: bool
    trained: bool = False  # emit `training_finished` after adopting it
    prepared: Prepared = field(default_factory=Prepared)


def map_latents(z: np.ndarray, cancel: CancelToken, method: str = "pca", params: dict | None = None,
                dim: int = 2, cache: ProjectionCache | None = None) -> Task:
    """Task: a ``dim``-D ``method`` map of the latents ``z``; returns the fitted Projection."""
    from latent_explorer.analysis.maps.projection import Projection

    z = np.asarray(z, np.float32)
    if z.ndim == 2 and z.shape[1] == 1:  # one latent: the line itself, spread out on y = 0
        z = np.concatenate([z, np.zeros_like(z)], axis=1)
    projection = Projection(method, dim, **(params or {}))
    yield from projection.fit_task(z, cancel, cache=cache)
    return projection


def preview_pairs(ws: Workspace | None, dataset: Dataset | None, model, k: int = 8):
    """(originals, reconstructions) of the first ``k`` held-out images, or None without images,
    decoder or encoder."""
    if ws is None or model is None or dataset is None or not model.has_encoder:
        return None
    if dataset.images is None:
        return None
    idx = np.asarray(ws.val_idx if len(ws.val_idx) else ws.train_idx)[:k]
    if len(idx) == 0:
        return None
    from latent_explorer.analysis.latent.latents import reconstruct

    return dataset.images[idx], reconstruct(model, dataset, idx)


__all__ = ["Arrival", "Courier", "Prepared", "SessionTasks", "Tickets", "map_latents", "preview_pairs"]
