"""Load a folder of images as a Dataset: scan, decode in parallel (with a disk cache), align
labels and attributes. A task generator: yields Progress, returns the Dataset."""
from __future__ import annotations

import os
import time
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Generator, Iterator, Sequence

import numpy as np
from PIL import Image

from latent_explorer.data.attributes import read_attributes
from latent_explorer.data.cache import DecodeCache
from latent_explorer.data.dataset import Dataset, Skipped
from latent_explorer.data.images import ImageSkip, decode_image
from latent_explorer.data.scan import FileEntry, scan_folder
from latent_explorer.errors import UserError
from latent_explorer.infra.tasks import CancelToken, Progress

COLORS = ("auto", "grey", "rgb")
GREY_TOLERANCE = 3  # "auto" picks grey when no pixel's channels differ by more than this
_BATCH = 8  # files per worker job: amortises the per-future overhead on tiny images
_PROGRESS_EVERY_S = 0.1
_PIXEL_CHUNK = 1 << 20  # pixels per step of the colour checks (bounded temporaries)
# Reasons that depend on the moment, not on the file's content: never cached.
_TRANSIENT = ("unreadable", "file disappeared", "too large: out of memory")


def load_folder(
    root: str | os.PathLike[str],
    image_size: int = 64,
    color: str = "auto",
    cache: DecodeCache | None | bool = None,
    workers: int | None = None,
    cancel: CancelToken | None = None,
) -> Generator[Progress, None, Dataset]:
    """Load every image under ``root`` as ``image_size`` squares.

    ``cache``: a DecodeCache, None for the default one, False for none.
    ``workers``: decoding threads (default: one per core).
    """
    size = int(image_size)
    if not 1 <= size <= 4096:
        raise UserError(f"image size must be between 1 and 4096 pixels, not {image_size}")
    if color not in COLORS:
        raise UserError(f"colour must be one of {', '.join(COLORS)}, not {color!r}")
    n_workers = max(1, int(workers) if workers else (os.cpu_count() or 1))
    store: DecodeCache | None = DecodeCache() if cache is None or cache is True else (cache or None)

    yield Progress(0, 0, "Scanning folder…")
    scan = scan_folder(root, cancel)
    entries = scan.files
    n = len(entries)

    hits, reasons = store.lookup_all(scan.root, size, entries) if store else ({}, {})
    rgb = np.empty((n, size, size, 3), dtype=np.uint8)
    ok = np.zeros(n, dtype=bool)
    for i, img in hits.items():
        rgb[i] = img
        ok[i] = True
    del hits  # drop the memory-mapped views
    todo = [i for i in range(n) if not ok[i] and i not in reasons]

    done = n - len(todo)
    yield Progress(done, n, "Decoding images…")
    last = time.monotonic()
    stream = _decode_stream([entries[i].abs_path for i in todo], size, n_workers, cancel)
    try:
        for k, result in stream:
            i = todo[k]
            if isinstance(result, str):
                reasons[i] = result
            else:
                rgb[i] = result
                ok[i] = True
            done += 1
            now = time.monotonic()
            if now - last >= _PROGRESS_EVERY_S:
                last = now
                yield Progress(done, n, "Decoding images…")
    finally:
        stream.close()  # stops the workers when cancelled or abandoned
    yield Progress(n, n, "Decoding images…")

    if store is not None:  # a no-op when the pack already matches
        if todo:
            yield Progress(n, n, "Saving decoded images to the cache…")
        keep = {i: r for i, r in reasons.items() if not r.startswith(_TRANSIENT)}
        store.store(scan.root, size, entries, {int(i): rgb[i] for i in np.flatnonzero(ok)}, keep)

    loaded = np.flatnonzero(ok)
    images, resolved = _finish_images(rgb, loaded, color)
    del rgb
    return _assemble(scan, entries, loaded, images, resolved, reasons, size)


def _decode_one(path: str, size: int) -> np.ndarray | str:
    try:
        return decode_image(path, size)
    except ImageSkip as skip:
        return skip.reason


def _decode_batch(paths: Sequence[str], size: int) -> list[np.ndarray | str]:
    return [_decode_one(p, size) for p in paths]


def _decode_stream(paths: list[str], size: int, workers: int,
                   cancel: CancelToken | None) -> Generator[tuple[int, np.ndarray | str], None, None]:
    """Yield ``(position, image or skip reason)`` in order, with bounded work in flight."""
    if workers == 1 or len(paths) <= _BATCH:
        for k, path in enumerate(paths):
            if cancel is not None:
                cancel.raise_if_cancelled()
            yield k, _decode_one(path, size)
        return
    starts: Iterator[int] = iter(range(0, len(paths), _BATCH))
    pending: deque[tuple[int, Future]] = deque()
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="decode")
    try:
        def submit_next() -> None:
            start = next(starts, None)
            if start is not None:
                job = pool.submit(_decode_batch, paths[start:start + _BATCH], size)
                pending.append((start, job))

        for _ in range(3 * workers):  # enough queued to keep every core busy, no more
            submit_next()
        while pending:
            if cancel is not None:
                cancel.raise_if_cancelled()
            start, job = pending.popleft()
            results = job.result()
            submit_next()
            for offset, result in enumerate(results):
                yield start + offset, result
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _finish_images(rgb: np.ndarray, loaded: np.ndarray, color: str) -> tuple[np.ndarray, str]:
    """Compact the loaded rows to the front, then resolve colour: ``(images, "grey"|"rgb")``."""
    k = len(loaded)
    chunk = 1024
    for j0 in range(0, k, chunk):  # loaded[j] >= j: each chunk reads rows not yet overwritten
        j1 = min(k, j0 + chunk)
        if loaded[j0] != j0 or loaded[j1 - 1] != j1 - 1:
            rgb[j0:j1] = rgb[loaded[j0:j1]]
    rgb = rgb[:k]
    if color == "rgb" or (color == "auto" and k == 0):
        return rgb, "rgb"  # a view: the rows of skipped files are the only waste
    grey = _to_grey(rgb, check=color == "auto")
    return (rgb, "rgb") if grey is None else (grey, "grey")


def _to_grey(rgb: np.ndarray, check: bool) -> np.ndarray | None:
    """Luma as ``(N, S, S, 1)`` (Pillow's "L" conversion); with ``check``, None as soon as a
    pixel has colour (channels further apart than GREY_TOLERANCE). Works in bounded chunks."""
    n, size = rgb.shape[0], rgb.shape[1]
    grey = np.empty((n, size, size, 1), dtype=np.uint8)
    step = max(1, _PIXEL_CHUNK // (size * size))
    t = GREY_TOLERANCE
    for j0 in range(0, n, step):
        chunk = np.ascontiguousarray(rgb[j0:j0 + step])
        if check:
            flat = chunk.reshape(-1, 3)
            r, g, b = (np.ascontiguousarray(flat[:, c]) for c in range(3))
            for x, y in ((r, g), (r, b), (g, b)):
                d = x - y  # uint8 wraps: |x - y| <= t  <=>  (x - y + t) mod 256 <= 2t
                d += t
                if int(d.max()) > 2 * t:
                    return None
        # the chunk as one tall RGB image: Pillow's converter is about twice numpy's speed
        tall = Image.frombuffer("RGB", (size, len(chunk) * size), chunk, "raw", "RGB", 0, 1)
        grey[j0:j0 + len(chunk), ..., 0] = np.asarray(tall.convert("L")).reshape(-1, size, size)
    return grey


def _assemble(scan, entries: list[FileEntry], loaded: np.ndarray, images: np.ndarray,
              color: str, reasons: dict[int, str], size: int) -> Dataset:
    paths = [entries[i].rel_path for i in loaded]
    label_of = [entries[i].label for i in loaded]
    labels, label_names = None, []
    if any(lab is not None for lab in label_of):
        label_names = sorted({lab for lab in label_of if lab is not None})
        code = {name: c for c, name in enumerate(label_names)}
        labels = np.array([code.get(lab, -1) if lab is not None else -1 for lab in label_of],
                          dtype=np.int64)
    warnings: list[str] = []
    attributes, categories, category_names = {}, {}, {}
    if scan.attributes_csv:
        attributes, categories, category_names, warnings = read_attributes(scan.attributes_csv, paths)
    skipped = list(scan.skipped) + [Skipped(entries[i].rel_path, r) for i, r in reasons.items()]
    skipped.sort(key=lambda s: s.path)
    source = {
        "kind": "folder",
        "root": scan.root,
        "image_size": size,
        "color": color,
        "files": [[e.rel_path, e.size, e.mtime_ns] for e in entries],
    }
    return Dataset(
        images=images, labels=labels, label_names=label_names, attributes=attributes,
        categories=categories, category_names=category_names, paths=paths, skipped=skipped,
        source=source, warnings=warnings,
    )
