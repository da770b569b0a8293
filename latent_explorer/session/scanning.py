"""A folder on screen within seconds, before any model: the task behind `Session.scan_task`, and
the pixel map every training starts from (`show_pixels`)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from latent_explorer.errors import UserError
from latent_explorer.infra.tasks import CancelToken, Progress, Task
from latent_explorer.session.handover import Courier, SessionTasks, map_latents

if TYPE_CHECKING:
    from latent_explorer.data.dataset import Dataset


def scan_in_session(session: SessionTasks, courier: Courier, source: str, image_size: int | None,
                    color: str, cancel: CancelToken) -> Task:
    """Load ``source`` (what was skipped and why is known at once; a folder without a usable
    image is refused here, not after Train) and adopt the map of its pixels."""
    from latent_explorer.data.sources import open_source

    dataset = yield from open_source(source, image_size, color, cancel)
    if not dataset.has_images:
        raise UserError("these are precomputed embeddings, not images: Load maps them")
    yield from show_pixels(session, courier, dataset, 0, cancel)
    skipped = f" ({len(dataset.skipped):,} skipped)" if dataset.skipped else ""
    courier.post(session.status.emit, f"{len(dataset):,} images{skipped}, mapped by their pixels: "
                                      "press Train to learn a model of them")
    return dataset


def show_pixels(session: SessionTasks, courier: Courier, dataset: Dataset, seed: int, cancel: CancelToken) -> Task:
    """Adopt the map of the images' pixels (the views of the workspace before it go); returns its
    positions."""
    from latent_explorer.pipeline.pixels import pixel_workspace

    yield Progress(0, 1, f"mapping the pixels of {len(dataset):,} images")
    ws = pixel_workspace(dataset, seed)
    projection = yield from map_latents(ws.latents.mean, cancel, cache=session.map_cache)
    yield from session.adoption_task(courier, ws, dataset, None, dirty=False, projection=projection, cancel=cancel)
    return projection.embedding_


@dataclass(frozen=True)
class ShownPixels:
    """The pixel map on screen as a training starts, taken in the session's thread."""

    dataset: Dataset
    seed: int | None
    positions: np.ndarray


def shown_pixels(session: SessionTasks) -> ShownPixels | None:
    """The map on screen when it is a 2-D pixel map as `show_pixels` makes it (PCA)."""
    ws, projection = session.workspace, session.projection
    if ws is None or not ws.is_pixel_map or session.dataset is None or session.map is None:
        return None
    if projection is None or projection.method != "pca" or projection.n_components != 2:
        return None
    return ShownPixels(session.dataset, ws.train_params.get("seed"), session.map)


def pixels_kept(shown: ShownPixels | None, dataset: Dataset, seed: int) -> np.ndarray | None:
    """``shown``'s positions when it maps the images of ``dataset`` as `show_pixels` would with
    ``seed``: a training started on a scanned folder keeps that map rather than adopting the
    same one again, which rebuilt every view as the training began (the stall benchmark's first
    gaps)."""
    if shown is None or shown.seed != seed:
        return None
    old = shown.dataset
    if old.source != dataset.source or old.paths != dataset.paths:
        return None
    if old.images is None or dataset.images is None or old.images.shape != dataset.images.shape:
        return None
    if (old.labels is None) != (dataset.labels is None) or (
            old.labels is not None and not np.array_equal(old.labels, dataset.labels)):
        return None
    return shown.positions


__all__ = ["ShownPixels", "pixels_kept", "scan_in_session", "show_pixels", "shown_pixels"]
