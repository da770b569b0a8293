"""Read ``attributes.csv``: per-image numbers and categories, aligned with the loaded images.

A damaged CSV only ever produces warnings: attributes are a bonus, never a reason to fail.
"""
from __future__ import annotations

import csv
import io
import math
import os
import posixpath
import unicodedata

import numpy as np

# Markers of a missing value, honoured only in columns that are otherwise numeric
# (in a text column "NA" may well be a real category, e.g. a country code).
_NUMERIC_MISSING = {"na", "n/a", "nan", "null", "none", "-", "?"}
_MAX_EXAMPLES = 3


def normalise_path(text: str) -> str:
    """A CSV path cell as a root-relative posix path: trimmed, '/' separated, no './'."""
    p = text.strip().replace("\\", "/")
    if not p:
        return ""
    p = posixpath.normpath(p)
    while p.startswith("./"):
        p = p[2:]
    return unicodedata.normalize("NFC", p)


def read_attributes(
    csv_path: str | os.PathLike[str], rel_paths: list[str]
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray], dict[str, list[str]], list[str]]:
    """Return ``(continuous, categories, category_names, warnings)`` for ``rel_paths``.

    Continuous columns are float64 with NaN for missing values; categories are int64 codes
    into the sorted ``category_names[column]`` with -1 for missing.
    """
    name = os.path.basename(os.fsdecode(csv_path))
    warnings: list[str] = []
    rows = _read_rows(csv_path, name, warnings)
    if rows is None:
        return {}, {}, {}, warnings
    if not rows or not any(cell.strip() for cell in rows[0]):
        warnings.append(f"{name} is empty: no attributes read")
        return {}, {}, {}, warnings

    index = _PathIndex(rel_paths)
    header = rows[0]
    if index.find(header[0]) is not None:
        warnings.append(
            f"{name} has no header row (its first row names an image): ignored. "
            "Add a first row such as: path,age,kind"
        )
        return {}, {}, {}, warnings
    columns = _column_names(header[1:])
    if not columns:
        warnings.append(f"{name} has only a path column: no attributes read")
        return {}, {}, {}, warnings

    n = len(rel_paths)
    cells: list[list[str]] = [[""] * n for _ in columns]
    unknown: list[str] = []
    duplicates = 0
    seen: set[int] = set()
    for row in rows[1:]:
        if not row or not any(c.strip() for c in row):
            continue
        i = index.find(row[0])
        if i is None:
            unknown.append(row[0].strip())
            continue
        if i in seen:
            duplicates += 1
        seen.add(i)
        for j in range(len(columns)):
            cells[j][i] = row[j + 1].strip() if j + 1 < len(row) else ""

    if unknown:
        examples = ", ".join(repr(u) for u in unknown[:_MAX_EXAMPLES])
        more = ", ..." if len(unknown) > _MAX_EXAMPLES else ""
        warnings.append(
            f"{len(unknown)} row(s) in {name} name images that were not loaded ({examples}{more})"
        )
    if duplicates:
        warnings.append(f"{duplicates} image(s) appear more than once in {name}: the last row was used")
    missing = n - len(seen)
    if seen and missing:
        warnings.append(f"{missing} loaded image(s) have no row in {name}")

    continuous: dict[str, np.ndarray] = {}
    categories: dict[str, np.ndarray] = {}
    category_names: dict[str, list[str]] = {}
    for col, values in zip(columns, cells):
        if not any(values):
            if n:
                warnings.append(f"column '{col}' of {name} has no values for the loaded images")
            continue
        numbers = _as_numbers(values)
        if numbers is not None:
            continuous[col] = numbers
        else:
            names = sorted({v for v in values if v})
            code = {v: k for k, v in enumerate(names)}
            categories[col] = np.array([code.get(v, -1) for v in values], dtype=np.int64)
            category_names[col] = names
    return continuous, categories, category_names, warnings


def _read_rows(csv_path, name: str, warnings: list[str]) -> list[list[str]] | None:
    try:
        with open(csv_path, newline="", encoding="utf-8-sig") as f:
            text = f.read()
    except UnicodeDecodeError:
        warnings.append(f"{name} is not UTF-8 text: ignored (save it as 'CSV UTF-8')")
        return None
    except OSError as exc:
        warnings.append(f"{name} could not be read ({exc.strerror or exc}): ignored")
        return None
    if "\x00" in text:
        warnings.append(f"{name} is not a text file: ignored")
        return None
    first_line = text.split("\n", 1)[0]
    # Spreadsheets in many locales export ';' or tab separated "CSV".
    delimiter = max([",", ";", "\t"], key=first_line.count)
    if first_line.count(delimiter) == 0:
        delimiter = ","
    try:
        return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        warnings.append(f"{name} is not a valid CSV file ({exc}): ignored")
        return None


def _column_names(raw: list[str]) -> list[str]:
    names: list[str] = []
    for k, cell in enumerate(raw):
        base = cell.strip() or f"column {k + 2}"
        name, n = base, 2
        while name in names:
            name, n = f"{base} ({n})", n + 1
        names.append(name)
    return names


def _as_numbers(values: list[str]) -> np.ndarray | None:
    out = np.full(len(values), np.nan, dtype=np.float64)
    any_number = False
    for i, v in enumerate(values):
        if not v:
            continue
        try:
            x = float(v)
        except ValueError:
            if v.lower() in _NUMERIC_MISSING:
                continue
            return None
        if math.isfinite(x):
            out[i] = x
            any_number = True
    return out if any_number else None


class _PathIndex:
    """Match CSV paths to loaded ones: exact first, then ignoring case if that is unambiguous."""

    def __init__(self, rel_paths: list[str]) -> None:
        self.exact: dict[str, int] = {}
        folded: dict[str, list[int]] = {}
        for i, p in enumerate(rel_paths):
            key = unicodedata.normalize("NFC", p)
            self.exact.setdefault(key, i)
            folded.setdefault(key.casefold(), []).append(i)
        self.folded = {k: v[0] for k, v in folded.items() if len(v) == 1}

    def find(self, cell: str) -> int | None:
        p = normalise_path(cell)
        if not p:
            return None
        i = self.exact.get(p)
        return i if i is not None else self.folded.get(p.casefold())
