"""A folder on screen within seconds, before any model: the task behind `Session.scan_task`, and
the pixel map every training starts from (`show_pixels`)."""
from __future__ import annotations

from typing import TYPE_CHECKING

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


__all__ = ["scan_in_session", "show_pixels"]
