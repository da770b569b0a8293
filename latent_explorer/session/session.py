"""The state of one open session — workspace, images, model, map, selection — and its events.

Qt-free. Views subscribe to the psygnal signals and call the methods; they never compute.
Long work (training, opening a workspace, computing a map) comes as task generators
(``*_task``, see `latent_explorer.infra.tasks`) that a worker thread may drive. A task hands its
result back through ``dispatch`` — a callable that runs a function in the session's own thread
(the GUI thread in the app; at once by default) — so state changes and signals always happen in
that thread, and a task that a newer one replaced changes nothing.

Heavy modules (torch, scikit-learn) are imported inside the methods that need them, so a window
built on a Session opens before they load."""
from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, Callable

import numpy as np
from psygnal import Signal

from latent_explorer.analysis.maps.projection_cache import ProjectionCache
from latent_explorer.errors import UserError
from latent_explorer.infra.tasks import CancelToken, Task, relay, run_task
from latent_explorer.session.handover import (
    Arrival, Courier, Prepared, Tickets, map_latents, preview_pairs as _pairs_of,
)

if TYPE_CHECKING:
    from latent_explorer.data.dataset import Dataset
    from latent_explorer.models.protocol import LatentModel
    from latent_explorer.pipeline.train import TrainOptions
    from latent_explorer.workspace.session_file import Workspace


def _call_now(fn: Callable[[], Any]) -> None:
    fn()


class Session:
    """One open session. ``dispatch(fn)`` must run ``fn`` in the thread that owns the session."""

    workspace_changed = Signal(object)  # the new Workspace, or None
    training_started = Signal(str)  # the source being trained on
    training_progress = Signal(object)  # Progress, at most every PROGRESS_INTERVAL
    epoch_finished = Signal(object)  # EpochReport (losses, live reconstructions)
    training_finished = Signal(object)  # the trained Workspace (also after Stop: status says so)
    map_changed = Signal(object)  # (N, 2) float32 positions — (N, 3) for a 3-D map — or None
    map_partial = Signal(object)  # (N, k) positions of a t-SNE/UMAP map still being optimised
    selection_changed = Signal(int)  # the selected image, -1 for none
    file_changed = Signal(object)  # the workspace file path (str) or None
    dirty_changed = Signal(bool)  # unsaved changes
    status = Signal(str)  # a line for the status bar

    def __init__(self, dispatch: Callable[[Callable[[], Any]], Any] | None = None) -> None:
        self._dispatch = dispatch or _call_now
        self.workspace: Workspace | None = None
        self.dataset: Dataset | None = None  # the workspace's data, with images where available
        self.projection = None  # analysis.projection.Projection of the current map
        self.maps: dict[int, Any] = {}  # dimension → the last map of it made from these latents
        self.map: np.ndarray | None = None
        self.selected: int = -1
        self.path: str | None = None
        self.dirty: bool = False
        self._model = None
        self._model_error: str | None = None
        self._preview_pairs = None
        self._tickets = Tickets()
        self.map_cache = ProjectionCache()  # this session's t-SNE/UMAP maps: asking twice is free
        self._preparers: list[Callable[[Workspace, Dataset | None], dict]] = []
        self.prepared: dict[str, Any] = {}  # what the preparers computed for the current workspace

    @property
    def n_points(self) -> int:
        return 0 if self.map is None else len(self.map)

    @property
    def labels(self) -> np.ndarray | None:
        return None if self.dataset is None else self.dataset.labels

    @property
    def label_names(self) -> list[str]:
        return [] if self.dataset is None else list(self.dataset.label_names)

    @property
    def has_images(self) -> bool:
        return self.dataset is not None and self.dataset.has_images

    @property
    def title(self) -> str:
        """What the session is, in a few words (for the window title)."""
        if self.path:
            return os.path.basename(self.path)
        if self.workspace is None:
            return "no model"
        src = self.workspace.dataset.source
        name = src.get("name") or os.path.basename(str(src.get("root") or src.get("path") or ""))
        return f"{name or 'session'} (not saved)"

    @property
    def model(self) -> LatentModel | None:
        """The workspace's trained model in eval mode, loaded on first use; None without one."""
        if self._model is None and self._model_error is None and self.workspace is not None:
            if self.workspace.has_decoder:
                from latent_explorer.pipeline.train import load_model

                try:
                    self._model = load_model(self.workspace)
                except UserError as exc:
                    self._model_error = str(exc)
                    self.status.emit(f"no decoder: {exc}")
        return self._model

    def _check_index(self, index: int) -> int:
        n = 0 if self.dataset is None else len(self.dataset)
        if not 0 <= index < n:
            raise IndexError(f"image {index} is outside 0..{n - 1}")
        return int(index)

    def original(self, index: int) -> np.ndarray | None:
        """The image as uint8 (H, W, C), or None when the images are not loaded."""
        self._check_index(index)
        return None if not self.has_images else self.dataset.images[index]

    def reconstruction(self, index: int) -> np.ndarray | None:
        """The model's reconstruction of the image (uint8, H×W×C) from its mean latent (the
        stored one while the images are missing); None without decoder."""
        self._check_index(index)
        missing = not self.has_images and self.model is not None and self.workspace.latents is not None
        if not (missing or self._can_reconstruct()):
            return None
        from latent_explorer.analysis.latent.latents import decode_latents, reconstruct

        if missing:
            return decode_latents(self.model, self.workspace.latents.mean[index : index + 1])[0]
        return reconstruct(self.model, self.dataset, np.array([index]))[0]

    def _can_reconstruct(self) -> bool:
        model = self.model
        return model is not None and self.has_images and model.has_encoder

    def reconstruction_error(self, index: int) -> float | None:
        """Per-pixel mean squared error of the image's reconstruction (computed when encoded)."""
        self._check_index(index)
        lat = None if self.workspace is None else self.workspace.latents
        if lat is None or lat.recon_error is None:
            return None
        return float(lat.recon_error[index])

    def preview_pairs(self, k: int = 8) -> tuple[np.ndarray, np.ndarray] | None:
        """(originals, reconstructions) of the first ``k`` held-out images — the fixed images
        the trainer shows live — or None without images or decoder."""
        ready = self._preview_pairs
        if ready is not None and len(ready[0]) == k:
            return ready
        return _pairs_of(self.workspace, self.dataset, self.model, k)

    def label_of(self, index: int) -> str | None:
        labels = self.labels
        if labels is None or labels[index] < 0:
            return None
        return self.dataset.label_names[labels[index]]

    def describe(self, index: int) -> str:
        """One line about an image: index, label, reconstruction error, file."""
        self._check_index(index)
        parts = [f"#{index}"]
        label = self.label_of(index)
        if label is not None:
            parts.append(f"label {label}")
        err = self.reconstruction_error(index)
        if err is not None:
            parts.append(f"reconstruction error {err:.4f}")
        paths = self.dataset.paths
        if paths:
            parts.append(paths[index])
        return " · ".join(parts)

    def diagnostics(self) -> list[tuple[str, str]]:
        """(name, value) rows summarising the workspace's report, for the model panel."""
        from latent_explorer.workspace.summary import diagnostic_rows

        return [] if self.workspace is None else diagnostic_rows(self.workspace)

    def add_preparer(self, fn: Callable[[Workspace, Dataset | None], dict]) -> None:
        """``fn(ws, dataset) -> dict`` runs in the task's thread before a workspace is adopted,
        for work a subscriber would otherwise do in the GUI thread when `workspace_changed`
        comes (standard directions, say); its results are in `prepared` by then. It must not
        touch the session or emit anything; an exception means "not prepared", never a failure."""
        self._preparers.append(fn)

    def prepare(self, ws: Workspace | None, dataset: Dataset | None) -> Prepared:
        """In the task's thread: load the model, its reconstructions of the preview images and
        whatever the preparers want, so adopting the workspace costs the GUI thread nothing."""
        prepared = Prepared()
        if ws is None:
            return prepared
        if ws.has_decoder:
            from latent_explorer.pipeline.train import load_model

            try:
                prepared.model = load_model(ws)
            except UserError as exc:
                prepared.model_error = str(exc)
            else:
                data = dataset if dataset is not None else ws.dataset
                prepared.preview_pairs = _pairs_of(ws, data, prepared.model)
        for fn in self._preparers:
            try:
                prepared.extras.update(fn(ws, dataset) or {})
            except Exception:  # noqa: BLE001 - the subscriber computes it itself instead
                pass
        return prepared

    def courier(self, kind: str) -> Courier:
        """A new task of ``kind`` ("workspace" or "map") starts: what older ones still deliver
        is dropped; the courier hands this one's results to the session's thread."""
        return Courier(self._dispatch, self._tickets, kind)

    def adoption_task(self, courier: Courier, ws: Workspace | None, dataset: Dataset | None = None,
                      path: str | None = None, dirty: bool = True, trained: bool = False,
                      projection=None, other_map=None, cancel: CancelToken | None = None) -> Task:
        """Task: map the workspace's latents (unless ``projection`` is its map already), prepare
        what the views need, then let the session adopt it in its own thread (see `adopt`)."""
        if projection is None and ws is not None and ws.latents is not None:
            projection = yield from map_latents(ws.latents.mean, cancel or CancelToken(), cache=self.map_cache)
        prepared = self.prepare(ws, dataset)
        if projection is not None and other_map is not None and other_map.n_components != projection.n_components:
            prepared.other_map = other_map  # going 2-D ↔ 3-D shows it without computing it
        courier.post(self.adopt, Arrival(ws, dataset, projection, path, dirty, trained, prepared))
        return ws

    def adopt_task(self, ws: Workspace | None, dataset: Dataset | None = None, path: str | None = None,
                   dirty: bool = True, cancel: CancelToken | None = None) -> Task:
        """Task: adopt a workspace already in memory (``dataset``: its data with images, when
        they are loaded), mapped with PCA. Any task still running for the old one is ignored."""
        return self.adoption_task(self.courier("workspace"), ws, dataset, path, dirty, cancel=cancel)

    def adopt(self, arrival: Arrival) -> None:
        """In the session's thread: make ``arrival`` the current workspace and tell the views."""
        ws, projection, prepared = arrival.workspace, arrival.projection, arrival.prepared
        self._tickets.invalidate("map")
        self.workspace = ws
        self.dataset = arrival.dataset if arrival.dataset is not None else (None if ws is None else ws.dataset)
        self.prepared = dict(prepared.extras)
        self._model, self._model_error = prepared.model, prepared.model_error
        self._preview_pairs = prepared.preview_pairs
        self.projection = projection
        self.map = None if projection is None else np.asarray(projection.embedding_)
        self.maps = {p.n_components: p for p in (prepared.other_map, projection) if p is not None}
        self.selected = -1
        self.path = arrival.path
        self.dirty = arrival.dirty
        self.workspace_changed.emit(ws)
        self.map_changed.emit(self.map)
        self.selection_changed.emit(-1)
        self.file_changed.emit(self.path)
        self.dirty_changed.emit(self.dirty)
        if self._model_error:
            self.status.emit(f"no decoder: {self._model_error}")
        if arrival.trained:
            self.training_finished.emit(ws)

    def select(self, index: int) -> None:
        """Select one image (-1: none)."""
        index = -1 if index is None or index < 0 else self._check_index(index)
        if index != self.selected:
            self.selected = index
            self.selection_changed.emit(index)

    def map_task(self, cancel: CancelToken | None = None, method: str = "pca", dim: int = 2,
                 **params: Any) -> Task:
        """Task: a ``dim``-D (2 or 3) ``method`` map ("pca", "tsne", "umap") of the latents. Partial
        embeddings of t-SNE/UMAP come as `map_partial` events (the map animates); the session
        adopts the map when done. ``params`` go to `Projection` (e.g. perplexity, n_neighbors)."""
        ws = self.workspace
        if ws is None or ws.latents is None:
            raise UserError("there are no latents to map: train a model or open a workspace")
        if method not in ("pca", "tsne", "umap"):
            raise UserError(f"unknown map method '{method}': pca, tsne or umap")
        return self._map_task(self.courier("map"), ws.latents.mean, cancel or CancelToken(), method, params, dim)

    def _map_task(self, courier: Courier, z: np.ndarray, cancel: CancelToken, method: str, params: dict,
                  dim: int = 2):
        def partial(value) -> None:
            if isinstance(value, np.ndarray):
                courier.post(self.map_partial.emit, np.asarray(value))

        projection = yield from relay(map_latents(z, cancel, method, params, dim, self.map_cache), on_partial=partial)
        courier.post(self._set_map, projection)
        courier.post(self.mark_dirty)
        return projection.embedding_

    def _set_map(self, projection) -> None:
        self.projection = projection
        self.maps[projection.n_components] = projection
        self.map = np.asarray(projection.embedding_)
        self.map_changed.emit(self.map)
        if getattr(projection, "note", ""):  # a sampled map says so ("UMAP fitted on 100,000 of …")
            self.status.emit(projection.note)

    def show_live_map(self, positions: np.ndarray | None) -> None:
        """A frame (N, 2) of the latent map of a model still training, shown while the current
        workspace is the one it was made for; None: the session's own map again."""
        if positions is None:
            self.map_changed.emit(self.map)
        elif self.map is not None and len(positions) == len(self.map):
            self.map_partial.emit(positions)

    def show_map(self, projection) -> None:
        """Show again a map made earlier from the current latents (the 2-D one after a 3-D one)
        without computing it; a map still being computed is dropped."""
        if projection.embedding_ is None or len(projection.embedding_) != self.n_points:
            raise UserError("that map was made from other latents: compute it again")
        self._tickets.invalidate("map")
        self._set_map(projection)
        self.mark_dirty()

    def train_task(self, source: str, options: TrainOptions | dict[str, Any],
                   cancel: CancelToken | None = None) -> Task:
        """Task: load ``source``, train, encode, map; the session adopts the result (also when
        cancelled part-way: the weights trained so far are kept and the status says so).

        ``options``: TrainOptions, checked here (bad ones raise UserError before any work), or
        a dict of its fields, turned into TrainOptions and checked by the task itself — that
        way the caller's thread never imports torch (the GUI thread would stall for seconds)."""
        if not isinstance(options, dict):
            options.validate()
        courier = self.courier("workspace")
        self.training_started.emit(source)
        self.status.emit(f"training on {source}…")
        from latent_explorer.session.scanning import shown_pixels
        from latent_explorer.session.training import train_in_session

        return train_in_session(self, courier, source, options, cancel or CancelToken(), shown_pixels(self))

    def scan_task(self, source: str, image_size: int | None = None, color: str = "auto",
                  cancel: CancelToken | None = None) -> Task:
        """Task: load an image source and show the map of its pixels (no model yet)."""
        from latent_explorer.session.scanning import scan_in_session

        return scan_in_session(self, self.courier("workspace"), source, image_size, color, cancel or CancelToken())

    def resume_task(self, epochs: int | None = None, cancel: CancelToken | None = None) -> Task:
        """Task: train the current model ``epochs`` more (None: finish its plan), as `train_task`."""
        from latent_explorer.session.training import resume_in_session

        return resume_in_session(self, epochs, cancel or CancelToken())

    def open_task(self, path: str | os.PathLike, cancel: CancelToken | None = None,
                  as_copy: bool = False) -> Task:
        """Task: read a workspace file, reload its images from their source, restore its map.
        ``as_copy``: the session forgets the file (Save asks where), e.g. for the shipped demo."""
        from latent_explorer.session.opening import open_in_session

        return open_in_session(self, self.courier("workspace"), os.fspath(path), cancel or CancelToken(), as_copy)

    def open(self, path: str | os.PathLike) -> Workspace:
        """Open a workspace here and now (see `open_task`)."""
        return run_task(self.open_task(path))

    def save(self, path: str | os.PathLike, force: bool = False) -> str:
        """Save the workspace with its map and the last map of the other dimension (atomic);
        returns the path written. Over a file another program saved since it was opened here:
        `WorkspaceChangedError`, unless ``force``."""
        from latent_explorer.workspace.session_file import EXTENSION, save_workspace
        from latent_explorer.workspace.stored_map import store_map

        ws, path = self.workspace, os.fspath(path)
        if ws is None:
            raise UserError("nothing to save yet: train a model or open a workspace first")
        if not path.endswith(EXTENSION):
            path += EXTENSION
        others = [p for p in self.maps.values() if p is not self.projection]
        store_map(ws, self.projection, others[0] if others else None)
        save_workspace(path, ws, force)
        self.path, self.dirty = path, False
        self.file_changed.emit(path)
        self.dirty_changed.emit(False)
        self.status.emit(f"saved {path}")
        return path

    def mark_dirty(self) -> None:
        """Something in the workspace changed (a direction, a kept point): it needs saving."""
        if not self.dirty and self.workspace is not None:
            self.dirty = True
            self.dirty_changed.emit(True)

    def cancel_pending(self) -> None:
        """Forget every task in flight: whatever they still deliver is ignored."""
        self._tickets.invalidate()

    def disconnect_all(self) -> None:
        for name, value in vars(Session).items():
            if isinstance(value, Signal):
                getattr(self, name).disconnect()


__all__ = ["Session"]
