"""A class's own 2-D data set: a CSV file of points, read, checked and named by its content.

    points = parse_csv(raw_bytes)      # Refused, saying what is wrong and what is allowed
    points.X, points.y, points.digest  # (n, 2) float64, (n, 1) in {0, 1}, 32 hex characters

The file must be UTF-8 text (a byte-order mark is fine) whose first line names the
columns x1, x2 and label, in any order, and whose every other line holds one point:
two finite numbers and a label. The labels take exactly two values (numbers or short
words); the smaller one, in number order if both are numbers and in text order if not,
becomes class 0. Limits: MAX_BYTES, MIN_POINTS..MAX_POINTS rows, |coordinate| <= MAX_ABS.

The digest names the data, not the file: it is the SHA-256 of the canonical text (the
header, then each row as x1,x2,label with the numbers written back in full precision),
so the same points saved by another program get the same digest. A share link carries
it, and the class database stores the canonical text under it.
"""

from __future__ import annotations

import csv
import hashlib
import math
from dataclasses import dataclass

import numpy as np

from core.limits import Refused

COLUMNS = ("x1", "x2", "label")
MAX_BYTES = 1_000_000
MIN_POINTS = 8  # core.limits.MIN_TRAIN_SAMPLES: fewer cannot fill a training batch
MAX_POINTS = 5000
MAX_ABS = 1e6  # coordinates beyond this overflow the networks' first sums
MAX_LABEL_CHARS = 40
DIGEST_CHARS = 32  # 128 bits of SHA-256: a short link, and no two uploads will collide
ALLOWED = (
    "Allowed: a UTF-8 CSV file of at most 1 MB with the header x1,x2,label (in any order) "
    f"and {MIN_POINTS} to {MAX_POINTS:,} rows below it, each two finite numbers and a "
    "label; the labels take exactly two values."
)
_SPREADSHEETS = {  # how a binary file starts, and what it is
    b"PK\x03\x04": "an Excel or OpenDocument spreadsheet (.xlsx, .ods)",
    b"\xd0\xcf\x11\xe0": "an old Excel spreadsheet (.xls)",
    b"%PDF": "a PDF document",
}


@dataclass(frozen=True, eq=False)
class Points:
    """Checked points. X: (n, 2) float64; y: (n, 1) float64 in {0, 1}; classes: the
    label text of class 0 and of class 1; text: the canonical CSV; digest: its name."""

    X: np.ndarray
    y: np.ndarray
    classes: tuple[str, str]
    text: str
    digest: str

    @property
    def n(self) -> int:
        return len(self.X)


def refuse(problem: str) -> Refused:
    """A refusal that says what is wrong, then what is allowed."""
    return Refused(f"{problem} {ALLOWED}")


def _decode(raw: bytes) -> str:
    if not raw.strip():
        raise refuse("The file is empty.")
    if len(raw) > MAX_BYTES:
        raise refuse(f"The file has {len(raw):,} bytes, more than 1 MB.")
    for magic, kind in _SPREADSHEETS.items():
        if raw.startswith(magic):
            raise refuse(f"This is {kind}, not CSV text: save it as “CSV UTF-8” first.")
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in raw:
        raise refuse("The file is UTF-16 or binary, not UTF-8 text: save it as “CSV UTF-8”.")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise refuse(
            f"The file is not UTF-8 text (byte {exc.start + 1} is not valid UTF-8; a "
            "spreadsheet saved in a local encoding does this): save it as “CSV UTF-8”."
        ) from None


def _shown(value: str) -> str:
    """A value of the file quoted in a message, cut short (messages are shown escaped)."""
    value = value.strip()
    return repr(value if len(value) <= 20 else value[:20] + "…")


def _header(first: list[str], delimiter: str) -> tuple[int, int, int]:
    """The positions of x1, x2 and label in the header row, or Refused."""
    names = [c.strip().lower() for c in first]
    if all(_is_number(c) for c in names if c):
        raise refuse("The first line holds numbers: it must be the header x1,x2,label.")
    if delimiter != ",":
        word = {";": "semicolons", "\t": "tabs"}[delimiter]
        raise refuse(
            f"The values are separated by {word}, not commas (a spreadsheet set to a "
            "language that writes decimal commas saves CSV this way): save it with "
            "commas between values and points as decimal marks."
        )
    missing = [c for c in COLUMNS if c not in names]
    extra = [c for c in names if c not in COLUMNS]
    if len(set(names)) != len(names):
        raise refuse(f"The header names a column twice: {', '.join(map(_shown, first))}.")
    if missing and len(extra) >= len(missing):
        raise refuse(
            f"The header has columns {', '.join(map(_shown, first))}, but the columns must "
            "be named x1, x2 and label, in English (a spreadsheet in another language "
            "may have translated them)."
        )
    if missing:
        raise refuse(f"The header lacks the column{'s' * (len(missing) > 1)} {', '.join(missing)}.")
    if extra:
        raise refuse(f"The header has extra columns: {', '.join(map(_shown, extra))}.")
    return names.index("x1"), names.index("x2"), names.index("label")


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _coordinate(text: str, line: int, column: str) -> float:
    try:
        value = float(text)
    except ValueError:
        comma = " (a decimal comma? use a point)" if _is_number(text.replace(",", ".")) else ""
        raise refuse(
            f"Line {line}, column {column}: {_shown(text)} is not a number{comma}."
        ) from None
    if not math.isfinite(value):
        raise refuse(f"Line {line}, column {column} is {_shown(text)}: values must be finite.")
    if abs(value) > MAX_ABS:
        raise refuse(f"Line {line}, column {column}: {_shown(text)} is beyond ±{MAX_ABS:g}.")
    return value


def _label(text: str, line: int) -> str:
    label = text.strip()
    if not label:
        raise refuse(f"Line {line} has an empty label.")
    if len(label) > MAX_LABEL_CHARS:
        raise refuse(f"Line {line}: the label is longer than {MAX_LABEL_CHARS} characters.")
    if _is_number(label):
        value = float(label)
        if not math.isfinite(value):
            raise refuse(f"Line {line}: the label {_shown(label)} is not a finite number.")
        return repr(value) if value != int(value) else str(int(value))
    return label


Row = tuple[int, list[str]]  # (line number in the file, its values)


def _rows(text: str) -> tuple[list[str], list[Row], str]:
    """The header, the data rows with their line numbers (blank lines dropped), and the
    delimiter, guessed from the first line."""
    lines = text.splitlines()
    first = next((line for line in lines if line.strip()), "")
    delimiter = max((",", ";", "\t"), key=first.count)
    reader = csv.reader(lines, delimiter=delimiter)
    rows = [(reader.line_num, r) for r in reader if any(c.strip() for c in r)]
    if not rows:
        raise refuse("The file is empty.")
    return rows[0][1], rows[1:], delimiter


def _classes(labels: list[str]) -> tuple[str, str]:
    values = sorted(set(labels))
    if all(_is_number(v) for v in values):
        values.sort(key=float)
    if len(values) < 2:
        raise refuse(f"Every row has the label {_shown(values[0])}: two classes are needed.")
    if len(values) > 2:
        shown = ", ".join(map(_shown, values[:5])) + (", …" if len(values) > 5 else "")
        raise refuse(f"The labels take {len(values)} values ({shown}): exactly two are allowed.")
    return values[0], values[1]


def parse_csv(raw: bytes) -> Points:
    """The points in a CSV file's bytes, checked; Refused (a message saying what is wrong
    and what is allowed) for anything else."""
    header, body, delimiter = _rows(_decode(raw))
    i1, i2, il = _header(header, delimiter)
    if len(body) < MIN_POINTS:
        raise refuse(f"The file has {len(body)} rows of points, fewer than {MIN_POINTS}.")
    if len(body) > MAX_POINTS:
        raise refuse(f"The file has {len(body):,} rows of points, more than {MAX_POINTS:,}.")
    coords, labels = [], []
    for n, row in body:
        if len(row) != len(COLUMNS):
            raise refuse(f"Line {n} has {len(row)} values; every line needs 3.")
        coords.append((_coordinate(row[i1], n, "x1"), _coordinate(row[i2], n, "x2")))
        labels.append(_label(row[il], n))
    return points(np.array(coords, dtype=np.float64), labels)


def points(X: np.ndarray, labels: list[str]) -> Points:
    """Points from coordinates (n, 2), finite and within MAX_ABS, and one label text per
    row (two distinct values); Refused otherwise."""
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] != 2 or len(labels) != len(X):
        raise refuse(f"Points need (n, 2) coordinates and n labels; got {X.shape}, {len(labels)}.")
    if not MIN_POINTS <= len(X) <= MAX_POINTS:
        raise refuse(f"There are {len(X)} points.")
    if not (np.isfinite(X).all() and np.abs(X).max() <= MAX_ABS):
        raise refuse("Some coordinates are not finite or beyond ±1e+06.")
    classes = _classes(labels)
    y = np.array([[float(label == classes[1])] for label in labels], dtype=np.float64)
    lines = [",".join(COLUMNS)]
    lines += [
        f"{a!r},{b!r},{_csv_cell(label)}" for (a, b), label in zip(X.tolist(), labels, strict=True)
    ]
    text = "\n".join(lines) + "\n"
    digest = hashlib.sha256(text.encode()).hexdigest()[:DIGEST_CHARS]
    return Points(X, y, classes, text, digest)


def _csv_cell(text: str) -> str:
    """A label as one CSV cell (quoted when it holds a comma, quote or line break)."""
    if any(c in text for c in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def is_digest(text: object) -> bool:
    """Could text name a data set (DIGEST_CHARS lowercase hex characters)?"""
    return (
        isinstance(text, str)
        and len(text) == DIGEST_CHARS
        and all(c in "0123456789abcdef" for c in text)
    )
