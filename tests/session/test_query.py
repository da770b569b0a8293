"""Query by example without Qt: a real image file, encoded by a real trained model, placed on the
map with its nearest images, then edited along a direction and exported."""
from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from latent_explorer.errors import UserError
from latent_explorer.infra.tasks import run_task
from latent_explorer.session.query import edit_strip, find_image_task
from latent_explorer.session.session import Session
from latent_explorer.session.steering import Steering
from latent_explorer.workspace.exports import write_png


@pytest.fixture
def opened(saved_digits_workspace):
    s = Session()
    steering = Steering(s)
    s.open(saved_digits_workspace)
    return s, steering


def test_an_image_of_the_data_finds_itself_where_it_lies_on_the_map(opened, tmp_path):
    s, steering = opened
    i = 123
    path = tmp_path / "mine.png"
    Image.fromarray(s.original(i)[..., 0]).save(path)  # the digit as a person's own grey PNG file
    q = run_task(find_image_task(s, steering, str(path)))
    assert q.neighbours[0] == i and q.distances[0] < 1e-4 and q.closeness < 0.01
    assert np.allclose(q.position, s.map[i], atol=1e-4)  # exactly its point on the PCA map
    assert q.image.shape == s.original(i).shape and q.reconstruction.shape == q.image.shape
    assert q.neighbour_images.shape == (8, *q.image.shape) and np.array_equal(q.neighbour_images[0], s.original(i))


def test_a_photo_the_model_never_saw_lies_far_from_the_digits(opened, tmp_path):
    from sklearn.datasets import load_sample_images

    s, steering = opened
    path = tmp_path / "flower.jpg"
    Image.fromarray(load_sample_images().images[1]).save(path, quality=90)
    q = run_task(find_image_task(s, steering, str(path)))
    assert q.image.shape == s.original(0).shape  # read as the model reads: grey, its size
    own = run_task(find_image_task(s, steering, _saved_digit(s, tmp_path)))
    assert q.closeness > 1.5 and q.closeness > 5 * own.closeness


def _saved_digit(s, tmp_path) -> str:
    path = tmp_path / "digit.png"
    Image.fromarray(s.original(7)[..., 0]).save(path)
    return str(path)


def test_the_found_image_is_the_one_the_sliders_edit_and_its_strip_exports(opened, tmp_path):
    s, steering = opened
    q = run_task(find_image_task(s, steering, _saved_digit(s, tmp_path)))
    steering.set_origin_latent(q.latent, q.name)
    edit = steering.edit
    assert edit.origin == -1 and edit.name == "digit.png" and np.allclose(edit.origin_position, q.position, atol=1e-4)
    toward = next(i for i, d in enumerate(steering.directions) if "0" in d.name)
    steering.set_strength(toward, 2.5)
    moved = steering.edit
    assert not np.allclose(moved.latent, q.latent) and not np.allclose(moved.position, moved.origin_position)
    strip = edit_strip(steering.decoder, moved)
    h, w, c = q.image.shape
    assert strip.shape == (h, 8 * (w + 1) - 1, c)
    assert np.array_equal(strip[:, :w], steering.decoder.decode(q.latent[None])[0])  # from the image as it was
    assert np.array_equal(strip[:, -w:], steering.render(moved))  # to the edit
    out = write_png(tmp_path / "strip.png", strip)
    assert np.array_equal(np.asarray(Image.open(out))[..., None], strip)
    assert steering.keep().name == "edit of digit.png"


def test_what_cannot_be_found_says_why(opened, tmp_path):
    s, steering = opened
    bad = tmp_path / "broken.png"
    bad.write_bytes(b"\x89PNG not really")
    with pytest.raises(UserError, match="broken.png cannot be used"):
        run_task(find_image_task(s, steering, str(bad)))
    with pytest.raises(UserError, match="open a workspace"):
        find_image_task(Session(), Steering(Session()), str(bad))
