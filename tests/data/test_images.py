"""decode_image: every mode Pillow reads, and every hostile file, ends as an array or ImageSkip."""
from __future__ import annotations

import io
import os
import struct
import sys
import warnings
import zlib

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, ImageOps

from latent_explorer.data.images import ImageSkip, decode_image


def save(path, im, **kw):
    im.save(path, **kw)
    return str(path)


def reason(path, size=16) -> str:
    with pytest.raises(ImageSkip) as info:
        decode_image(path, size)
    return info.value.reason


def png_bytes(im: Image.Image) -> bytes:
    buf = io.BytesIO()
    im.save(buf, format="PNG")
    return buf.getvalue()


def bomb_png(width: int, height: int) -> bytes:
    """A valid tiny PNG whose IHDR is patched to declare a huge size (with a correct CRC)."""
    data = bytearray(png_bytes(Image.new("1", (8, 8))))
    assert data[12:16] == b"IHDR"
    data[16:24] = struct.pack(">II", width, height)
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])) & 0xFFFFFFFF)
    return bytes(data)


def test_rgb_png_centre_crop_and_resize(tmp_path):
    # wide image: red | green | blue thirds; the centre square is green
    arr = np.zeros((100, 300, 3), np.uint8)
    arr[:, :100, 0] = 255
    arr[:, 100:200, 1] = 255
    arr[:, 200:, 2] = 255
    out = decode_image(save(tmp_path / "wide.png", Image.fromarray(arr)), 20)
    assert out.shape == (20, 20, 3) and out.dtype == np.uint8
    assert out[:, :, 1].mean() > 240 and out[:, :, 0].mean() < 15 and out[:, :, 2].mean() < 15


def test_16bit_grey_is_scaled_not_clipped(tmp_path):
    grad = np.tile(np.linspace(0, 65535, 256).astype(np.uint16), (256, 1))
    path = save(tmp_path / "g16.png", Image.fromarray(grad))
    assert Image.open(path).mode.startswith("I;16")
    out = decode_image(path, 32)
    assert out.min() < 10 and out.max() > 245
    assert 100 < out.mean() < 155  # a ramp, not a white (clipped) image
    assert (out[..., 0] == out[..., 1]).all()


def test_float_and_int32_images(tmp_path):
    f = np.tile(np.linspace(-5.0, 1000.0, 64, dtype=np.float32), (64, 1))
    out = decode_image(save(tmp_path / "f.tiff", Image.fromarray(f, "F")), 16)
    assert out.min() < 20 and out.max() > 235
    i = np.tile(np.linspace(0, 200, 64).astype(np.int32), (64, 1))
    out = decode_image(save(tmp_path / "i.tiff", Image.fromarray(i, "I")), 16)
    assert 180 < out.max() <= 200  # 8-bit range kept as is


def test_cmyk_jpeg(tmp_path):
    path = save(tmp_path / "cmyk.jpg", Image.new("CMYK", (40, 40), (0, 255, 255, 0)), quality=95)
    out = decode_image(path, 16).astype(int)
    assert out[..., 0].mean() > 200 and out[..., 1].mean() < 60 and out[..., 2].mean() < 60


def test_palette_with_transparency_composited_on_white(tmp_path):
    im = Image.new("P", (20, 20), 0)
    im.putpalette([0, 0, 0] + [255, 0, 0] + [0] * 762)
    im.paste(1, (0, 0, 20, 10))  # top half red, bottom half index 0 = transparent black
    path = save(tmp_path / "pal.png", im, transparency=0)
    out = decode_image(path, 20).astype(int)
    assert (out[:8, :, 0] > 240).all() and (out[:8, :, 1] < 15).all()
    assert (out[12:] > 240).all()  # transparent → white, not black


def test_rgba_and_la_composited_on_white(tmp_path):
    arr = np.zeros((20, 20, 4), np.uint8)
    arr[..., 0] = 255
    arr[:, :10, 3] = 0  # left: fully transparent
    arr[:, 10:, 3] = 128  # right: half-transparent red
    out = decode_image(save(tmp_path / "rgba.png", Image.fromarray(arr, "RGBA")), 20).astype(int)
    assert (out[:, :8] >= 250).all()
    assert (out[:, 12:, 0] >= 250).all() and (abs(out[:, 12:, 1] - 127) <= 3).all()
    la = Image.fromarray(np.dstack([np.zeros((8, 8), np.uint8), np.zeros((8, 8), np.uint8)]), "LA")
    assert (decode_image(save(tmp_path / "la.png", la), 8) == 255).all()


def test_one_bit_and_grey(tmp_path):
    im = Image.new("1", (16, 16), 0)
    im.paste(1, (8, 0, 16, 16))
    out = decode_image(save(tmp_path / "bw.png", im), 16)
    assert (out[:, :7] == 0).all() and (out[:, 9:] == 255).all()


def test_exif_orientation_applied(tmp_path):
    stored = np.zeros((60, 60), np.uint8)
    stored[:, 30:] = 255  # stored: left black, right white
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° clockwise to display"
    path = save(tmp_path / "rot.jpg", Image.fromarray(stored), exif=exif.tobytes(), quality=95)
    out = decode_image(path, 20).astype(int)
    assert out[:8].mean() < 20 and out[12:].mean() > 235  # displayed: top black, bottom white
    with Image.open(path) as im:
        ref = np.asarray(ImageOps.exif_transpose(im).convert("RGB").resize((20, 20)), dtype=int)
    assert np.abs(out - ref).mean() < 8


@pytest.mark.parametrize("fmt", ["GIF", "PNG", "WEBP"])
def test_animated_first_frame(tmp_path, fmt):
    frames = [Image.new("RGB", (16, 16), c) for c in [(255, 0, 0), (0, 0, 255), (0, 255, 0)]]
    path = tmp_path / f"anim.{fmt.lower()}"
    frames[0].save(path, format=fmt, save_all=True, append_images=frames[1:], duration=100,
                   loop=0, **({"lossless": True} if fmt == "WEBP" else {}))
    with Image.open(path) as im:
        assert getattr(im, "n_frames", 1) == 3
    out = decode_image(str(path), 8).astype(int)
    assert out[..., 0].mean() > 240 and out[..., 2].mean() < 15


def test_non_ascii_name(tmp_path):
    path = save(tmp_path / "café_日本.png", Image.new("RGB", (10, 10), (0, 128, 0)))
    assert decode_image(path, 4)[0, 0, 1] == 128


def test_large_jpeg_uses_draft(tmp_path):
    arr = np.random.default_rng(0).integers(0, 255, (1500, 2000, 3), dtype=np.uint8)
    path = save(tmp_path / "big.jpg", Image.fromarray(arr), quality=80)
    assert decode_image(path, 32).shape == (32, 32, 3)


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
def test_bad_files_have_readable_reasons(tmp_path):
    good = png_bytes(Image.fromarray(np.random.default_rng(1).integers(0, 255, (64, 64, 3), np.uint8)))
    buf = io.BytesIO()
    Image.fromarray(np.random.default_rng(2).integers(0, 255, (64, 64, 3), np.uint8)).save(buf, "JPEG")
    (tmp_path / "empty.png").write_bytes(b"")
    (tmp_path / "text.jpg").write_text("this is not a picture\n")
    (tmp_path / "trunc.png").write_bytes(good[: len(good) // 2])
    (tmp_path / "trunc.jpg").write_bytes(buf.getvalue()[: len(buf.getvalue()) // 2])
    (tmp_path / "bomb.png").write_bytes(bomb_png(20000, 20000))
    (tmp_path / "bomb2.png").write_bytes(bomb_png(10000, 10000))  # in Pillow's warning band
    assert reason(tmp_path / "empty.png") == "empty file (0 bytes)"
    assert reason(tmp_path / "text.jpg") == "not an image (Pillow cannot identify it)"
    assert reason(tmp_path / "trunc.png").startswith("truncated or corrupt image: ")
    assert reason(tmp_path / "trunc.jpg").startswith("truncated or corrupt image: ")
    assert reason(tmp_path / "bomb.png") == (
        "too large: 20000×20000 pixels exceeds the 89 million pixel safety limit")
    assert reason(tmp_path / "bomb2.png").startswith("too large: 10000×10000 pixels")
    assert reason(tmp_path / "gone.png") == "file disappeared during the scan"
    assert reason(tmp_path).startswith("not a regular file")


def test_bomb_warning_as_error_is_still_a_skip(tmp_path):
    (tmp_path / "bomb.png").write_bytes(bomb_png(10000, 10000))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert reason(tmp_path / "bomb.png").startswith("too large: 10000×10000 pixels")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_fifo_is_refused_without_blocking(tmp_path):
    os.mkfifo(tmp_path / "pipe.png")
    assert reason(tmp_path / "pipe.png") == "not a regular file (a named pipe)"


def test_unreadable_file(tmp_path):
    path = save(tmp_path / "locked.png", Image.new("RGB", (4, 4)))
    os.chmod(path, 0)
    try:
        open(path, "rb").close()
        pytest.skip("permissions are not enforced here (running as root?)")
    except PermissionError:
        pass
    assert reason(path) == "unreadable: permission denied"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs /proc/self/fd")
def test_no_file_handles_leak(tmp_path):
    (tmp_path / "t.png").write_bytes(png_bytes(Image.new("RGB", (30, 30)))[:60])
    (tmp_path / "x.jpg").write_text("nope")
    save(tmp_path / "ok.png", Image.new("RGB", (30, 30)))
    before = len(os.listdir("/proc/self/fd"))
    for _ in range(30):
        for name in ("t.png", "x.jpg", "ok.png"):
            try:
                decode_image(tmp_path / name, 8)
            except ImageSkip:
                pass
    assert len(os.listdir("/proc/self/fd")) <= before


_SEED_FILES: dict[str, bytes] = {}


def _seeds() -> dict[str, bytes]:
    if not _SEED_FILES:
        rng = np.random.default_rng(3)
        im = Image.fromarray(rng.integers(0, 255, (24, 24, 3), np.uint8))
        for fmt in ("PNG", "JPEG", "GIF", "BMP", "TIFF", "WEBP"):
            buf = io.BytesIO()
            im.save(buf, format=fmt)
            _SEED_FILES[fmt] = buf.getvalue()
    return _SEED_FILES


@pytest.mark.filterwarnings("ignore")
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(fmt=st.sampled_from(["PNG", "JPEG", "GIF", "BMP", "TIFF", "WEBP"]),
       cut=st.floats(0.0, 1.0), flips=st.lists(st.tuples(st.floats(0, 1), st.integers(0, 255)),
                                                 max_size=6))
def test_fuzzed_files_only_ever_raise_imageskip(tmp_path, fmt, cut, flips):
    data = bytearray(_seeds()[fmt])
    for where, value in flips:
        data[int(where * (len(data) - 1))] = value
    data = data[: max(1, int(cut * len(data)))] if cut < 0.95 else data
    path = tmp_path / "fuzz.bin"
    path.write_bytes(bytes(data))
    try:
        out = decode_image(path, 8)
    except ImageSkip as skip:
        assert skip.reason
    else:
        assert out.shape == (8, 8, 3) and out.dtype == np.uint8
