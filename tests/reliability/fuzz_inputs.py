"""Inputs for the fuzzers (tests and ``scripts/fuzz``): real image files of every kind the loader
meets, a real workspace, and the mutations applied to them."""
from __future__ import annotations

import functools
import io
import json
import random
import struct
import warnings
import zipfile
import zlib

import numpy as np
from latent_explorer.infra.tasks import run_task
from hypothesis import strategies as st
from PIL import Image

# What decode_image may say about a file it refuses (its documented reasons).
SKIP_PREFIXES = (
    "empty file", "not an image", "truncated or corrupt image", "too large",
    "unsupported colour mode", "unreadable", "not a regular file", "file disappeared",
)


def _save(im: Image.Image, fmt: str, **kw) -> bytes:
    buf = io.BytesIO()
    im.save(buf, format=fmt, **kw)
    return buf.getvalue()


@functools.lru_cache(maxsize=1)
def image_seeds() -> dict[str, bytes]:
    """Small valid files: every format and colour mode the loader handles specially."""
    rng = np.random.default_rng(7)
    rgb = Image.fromarray(rng.integers(0, 255, (20, 28, 3), np.uint8))
    pal = rgb.convert("P", palette=Image.Palette.ADAPTIVE, colors=16)
    exif = Image.Exif()
    exif[0x0112] = 6
    frames = [Image.new("RGB", (12, 12), c) for c in ((255, 0, 0), (0, 255, 0), (0, 0, 255))]
    deep = Image.fromarray(np.tile(np.linspace(0, 65535, 24).astype(np.uint16), (16, 1)))
    return {
        "png": _save(rgb, "PNG"),
        "png16": _save(deep, "PNG"),
        "png-palette-trns": _save(pal, "PNG", transparency=0),
        "png-rgba": _save(rgb.convert("RGBA"), "PNG"),
        "png-grey": _save(rgb.convert("L"), "PNG"),
        "png-1bit": _save(rgb.convert("1"), "PNG"),
        "jpeg": _save(rgb, "JPEG", quality=90),
        "jpeg-progressive": _save(rgb, "JPEG", progressive=True),
        "jpeg-exif": _save(rgb, "JPEG", exif=exif.tobytes()),
        "jpeg-cmyk": _save(rgb.convert("CMYK"), "JPEG"),
        "gif-animated": _save(frames[0], "GIF", save_all=True, append_images=frames[1:]),
        "bmp": _save(rgb, "BMP"),
        "tiff": _save(rgb, "TIFF", compression="tiff_deflate"),
        "tiff16": _save(deep, "TIFF"),
        "webp": _save(rgb, "WEBP"),
        "ico": _save(rgb, "ICO"),
        "tga": _save(rgb, "TGA"),
        "ppm": _save(rgb, "PPM"),
    }


@st.composite
def hostile_files(draw) -> bytes:
    """Random bytes, or a real image file mutated (maybe after a new declared size)."""
    seeds = image_seeds()
    kind = draw(st.sampled_from(["random", "seed", "seed", "seed", "header"]))
    if kind == "random":
        return draw(st.binary(max_size=4096))
    data = seeds[draw(st.sampled_from(sorted(seeds)))]
    if kind == "header":  # declared sizes from 0 to bomb, then maybe blind damage
        w = draw(st.sampled_from([0, 1, 65535, 20000, 2**31 - 1, 2**32 - 1]) | st.integers(0, 2**32 - 1))
        h = draw(st.sampled_from([0, 1, 65535, 20000, 2**31 - 1, 2**32 - 1]) | st.integers(0, 2**32 - 1))
        data = set_declared_size(data, w, h)
    n_ops = draw(st.integers(0 if kind == "header" else 1, 8))
    return mutate_bytes(data, random.Random(draw(st.integers(0, 2**32))), n_ops)


def set_declared_size(data: bytes, width: int, height: int) -> bytes:
    """Rewrite the size a PNG, GIF or BMP header declares (with a valid CRC for PNG)."""
    b = bytearray(data)
    if b[:8] == b"\x89PNG\r\n\x1a\n" and len(b) >= 33:
        b[16:24] = struct.pack(">II", width & 0xFFFFFFFF, height & 0xFFFFFFFF)
        b[29:33] = struct.pack(">I", zlib.crc32(bytes(b[12:29])) & 0xFFFFFFFF)
    elif b[:3] == b"GIF" and len(b) >= 10:
        b[6:10] = struct.pack("<HH", width & 0xFFFF, height & 0xFFFF)
    elif b[:2] == b"BM" and len(b) >= 26:
        b[18:26] = struct.pack("<ii", width & 0x7FFFFFFF, height & 0x7FFFFFFF)
    return bytes(b)


def mutate_bytes(data: bytes, rnd: random.Random, n_ops: int) -> bytes:
    """Blind mutations: flip, insert, delete, duplicate, truncate."""
    b = bytearray(data)
    for _ in range(n_ops):
        op = rnd.randrange(6)
        pos = rnd.randrange(len(b) + 1)
        if op == 0 and b:
            b[min(pos, len(b) - 1)] = rnd.randrange(256)
        elif op == 1:
            b[pos:pos] = bytes(rnd.randrange(256) for _ in range(rnd.randrange(1, 9)))
        elif op == 2:
            del b[pos : pos + rnd.randrange(1, 65)]
        elif op == 3:
            b[pos:pos] = b[pos : pos + rnd.randrange(1, 257)]
        elif op == 4:
            del b[pos:]
        elif op == 5 and b:
            b[min(pos, len(b) - 1)] = rnd.choice([0, 0xFF, 0x7F, 0x80])
    return bytes(b)


def decode_or_skip(path, size: int) -> str:
    """"loaded" or "skipped"; anything decode_image must never do fails (or raises through)."""
    from latent_explorer.data.images import ImageSkip, decode_image

    try:
        out = decode_image(path, size)
    except ImageSkip as skip:
        reason = skip.reason
        assert reason.startswith(SKIP_PREFIXES), reason
        assert "\n" not in reason and len(reason) < 300, reason
        return "skipped"
    assert isinstance(out, np.ndarray) and out.shape == (size, size, 3) and out.dtype == np.uint8
    return "loaded"


# ----------------------------------------------------------------------------- workspaces


def open_or_refuse(path) -> str:
    """"opened" (and used as the app would) or "refused" with one clear message."""
    from latent_explorer.errors import UserError
    from latent_explorer.session.session import Session
    from latent_explorer.workspace.session_file import load_workspace

    try:
        ws = load_workspace(path)
    except UserError as exc:  # WorkspaceError is one
        assert "\n" not in str(exc) and len(str(exc)) < 400, str(exc)
        return "refused"
    s = Session()
    try:
        run_task(s.adopt_task(ws))  # the map
        assert s.map is None or s.map.shape == (len(ws.dataset), 2)
        s.model  # noqa: B018 - loads the decoder (or notes why not)
        if len(ws.dataset):
            s.describe(0)
            s.label_of(0)
    except UserError:
        pass  # e.g. "PCA could not run": a message, not a crash
    return "opened"


def zip_entries(data: bytes) -> list[tuple[zipfile.ZipInfo, bytes]]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return [(info, zf.read(info)) for info in zf.infolist()]


def rezip(entries: list[tuple[zipfile.ZipInfo, bytes]]) -> bytes:
    """Write entries again with valid CRCs: mutations then reach the reader behind the zip layer."""
    buf = io.BytesIO()
    with warnings.catch_warnings(), zipfile.ZipFile(buf, "w") as zf:
        warnings.simplefilter("ignore")  # duplicate names are one of the mutations
        for info, payload in entries:
            new = zipfile.ZipInfo(info.filename, info.date_time)
            new.compress_type = info.compress_type
            zf.writestr(new, payload)
    return buf.getvalue()


JSON_VALUES = [None, True, False, 0, -1, 1, 2**63, -(2**63) - 1, 10**30, 1e308, -0.0,
               float("inf"), float("-inf"), float("nan"), "", "x", "../../etc/passwd", "<f4", "|O",
               [], [0], [-1], [10**12, 10**12], [2**62, 2**62], {}, {"a": 1}, [[[[[]]]]]]


def mutate_json(node, rnd: random.Random, depth: int = 0):
    """Replace, drop or add one value somewhere in a JSON tree (a copy)."""
    if isinstance(node, dict) and node and rnd.random() < 0.8:
        key = rnd.choice(sorted(node))
        out = dict(node)
        r = rnd.random()
        if r < 0.1:
            del out[key]
        elif r < 0.15:
            out[rnd.choice(["__proto__", "extra", key + "x", ""])] = rnd.choice(JSON_VALUES)
        else:
            out[key] = mutate_json(node[key], rnd, depth + 1)
        return out
    if isinstance(node, list) and node and rnd.random() < 0.8:
        out = list(node)
        i = rnd.randrange(len(out))
        if rnd.random() < 0.1:
            del out[i]
        else:
            out[i] = mutate_json(out[i], rnd, depth + 1)
        return out
    return rnd.choice(JSON_VALUES)


def mutate_workspace(data: bytes, rnd: random.Random) -> bytes:
    """One structure-aware mutation of a workspace file: its manifest, one entry's bytes,
    the set of entries, or the raw file (always that once the file no longer parses)."""
    choice = rnd.randrange(5)
    if choice:
        try:
            entries = zip_entries(data)
            _mutate_entries(entries, choice, rnd)
            return rezip(entries)
        except Exception:  # already damaged beyond that: blind mutations instead
            pass
    return mutate_bytes(data, rnd, rnd.randrange(1, 6))


def _manifest_index(entries) -> int:
    return next(k for k, (info, _) in enumerate(entries) if info.filename == "manifest.json")


def _mutate_entries(entries: list, choice: int, rnd: random.Random) -> None:
    if choice == 1:  # the manifest, as JSON
        k = _manifest_index(entries)
        tree = json.loads(entries[k][1])
        for _ in range(rnd.randrange(1, 4)):
            tree = mutate_json(tree, rnd)
        entries[k] = (entries[k][0], json.dumps(tree).encode())
    elif choice == 2:  # one entry's bytes (a .npy header, a safetensors header, the data)
        k = rnd.randrange(len(entries))
        info, payload = entries[k]
        if rnd.random() < 0.7:
            cut = min(len(payload), 256)
            payload = mutate_bytes(payload[:cut], rnd, rnd.randrange(1, 4)) + payload[cut:]
        else:
            payload = mutate_bytes(payload, rnd, rnd.randrange(1, 4))
        entries[k] = (info, payload)
    elif choice == 3:  # drop an entry, or add one under a hostile or duplicate name
        k = rnd.randrange(len(entries))
        info, payload = entries[k]
        if rnd.random() < 0.4:
            del entries[k]
        else:
            name = rnd.choice(["../evil.npy", "/abs.npy", "arrays/../../x", "C:/x", info.filename + "x",
                               "tensors/weights.safetensors", "arrays/dataset.labels.npy"])
            entries.append((zipfile.ZipInfo(name, info.date_time), payload))
    else:  # a number in the manifest text set to an absurd value
        k = _manifest_index(entries)
        text = entries[k][1].decode()
        pos = [i for i, ch in enumerate(text) if ch.isdigit()]
        if pos:
            i = rnd.choice(pos)
            text = text[:i] + rnd.choice(["9" * 20, "99999999", "0", "-1", "1e999"]) + text[i + 1 :]
        entries[k] = (entries[k][0], text.encode())
