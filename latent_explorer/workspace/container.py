"""The ``.lexp`` workspace file: a versioned zip that is saved atomically and read without trust.

Layout: ``manifest.json`` (deflated) describes everything else; plain arrays live in
``arrays/<name>.npy`` and groups of named tensors (weights, optimizer state) in
``tensors/<group>.safetensors``, both stored uncompressed. Loading never unpickles or evaluates
anything: ``.npy`` headers are parsed with numpy's literal-only parser, tensors go through
safetensors, and every declared size is checked against hard limits before memory is allocated.
"""
from __future__ import annotations

import contextlib
import errno
import json
import math
import os
import re
import struct
import time
import zipfile
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.lib.format as npformat

from latent_explorer import __version__
from latent_explorer.errors import UserError, WorkspaceError
from latent_explorer.workspace import revision, tempfiles
from latent_explorer.workspace.revision import FileRevision

FORMAT = "latent-explorer-workspace"
SCHEMA_VERSION = 1
EXTENSION = ".lexp"
MANIFEST = "manifest.json"

MAX_ENTRY_BYTES = 8 * 1024**3  # one array or tensor file
MAX_TOTAL_BYTES = 64 * 1024**3  # everything in the archive, uncompressed
MAX_MANIFEST_BYTES = 16 * 1024**2
MAX_ENTRIES = 100_000
MAX_RATIO = 100  # uncompressed / compressed, for entries over RATIO_FREE_BYTES
RATIO_FREE_BYTES = 1024**2
MAX_NDIM = 32
MAX_SAFETENSORS_HEADER = 100 * 1024**2

_NAME_RE = re.compile(r"^[A-Za-z0-9_.-]+$")
_DTYPE_RE = re.compile(r"^[<>|=]?(b1|[iu][1248]|f[248]|c(8|16))$")
_ALLOWED_KINDS = "biufc"  # bool, int, uint, float, complex


@dataclass
class Container:
    """Everything a workspace holds: JSON metadata, named arrays, and groups of named tensors."""

    meta: dict[str, Any] = field(default_factory=dict)
    arrays: dict[str, np.ndarray] = field(default_factory=dict)
    tensors: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)
    revision: FileRevision | None = None  # the file it was read from (`load_container`)


# ----------------------------------------------------------------------------- saving


def _check_name(kind: str, name: Any) -> str:
    if not isinstance(name, str) or not _NAME_RE.match(name) or set(name) == {"."}:
        raise ValueError(f"invalid {kind} name {name!r}: use only letters, digits, '_', '.', '-'")
    return name


def _check_array(what: str, arr: Any) -> np.ndarray:
    arr = np.asarray(arr)
    if arr.dtype.kind not in _ALLOWED_KINDS or arr.dtype.fields is not None:
        raise ValueError(f"{what} has dtype {arr.dtype}; only numeric and bool arrays can be saved")
    return arr


_OS_REASONS = {
    errno.ENOSPC: "disk full", errno.EDQUOT: "disk quota exceeded", errno.EROFS: "read-only file system",
    errno.EACCES: "permission denied", errno.EPERM: "permission denied", errno.EISDIR: "it is a folder",
    errno.ENOENT: "the folder does not exist", errno.ENOTDIR: "the folder does not exist",
    errno.ENAMETOOLONG: "file name too long",
}  # fmt: skip


def _short(exc: BaseException) -> str:
    """One line, bounded length: the reason part of an error message."""
    if isinstance(exc, OSError) and exc.errno in _OS_REASONS:
        return _OS_REASONS[exc.errno]
    text = " ".join(str(getattr(exc, "strerror", None) or exc).split()) or type(exc).__name__
    return text if len(text) <= 160 else text[:157] + "..."


def _build_manifest(container: Container) -> tuple[bytes, dict, dict]:
    if not isinstance(container.meta, dict):
        raise TypeError("Container.meta must be a dict")
    arrays: dict[str, np.ndarray] = {}
    for name, arr in container.arrays.items():
        arrays[_check_name("array", name)] = _check_array(f"array {name!r}", arr)
    groups: dict[str, dict[str, np.ndarray]] = {}
    for group, entries in container.tensors.items():
        _check_name("tensor group", group)
        out = {}
        for key, arr in entries.items():
            if not isinstance(key, str) or not key or key == "__metadata__":
                raise ValueError(f"invalid tensor name {key!r} in group {group!r}")
            arr = _check_array(f"tensor {group}/{key}", arr)
            if arr.dtype.kind == "c":
                raise ValueError(f"tensor {group}/{key}: complex tensors are not supported")
            # safetensors stores little-endian; record the dtype it will read back
            out[key] = np.asarray(arr, dtype=arr.dtype.newbyteorder("<"), order="C")
        groups[group] = out

    def spec(a: np.ndarray) -> dict:
        return {"dtype": a.dtype.str, "shape": list(a.shape)}

    manifest = {
        "format": FORMAT, "schema_version": SCHEMA_VERSION, "app_version": __version__,
        "meta": container.meta,
        "arrays": {n: {"file": f"arrays/{n}.npy", **spec(a)} for n, a in arrays.items()},
        "tensors": {
            g: {"file": f"tensors/{g}.safetensors", "entries": {k: spec(a) for k, a in e.items()}}
            for g, e in groups.items()
        },
    }  # fmt: skip
    return json.dumps(manifest, indent=1).encode("utf-8"), arrays, groups


def _write_zip(fileobj, manifest: bytes, arrays: dict, groups: dict, save_id: str) -> None:
    import safetensors.numpy as stnp

    stamp = time.localtime()[:6]
    with zipfile.ZipFile(fileobj, "w", allowZip64=True) as zf:
        zf.comment = revision.comment_for(save_id)
        zf.writestr(zipfile.ZipInfo(MANIFEST, stamp), manifest, compress_type=zipfile.ZIP_DEFLATED)
        for name, arr in arrays.items():  # ZipInfo defaults to ZIP_STORED
            big = arr.nbytes + 65536 >= zipfile.ZIP64_LIMIT
            with zf.open(zipfile.ZipInfo(f"arrays/{name}.npy", stamp), "w", force_zip64=big) as f:
                npformat.write_array(f, arr, allow_pickle=False)
        for group, entries in groups.items():
            zf.writestr(zipfile.ZipInfo(f"tensors/{group}.safetensors", stamp), stnp.save(entries))


def save_container(path: str | os.PathLike, container: Container,
                   expected: FileRevision | None = None) -> FileRevision:
    """Write ``container`` to ``path`` atomically (the old file survives any failure); returns
    the new file's `FileRevision`. ``expected``: the version of the file at ``path`` this save
    replaces; when another program saved over it since, raises `WorkspaceChangedError`. Raises
    ``ValueError``/``TypeError`` for invalid contents (bad names, non-numeric arrays, meta that
    is not JSON) before touching the disk, and ``WorkspaceError`` when writing fails."""
    manifest, arrays, groups = _build_manifest(container)
    target = os.path.abspath(os.fspath(path))
    tempfiles.remove_stale(target)  # leftovers of earlier saves that were killed
    tmp = tempfiles.temp_path(target)  # unique per process and save: concurrent savers never share one
    save_id = revision.new_save_id()
    created = False
    try:  # O_EXCL: never write through someone else's file; 0o666 lets the umask decide the mode
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
        created = True
        tempfiles.hold(fd)
        with os.fdopen(fd, "wb") as f:
            _write_zip(f, manifest, arrays, groups, save_id)
            f.flush()
            os.fsync(f.fileno())
        with revision.replacing(target):  # the check and the rename, one saver at a time
            if expected is not None:
                revision.check_unchanged(expected)
            os.replace(tmp, target)
            created = False
            saved = FileRevision.of(target, save_id, os.stat(target))
        tempfiles.fsync_dir(os.path.dirname(target))
        return saved
    except BaseException as exc:
        if created:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        if isinstance(exc, Exception) and not isinstance(exc, UserError):
            raise WorkspaceError(f"cannot save workspace to {target}: {_short(exc)}") from exc
        raise


# ----------------------------------------------------------------------------- loading


def _bad(path: str, why: str) -> WorkspaceError:
    return WorkspaceError(f"{path} is damaged or not a valid workspace: {why}")


def _refused(path: str, why: str) -> WorkspaceError:
    return WorkspaceError(f"{path} was refused: {why}")


def _unsafe_name(name: str) -> bool:
    if "\\" in name or "\x00" in name or name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        return True
    return any(part == ".." for part in name.split("/"))


def _check_archive(path: str, zf: zipfile.ZipFile, archive_size: int) -> dict[str, zipfile.ZipInfo]:
    infos = zf.infolist()
    if len(infos) > MAX_ENTRIES:
        raise _bad(path, f"it has {len(infos)} entries")
    by_name: dict[str, zipfile.ZipInfo] = {}
    total = stored = 0
    for info in infos:
        name = info.filename
        if _unsafe_name(name):
            raise _refused(path, f"it contains an unsafe entry name {name!r}")
        if name in by_name:
            raise _bad(path, f"entry {name!r} appears twice")
        if info.flag_bits & 0x1:
            raise _bad(path, f"entry {name!r} is encrypted")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise _bad(path, f"entry {name!r} uses an unsupported compression")
        if info.file_size > MAX_ENTRY_BYTES:
            raise _bad(path, f"entry {name!r} declares {info.file_size} bytes, over the limit")
        if info.compress_type == zipfile.ZIP_STORED and info.compress_size != info.file_size:
            raise _bad(path, f"entry {name!r} has inconsistent sizes")
        if info.file_size > RATIO_FREE_BYTES and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            ratio = info.file_size // max(info.compress_size, 1)
            raise _refused(path, f"entry {name!r} expands {ratio}x (looks like a zip bomb)")
        total += info.file_size
        stored += info.compress_size
        by_name[name] = info
    if total > MAX_TOTAL_BYTES:
        raise _refused(path, f"it would expand to {total} bytes (looks like a zip bomb)")
    if stored > archive_size:
        raise _refused(path, "its entries overlap or overrun the file (looks like a zip bomb)")
    return by_name


def _read_manifest(path: str, zf: zipfile.ZipFile, entries: dict[str, zipfile.ZipInfo]) -> dict:
    info = entries.get(MANIFEST)
    if info is None:
        raise WorkspaceError(f"{path} is not a Latent Explorer workspace (no {MANIFEST} inside)")
    if info.file_size > MAX_MANIFEST_BYTES:
        raise _bad(path, "its manifest is too large")
    with zf.open(info) as f:
        raw = f.read(MAX_MANIFEST_BYTES + 1)
    try:
        manifest = json.loads(raw.decode("utf-8"))
    except (ValueError, RecursionError) as exc:
        raise _bad(path, f"its manifest is not valid JSON ({type(exc).__name__})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise WorkspaceError(f"{path} is not a Latent Explorer workspace (unknown manifest format)")
    version = manifest.get("schema_version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise _bad(path, "its manifest has no valid schema_version")
    if version > SCHEMA_VERSION:
        raise WorkspaceError(
            f"{path} was saved by a newer version of Latent Explorer (schema {version}); "
            f"this version reads up to {SCHEMA_VERSION} — please update"
        )
    for key in ("meta", "arrays", "tensors"):
        if not isinstance(manifest.setdefault(key, {}), dict):
            raise _bad(path, f"manifest field {key!r} is not an object")
    for name in [*manifest["arrays"], *manifest["tensors"]]:
        if not _NAME_RE.match(name):
            raise _bad(path, f"invalid entry name {name!r} in the manifest")
    return manifest


def _declared(path: str, what: str, spec: Any) -> tuple[np.dtype, tuple[int, ...], int]:
    """Validate a manifest ``{"dtype", "shape"}`` entry; return dtype, shape, byte count."""
    if not isinstance(spec, dict):
        raise _bad(path, f"manifest entry for {what} is not an object")
    dt, shape = spec.get("dtype"), spec.get("shape")
    if not isinstance(dt, str) or not _DTYPE_RE.match(dt):
        raise _bad(path, f"{what} declares an unsupported dtype {dt!r}")
    ok = isinstance(shape, list) and len(shape) <= MAX_NDIM
    if not ok or not all(isinstance(s, int) and not isinstance(s, bool) and s >= 0 for s in shape):
        raise _bad(path, f"{what} declares an invalid shape")
    dtype = np.dtype(dt)
    nbytes = math.prod(shape) * dtype.itemsize
    if nbytes > MAX_ENTRY_BYTES:
        raise _bad(path, f"{what} declares {nbytes} bytes (shape {shape}), over the limit")
    return dtype, tuple(shape), nbytes


def _entry(path: str, entries: dict, spec: dict, expected_file: str, what: str) -> zipfile.ZipInfo:
    if spec.get("file") != expected_file:
        raise _bad(path, f"{what} points to an unexpected file {spec.get('file')!r}")
    info = entries.get(expected_file)
    if info is None:
        raise _bad(path, f"{what} is missing (no {expected_file} inside)")
    return info


def _read_exact(f, out: np.ndarray) -> bool:
    view = memoryview(out.reshape(-1, order="A").view(np.uint8))
    pos = 0
    while pos < len(view):
        n = f.readinto(view[pos:])
        if not n:
            return False
        pos += n
    return True


def _read_array(path: str, zf: zipfile.ZipFile, entries: dict, name: str, spec: Any) -> np.ndarray:
    what = f"array {name!r}"
    dtype, shape, nbytes = _declared(path, what, spec)
    info = _entry(path, entries, spec, f"arrays/{name}.npy", what)
    if info.file_size < nbytes:
        raise _bad(path, f"{what} is shorter than its declared shape {list(shape)}")
    with zf.open(info) as f:
        try:
            version = npformat.read_magic(f)
            if version == (1, 0):
                hshape, fortran, hdtype = npformat.read_array_header_1_0(f)
            elif version == (2, 0):
                hshape, fortran, hdtype = npformat.read_array_header_2_0(f)
            else:
                raise ValueError(f"unsupported .npy version {version}")
        except (ValueError, TypeError, SyntaxError, struct.error) as exc:
            raise _bad(path, f"{what} has a malformed .npy header ({_short(exc)})") from None
        if hdtype.hasobject or hdtype.kind not in _ALLOWED_KINDS or hdtype.fields is not None:
            raise _refused(path, f"{what} holds Python objects or non-numeric data ({hdtype})")
        if hdtype != dtype or tuple(hshape) != shape:
            found = f"{hdtype.str} {list(hshape)}"
            raise _bad(path, f"{what} is {found} but the manifest says {dtype.str} {list(shape)}")
        if info.file_size - f.tell() != nbytes:
            raise _bad(path, f"{what} has the wrong number of data bytes")
        out = np.empty(shape, dtype=dtype, order="F" if fortran else "C")
        if not _read_exact(f, out) or f.read(1):
            raise _bad(path, f"{what} has the wrong number of data bytes")
    return out


def _safetensors_header(path: str, what: str, data: bytes) -> dict:
    """The tensor names in a safetensors header, checked by hand before safetensors sees the bytes."""
    hlen = int.from_bytes(data[:8], "little") if len(data) >= 8 else -1
    if hlen < 0 or hlen > MAX_SAFETENSORS_HEADER or 8 + hlen > len(data) or data[8:9] != b"{":
        raise _refused(path, f"{what} is not a safetensors file")
    try:
        header = json.loads(data[8 : 8 + hlen].decode("utf-8"))
    except (ValueError, RecursionError):
        header = None
    if not isinstance(header, dict):
        raise _refused(path, f"{what} has a malformed safetensors header")
    header.pop("__metadata__", None)
    return header


def _read_tensors(path: str, zf: zipfile.ZipFile, entries: dict, group: str, spec: Any) -> dict:
    import safetensors.numpy as stnp

    what = f"tensor group {group!r}"
    if not isinstance(spec, dict) or not isinstance(spec.get("entries"), dict):
        raise _bad(path, f"manifest entry for {what} is malformed")
    declared = {k: _declared(path, f"tensor {group}/{k}", v) for k, v in spec["entries"].items()}
    info = _entry(path, entries, spec, f"tensors/{group}.safetensors", what)
    if sum(d[2] for d in declared.values()) > info.file_size:
        raise _bad(path, f"{what} is smaller than its declared tensors")
    with zf.open(info) as f:
        data = f.read(info.file_size + 1)
    if len(data) != info.file_size:
        raise _bad(path, f"{what} has the wrong size")
    header = _safetensors_header(path, what, data)
    if set(header) != set(declared):
        raise _bad(path, f"{what} holds different tensors than the manifest lists")
    try:
        loaded = stnp.load(data)
    except Exception as exc:  # safetensors' own validation (offsets, dtypes, sizes)
        raise _refused(path, f"{what} is not a valid safetensors file ({_short(exc)})") from None
    out = {}
    for key, (dtype, shape, _) in declared.items():
        arr = loaded[key]
        if arr.dtype != dtype or arr.shape != shape:
            raise _bad(path, f"tensor {group}/{key} does not match the manifest")
        out[key] = arr if arr.flags.writeable else arr.copy()
    return out


def load_container(path: str | os.PathLike) -> Container:
    """Read a workspace file; any problem with it raises ``WorkspaceError`` with a one-line reason."""
    shown = os.fspath(path)
    if not os.path.exists(shown):
        raise WorkspaceError(f"workspace file {shown} does not exist")
    if os.path.isdir(shown):
        raise WorkspaceError(f"{shown} is a folder, not a workspace file")
    try:
        with open(shown, "rb") as fh:
            archive_size = os.fstat(fh.fileno()).st_size
            try:
                zf = zipfile.ZipFile(fh)
            except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, struct.error):
                why = "not a zip archive"
                raise WorkspaceError(f"{shown} is not a Latent Explorer workspace ({why})") from None
            with zf:
                entries = _check_archive(shown, zf, archive_size)
                manifest = _read_manifest(shown, zf, entries)
                arrays = {n: _read_array(shown, zf, entries, n, s) for n, s in manifest["arrays"].items()}
                groups = {g: _read_tensors(shown, zf, entries, g, s) for g, s in manifest["tensors"].items()}
                read = FileRevision.of(shown, revision.save_id_of_comment(zf.comment), os.fstat(fh.fileno()))
                return Container(manifest["meta"], arrays, groups, read)
    except WorkspaceError:
        raise
    except PermissionError:
        raise WorkspaceError(f"cannot read {shown}: permission denied") from None
    except Exception as exc:  # damaged zip structure, CRC errors, truncated data, ...
        raise _bad(shown, f"corrupted data ({type(exc).__name__}: {_short(exc)})") from None
