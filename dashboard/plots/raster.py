"""A map as a picture and its level line as a path, for figures that change them in the
browser without plotly redrawing the whole figure (the training lab's playback).

A heatmap changed by an animation frame makes plotly redraw the whole figure, and
midway through that redraw every heatmap is missing from the page (measured in
Chromium on the training lab's playback: ~470 ms a frame, the heatmaps gone at 5-10% of
the moments the page could paint: they blinked). A layout image and a path shape change
in place, in ~20 ms, and nothing else is touched. No streamlit,
no plotly: numpy and the standard library.
"""

from __future__ import annotations

import base64
import struct
import zlib
from collections.abc import Sequence

import numpy as np

MISSING_RGB = (153, 153, 153)  # a grid point without a number (overflow): neutral grey


def _hex_rgb(color: str) -> np.ndarray:
    return np.array([int(color[i : i + 2], 16) for i in (1, 3, 5)], dtype=float)


def tint(values: np.ndarray, stops: Sequence[tuple[float, str]]) -> np.ndarray:
    """(rows, cols, 3) uint8 colors of values in [0, 1] on a piecewise-linear color scale
    given as (position, "#RRGGBB") stops from 0 to 1, as plotly draws a colorscale; NaN
    as MISSING_RGB."""
    where = np.array([p for p, _ in stops])
    colors = np.stack([_hex_rgb(c) for _, c in stops])
    clean = np.clip(np.nan_to_num(values, nan=0.0), 0.0, 1.0)
    rgb = np.stack([np.interp(clean, where, colors[:, i]) for i in range(3)], axis=-1)
    rgb[np.isnan(values)] = MISSING_RGB
    return np.round(rgb).astype(np.uint8)


def png_data_url(rgb: np.ndarray) -> str:
    """An (rows, cols, 3) uint8 picture as a PNG data URL, row 0 at the top."""
    rows, cols, _ = rgb.shape
    raw = b"".join(b"\x00" + rgb[r].tobytes() for r in range(rows))  # filter 0 per row

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", cols, rows, 8, 2, 0, 0, 0)  # 8-bit RGB
    data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
    data += chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")
    return "data:image/png;base64," + base64.b64encode(data).decode("ascii")


def _crossings(a: np.ndarray, b: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """Where the edge from a to b crosses level: (crosses?, fraction of the way to b)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        crosses = (a - level) * (b - level) < 0
        t = np.where(crosses, (level - a) / np.where(crosses, b - a, 1.0), 0.0)
    return crosses, t


def level_path(
    z: np.ndarray,
    xs: np.ndarray,
    ys: np.ndarray,
    level: float = 0.5,
    digits: int = 3,
    most: int | None = None,
) -> str:
    """The line where z crosses level, as an SVG path in data coordinates ("M x,y L x,y"
    per piece; "" if it nowhere does). z[i, j] is at (xs[j], ys[i]); marching squares
    with linear interpolation along each cell's edges; a cell crossed on all four edges
    (a saddle) gets two pieces. Cells with a NaN corner are skipped. most: at most this
    many pieces, else "" (a map as speckled as that has no line worth drawing, and its
    path would outweigh everything else sent)."""
    z = np.asarray(z, dtype=float)
    bl, br, tl, tr = z[:-1, :-1], z[:-1, 1:], z[1:, :-1], z[1:, 1:]
    x0, x1 = xs[:-1][None, :], xs[1:][None, :]
    y0, y1 = ys[:-1][:, None], ys[1:][:, None]
    edges = []  # per edge of every cell: (crosses, x, y), in order bottom, right, top, left
    for a, b, ax, ay, bx, by in (
        (bl, br, x0, y0, x1, y0),
        (br, tr, x1, y0, x1, y1),
        (tl, tr, x0, y1, x1, y1),
        (bl, tl, x0, y0, x0, y1),
    ):
        crosses, t = _crossings(a, b, level)
        edges.append((crosses, ax + t * (bx - ax), ay + t * (by - ay)))
    crossed = np.stack([e[0] for e in edges], axis=-1)  # (rows-1, cols-1, 4)
    px = np.stack([np.broadcast_to(e[1], bl.shape) for e in edges], axis=-1)
    py = np.stack([np.broadcast_to(e[2], bl.shape) for e in edges], axis=-1)
    cells = np.nonzero(crossed.sum(axis=-1) >= 2)
    if most is not None and len(cells[0]) > most:
        return ""
    # Each cell's crossed sides in order, paired first with second, third with fourth
    # (a cell has 2 or 4: a corner at level or NaN crosses neither of its edges). Arrays, not a
    # loop per cell: the training lab's playback draws 124 of these lines per new run.
    chosen = crossed[cells]  # (cells, 4)
    cell, side = np.nonzero(chosen)  # by cell, then side
    counts = chosen.sum(axis=-1)
    rank = np.arange(len(cell)) - np.repeat(np.cumsum(counts) - counts, counts)
    first = np.flatnonzero((rank % 2 == 0) & np.append(cell[1:] == cell[:-1], False))
    i, j = cells[0][cell[first]], cells[1][cell[first]]
    ends = [(px[i, j, side[n]].tolist(), py[i, j, side[n]].tolist()) for n in (first, first + 1)]
    (ax, ay), (bx, by) = ends
    return "".join(
        f"M{a:.{digits}f},{b:.{digits}f}L{c:.{digits}f},{d:.{digits}f}"
        for a, b, c, d in zip(ax, ay, bx, by, strict=True)
    )
