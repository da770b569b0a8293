"""What build.spec does to PyInstaller's file lists (Linux details; no PyInstaller import, so
it can be read and tried on its own): dropping files the app never opens, stripping symbol
tables safely, and pruning system libraries that nothing left in the bundle links to."""
from __future__ import annotations

import fnmatch
import importlib.util
import os
import re
import struct
import subprocess
from pathlib import Path

SYSTEM_LIB_DIRS = ("/lib/", "/lib64/", "/usr/lib/", "/usr/lib64/", "/usr/local/lib/")


def _dest(entry) -> str:
    return entry[0].replace(os.sep, "/")


def drop(entries, patterns, keep=()) -> list:
    """``entries`` without those whose bundle path matches a pattern (fnmatch: ``*`` also
    crosses ``/``), except the paths listed in ``keep``."""
    keep = set(keep)
    return [e for e in entries
            if _dest(e) in keep or not any(fnmatch.fnmatch(_dest(e), p) for p in patterns)]


def torch_sources_read_at_import() -> list[str]:
    """torch modules that read their own source when imported: the config modules
    (install_config_module) and those declaring TorchScript overloads (else a warning each)."""
    torch_dir = Path(importlib.util.find_spec("torch").origin).parent
    marks = re.compile(r"install_config_module\(sys\.modules|^\s*@[\w.]*\b_overload(_method)?\b"
                       r"|_overload(_method)? as ", re.M)
    return [p.relative_to(torch_dir.parent).as_posix() for p in torch_dir.rglob("*.py")
            if not p.relative_to(torch_dir).as_posix().startswith(("testing/", "onnx/"))
            and marks.search(p.read_text(encoding="utf-8", errors="replace"))]


def elf_loads_aligned(path) -> bool:
    """Whether every loadable segment of a 64-bit little-endian ELF file keeps its alignment
    (offset ≡ address modulo alignment), as the dynamic loader demands."""
    with open(path, "rb") as f:
        data = f.read(65536)
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        return False
    phoff, = struct.unpack_from("<Q", data, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
    for i in range(phnum):
        kind, _, offset, vaddr, _, _, _, align = struct.unpack_from("<IIQQQQQQ", data, phoff + i * phentsize)
        if kind == 1 and align > 1 and offset % align != vaddr % align:  # PT_LOAD
            return False
    return True


def stripped(entry, workdir):
    """The entry pointing at a copy without symbol tables (``strip``), cached in ``workdir``.
    strip corrupts some libraries that auditwheel edited with patchelf (numpy's OpenBLAS:
    "ELF load command address/offset not page-aligned"): such a copy is thrown away and the
    original shipped. Libraries with a FIPS .hmac checksum are left alone."""
    dest, src, kind = entry
    if kind not in ("BINARY", "EXTENSION") or os.path.exists(src + ".hmac"):
        return entry
    out = Path(workdir) / "stripped" / dest
    if not out.exists() or out.stat().st_mtime < Path(src).stat().st_mtime:
        out.parent.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(["strip", "-o", str(out), src], capture_output=True).returncode == 0
        if not done or not elf_loads_aligned(out):
            out.write_bytes(b"")  # remembered as "keep the original"
    return entry if out.stat().st_size == 0 else (dest, str(out), kind)


def _needed(path: str) -> list[str]:
    out = subprocess.run(["readelf", "-d", path], capture_output=True, text=True).stdout
    return re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", out)


def prune_unlinked_system_libraries(binaries) -> list:
    """Drop the system libraries (copied from /usr/lib and the like into the bundle's top
    level) that no remaining binary links to, directly or through another. Run after dropping
    plugins: their dependencies go with them."""
    def is_candidate(entry) -> bool:
        return "/" not in _dest(entry) and entry[2] == "BINARY" and entry[1].startswith(SYSTEM_LIB_DIRS)

    by_name = {_dest(e): e for e in binaries if is_candidate(e)}
    reached: set[str] = set()
    todo = [e[1] for e in binaries if not is_candidate(e) and e[2] in ("BINARY", "EXTENSION")]
    while todo:
        for name in _needed(todo.pop()):
            if name in by_name and name not in reached:
                reached.add(name)
                todo.append(by_name[name][1])
    return [e for e in binaries if not is_candidate(e) or _dest(e) in reached]


def drop_dangling_symlinks(binaries, datas) -> tuple[list, list]:
    """Both lists without the symbolic links whose target is no longer in either."""
    present = {_dest(e) for e in binaries + datas if e[2] != "SYMLINK"}

    def target(entry) -> str:
        return os.path.normpath(os.path.join(os.path.dirname(_dest(entry)), entry[1])).replace(os.sep, "/")

    return tuple([e for e in toc if e[2] != "SYMLINK" or target(e) in present] for toc in (binaries, datas))
