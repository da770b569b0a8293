"""Precomputed embedding vectors as a Dataset without images.

Two formats:

* ``.npy`` — a 2-D numeric ``(N, D)`` array, optionally with a sidecar ``<stem>.meta.csv``
  beside it, one row per vector: columns ``path`` and ``label`` (any case) are metadata,
  other columns become attributes (entirely numeric, empty = missing) or categories (text).
* ``.csv`` — a header row, one row per vector. ``path``/``label`` columns are metadata. If any
  columns are named ``z0``, ``z1``, ... those are the vector (in index order) and the remaining
  numeric columns are attributes; otherwise every entirely numeric column is a vector dimension.
  Text columns become categories.
"""
from __future__ import annotations

import csv
import io
import os
import re
from pathlib import Path

import numpy as np

from latent_explorer.data.dataset import Dataset
from latent_explorer.errors import UserError
from latent_explorer.infra.files import atomic_write

META_COLUMNS = ("path", "label")
_Z_RE = re.compile(r"^z(\d+)$", re.IGNORECASE)


def sidecar_path(path: str | os.PathLike) -> Path:
    """``emb.npy`` -> ``emb.meta.csv`` in the same folder."""
    p = Path(path)
    return p.with_name(p.stem + ".meta.csv")


# ----------------------------------------------------------------------------- helpers


def _read_csv(path: Path) -> tuple[list[str], list[list[str]]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise UserError(f"{path} is not a UTF-8 text file") from None
    except OSError as exc:
        raise UserError(f"cannot read {path}: {exc.strerror or exc}") from None
    first = text.split("\n", 1)[0]
    delim = max((",", ";", "\t"), key=first.count) if first else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim)
    try:
        rows = [(reader.line_num, r) for r in reader if r]  # skip blank lines
    except csv.Error as exc:
        raise UserError(f"{path} is not a valid CSV file: {exc}") from None
    if not rows:
        raise UserError(f"{path} is empty")
    header = [h.strip() for h in rows[0][1]]
    seen = set()
    for h in header:
        if not h:
            raise UserError(f"{path}: the header row has an empty column name")
        if h.lower() in seen:
            raise UserError(f"{path}: column {h!r} appears twice in the header")
        seen.add(h.lower())
    for line, row in rows[1:]:
        if len(row) != len(header):
            raise UserError(f"{path}: line {line} has {len(row)} cells but the header has {len(header)}")
    return header, [r for _, r in rows[1:]]


def _as_numbers(cells: list[str]) -> np.ndarray | None:
    """Cells as float64 (empty = NaN), or None when any non-empty cell is not a number."""
    stripped = [c.strip() for c in cells]
    try:
        return np.array([float(c) if c else np.nan for c in stripped], dtype=np.float64)
    except ValueError:
        return None


def _label_sort_key(names: list[str]):
    try:
        [float(n) for n in names]
        return lambda n: (float(n), n)
    except ValueError:
        return lambda n: n


def _codes(cells: list[str]) -> tuple[np.ndarray, list[str]]:
    values = [c.strip() for c in cells]
    names = sorted({v for v in values if v}, key=_label_sort_key([v for v in values if v]))
    index = {n: i for i, n in enumerate(names)}
    return np.array([index[v] if v else -1 for v in values], dtype=np.int64), names


def _check_vectors(what: str, vectors: np.ndarray) -> np.ndarray:
    """``vectors`` as C-contiguous float32; ``what`` starts the error message (usually the path)."""
    if vectors.dtype.kind not in "biuf" or vectors.dtype.fields is not None:
        raise UserError(f"{what}: non-numeric data (dtype {vectors.dtype}); embeddings must be numbers")
    if vectors.ndim != 2:
        shape = vectors.shape
        raise UserError(f"{what}: embeddings must be a 2-D array (N rows x D dimensions), not shape {shape}")
    if vectors.shape[0] == 0 or vectors.shape[1] == 0:
        raise UserError(f"{what}: no embeddings (the array is empty, shape {vectors.shape})")
    with np.errstate(over="ignore", invalid="ignore"):
        out = np.ascontiguousarray(vectors, dtype=np.float32)
    bad = ~np.isfinite(out).all(axis=1)
    if bad.any():
        kind = "values too large for float32" if np.isfinite(vectors[bad]).all() else "NaN or infinite values"
        first = int(np.argmax(bad))
        raise UserError(f"{what}: {kind} in {int(bad.sum())} of {len(out)} rows (first at index {first})")
    return out


def _apply_metadata(ds: Dataset, header: list[str], columns: list[list[str]], skip: set[int]) -> None:
    """Fill labels, paths, attributes and categories of ``ds`` from CSV columns."""
    for j, name in enumerate(header):
        if j in skip:
            continue
        cells = columns[j]
        low = name.lower()
        if low == "label":
            ds.labels, ds.label_names = _codes(cells)
        elif low == "path":
            ds.paths = [c.strip() for c in cells]
        else:
            numbers = _as_numbers(cells)
            if numbers is not None:
                ds.attributes[name] = numbers
            else:
                ds.categories[name], ds.category_names[name] = _codes(cells)


# ----------------------------------------------------------------------------- loading


def _load_npy(path: Path) -> Dataset:
    try:
        with open(path, "rb") as f:
            if f.read(6) != b"\x93NUMPY":  # also catches .npz and pickles renamed to .npy
                raise UserError(f"{path} is not a valid .npy file")
            f.seek(0)
            arr = np.load(f, allow_pickle=False)
    except ValueError as exc:
        if "pickle" in str(exc).lower():
            raise UserError(f"{path} holds Python objects, not numbers; it was refused") from None
        raise UserError(f"{path} is not a valid .npy file ({exc})") from None
    except (OSError, EOFError) as exc:
        raise UserError(f"{path} is not a valid .npy file ({exc})") from None
    vectors = _check_vectors(str(path), arr)
    ds = Dataset(images=None, vectors=vectors)
    side = sidecar_path(path)
    if side.is_file():
        header, body = _read_csv(side)
        if len(body) != len(vectors):
            counts = f"{len(body)} rows but {path.name} has {len(vectors)} vectors"
            raise UserError(f"{side} has {counts}; they must match row by row")
        columns = [list(col) for col in zip(*body)] if body else [[] for _ in header]
        _apply_metadata(ds, header, columns, skip=set())
    return ds


def _load_csv(path: Path) -> Dataset:
    header, body = _read_csv(path)
    if not body:
        raise UserError(f"{path} is empty (a header row but no data rows)")
    columns = [list(col) for col in zip(*body)]
    meta = {j for j, h in enumerate(header) if h.lower() in META_COLUMNS}
    z_cols = sorted((int(m.group(1)), j) for j, h in enumerate(header) if (m := _Z_RE.match(h)))
    numbers = {j: _as_numbers(columns[j]) for j in range(len(header)) if j not in meta}
    if z_cols:
        vec_cols = [j for _, j in z_cols]
        for j in vec_cols:
            if numbers[j] is None:
                raise UserError(f"{path}: vector column {header[j]!r} contains non-numeric values")
    else:
        vec_cols = [j for j, v in numbers.items() if v is not None]
    if not vec_cols:
        raise UserError(f"{path} has no numeric columns to use as embedding dimensions")
    vectors = _check_vectors(str(path), np.stack([numbers[j] for j in vec_cols], axis=1))
    ds = Dataset(images=None, vectors=vectors)
    _apply_metadata(ds, header, columns, skip=set(vec_cols))
    return ds


def load_embeddings(path: str | os.PathLike) -> Dataset:
    """Load precomputed vectors from ``.npy`` (+ optional ``<stem>.meta.csv``) or ``.csv``."""
    p = Path(path)
    if not p.exists():
        raise UserError(f"embeddings file {p} does not exist")
    if not p.is_file():
        raise UserError(f"{p} is a folder, not an embeddings file")
    ext = p.suffix.lower()
    if ext == ".npy":
        ds = _load_npy(p)
    elif ext == ".csv":
        ds = _load_csv(p)
    else:
        fmt = ext or "(no extension)"
        raise UserError(f"{p}: unsupported embeddings format {fmt!r}; use .npy or .csv")
    n, d = ds.vectors.shape
    ds.source = {"kind": "embeddings", "path": str(p.resolve()), "n": int(n), "dim": int(d)}
    return ds


# ----------------------------------------------------------------------------- saving


def _fmt(x: float) -> str:
    """The shortest text that reads back as the same float (0.4121, not 0.41210000000000002);
    NaN (a missing attribute) is an empty cell."""
    return "" if x != x else repr(float(x))


def _write_text(path: Path, header: list[str], rows) -> None:
    def write(f) -> None:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)

    try:
        atomic_write(path, write, text=True)
    except OSError as exc:
        raise UserError(f"cannot save embeddings to {path}: {exc.strerror or exc}") from None


def save_embeddings(
    path: str | os.PathLike,
    vectors: np.ndarray,
    labels: list[str | None] | None = None,
    paths: list[str] | None = None,
    attributes: dict[str, np.ndarray] | None = None,
    categories: dict[str, list[str | None]] | None = None,
) -> Path:
    """Write vectors (and per-row metadata) so that :func:`load_embeddings` reads them back.

    ``.npy`` writes the array plus ``<stem>.meta.csv`` when there is metadata (a stale sidecar
    is removed when there is none); ``.csv`` writes one file with columns
    ``path, label, <attributes>, <categories>, z0..z{D-1}``. Returns the path written.
    """
    p = Path(path)
    ext = p.suffix.lower()
    if ext not in (".npy", ".csv"):
        raise UserError(f"{p}: embeddings can be saved as .npy or .csv, not {ext or '(no extension)'!r}")
    vec = _check_vectors(f"cannot save embeddings to {p}", np.asarray(vectors))
    n, d = vec.shape
    attributes = {k: np.asarray(v, dtype=np.float64) for k, v in (attributes or {}).items()}
    categories = dict(categories or {})
    meta_header: list[str] = []
    meta_cols: list[list[str]] = []
    for name, col in (("path", paths), ("label", labels)):
        if col is not None:
            if len(col) != n:
                raise UserError(f"{len(col)} {name}s given for {n} vectors")
            meta_header.append(name)
            meta_cols.append(["" if v is None else str(v) for v in col])
    for name, arr in attributes.items():
        if arr.shape != (n,):
            raise UserError(f"attribute {name!r} has shape {arr.shape}, expected ({n},)")
        meta_header.append(name)
        meta_cols.append([_fmt(x) for x in arr.tolist()])
    for name, vals in categories.items():
        if len(vals) != n:
            raise UserError(f"category {name!r} has {len(vals)} values for {n} vectors")
        meta_header.append(name)
        meta_cols.append(["" if v is None else str(v) for v in vals])
    lowered = [h.lower() for h in meta_header]
    for name in list(attributes) + list(categories):
        reserved = name.lower() in META_COLUMNS or _Z_RE.match(name)
        if not name or name != name.strip() or reserved or lowered.count(name.lower()) > 1:
            raise UserError(f"column name {name!r} is reserved or repeated; choose another")
    if ext == ".npy":
        side = sidecar_path(p)
        try:
            atomic_write(p, lambda f: np.save(f, vec, allow_pickle=False))
            if not meta_header:
                side.unlink(missing_ok=True)
        except OSError as exc:
            raise UserError(f"cannot save embeddings to {p}: {exc.strerror or exc}") from None
        if meta_header:
            _write_text(side, meta_header, zip(*meta_cols))
    else:
        header = meta_header + [f"z{k}" for k in range(d)]

        def rows():
            for i, row in enumerate(vec.tolist()):
                yield [c[i] for c in meta_cols] + ["%.9g" % x for x in row]

        _write_text(p, header, rows())
    return p
