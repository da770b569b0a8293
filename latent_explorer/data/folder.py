"""Load a folder of images as a Dataset: scan, decode in parallel (with a disk cache), align
labels and attributes. A task generator: yields Progress, returns the Dataset."""
from __future__ import annotations

import mmap
import os
import time
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Generator, Iterator, Sequence

import numpy as np
from PIL import Image

from latent_explorer.data import budget
from latent_explorer.data.attributes import read_attributes
from latent_explorer.data.cache import DecodeCache
from latent_explorer.data.dataset import Dataset, Skipped
from latent_explorer.data.images import ImageSkip, decode_image
from latent_explorer.data.pack_writer import PackWriter
from latent_explorer.data.scan import FileEntry, scan_folder
from latent_explorer.errors import UserError
from latent_explorer.infra.tasks import CancelToken, Progress

COLORS = ("auto", "grey", "rgb")
GREY_TOLERANCE = 3  # "auto" picks grey when no pixel's channels differ by more than this
_BATCH = 8  # files per worker job: amortises the per-future overhead on tiny images
_PROGRESS_EVERY_S = 0.1
_PIXEL_CHUNK = 1 << 20  # pixels per step of the colour checks (bounded temporaries)
_COPY_ROWS = 256  # cached rows copied per step into a new pack
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

    if store is not None:
        data, rows, reasons = store.lookup_rows(scan.root, size, entries)
    else:
        data, rows, reasons = _empty(size), np.full(n, -1, np.int64), {}
    hit = np.flatnonzero(rows >= 0)
    todo = [i for i in range(n) if rows[i] < 0 and i not in reasons]
    first = int(rows[hit[0]]) if len(hit) else 0
    in_order = not todo and np.array_equal(rows[hit], np.arange(first, first + len(hit)))
    est = budget.estimate(len(hit) + len(todo), size, on_disk=in_order, grey=color == "grey")
    directory = None if store is None else store.directory
    where = budget.plan(est, None if in_order or directory is None else budget.disk_free(directory),
                        budget.available_memory(), directory)

    def open_writer() -> PackWriter | None:
        return PackWriter.open(store, scan.root, size) if store is not None and where == "disk" else None

    rgb, loaded, offset = yield from _ingest(entries, data, rows, hit, todo, reasons, size, n_workers,
                                             cancel, open_writer, est)
    del data
    images, resolved = _finish_images(rgb, color, store if offset is not None else None,
                                      scan.root, size, offset)
    del rgb
    dataset = _assemble(scan, entries, loaded, images, resolved, reasons, size)
    if where == "memory" and store is not None:
        dataset.warnings.append(
            f"the decoded images are held in memory ({budget.size_text(est.pack_bytes)}): the cache "
            f"folder {store.directory} has no room for them")
    return dataset


def _empty(size: int) -> np.ndarray:
    return np.zeros((0, size, size, 3), np.uint8)


def _is_mapped(a: np.ndarray) -> bool:
    """Whether ``a`` is (a view of) a memory-mapped file."""
    while isinstance(a, np.ndarray):
        if isinstance(a, np.memmap):
            return True
        a = a.base
    return isinstance(a, mmap.mmap)


class _Sink:
    """Where the decoded rows go, in scan order: a new pack on disk, or memory (no cache, no
    room on disk, or the disk filled up meanwhile)."""

    def __init__(self, writer: PackWriter | None, capacity: int, size: int) -> None:
        self.writer, self.capacity, self.size, self.count = writer, capacity, size, 0
        self.memory = None if writer is not None else np.empty((capacity, size, size, 3), np.uint8)

    def add(self, rows: np.ndarray) -> None:
        if self.writer is not None:
            try:
                self.writer.add(rows)
                self.count += len(rows)
                return
            except OSError:
                written = self.writer.written()
                self.writer.abort()
                self.writer = None
                self.memory = np.empty((self.capacity, self.size, self.size, 3), np.uint8)
                self.memory[: len(written)] = written
        self.memory[self.count : self.count + len(rows)] = rows
        self.count += len(rows)

    def finish(self, entries: Sequence[FileEntry], loaded: list[int], skips: dict[int, str]) -> np.ndarray:
        if self.writer is not None:
            return self.writer.finish(entries, loaded, skips)
        return self.memory[: self.count]  # a view: the rows of skipped files are the only waste

    def abort(self) -> None:
        if self.writer is not None:
            self.writer.abort()


def _ingest(entries, data, rows, hit, todo, reasons, size, n_workers, cancel, open_writer, est):
    """Decode ``todo`` and merge it with the cached rows ``hit`` in scan order into a new pack
    (or memory). When nothing new decoded and the pack holds the rest in order (the common
    warm case), the pack itself. Generator returning ``(images, loaded entry indices, offset of
    the images in the pack or None when they are in memory)``."""
    n = len(entries)
    remembered = set(reasons)
    sink: _Sink | None = None  # opened at the first new image: none when nothing new decodes
    loaded: list[int] = []
    h = 0  # hits before this position are in the sink

    def take_hits(upto: int) -> None:
        nonlocal h, sink
        if sink is None:
            sink = _Sink(open_writer(), len(hit) + len(todo), size)
        end = int(np.searchsorted(hit, upto))
        for a in range(h, end, _COPY_ROWS):
            part = hit[a : min(end, a + _COPY_ROWS)]
            sink.add(data[rows[part]])
            loaded.extend(int(i) for i in part)
        h = end

    done = n - len(todo)
    message = f"Decoding {len(todo):,} images ({est.describe()})…" if todo else \
        f"{len(hit):,} images already decoded ({est.describe()})"
    yield Progress(done, n, message)
    last = time.monotonic()
    stream = _decode_stream([entries[i].abs_path for i in todo], size, n_workers, cancel)
    try:
        for k, result in stream:
            i = todo[k]
            if isinstance(result, str):
                reasons[i] = result
            else:
                take_hits(i)
                sink.add(result[None])
                loaded.append(i)
            done += 1
            now = time.monotonic()
            if now - last >= _PROGRESS_EVERY_S:
                last = now
                yield Progress(done, n, message)
        keep = {i: r for i, r in reasons.items() if not r.startswith(_TRANSIENT)}
        first = int(rows[hit[0]]) if len(hit) else 0
        if sink is None and set(keep) == remembered and np.array_equal(
                rows[hit], np.arange(first, first + len(hit))):
            yield Progress(n, n, message)
            return data[first : first + len(hit)], hit, first
        take_hits(n)
    except BaseException:
        if sink is not None:
            sink.abort()
        raise
    finally:
        stream.close()  # stops the workers when cancelled or abandoned
    yield Progress(n, n, message)
    if sink.writer is not None:
        yield Progress(n, n, "Saving decoded images to the cache…")
    images = sink.finish(entries, loaded, keep)
    return images, np.asarray(loaded, np.int64), 0 if _is_mapped(images) else None


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


def _finish_images(rgb: np.ndarray, color: str, store: DecodeCache | None, root: str, size: int,
                   offset: int | None) -> tuple[np.ndarray, str]:
    """Resolve colour: ``(images, "grey"|"rgb")``. A grey copy of a pack goes beside it on disk
    (``offset``: where ``rgb`` starts in the pack), else it is made in memory."""
    k = len(rgb)
    if color == "rgb" or (color == "auto" and (k == 0 or not _is_grey(rgb))):
        return rgb, "rgb"
    if store is not None and offset is not None:
        grey = store.companion(root, size, "grey", 1, _grey_chunks)
        if grey is not None and len(grey) >= offset + k:
            return grey[offset : offset + k], "grey"
    grey = np.empty((k, size, size, 1), np.uint8)
    j = 0
    for chunk in _grey_chunks(rgb):
        grey[j : j + len(chunk)] = chunk
        j += len(chunk)
    return grey, "grey"


def _is_grey(rgb: np.ndarray) -> bool:
    """No pixel's channels further apart than GREY_TOLERANCE (checked in bounded chunks)."""
    n, size = rgb.shape[0], rgb.shape[1]
    step = max(1, _PIXEL_CHUNK // (size * size))
    t = GREY_TOLERANCE
    for j0 in range(0, n, step):
        flat = np.ascontiguousarray(rgb[j0:j0 + step]).reshape(-1, 3)
        r, g, b = (np.ascontiguousarray(flat[:, c]) for c in range(3))
        for x, y in ((r, g), (r, b), (g, b)):
            d = x - y  # uint8 wraps: |x - y| <= t  <=>  (x - y + t) mod 256 <= 2t
            d += t
            if int(d.max()) > 2 * t:
                return False
    return True


def _grey_chunks(rgb: np.ndarray) -> Iterator[np.ndarray]:
    """Luma as ``(k, S, S, 1)`` chunks (Pillow's "L" conversion), in order."""
    n, size = rgb.shape[0], rgb.shape[1]
    step = max(1, _PIXEL_CHUNK // (size * size))
    for j0 in range(0, n, step):
        chunk = np.ascontiguousarray(rgb[j0:j0 + step])
        # the chunk as one tall RGB image: Pillow's converter is about twice numpy's speed
        tall = Image.frombuffer("RGB", (size, len(chunk) * size), chunk, "raw", "RGB", 0, 1)
        yield np.asarray(tall.convert("L")).reshape(-1, size, size, 1)


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
