"""A workspace whose image folder was moved or deleted: it opens with its map, latents and
decoder; the Model dock says how many images are missing and offers "Locate folder…", which
re-points the workspace to the folder the user picks (the same files by name and size) and
brings the pictures back. Hovering or clicking a missing image shows its decoded
reconstruction, never a crash."""
from __future__ import annotations

import os
import shutil

import numpy as np
import pytest
from PIL import Image
from PySide6.QtWidgets import QFileDialog, QMessageBox

from .helpers import LONG, hover

N_IMAGES = 40


def _write_images(folder, n=N_IMAGES, seed=0):
    os.makedirs(folder, exist_ok=True)
    rng = np.random.default_rng(seed)
    for i in range(n):
        a = (rng.random((20, 20, 3)) * 255).astype(np.uint8)
        a[:, : i % 20] = (255, 40 * (i % 5), 0)
        Image.fromarray(a).save(os.path.join(folder, f"img{i:02d}.png"))


@pytest.fixture(scope="module")
def trained_on_a_folder(tmp_path_factory):
    """A small VAE trained (one epoch) on a folder of 40 pictures, saved beside it: the
    workspace file's bytes and the folder, for each test to copy."""
    from latent_explorer.infra.tasks import run_task
    from latent_explorer.pipeline.train import TrainOptions, train_source
    from latent_explorer.workspace.session_file import save_workspace

    base = tmp_path_factory.mktemp("folder_ws")
    folder = str(base / "photos")
    _write_images(folder)
    ws = run_task(train_source(folder, TrainOptions(epochs=1, seed=0, threads=1, image_size=16, latent_dim=4)))
    save_workspace(base / "photos.lexp", ws)
    return base


@pytest.fixture
def moved(trained_on_a_folder, tmp_path):
    """The workspace with its folder moved away: (workspace path, where the folder is now)."""
    src = trained_on_a_folder
    shutil.copytree(src / "photos", tmp_path / "photos")
    shutil.copy(src / "photos.lexp", tmp_path / "photos.lexp")
    from latent_explorer.workspace.session_file import load_workspace, save_workspace

    ws = load_workspace(tmp_path / "photos.lexp")  # its folder is the copy in tmp_path
    ws.dataset.source["root"] = str(tmp_path / "photos")
    save_workspace(tmp_path / "photos.lexp", ws)
    shutil.move(str(tmp_path / "photos"), str(tmp_path / "moved photos"))
    return str(tmp_path / "photos.lexp"), str(tmp_path / "moved photos")


def _open(window, qtbot, path):
    with qtbot.waitSignal(window.runner.stopped, timeout=LONG):
        window.open_workspace(path)


def _visible_point(view, n):
    return next(i for i in range(n) if view.index_at(view.mapToScene(view.widget_pos_of(i))) == i)


def test_a_moved_folder_opens_says_how_many_are_missing_and_locate_brings_the_pictures_back(
        window, qtbot, moved, monkeypatch):
    path, folder = moved
    _open(window, qtbot, path)
    s, bar = window.session, window.model_panel.missing_folder
    assert s.n_points == N_IMAGES and s.model is not None and not s.has_images  # map, latents, decoder
    assert bar.isVisible()
    assert f"{N_IMAGES} of {N_IMAGES} images are missing" in bar.text.text()
    assert "moved or deleted" in bar.text.text()
    assert bar.locate_button.isVisible() and bar.locate_button.text() == "Locate folder…"

    view = window.map_view
    index = _visible_point(view, N_IMAGES)
    hover(view.viewport(), view.widget_pos_of(index))  # over a missing image: its decoded picture
    assert view.hover_thumb.isVisible() and "decoded" in view.hover_thumb.caption.text()
    s.select(index)
    assert "missing" in window.preview.original.text()
    assert not window.preview.reconstruction.pixmap().isNull()  # decoded from its stored latent

    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: folder)
    with qtbot.waitSignal(window.runner.stopped, timeout=LONG):
        bar.locate_button.click()
    assert s.has_images and not bar.isVisible()
    assert s.n_points == N_IMAGES and s.model is not None
    expected = np.asarray(Image.open(os.path.join(folder, s.dataset.paths[index])).convert("RGB").resize((16, 16)))
    assert s.original(index).shape == expected.shape
    hover(view.viewport(), view.widget_pos_of(index))
    assert view.hover_thumb.isVisible() and "decoded" not in view.hover_thumb.caption.text()
    assert s.dirty  # the new place is worth saving
    assert window.save()

    # open it again: the images come from the new place
    _open(window, qtbot, path)
    assert window.session.has_images and not bar.isVisible()


def test_locate_refuses_a_folder_whose_files_do_not_match(window, qtbot, moved, monkeypatch, tmp_path):
    path, folder = moved
    _open(window, qtbot, path)
    s, bar = window.session, window.model_panel.missing_folder
    shown = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text, *a: shown.append(text))

    other = str(tmp_path / "other")  # the same names, other pictures (other sizes)
    _write_images(other, seed=7)
    for name in sorted(os.listdir(other))[:5]:
        with open(os.path.join(other, name), "ab") as f:
            f.write(b"\0" * 17)
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: other)
    with qtbot.waitSignal(window.runner.stopped, timeout=LONG):
        bar.locate_button.click()
    assert shown and "do not match" in shown[-1] and "size" in shown[-1]
    assert not s.has_images and bar.isVisible()

    half = str(tmp_path / "half")  # half of the files
    os.makedirs(half)
    for name in sorted(os.listdir(folder))[: N_IMAGES // 2]:
        shutil.copy(os.path.join(folder, name), half)
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: half)
    with qtbot.waitSignal(window.runner.stopped, timeout=LONG):
        bar.locate_button.click()
    assert "20 of 40" in shown[-1] and not s.has_images and bar.isVisible()
    assert not s.dirty


def test_some_deleted_images_are_counted(window, qtbot, moved):
    path, folder = moved
    shutil.move(folder, os.path.join(os.path.dirname(path), "photos"))  # back where it was
    for name in sorted(os.listdir(os.path.join(os.path.dirname(path), "photos")))[:3]:
        os.remove(os.path.join(os.path.dirname(path), "photos", name))
    _open(window, qtbot, path)
    bar = window.model_panel.missing_folder
    assert bar.isVisible() and f"3 of {N_IMAGES} images are missing" in bar.text.text()
    assert window.session.n_points == N_IMAGES
