"""scan_folder / read_attributes / load_folder on a folder full of odd and hostile files."""
from __future__ import annotations

import io
import os
import struct
import sys
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from latent_explorer.data.attributes import read_attributes
from latent_explorer.data.cache import DecodeCache
from latent_explorer.data.folder import load_folder
from tests.folders import load_folder_sync
from latent_explorer.data.scan import scan_folder
from latent_explorer.errors import UserError
from latent_explorer.infra.tasks import CancelToken, Cancelled, Progress

LINUX = sys.platform.startswith("linux")


def permissions_enforced(directory: Path) -> bool:
    """False when running as root (with its usual capabilities): chmod 000 then hides nothing."""
    probe = directory / ".probe"
    probe.write_bytes(b"x")
    os.chmod(probe, 0)
    try:
        probe.read_bytes()
        return False
    except PermissionError:
        return True
    finally:
        probe.unlink()


def rgb(color, size=(24, 24)) -> Image.Image:
    return Image.new("RGB", size, color)


def png_bytes(im: Image.Image) -> bytes:
    buf = io.BytesIO()
    im.save(buf, format="PNG")
    return buf.getvalue()


def bomb_png(width: int, height: int) -> bytes:
    data = bytearray(png_bytes(Image.new("1", (8, 8))))
    data[16:24] = struct.pack(">II", width, height)
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])) & 0xFFFFFFFF)
    return bytes(data)


def build_hostile(root: Path) -> dict:
    """A labelled folder plus every kind of odd file; returns what the loader should see."""
    (root / "cats").mkdir(parents=True)
    (root / "dogs").mkdir()
    rng = np.random.default_rng(0)
    rgb((200, 30, 30)).save(root / "cats" / "c1.png")
    Image.fromarray(rng.integers(0, 255, (40, 50, 3), np.uint8)).save(root / "cats" / "c2.jpg")
    rgb((10, 200, 10)).save(root / "cats" / "café_日本.png")
    rgb((30, 30, 200)).save(root / "dogs" / "d1.png")
    grad = np.tile(np.linspace(0, 65535, 64).astype(np.uint16), (64, 1))
    Image.fromarray(grad).save(root / "dogs" / "d16.png")
    Image.new("CMYK", (24, 24), (0, 255, 255, 0)).save(root / "dogs" / "cmyk.jpg")
    pal = Image.new("P", (24, 24), 0)
    pal.putpalette([0, 0, 0, 255, 0, 0] + [0] * 762)
    pal.paste(1, (0, 0, 24, 12))
    pal.save(root / "dogs" / "pal.png", transparency=0)
    rgba = np.zeros((24, 24, 4), np.uint8)
    rgba[..., 2] = 255
    Image.fromarray(rgba, "RGBA").save(root / "dogs" / "rgba.png")  # fully transparent → white
    stored = np.zeros((40, 40), np.uint8)
    stored[:, 20:] = 255
    exif = Image.Exif()
    exif[0x0112] = 6
    Image.fromarray(stored).save(root / "dogs" / "exif.jpg", exif=exif.tobytes(), quality=95)
    frames = [rgb((0, 255, 0)), rgb((255, 0, 0))]
    frames[0].save(root / "dogs" / "anim.gif", save_all=True, append_images=frames[1:])
    rgb((90, 90, 90)).save(root / "top.png")

    good = png_bytes(Image.fromarray(rng.integers(0, 255, (64, 64, 3), np.uint8)))
    buf = io.BytesIO()
    Image.fromarray(rng.integers(0, 255, (64, 64, 3), np.uint8)).save(buf, "JPEG")
    (root / "empty.jpg").write_bytes(b"")
    (root / "trunc.png").write_bytes(good[: len(good) // 2])
    (root / "trunc.jpg").write_bytes(buf.getvalue()[: len(buf.getvalue()) // 2])
    (root / "notes.jpg").write_text("not an image")
    (root / "bomb.png").write_bytes(bomb_png(20000, 20000))
    # silently ignored
    rgb((1, 2, 3)).save(root / ".hidden.png")
    (root / ".git").mkdir()
    rgb((1, 2, 3)).save(root / ".git" / "x.png")
    (root / "Thumbs.db").write_bytes(b"\0" * 10)
    (root / "cats" / "desktop.ini").write_text("[x]")
    (root / "attributes.csv").write_text(
        "path,age,kind\n"
        "cats/c1.png,3,tabby\n"
        "dogs\\d1.png,5.5,lab\n"
        "./top.png,,\n"
        "dogs/cmyk.jpg,NA,lab\n"
        "missing.png,1,ghost\n",
        encoding="utf-8",
    )
    expected_loaded = [
        "cats/c1.png", "cats/c2.jpg", "cats/café_日本.png",
        "dogs/anim.gif", "dogs/cmyk.jpg", "dogs/d1.png", "dogs/d16.png", "dogs/exif.jpg",
        "dogs/pal.png", "dogs/rgba.png", "top.png",
    ]
    skips = {
        "empty.jpg": "empty file (0 bytes)",
        "trunc.png": "truncated or corrupt image",
        "trunc.jpg": "truncated or corrupt image",
        "notes.jpg": "not an image",
        "bomb.png": "too large: 20000×20000 pixels",
    }
    if hasattr(os, "symlink"):
        os.symlink("..", root / "dogs" / "again")  # loops back to the top
        os.symlink(root / "cats" / "c1.png", root / "alias.png")  # second path, same file
        os.symlink("nowhere.png", root / "broken.png")
        skips["dogs/again/"] = "link loops back to the top folder"
        skips["alias.png"] = "duplicate of cats/c1.png (same file via a link)"
        skips["broken.png"] = "broken link"
    if hasattr(os, "mkfifo"):
        os.mkfifo(root / "pipe.png")
        skips["pipe.png"] = "not a regular file (a named pipe)"
    if LINUX:
        with open(os.path.join(os.fsencode(root), b"bad\xffname.png"), "wb") as f:
            f.write(png_bytes(rgb((5, 5, 250))))
        expected_loaded.insert(expected_loaded.index("top.png"), "bad\ufffdname.png")
    if hasattr(os, "geteuid") and permissions_enforced(root):
        rgb((0, 0, 0)).save(root / "locked.png")
        os.chmod(root / "locked.png", 0)
        (root / "shut").mkdir()
        rgb((0, 0, 0)).save(root / "shut" / "s.png")
        os.chmod(root / "shut", 0)
        skips["locked.png"] = "unreadable: permission denied"
        skips["shut/"] = "folder unreadable: permission denied"
    return {"loaded": sorted(expected_loaded), "skips": skips}


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    expected = build_hostile(root)
    cache = DecodeCache(tmp_path_factory.mktemp("cache"))
    progress: list[Progress] = []
    ds = load_folder_sync(root, image_size=16, cache=cache, on_progress=progress.append)
    yield root, expected, ds, progress
    if (root / "shut").exists():
        os.chmod(root / "shut", 0o755)


def test_loads_exactly_the_good_images(hostile):
    root, expected, ds, _ = hostile
    assert ds.paths == expected["loaded"]
    assert ds.images.shape == (len(expected["loaded"]), 16, 16, 3)
    assert ds.images.dtype == np.uint8
    assert ds.source["color"] == "rgb" and ds.source["kind"] == "folder"
    assert ds.source["root"] == str(root) and ds.source["image_size"] == 16


def test_every_bad_file_has_its_reason(hostile):
    _, expected, ds, _ = hostile
    got = {s.path: s.reason for s in ds.skipped}
    assert set(got) == set(expected["skips"])
    for path, start in expected["skips"].items():
        assert got[path].startswith(start), (path, got[path])
    assert [s.path for s in ds.skipped] == sorted(got)


def test_labels_from_first_level_folders(hostile):
    _, _, ds, _ = hostile
    assert ds.label_names == ["cats", "dogs"]
    names = ds.label_list()
    assert names[ds.paths.index("cats/c2.jpg")] == "cats"
    assert names[ds.paths.index("dogs/exif.jpg")] == "dogs"
    assert names[ds.paths.index("top.png")] is None and ds.labels.dtype == np.int64


def test_pixels_of_odd_modes(hostile):
    _, _, ds, _ = hostile
    img = {p: ds.images[i].astype(int) for i, p in enumerate(ds.paths)}
    assert img["dogs/d16.png"].min() < 20 and img["dogs/d16.png"].max() > 235  # not clipped to 255
    assert img["dogs/cmyk.jpg"][..., 0].mean() > 200 and img["dogs/cmyk.jpg"][..., 1].mean() < 60
    assert (img["dogs/rgba.png"] >= 250).all()  # transparent → white
    assert (img["dogs/pal.png"][10:] >= 250).all() and img["dogs/pal.png"][:6, :, 1].max() < 20
    assert img["dogs/exif.jpg"][:6].mean() < 25 and img["dogs/exif.jpg"][10:].mean() > 230
    assert img["dogs/anim.gif"][..., 1].mean() > 240 and img["dogs/anim.gif"][..., 0].mean() < 15
    assert tuple(img["cats/café_日本.png"][0, 0]) == (10, 200, 10)


def test_attributes_aligned_with_loaded_images(hostile):
    _, _, ds, _ = hostile
    age, kind = ds.attributes["age"], ds.categories["kind"]
    assert age.dtype == np.float64 and kind.dtype == np.int64
    assert ds.category_names["kind"] == ["lab", "tabby"]
    at = ds.paths.index
    assert age[at("cats/c1.png")] == 3 and age[at("dogs/d1.png")] == 5.5
    assert np.isnan(age[at("top.png")]) and np.isnan(age[at("dogs/cmyk.jpg")])
    assert np.isnan(age[at("cats/c2.jpg")])
    assert kind[at("cats/c1.png")] == 1 and kind[at("dogs/cmyk.jpg")] == 0 and kind[at("top.png")] == -1
    assert any("1 row(s)" in w and "missing.png" in w for w in ds.warnings)


def test_progress_is_reported(hostile):
    _, expected, ds, progress = hostile
    assert progress and progress[-1].done == progress[-1].total > 0
    assert len(ds.source["files"]) == progress[-1].total


def test_scan_is_deterministic_and_skips_junk(hostile):
    root, _, _, _ = hostile
    a, b = scan_folder(root), scan_folder(str(root) + "/")
    assert [f.rel_path for f in a.files] == [f.rel_path for f in b.files]
    names = [f.rel_path for f in a.files]
    assert names == sorted(names)
    assert not any(n.startswith(".") or "Thumbs" in n or "desktop" in n for n in names)
    assert a.attributes_csv == os.path.join(str(root), "attributes.csv")
    assert a.root == str(root)


@pytest.mark.skipif(not LINUX, reason="bytes file names are a Linux matter")
def test_undecodable_name_is_printable_and_loadable(hostile):
    root, _, ds, _ = hostile
    entry = next(f for f in scan_folder(root).files if "\ufffd" in f.rel_path)
    entry.rel_path.encode("utf-8")  # printable
    assert os.path.exists(entry.abs_path)
    assert tuple(ds.images[ds.paths.index(entry.rel_path)][0, 0]) == (5, 5, 250)


def test_permission_denied_even_as_root(tmp_path, monkeypatch):
    """chmod cannot stop root, so simulate the refusals the OS would give a normal user."""
    import latent_explorer.data.images as images_mod
    import latent_explorer.data.scan as scan_mod

    (tmp_path / "r" / "shut").mkdir(parents=True)
    rgb((1, 1, 1)).save(tmp_path / "r" / "shut" / "x.png")
    rgb((1, 1, 1)).save(tmp_path / "r" / "locked.png")
    rgb((1, 1, 1)).save(tmp_path / "r" / "ok.png")
    real_scandir, real_open = os.scandir, os.open

    def scandir(path):
        if os.fsdecode(path).endswith("shut"):
            raise PermissionError(13, "Permission denied")
        return real_scandir(path)

    def os_open(path, flags, *args):
        if os.fsdecode(path).endswith("locked.png"):
            raise PermissionError(13, "Permission denied")
        return real_open(path, flags, *args)

    monkeypatch.setattr(scan_mod.os, "scandir", scandir)
    monkeypatch.setattr(images_mod.os, "open", os_open)
    ds = load_folder_sync(tmp_path / "r", 8, cache=False)
    assert ds.paths == ["ok.png"]
    assert {s.path: s.reason for s in ds.skipped} == {
        "locked.png": "unreadable: permission denied",
        "shut/": "folder unreadable: permission denied",
    }


def test_bad_roots(tmp_path):
    with pytest.raises(UserError, match="folder not found"):
        scan_folder(tmp_path / "nope")
    (tmp_path / "f.png").write_bytes(b"x")
    with pytest.raises(UserError, match="not a folder"):
        load_folder_sync(tmp_path / "f.png", cache=False)


def make_grey_folder(root: Path, n: int = 12) -> None:
    root.mkdir()
    for i in range(n):
        v = 20 * (i % 12)
        Image.fromarray(np.full((20, 20, 3), (v, v + 2, v + 1), np.uint8)).save(root / f"g{i:02d}.png")


def test_auto_colour_picks_grey_and_forced_modes(tmp_path):
    make_grey_folder(tmp_path / "g")
    ds = load_folder_sync(tmp_path / "g", image_size=8, cache=False)
    assert ds.images.shape == (12, 8, 8, 1) and ds.source["color"] == "grey"
    assert ds.labels is None and ds.label_names == []
    assert load_folder_sync(tmp_path / "g", 8, "rgb", cache=False).images.shape[-1] == 3
    Image.new("RGB", (20, 20), (100, 104, 100)).save(tmp_path / "g" / "tint.png")  # 4 apart
    assert load_folder_sync(tmp_path / "g", 8, cache=False).source["color"] == "rgb"
    forced = load_folder_sync(tmp_path / "g", 8, "grey", cache=False)
    assert forced.images.shape == (13, 8, 8, 1) and forced.source["color"] == "grey"
    colour = load_folder_sync(tmp_path / "g", 8, "rgb", cache=False).images
    luma = np.stack([np.asarray(Image.fromarray(im).convert("L")) for im in colour])
    assert np.array_equal(forced.images[..., 0], luma)


def test_empty_and_all_bad_folders(tmp_path):
    (tmp_path / "e").mkdir()
    ds = load_folder_sync(tmp_path / "e", image_size=8, cache=False)
    assert ds.images.shape[:3] == (0, 8, 8) and ds.paths == [] and ds.skipped == []
    (tmp_path / "e" / "x.png").write_text("text")
    ds = load_folder_sync(tmp_path / "e", image_size=8, color="grey", cache=False)
    assert ds.images.shape == (0, 8, 8, 1) and [s.path for s in ds.skipped] == ["x.png"]


def test_threaded_equals_single_thread(tmp_path):
    make_grey_folder(tmp_path / "g", n=40)
    one = load_folder_sync(tmp_path / "g", 8, "rgb", cache=False, workers=1)
    many = load_folder_sync(tmp_path / "g", 8, "rgb", cache=False, workers=4)
    assert one.paths == many.paths and np.array_equal(one.images, many.images)


def test_cancel(tmp_path):
    make_grey_folder(tmp_path / "g", n=60)
    token = CancelToken()
    task = load_folder(tmp_path / "g", 8, cache=False, workers=2, cancel=token)
    with pytest.raises(Cancelled):
        for p in task:
            if p.total:
                token.cancel()
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        load_folder_sync(tmp_path / "g", 8, cache=False, cancel=token)


def test_bad_arguments(tmp_path):
    with pytest.raises(UserError):
        load_folder_sync(tmp_path, color="sepia", cache=False)
    with pytest.raises(UserError):
        load_folder_sync(tmp_path, image_size=0, cache=False)


# -- attributes.csv on its own ---------------------------------------------------------------

def test_attributes_csv_variants(tmp_path):
    paths = ["a.png", "sub/b.png", "Café.png"]
    csv = tmp_path / "attributes.csv"
    csv.write_text("\ufeffpath;score;group\nsub/b.png;2,5;x\nA.PNG;1;y\nCafe\u0301.png;-3;\n",
                   encoding="utf-8")
    cont, cats, names, warnings = read_attributes(csv, paths)
    # "2,5" is not a float here → score is a category; the BOM is stripped; NFD and case match
    assert "score" in cats and names["group"] == ["x", "y"]
    assert cats["group"].tolist() == [1, 0, -1] and not warnings

    csv.write_bytes(b"path,v\nna\xefve.png,1\n\xff\xfe,2\n")
    assert read_attributes(csv, paths)[3] and read_attributes(csv, paths)[0] == {}

    csv.write_text("a.png,1,x\nsub/b.png,2,y\n")
    cont, cats, names, warnings = read_attributes(csv, paths)
    assert cont == {} and "no header" in warnings[0]

    csv.write_text("")
    assert "empty" in read_attributes(csv, paths)[3][0]

    csv.write_text('path,n,n\na.png,1,"multi\nline"\n')
    cont, cats, names, warnings = read_attributes(csv, paths)
    assert cont["n"].tolist()[0] == 1 and names["n (2)"] == ["multi\nline"]
