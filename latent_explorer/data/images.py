"""Decode any image Pillow can read into a small square uint8 RGB array, or say why not.

Every failure becomes an :class:`ImageSkip` with a reason a person understands; a bad file
never crashes a scan, never hangs it (non-regular files are refused before reading) and
never leaks a file handle.
"""
from __future__ import annotations

import errno
import os
import re
import stat
import warnings

import numpy as np
from PIL import Image, ImageFile, UnidentifiedImageError

# Our own pixel limit, checked on the size declared in the header before any decoding.
MAX_PIXELS = 89_478_485
# Bump when decoding changes in a way that alters the output (invalidates the decode cache).
DECODER_VERSION = 1

ImageFile.LOAD_TRUNCATED_IMAGES = False  # a truncated file is skipped, never half-shown
# We enforce MAX_PIXELS ourselves, so Pillow's bomb *warning* is noise; its error is caught
# (and so is the warning, should warnings be turned into errors).
warnings.filterwarnings("ignore", category=Image.DecompressionBombWarning)

_ORIENTATION = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
_ALPHA_MODES = {"RGBA", "LA", "PA", "RGBa", "La"}
_DEEP_MODES = {"I", "F", "I;16", "I;16L", "I;16B", "I;16N"}
_O_FLAGS = os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_NONBLOCK", 0)
_FILE_KINDS = [
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a named pipe"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a device"),
    (stat.S_ISBLK, "a device"),
]


class ImageSkip(Exception):
    """A file that cannot be used as an image; ``reason`` is meant for people."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def not_regular_reason(mode: int) -> str:
    for test, kind in _FILE_KINDS:
        if test(mode):
            return f"not a regular file ({kind})"
    return "not a regular file"


def too_large_reason(width: int, height: int) -> str:
    return (
        f"too large: {width}×{height} pixels exceeds the "
        f"{MAX_PIXELS // 1_000_000} million pixel safety limit"
    )


def decode_image(path: str | os.PathLike[str], size: int) -> np.ndarray:
    """Decode ``path`` to a uint8 ``(size, size, 3)`` RGB array (centre square crop, resized).

    Raises :class:`ImageSkip` (and nothing else) for any file that cannot be used.
    """
    if size < 1:
        raise ValueError("size must be positive")
    try:
        # O_NONBLOCK: opening a FIFO that appeared since the scan must not block.
        fd = os.open(path, _O_FLAGS)
    except FileNotFoundError:
        raise ImageSkip("file disappeared during the scan") from None
    except PermissionError:
        raise ImageSkip("unreadable: permission denied") from None
    except OSError as exc:
        raise ImageSkip(_os_reason(exc)) from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise ImageSkip(not_regular_reason(st.st_mode))
        if st.st_size == 0:
            raise ImageSkip("empty file (0 bytes)")
        with os.fdopen(fd, "rb") as f:
            fd = -1  # the file object owns it now
            return _decode_file(f, size)
    except ImageSkip:
        raise
    except MemoryError:
        raise ImageSkip("too large: out of memory while decoding") from None
    except OSError as exc:
        raise ImageSkip(_os_reason(exc)) from None
    except Exception as exc:  # anything Pillow throws for a hostile file
        raise ImageSkip(f"truncated or corrupt image: {_detail(exc)}") from None
    finally:
        if fd >= 0:
            os.close(fd)


def _decode_file(f, size: int) -> np.ndarray:
    try:
        im = Image.open(f)
    except UnidentifiedImageError:
        raise ImageSkip("not an image (Pillow cannot identify it)") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        # (the warning arrives as an exception when warnings are turned into errors)
        raise ImageSkip(_bomb_reason(f, exc)) from None
    except OSError as exc:
        raise ImageSkip(_os_reason(exc)) from None
    except Exception as exc:  # recognised as some format, but its header is damaged
        raise ImageSkip(f"truncated or corrupt image: {_detail(exc)}") from None
    with im:
        width, height = im.size
        if width < 1 or height < 1:
            raise ImageSkip("truncated or corrupt image: zero width or height")
        if width * height > MAX_PIXELS:
            raise ImageSkip(too_large_reason(width, height))
        try:
            if im.format == "JPEG":
                # Let libjpeg scale down by 1/2..1/8 while decoding: large photos decode fast.
                im.draft(None, (2 * size, 2 * size))
            im.load()
        except ImageSkip:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise ImageSkip(_bomb_reason(f, exc)) from None
        except MemoryError:
            raise
        except Exception as exc:
            raise ImageSkip(f"truncated or corrupt image: {_detail(exc)}") from None
        orientation = _orientation(im)
        # Resize inside the ``with``: closing an image also drops its pixel data.
        out = _square_resize(_to_displayable(im), size)
    if orientation in _ORIENTATION:
        # Transposing the small square is the same as transposing first, and much cheaper.
        out = out.transpose(_ORIENTATION[orientation])
    if out.mode != "RGB":
        out = out.convert("RGB")
    arr = np.array(out, dtype=np.uint8)
    if arr.shape != (size, size, 3):  # defensive: never hand a wrong shape onwards
        raise ImageSkip(f"truncated or corrupt image: decoded to shape {arr.shape}")
    return arr


def _orientation(im: Image.Image) -> int:
    try:
        return int(im.getexif().get(0x0112, 1))
    except Exception:  # a damaged EXIF block should not lose the picture
        return 1


def _to_displayable(im: Image.Image) -> Image.Image:
    """Any mode → "L" or "RGB"; transparency is composited on white."""
    mode = im.mode
    if mode in _DEEP_MODES:
        return _deep_to_l(im)
    if mode == "1":
        return im.convert("L")
    if mode in _ALPHA_MODES or "transparency" in im.info:
        try:
            rgba = im.convert("RGBA")
        except Exception:
            rgba = None
        if rgba is not None:
            white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
            return Image.alpha_composite(white, rgba).convert("RGB")
    if mode in ("L", "RGB"):
        return im
    try:
        return im.convert("RGB")
    except Exception:
        raise ImageSkip(f"unsupported colour mode {mode}") from None


def _deep_to_l(im: Image.Image) -> Image.Image:
    """16-bit, 32-bit integer and float greyscale → 8 bit by scaling, never by clipping.

    16-bit modes use their full 0..65535 range. "I" and "F" have no fixed range: values that
    fit 0..255 (or 0..1 for floats) are taken as 8-bit (or unit) data, values that fit 0..65535
    as 16-bit, anything else is stretched from its own minimum to maximum.
    """
    arr = np.asarray(im)
    if im.mode.startswith("I;16"):
        lo, hi = 0.0, 65535.0
    else:
        arr = arr.astype(np.float32, copy=False)
        finite = np.isfinite(arr)
        if not finite.all():
            arr = np.where(finite, arr, 0.0).astype(np.float32)
        mn, mx = (float(arr.min()), float(arr.max())) if arr.size else (0.0, 0.0)
        if mn >= 0 and mx <= 1 and im.mode == "F":
            lo, hi = 0.0, 1.0
        elif mn >= 0 and mx <= 255:
            lo, hi = 0.0, 255.0
        elif mn >= 0 and mx <= 65535:
            lo, hi = 0.0, 65535.0
        else:
            lo, hi = mn, mx if mx > mn else mn + 1.0
    scaled = (arr.astype(np.float32) - lo) * np.float32(255.0 / (hi - lo))
    np.clip(scaled, 0, 255, out=scaled)
    return Image.fromarray(np.rint(scaled).astype(np.uint8), "L")


def _square_resize(im: Image.Image, size: int) -> Image.Image:
    width, height = im.size
    side = min(width, height)
    left, top = (width - side) // 2, (height - side) // 2
    box = (left, top, left + side, top + side)
    if side == size:
        return im.crop(box)
    return im.resize((size, size), Image.Resampling.LANCZOS, box=box, reducing_gap=3.0)


def _os_reason(exc: OSError) -> str:
    if isinstance(exc, FileNotFoundError):
        return "file disappeared during the scan"
    if isinstance(exc, PermissionError):
        return "unreadable: permission denied"
    if isinstance(exc, IsADirectoryError):
        return "not a regular file (a folder)"
    if exc.errno is None:  # Pillow's own decoding errors are plain OSErrors without errno
        return f"truncated or corrupt image: {_detail(exc)}"
    if exc.errno == errno.EIO:
        return "unreadable: input/output error (damaged disk or network drive?)"
    return f"unreadable: {(exc.strerror or str(exc)).lower()}"


def _detail(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 100 else text[:97] + "..."


def _bomb_reason(f, exc: Exception) -> str:
    size = _declared_size(f)
    if size is not None:
        return too_large_reason(*size)
    match = re.search(r"\((\d+) pixels\)", str(exc))
    pixels = f"{int(match.group(1)) / 1e6:.0f} million pixels" if match else "the image"
    return f"too large: {pixels} exceeds the {MAX_PIXELS // 1_000_000} million pixel safety limit"


def _declared_size(f) -> tuple[int, int] | None:
    """Header size of an image Pillow refused as a bomb, read without Pillow's bomb check."""
    try:
        f.seek(0)
        prefix = f.read(16)
        for fmt in Image.ID:
            factory, accept = Image.OPEN[fmt]
            ok = accept is None or accept(prefix)
            if not ok or isinstance(ok, str):
                continue
            try:
                f.seek(0)
                return tuple(factory(f, "").size)  # type: ignore[return-value]
            except Exception:
                continue
    except Exception:
        pass
    return None
