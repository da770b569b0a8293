"""Decoded images to an animated GIF or a PNG strip / grid."""
from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image, ImageSequence

from latent_explorer.analysis.generate.frames import gif_bytes, grid_bytes, write_frames
from latent_explorer.errors import UserError


def _checkers(n: int, side: int = 4) -> np.ndarray:
    """n grey images of side × side, a checkerboard that brightens from frame to frame."""
    board = (np.indices((side, side)).sum(0) % 2).astype(np.float32)
    return np.stack([board * (0.2 + 0.8 * i / max(1, n - 1)) for i in range(n)])


def test_a_gif_loops_forever_with_sharp_enlarged_frames_held_at_the_ends():
    images = _checkers(6)
    gif = Image.open(io.BytesIO(gif_bytes(images)))
    assert gif.is_animated and gif.n_frames == 6 and gif.info["loop"] == 0
    frames = [np.asarray(f.convert("L")) for f in ImageSequence.Iterator(gif)]
    durations = [f.info["duration"] for f in ImageSequence.Iterator(Image.open(io.BytesIO(gif_bytes(images))))]
    assert durations == [500, 100, 100, 100, 100, 500]
    assert frames[0].shape == (128, 128)  # 4 px enlarged 32× to the 128 px minimum
    last = frames[-1].astype(int)
    assert set(np.unique(last)) == {0, 255}  # nearest neighbour: no blur between the squares
    assert (last[:32, :32] == 0).all() and (last[:32, 32:64] == 255).all()
    assert frames[0].max() < frames[-1].max()  # the frames are in order


def test_pingpong_plays_back_and_off_data_frames_get_a_red_border():
    images = _checkers(4, side=16)
    gif = Image.open(io.BytesIO(gif_bytes(images, flags=[False, True, False, False], pingpong=True)))
    assert gif.n_frames == 6  # 0 1 2 3 2 1
    frames = [np.asarray(f.convert("RGB")).astype(int) for f in ImageSequence.Iterator(gif)]
    assert frames[0].shape == (128 + 2 * 3, 128 + 2 * 3, 3)  # 16 px × 8, a 3 px border
    red, grey = frames[1][0, 0], frames[0][0, 0]
    assert red[0] > 200 and red[1] < 60 and abs(grey[0] - grey[2]) < 10
    np.testing.assert_array_equal(frames[5], frames[1])


def test_a_png_strip_and_grid_with_captions():
    images = (np.random.default_rng(0).random((6, 8, 8, 3)) * 255).astype(np.uint8)
    strip = Image.open(io.BytesIO(grid_bytes(images)))
    grid = Image.open(io.BytesIO(grid_bytes(images, columns=3, captions=[str(i) for i in range(6)])))
    assert strip.width > 6 * 128 and strip.height < 128 + 40
    assert grid.width < strip.width and 2 * 128 < grid.height
    tile = np.asarray(strip)[5:5 + 128, 5:5 + 128]
    np.testing.assert_array_equal(tile[::16, ::16], images[0])  # the first image, 16× enlarged


def test_files_are_written_by_suffix_and_bad_input_is_refused(tmp_path):
    images = _checkers(3)
    write_frames(tmp_path / "a.gif", images)
    write_frames(tmp_path / "a.png", images, flags=[True, False, False])
    assert Image.open(tmp_path / "a.gif").format == "GIF" and Image.open(tmp_path / "a.png").format == "PNG"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.gif", "a.png"]  # no temporary files left
    with pytest.raises(UserError, match="write .gif or .png, not '.jpg'"):
        write_frames(tmp_path / "a.jpg", images)
    with pytest.raises(UserError, match="does not exist"):
        write_frames(tmp_path / "missing" / "a.gif", images)
    with pytest.raises(UserError, match="images must be"):
        write_frames(tmp_path / "b.gif", np.zeros((3, 4, 4, 2)))
    with pytest.raises(UserError, match="flags for"):
        write_frames(tmp_path / "b.gif", images, flags=[True])
