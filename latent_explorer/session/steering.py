"""Steering: the sliders' state — which directions exist, which image is being edited, how far
along each direction — and the edited latent with its place on the map.

Qt-free; follows the session (a new workspace brings its directions, a new selection becomes the
image being edited). Decoding the edited latent is left to the caller (`render`), so a view can
do it in a worker thread and drop stale requests."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from psygnal import Signal

from latent_explorer.errors import UserError
from latent_explorer.workspace import schema

STRENGTH_LIMIT = 3.0  # spreads either way


@dataclass(frozen=True)
class Edit:
    """The image ``origin`` (−1: an image from outside the data) moved by ``strengths`` (one per
    direction, in spreads, as the sliders ask); ``applied``: how far each push really moved it,
    less than asked where a direction's limit stopped it (None: as asked)."""

    origin: int
    origin_latent: np.ndarray
    latent: np.ndarray
    strengths: np.ndarray
    origin_position: np.ndarray | None
    position: np.ndarray | None
    name: str | None = None  # an image from outside the data: its file name
    applied: np.ndarray | None = None

    @property
    def is_identity(self) -> bool:
        return not np.any(self.strengths)

    def applied_strength(self, which: int) -> float:
        asked = float(self.strengths[which])
        return asked if self.applied is None or which >= len(self.applied) else float(self.applied[which])

    def stopped_short(self, which: int) -> bool:
        """Whether direction ``which``'s limit stopped its push before the asked strength."""
        return abs(self.applied_strength(which) - float(self.strengths[which])) >= 0.005


@dataclass
class KeptPoint:
    name: str
    latent: np.ndarray
    position: np.ndarray | None = None
    meta: dict = field(default_factory=dict)


class Steering:
    directions_changed = Signal(object)  # list[Direction]
    edit_changed = Signal(object)  # Edit, or None when nothing is being edited
    kept_changed = Signal(object)  # list[KeptPoint]
    directions_scored = Signal(object)  # list[Direction]: the same directions, monotonicity added

    def __init__(self, session) -> None:
        self.session = session
        self.directions: list = []
        self.kept: list[KeptPoint] = []
        self.edit: Edit | None = None
        self._decoder = None
        self._undo: list[np.ndarray] = []
        session.workspace_changed.connect(self._on_workspace)
        session.map_changed.connect(self._on_map)
        session.add_preparer(self._prepare)
        session.selection_changed.connect(self.set_origin)

    @property
    def decoder(self):
        """A `MapDecoder` for the current model, latents and map (None until all three exist)."""
        s = self.session
        if self._decoder is None and s.projection is not None and s.workspace is not None:
            lat = s.workspace.latents
            if lat is not None and s.map is not None and len(s.map) == len(lat.mean):
                from latent_explorer.session.map_decoder import MapDecoder

                images = s.dataset.images if s.has_images else None
                self._decoder = MapDecoder(s.model, lat.mean, s.projection, images=images,
                                           held_out=s.workspace.val_idx)
        return self._decoder

    def _on_workspace(self, ws) -> None:
        self._decoder = None
        self._undo.clear()
        self.edit = None
        self.directions = [] if ws is None or ws.latents is None else self._load_directions(ws)
        self.kept = [] if ws is None else _load_kept(ws)
        self.directions_changed.emit(self.directions)
        self.kept_changed.emit(self.kept)
        self.edit_changed.emit(None)

    @staticmethod
    def _prepare(ws, _dataset) -> dict:
        """In the task's thread (see `Session.add_preparer`): the directions, so adopting a
        workspace fits no regression and runs no SVD in the GUI thread."""
        if ws is None or ws.latents is None:
            return {}
        directions, note = Steering._directions_of(ws)
        return {"steering.directions": (ws, directions, note)}

    def _load_directions(self, ws) -> list:
        prepared = self.session.prepared.get("steering.directions")
        if prepared is not None and prepared[0] is ws:
            directions, note = prepared[1], prepared[2]
        else:
            directions, note = self._directions_of(ws)
        if note:
            self.session.status.emit(note)
        return directions

    @staticmethod
    def _directions_of(ws) -> tuple[list, str | None]:
        from latent_explorer.analysis.directions.direction_set import directions_from_state, standard_directions

        dim = ws.latents.mean.shape[1]
        meta = ws.extra_meta.get(schema.DIRECTIONS)
        note = None
        if meta is not None:
            try:
                return directions_from_state(meta, ws.extra_arrays.get(schema.DIRECTIONS), dim), None
            except UserError as exc:
                note = f"saved directions ignored: {exc}"
        try:
            return standard_directions(ws.dataset, ws.latents, ws.train_idx, ws.val_idx), note
        except UserError:
            return [], note

    def _on_map(self, positions) -> None:
        self._decoder = None
        if self.edit is not None:
            self._update(self.edit.strengths)
        if self.kept and self.decoder is not None:
            placed = self.decoder.place(np.array([k.latent for k in self.kept]))
            for point, pos in zip(self.kept, placed):
                point.position = pos
            self.kept_changed.emit(self.kept)

    def set_origin(self, index: int) -> None:
        """Start editing image ``index`` (every slider back at 0); -1 stops editing."""
        ws = self.session.workspace
        self._undo.clear()
        if index is None or index < 0 or ws is None or ws.latents is None:
            self.edit = None
            self.edit_changed.emit(None)
            return
        z0 = np.asarray(ws.latents.mean[index], np.float64)
        self.edit = Edit(int(index), z0, z0.copy(), np.zeros(len(self.directions)), None, None)
        self._update(self.edit.strengths)

    def set_origin_latent(self, latent, name: str = "your image") -> None:
        """Start editing an image that is not in the data (a query by example): its latent (D,)."""
        z0 = np.asarray(latent, np.float64).ravel()
        ws = self.session.workspace
        if ws is None or ws.latents is None or z0.shape != (ws.latents.mean.shape[1],):
            raise UserError("that latent does not belong to this workspace's model")
        self._undo.clear()
        self.edit = Edit(-1, z0, z0.copy(), np.zeros(len(self.directions)), None, None, name)
        self._update(self.edit.strengths)

    def set_strength(self, which: int, value: float) -> None:
        if self.edit is None:
            raise UserError("select an image to edit first")
        strengths = self.edit.strengths.copy()
        strengths[which] = float(np.clip(value, -STRENGTH_LIMIT, STRENGTH_LIMIT))
        self._update(strengths)

    def checkpoint(self) -> None:
        """Remember the strengths now, for `undo` (the app calls it when a drag starts)."""
        if self.edit is not None:
            self._undo.append(self.edit.strengths.copy())

    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    def undo(self) -> bool:
        if self.edit is None or not self._undo:
            return False
        self._update(self._undo.pop())
        return True

    def reset(self) -> None:
        if self.edit is not None and not self.edit.is_identity:
            self.checkpoint()
            self._update(np.zeros(len(self.directions)))

    def _update(self, strengths: np.ndarray) -> None:
        from latent_explorer.analysis.directions.directions import edit_applied

        e = self.edit
        latent, applied = e.origin_latent.copy(), None
        if len(self.directions) and np.any(strengths):
            latent, applied = edit_applied(e.origin_latent, self.directions, strengths)
        origin_pos = pos = None
        dec = self.decoder
        if dec is not None:
            origin_pos = (dec.place(e.origin_latent)[0].astype(np.float64) if e.origin < 0  # from outside the data
                          else np.asarray(self.session.map[e.origin], np.float64))
            pos = origin_pos if not np.any(strengths) else dec.place(latent)[0].astype(np.float64)
        self.edit = Edit(e.origin, e.origin_latent, latent, strengths, origin_pos, pos, e.name, applied)
        self.edit_changed.emit(self.edit)

    def render(self, edit: Edit | None = None) -> np.ndarray:
        """The edited image, uint8 (H, W, C) — safe to call from a worker thread."""
        edit = edit or self.edit
        if edit is None or self.decoder is None or self.decoder.model is None:
            raise UserError("nothing to decode: select an image of a model with a decoder")
        return self.decoder.decode(edit.latent[None])[0]

    def add_direction(self, direction) -> int:
        """Add a direction (e.g. made from two selections); returns its slider index."""
        self.directions.append(direction)
        if self.edit is not None:
            self.edit = Edit(self.edit.origin, self.edit.origin_latent, self.edit.latent,
                             np.append(self.edit.strengths, 0.0), self.edit.origin_position,
                             self.edit.position, self.edit.name,
                             None if self.edit.applied is None else np.append(self.edit.applied, 0.0))
        self._store()
        self.directions_changed.emit(self.directions)
        return len(self.directions) - 1

    def direction_from_selections(self, idx_a, idx_b, name: str | None = None) -> int:
        from latent_explorer.analysis.directions.directions import direction_from_selections

        ws = self.session.workspace
        if ws is None or ws.latents is None:
            raise UserError("no latents yet")
        if len(idx_a) == 0 or len(idx_b) == 0:
            raise UserError("select two groups of points first (A and B)")
        n = sum(1 for d in self.directions if d.kind == "selection")
        d = direction_from_selections(ws.latents.mean, idx_a, idx_b, name or f"A → B #{n + 1}")
        return self.add_direction(d)

    def keep(self, name: str | None = None) -> KeptPoint:
        """Keep the edited latent as a new point on the map."""
        e = self.edit
        if e is None:
            raise UserError("select and edit an image first")
        point = KeptPoint(name or (f"edit of #{e.origin}" if e.origin >= 0 else f"edit of {e.name}"), e.latent.copy(), e.position,
                          {"origin": e.origin, "strengths": [float(s) for s in e.strengths]})
        self.kept.append(point)
        self._store()
        self.kept_changed.emit(self.kept)
        return point

    def unscored(self) -> list:
        """The directions whose walk has not been checked yet (`score_task` checks them); none
        without a model that encodes."""
        model = self.session.model if self.session.workspace is not None else None
        if model is None or not getattr(model, "has_encoder", False):
            return []
        return [d for d in self.directions if d.monotonicity is None]

    def score_task(self, directions: list, n_walks: int = 16, cancel=None):
        """Task: ``directions`` (from `unscored`, taken in the GUI thread) with their
        monotonicity; returns (workspace, scored) for `adopt_scores`."""
        from latent_explorer.analysis.directions.monotonicity import score_monotonicity

        s = self.session
        ws = s.workspace
        scored = yield from score_monotonicity(s.model, directions, s.dataset, ws.latents, ws.train_idx,
                                               n_walks=n_walks, cancel=cancel)
        return ws, scored

    def adopt_scores(self, result) -> None:
        """Put `score_task`'s figures on the directions, if their workspace is still the one open
        (stored with it; a reopened workspace shows them without walking again)."""
        ws, scored = result
        if ws is not self.session.workspace:
            return
        by_key = {(d.name, d.kind, tuple(np.round(d.unit, 6))): d for d in scored}
        self.directions = [by_key.get((d.name, d.kind, tuple(np.round(d.unit, 6))), d) for d in self.directions]
        self._store(dirty=False)
        self.directions_scored.emit(self.directions)

    def _store(self, dirty: bool = True) -> None:
        ws = self.session.workspace
        if ws is None:
            return
        from latent_explorer.analysis.directions.direction_set import directions_to_state

        meta, units = directions_to_state(self.directions)
        ws.extra_meta[schema.DIRECTIONS] = meta
        ws.extra_arrays[schema.DIRECTIONS] = units
        ws.extra_meta[schema.KEPT] = [{"name": k.name, "meta": k.meta} for k in self.kept]
        if self.kept:
            ws.extra_arrays[schema.KEPT] = np.array([k.latent for k in self.kept], np.float32)
        else:
            ws.extra_arrays.pop(schema.KEPT, None)
        if dirty:
            self.session.mark_dirty()


def _load_kept(ws) -> list[KeptPoint]:
    meta = ws.extra_meta.get(schema.KEPT)
    latents = ws.extra_arrays.get(schema.KEPT)
    if not isinstance(meta, list) or latents is None or ws.latents is None:
        return []
    latents = np.asarray(latents, np.float64)
    if latents.shape != (len(meta), ws.latents.mean.shape[1]):
        return []
    return [KeptPoint(str(m.get("name", "kept")), z, None, dict(m.get("meta") or {}))
            for m, z in zip(meta, latents) if isinstance(m, dict)]


__all__ = ["Edit", "KeptPoint", "Steering"]
