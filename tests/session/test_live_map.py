"""A folder on screen before any model, and the latent map live while a model trains: Qt-free,
through the session's dispatch (a queue the test empties, as the GUI's event loop would)."""
from __future__ import annotations

import numpy as np
import pytest

from latent_explorer.analysis.maps.live import LiveFrames
from latent_explorer.errors import UserError
from latent_explorer.infra.tasks import run_task
from latent_explorer.session.session import Session
from latent_explorer.training import live
from tests.photo_folder import build_photo_folder
from tests.session.test_session import Queue

OPTIONS = {"model": "ae", "latent_dim": 4, "image_size": 16, "epochs": 8}


@pytest.fixture(scope="module")
def photos(tmp_path_factory):
    return str(build_photo_folder(tmp_path_factory.mktemp("photos"), per_class=40))


def knn_agreement(points: np.ndarray, labels: np.ndarray, k: int = 5) -> float:
    d = np.linalg.norm(points[:, None] - points[None], axis=2)
    np.fill_diagonal(d, np.inf)
    near = np.argsort(d, axis=1)[:, :k]
    return float((labels[near] == labels[:, None]).mean())


def test_opening_a_folder_maps_its_pixels_at_once(photos):
    q = Queue()
    s = Session(dispatch=q)
    lines: list = []
    s.status.connect(lines.append)
    run_task(s.scan_task(photos, image_size=16))
    q.flush()
    ws = s.workspace
    assert ws.is_pixel_map and not ws.has_decoder and s.path is None and not s.dirty
    assert s.map.shape == (80, 2) and np.isfinite(s.map).all()
    assert s.original(0).shape == (16, 16, 3)  # hover shows the photo itself
    # The pixel map already tells the temple from the flower: their neighbours share the source.
    assert knn_agreement(s.map, ws.dataset.labels) > 0.8
    assert any("80 images" in line and "Train" in line for line in lines)


def test_a_folder_without_images_is_refused_when_opened_and_changes_nothing(tmp_path, photos):
    q = Queue()
    s = Session(dispatch=q)
    run_task(s.scan_task(photos, image_size=16))
    q.flush()
    before = s.workspace
    (tmp_path / "notes.txt").write_text("not an image")
    with pytest.raises(UserError, match="image"):
        run_task(s.scan_task(str(tmp_path), image_size=16))
    q.flush()
    assert s.workspace is before


def test_the_latent_map_moves_while_the_model_trains_and_ends_on_the_trained_map(photos, monkeypatch):
    monkeypatch.setattr(live, "LIVE_EVERY", 0.0)  # a snapshot after every batch
    monkeypatch.setattr(live, "LIVE_SHARE", 1.0)
    q = Queue()
    s = Session(dispatch=q)
    frames: list = []
    s.map_partial.connect(frames.append)
    adopted: list = []
    s.workspace_changed.connect(adopted.append)
    task = s.train_task(photos, dict(OPTIONS))
    gen_pixels = None
    for _ in task_steps(task, q):
        if gen_pixels is None and s.workspace is not None:
            gen_pixels = s.map.copy()  # the pixel map, shown before the first batch
    assert adopted[0].is_pixel_map and adopted[-1].has_decoder
    assert gen_pixels is not None and len(frames) >= 3
    assert all(f.shape == (80, 2) and np.isfinite(f).all() for f in frames)
    # Frames follow one another: as the view shows each (fitted to the window), it is the one
    # before moved a little, not mirrored.
    seen = [(f - f.mean(axis=0)) / np.linalg.norm(f - f.mean(axis=0), axis=1).mean() for f in frames]
    steps = [np.linalg.norm(b - a, axis=1).mean() for a, b in zip(seen[1:], seen[2:])]
    assert max(steps) < 0.15
    spread = np.linalg.norm(frames[-1] - frames[-1].mean(axis=0), axis=1).mean()
    # The trained map is where the live map ended, facing the same way: nothing jumps at the end.
    final_spread = np.linalg.norm(s.map - s.map.mean(axis=0), axis=1).mean()
    scaled = frames[-1] * (final_spread / spread)
    assert np.linalg.norm(s.map - scaled, axis=1).mean() / final_spread < 0.1


def test_training_a_scanned_folder_keeps_its_pixel_map_and_a_new_size_maps_again(photos, monkeypatch):
    """Adopting the same pixel map again as a training began rebuilt every view in the GUI thread
    (the stall benchmark's first gaps): the map on screen is kept when it maps the same images."""
    monkeypatch.setattr(live, "LIVE_EVERY", 0.0)
    monkeypatch.setattr(live, "LIVE_SHARE", 1.0)
    q = Queue()
    s = Session(dispatch=q)
    run_task(s.scan_task(photos, image_size=16))
    q.flush()
    scanned = s.workspace
    adopted, frames = [], []
    s.workspace_changed.connect(adopted.append)
    s.map_partial.connect(frames.append)
    for _ in task_steps(s.train_task(photos, {**OPTIONS, "epochs": 2}), q):
        pass
    assert len(adopted) == 1 and adopted[0].has_decoder  # only the trained model
    assert len(frames) >= 2  # the live map morphed from the kept pixel map
    # Another image size is other images: their pixel map is adopted first, as from any map.
    run_task(s.scan_task(photos, image_size=16))
    q.flush()
    adopted.clear()
    for _ in task_steps(s.train_task(photos, {**OPTIONS, "epochs": 1, "image_size": 32}), q):
        pass
    assert adopted[0].is_pixel_map and adopted[0] is not scanned and adopted[-1].has_decoder
    assert adopted[0].dataset.images.shape[1] == 32


def task_steps(task, q):
    """Drive ``task`` one yield at a time, letting the session's thread run in between."""
    try:
        while True:
            next(task)
            q.flush()
            yield
    except StopIteration:
        q.flush()


def test_a_frame_faces_the_way_the_one_before_did():
    rng = np.random.default_rng(0)
    latents = rng.normal(size=(50, 6)) * np.array([5.0, 2.0, 0.5, 0.4, 0.3, 0.2])
    frames = LiveFrames(60)
    first = frames.frame(np.arange(50), latents)
    mirrored = latents * np.array([-1.0, -1.0, 1, 1, 1, 1])  # its PCA comes out mirrored on both axes
    second = frames.frame(np.arange(50), mirrored + 3.0)
    assert np.allclose(second[:50], first[:50], atol=1e-4) and np.isnan(second[50:]).all()
