"""The window's generating tools — interpolation, sampling, latent arithmetic — over the
session's workspace: operands picked on the map, results computed as tasks (decoded and placed
on the current map in the worker), kept in the workspace (`workspace.generated`, as the command
line stores them) and shown again when it is reopened. Qt-free.

The off-data scale, the k-nearest-neighbour graph of "path" and the fitted density cost the most
at 100,000 latents: they are fitted once per workspace and reused by every later request."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from psygnal import Signal

from latent_explorer.errors import UserError
from latent_explorer.infra.tasks import CancelToken, Progress, Task
from latent_explorer.workspace import schema

KINDS = schema.GENERATED
SLOTS = ("interpolation.a", "interpolation.b", "arithmetic.a", "arithmetic.b", "arithmetic.c")
MAX_SHOWN_SAMPLES = 400  # a grid the window can show
PATH_K = 10
PATH_SMOOTH = 0.05
_FIRST = {"interpolation": "Interpolate", "samples": "Sample", "arithmetic": "Compute A − B + C"}


@dataclass
class Shown:
    """A generated ``result`` and what the window shows of it: its decoded ``images`` (uint8;
    arithmetic: A, B, C and the result; None without a decoder or before decoding), the data
    images nearest an arithmetic result, and the ``inputs`` that asked for it."""

    result: Any
    images: np.ndarray | None
    inputs: dict
    nearest_images: np.ndarray | None = None
    workspace: Any = field(default=None, repr=False)
    placed_by: Any = field(default=None, repr=False)  # the MapDecoder its positions come from

    @property
    def kind(self) -> str:
        return self.result.KIND

    @property
    def latents(self) -> np.ndarray:
        r = self.result
        return r.result[None] if self.kind == "arithmetic" else r.latents

    @property
    def positions(self) -> np.ndarray | None:
        r = self.result
        if self.kind == "arithmetic":
            return None if r.position is None else np.asarray(r.position, np.float64).reshape(1, -1)
        return None if r.positions is None else np.asarray(r.positions, np.float64)

    @property
    def off_data(self) -> np.ndarray:
        return np.atleast_1d(np.asarray(self.result.off_data, bool))

    def set_positions(self, positions: np.ndarray | None) -> None:
        if self.kind == "arithmetic":
            self.result.position = None if positions is None else np.asarray(positions[0], np.float32)
        else:
            self.result.positions = None if positions is None else np.asarray(positions, np.float32)


class _Fitted:
    """What one workspace's requests share (filled by worker threads, read when a task starts)."""

    def __init__(self) -> None:
        self.scale = None
        self.graphs: dict[int, Any] = {}
        self.density = None


def operand_spec(indices) -> str:
    """"12" or "12,40,7" — the command line's way of naming images (stored with the result)."""
    return ",".join(str(int(i)) for i in np.atleast_1d(indices))


def parse_spec(text, n: int) -> np.ndarray | None:
    parts = [s.strip() for s in str(text).split(",")]
    if not parts or not all(p.isdigit() for p in parts):
        return None
    idx = np.array([int(p) for p in parts], np.int64)
    return idx if len(idx) and idx.max() < n else None


def _operand(indices: np.ndarray):
    return int(indices[0]) if len(indices) == 1 else [int(i) for i in indices]


class Generator:
    """The operands (data indices per slot, e.g. "interpolation.a") and the latest result of
    each kind for the session's workspace."""

    operand_changed = Signal(str, object)  # slot, indices (np.ndarray) or None
    result_changed = Signal(str, object)  # kind, Shown or None

    def __init__(self, session, steering) -> None:
        self.session = session
        self.steering = steering
        self.operands: dict[str, np.ndarray] = {}
        self.results: dict[str, Shown] = {}
        self._fitted = _Fitted()
        session.workspace_changed.connect(self._on_workspace)
        session.map_changed.connect(self._on_map)

    # ------------------------------------------------------------------ operands

    def set_operand(self, slot: str, indices) -> np.ndarray:
        if slot not in SLOTS:
            raise ValueError(f"unknown slot {slot!r}")
        idx = np.asarray(indices, np.int64).reshape(-1)
        if len(idx) == 0:
            raise UserError("select an image on the map first (click it, or lasso a group)")
        n = self._latents().shape[0]
        if idx.min() < 0 or idx.max() >= n:
            raise UserError(f"image {int(idx.max())} is outside 0..{n - 1}")
        self.operands[slot] = idx
        self.operand_changed.emit(slot, idx)
        return idx

    def _need(self, kind: str, names: str) -> list[np.ndarray]:
        missing = [name.upper() for name in names if f"{kind}.{name}" not in self.operands]
        if missing:
            raise UserError(f"Pick {' and '.join(missing) if len(missing) < 3 else 'A, B and C'} first")
        return [self.operands[f"{kind}.{name}"] for name in names]

    # ------------------------------------------------------------------ tasks (built here, run anywhere)

    def _latents(self) -> np.ndarray:
        ws = self.session.workspace
        if ws is None or ws.latents is None:
            raise UserError("there are no latents yet: train a model or open a workspace")
        return np.asarray(ws.latents.mean, np.float32)

    def _context(self) -> tuple[Any, np.ndarray, _Fitted, Any, Any]:
        """(workspace, latents, fitted, decoder, model): what a task takes along."""
        z = self._latents()
        decoder = self.steering.decoder
        model = decoder.model if decoder is not None else self.session.model
        return self.session.workspace, z, self._fitted, decoder, model

    def interpolation_task(self, method: str = "path", steps: int = 16,
                           cancel: CancelToken | None = None) -> Task:
        """Task → `Shown` of an interpolation from A to B (slots "interpolation.a"/".b")."""
        from latent_explorer.analysis.generate.interpolation import MAX_STEPS, METHODS

        ws, z, fitted, decoder, model = self._context()
        a, b = self._need("interpolation", "ab")
        if method not in METHODS:
            raise UserError(f"unknown interpolation {method!r}: choose one of {', '.join(METHODS)}")
        if not 2 <= int(steps) <= MAX_STEPS:
            raise UserError(f"steps must be 2–{MAX_STEPS}")
        inputs = {"a": operand_spec(a), "b": operand_spec(b), "method": method, "steps": int(steps),
                  "k": PATH_K, "smooth": PATH_SMOOTH}
        return self._interpolation(ws, z, fitted, decoder, model, a, b, inputs, cancel or CancelToken())

    def _interpolation(self, ws, z, fitted, decoder, model, a, b, inputs, cancel) -> Task:
        from latent_explorer.analysis.generate.interpolation import LatentGraph, interpolate_task

        scale = yield from _scale(fitted, z, cancel)
        graph = None
        if inputs["method"] == "path":
            if PATH_K not in fitted.graphs:
                fitted.graphs[PATH_K] = LatentGraph(z, PATH_K)
            graph = fitted.graphs[PATH_K]
        result = yield from interpolate_task(z, _operand(a), _operand(b), inputs["method"], inputs["steps"],
                                             PATH_K, PATH_SMOOTH, scale, graph, cancel)
        yield Progress(0, 1, f"decoding {result.steps} frames")
        shown = Shown(result, _decode(model, result.latents, cancel), inputs, workspace=ws)
        _place(shown, decoder)
        return shown

    def samples_task(self, n: int = 16, temperature: float = 1.0, prior: str = "auto", seed: int = 0,
                     cancel: CancelToken | None = None) -> Task:
        """Task → `Shown` of ``n`` samples (see `analysis.sampling`)."""
        from latent_explorer.analysis.generate.sampling import PRIORS

        ws, z, fitted, decoder, model = self._context()
        if not 1 <= int(n) <= MAX_SHOWN_SAMPLES:
            raise UserError(f"draw 1–{MAX_SHOWN_SAMPLES} samples")
        if not 0 < float(temperature) <= 10:
            raise UserError("the temperature must be above 0 and at most 10")
        if prior not in PRIORS:
            raise UserError(f"unknown prior {prior!r}: choose one of {', '.join(PRIORS)}")
        kind = self.model_kind() if prior == "auto" else None
        inputs = {"n": int(n), "temperature": float(temperature), "prior": prior, "seed": int(seed)}
        return self._samples(ws, z, fitted, decoder, model, kind, inputs, cancel or CancelToken())

    def _samples(self, ws, z, fitted, decoder, model, kind, inputs, cancel) -> Task:
        from latent_explorer.analysis.generate.sampling import fit_density_task, resolve_prior, sample_latents_task

        scale = yield from _scale(fitted, z, cancel)
        resolved, _ = resolve_prior(inputs["prior"], kind, scale, inputs["seed"])
        if resolved == "density" and fitted.density is None:
            fitted.density = yield from fit_density_task(z, 0, cancel)
        result = yield from sample_latents_task(z, inputs["n"], inputs["temperature"], inputs["prior"],
                                                inputs["seed"], kind, fitted.density, scale, cancel)
        yield Progress(0, 1, f"decoding {len(result)} samples")
        shown = Shown(result, _decode(model, result.latents, cancel), inputs, workspace=ws)
        _place(shown, decoder)
        return shown

    def arithmetic_task(self, k: int = 5, cancel: CancelToken | None = None) -> Task:
        """Task → `Shown` of A − B + C (slots "arithmetic.a"/".b"/".c") and its ``k`` nearest images."""
        ws, z, fitted, decoder, model = self._context()
        a, b, c = self._need("arithmetic", "abc")
        if not 1 <= int(k) <= len(z):
            raise UserError(f"k must be 1–{len(z)}")
        images = self.session.dataset.images if self.session.has_images else None
        inputs = {"a": operand_spec(a), "b": operand_spec(b), "c": operand_spec(c), "k": int(k)}
        return self._arithmetic(ws, z, fitted, decoder, model, images, (a, b, c), inputs,
                                cancel or CancelToken())

    def _arithmetic(self, ws, z, fitted, decoder, model, data_images, operands, inputs, cancel) -> Task:
        from latent_explorer.analysis.generate.arithmetic import latent_arithmetic

        scale = yield from _scale(fitted, z, cancel)
        result = latent_arithmetic(z, *(_operand(x) for x in operands), k=inputs["k"], scale=scale)
        yield Progress(0, 1, "decoding A − B + C")
        shown = Shown(result, None, inputs, workspace=ws)
        _decode_arithmetic(shown, model, z, data_images, cancel)
        _place(shown, decoder)
        return shown

    def restore_task(self, cancel: CancelToken | None = None) -> Task | None:
        """Task → the restored results, decoded and placed on the current map; None when there
        is nothing to decode."""
        todo = [s for s in self.results.values() if s.images is None]
        if not todo:
            return None
        ws, z, _, decoder, model = self._context()
        if model is None:
            return None
        images = self.session.dataset.images if self.session.has_images else None
        return self._restore(todo, z, decoder, model, images, cancel or CancelToken())

    def _restore(self, todo, z, decoder, model, data_images, cancel) -> Task:
        for i, shown in enumerate(todo):
            yield Progress(i, len(todo), f"decoding the saved {shown.kind}")
            if shown.kind == "arithmetic":
                _decode_arithmetic(shown, model, z, data_images, cancel)
            else:
                shown.images = _decode(model, shown.latents, cancel)
            _place(shown, decoder)
        return todo

    def model_kind(self) -> str | None:
        """The model's kind for "auto" sampling (as `cli_generate` decides it)."""
        ws = self.session.workspace
        if ws is None:
            return None
        if ws.model_config is not None:
            return ws.model_config.kind
        model = self.session.model
        if model is None:
            return None
        variational = model.config.is_variational or not model.has_encoder
        return "generator" if variational else "ae"

    # ------------------------------------------------------------------ results

    def adopt(self, shown: Shown, store: bool = True) -> bool:
        """Show a finished result (and keep it in the workspace, which then needs saving);
        False when it was made for another workspace."""
        from latent_explorer.workspace.generated import store_result

        ws = self.session.workspace
        if shown.workspace is not ws or ws is None:
            return False
        if shown.placed_by is not self.steering.decoder:
            _place(shown, self.steering.decoder)
        self.results[shown.kind] = shown
        if store:
            store_result(ws, shown.result, shown.inputs)
            self.session.mark_dirty()
        self.result_changed.emit(shown.kind, shown)
        return True

    def export(self, kind: str, path) -> None:
        """The result's images as an animated GIF or a PNG strip / grid (atomic)."""
        from latent_explorer.analysis.generate.frames import write_frames

        shown = self.results.get(kind)
        if shown is None:
            raise UserError(f"{_FIRST.get(kind, 'Make something')} first")
        if shown.images is None:
            raise UserError("no images to write: this workspace has no decoder")
        if kind == "interpolation":
            cols = None if shown.result.steps <= 32 else 16
            write_frames(path, shown.images, shown.off_data, columns=cols)
        elif kind == "samples":
            write_frames(path, shown.images, shown.off_data, columns=math.ceil(math.sqrt(len(shown.images))),
                         hold_ends=False)
        else:
            made, near = _same_channels(shown.images, shown.nearest_images)
            names = [f"#{shown.inputs.get(x, '?')}" for x in "abc"]
            captions = [f"A {names[0]}", f"- B {names[1]}", f"+ C {names[2]}", "= result"]
            captions += [f"#{i}" for i in shown.result.nearest]
            flags = [False, False, False, shown.result.off_data] + [False] * len(near)
            write_frames(path, np.concatenate([made, near]), flags, captions=captions)

    def _on_workspace(self, ws) -> None:
        self._fitted = _Fitted()
        self.operands.clear()
        self.results.clear()
        for slot in SLOTS:
            self.operand_changed.emit(slot, None)
        restored = {}
        if ws is not None and ws.latents is not None:
            from latent_explorer.workspace.generated import restore_result, stored_inputs

            for kind in KINDS:
                result = restore_result(ws, kind)
                if result is not None:
                    inputs = stored_inputs(ws, kind)
                    restored[kind] = Shown(result, None, inputs, workspace=ws)
                    self._restore_operands(kind, inputs, len(ws.latents.mean))
        self.results.update(restored)
        for kind in KINDS:
            self.result_changed.emit(kind, restored.get(kind))

    def _restore_operands(self, kind: str, inputs: dict, n: int) -> None:
        for name in "abc":
            slot = f"{kind}.{name}"
            idx = parse_spec(inputs.get(name, ""), n) if slot in SLOTS else None
            if idx is not None:
                self.operands[slot] = idx
                self.operand_changed.emit(slot, idx)

    def _on_map(self, positions) -> None:
        decoder = self.steering.decoder
        for shown in list(self.results.values()):
            if shown.placed_by is not decoder:
                _place(shown, decoder)
            self.result_changed.emit(shown.kind, shown)


def _scale(fitted: _Fitted, z: np.ndarray, cancel: CancelToken) -> Task:
    from latent_explorer.analysis.latent.offdata import OffDataScale

    if fitted.scale is None:
        fitted.scale = yield from OffDataScale.fit_task(z, cancel=cancel)
    return fitted.scale


def _decode(model, latents, cancel: CancelToken) -> np.ndarray | None:
    if model is None:
        return None
    from latent_explorer.analysis.latent.latents import decode_latents

    cancel.raise_if_cancelled()
    return decode_latents(model, np.asarray(latents, np.float32))


def _decode_arithmetic(shown: Shown, model, z, data_images, cancel: CancelToken) -> None:
    r = shown.result
    shown.images = _decode(model, np.vstack([r.operands, r.result[None]]), cancel)
    if data_images is not None:
        shown.nearest_images = data_images[r.nearest]
    else:
        shown.nearest_images = _decode(model, z[r.nearest], cancel)


def _place(shown: Shown, decoder) -> None:
    """Positions on the decoder's map; without a map the stored ones stay (they are drawn
    only over a map)."""
    if decoder is not None:
        shown.set_positions(decoder.place(shown.latents))
    shown.placed_by = decoder


def _same_channels(a: np.ndarray, b: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    if b is None:
        return a, np.zeros((0,) + a.shape[1:], a.dtype)
    if a.shape[3] != b.shape[3]:
        a, b = (np.repeat(x, 3, axis=3) if x.shape[3] == 1 else x for x in (a, b))
    return a, b


__all__ = ["KINDS", "SLOTS", "Generator", "Shown", "operand_spec", "parse_spec"]
