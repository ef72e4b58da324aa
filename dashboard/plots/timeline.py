"""The home page's timeline of the fixes for fading blame: one marker per event on a
year axis, labels placed in rows so that none overlaps another on a phone's width.
No streamlit here.
"""

from __future__ import annotations

import textwrap

import pandas as pd
import plotly.graph_objects as go

from dashboard.plots.style import NO_TOOLBAR_MARGIN, OKABE_ITO, SMALL_FONT_SIZE, base_layout

EDGE_COLOR = OKABE_ITO["grey"]  # the axis line and the stems, as the diagram's wiring

# The timeline (pixels unless said): one color and one symbol per kind of event.
TIMELINE_COLORS = tuple(
    OKABE_ITO[c]
    for c in ("blue", "orange", "bluish_green", "reddish_purple", "vermillion", "sky_blue")
)
TIMELINE_SYMBOLS = (
    "circle",
    "square",
    "diamond",
    "triangle-up",
    "triangle-down",
    "star",
    "hexagon",
)
TIMELINE_MARKER_PX = 12
TIMELINE_ROW_PX = 22  # a row of markers and their 12 px labels
TIMELINE_AXIS_PX = 55  # under the plot: the year ticks and the axis title
TIMELINE_MAX_LEVEL = 4  # rows on each side of the axis
TIMELINE_NARROW_PX = 330  # the plot's width on a 390 px phone
TIMELINE_CHAR_PX = 6.5  # an average character of a 12 px label, generously
TIMELINE_GAP_PX = 6  # between a marker and its label
TIMELINE_HOVER_CHARS = 30  # about 190 px a line: fits beside any marker on a phone


# --- home: the timeline ---------------------------------------------------------------
def timeline_figure(events: pd.DataFrame) -> go.Figure:
    """Milestones on a time axis. events: columns year (number), label (short), detail
    (hover text), kind (any string; one marker color and symbol per kind, in order of
    appearance; the hover names it).

    Each label sits beside its marker, on one of up to 2 x TIMELINE_MAX_LEVEL rows above
    and below the axis, placed so that no label runs into another, into a stem or past
    the plot's edge at a phone's width (_timeline_places); wider screens only add room.
    Hover texts are wrapped narrow enough to fit beside any marker on a phone.
    """
    events = events.sort_values("year", kind="stable").reset_index(drop=True)
    x_range = (float(events["year"].min()) - 1.0, float(events["year"].max()) + 1.0)
    levels, sides = _timeline_places(events, x_range)
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=[x_range[0] + 0.1, x_range[1] - 0.1],
            y=[0, 0],
            mode="lines",
            line={"color": EDGE_COLOR, "width": 2},
            hoverinfo="skip",
            showlegend=False,
            name="time axis",
        )
    )
    for i, row in events.iterrows():
        fig.add_shape(
            type="line",
            x0=row["year"],
            x1=row["year"],
            y0=0,
            y1=levels[i],
            line={"color": EDGE_COLOR, "width": 1, "dash": "dot"},
        )
    for kind_index, kind in enumerate(dict.fromkeys(events["kind"])):
        rows = events[events["kind"] == kind]
        fig.add_trace(
            go.Scatter(
                x=rows["year"],
                y=[levels[i] for i in rows.index],
                mode="markers+text",
                marker={
                    "size": TIMELINE_MARKER_PX,
                    "color": TIMELINE_COLORS[kind_index % len(TIMELINE_COLORS)],
                    "symbol": TIMELINE_SYMBOLS[kind_index % len(TIMELINE_SYMBOLS)],
                },
                text=rows["label"],
                textposition=[f"middle {sides[i]}" for i in rows.index],
                textfont={"size": SMALL_FONT_SIZE},
                customdata=[_timeline_hover(r.year, kind, r.detail) for r in rows.itertuples()],
                hovertemplate="%{customdata}<extra></extra>",
                name=kind,
                showlegend=False,
                cliponaxis=False,
            )
        )
    top = max((abs(v) for v in levels), default=1) + 0.8
    base_layout(fig, "When the fixes arrived", _timeline_height(top), toolbar=False)
    span = events["year"].max() - events["year"].min()
    fig.update_xaxes(
        title_text="Year",
        dtick=1 if span <= 8 else 5,
        showgrid=False,
        fixedrange=True,
        range=list(x_range),
    )
    fig.update_yaxes(visible=False, range=[-top, top], fixedrange=True)
    return fig


def _timeline_height(top: float) -> int:
    """The figure's height for a plot from -top to top rows: TIMELINE_ROW_PX a row, plus
    the title above and the year axis below."""
    return round(2 * top * TIMELINE_ROW_PX) + NO_TOOLBAR_MARGIN["t"] + TIMELINE_AXIS_PX


def _timeline_hover(year: int, kind: str, detail: str) -> str:
    """The hover text: year and kind, then the detail in short lines (a long line would
    run off a phone's screen: plotly puts the label beside the point, never across it)."""
    lines = textwrap.wrap(str(detail), TIMELINE_HOVER_CHARS)
    return "<br>".join([f"<b>{year}</b>, {kind}:", *lines])


def _timeline_places(
    events: pd.DataFrame, x_range: tuple[float, float]
) -> tuple[list[int], list[str]]:
    """Per event (in year order): its row (1, 2, ... above the axis, -1, -2, ... below)
    and the side of its marker its label goes ("right", or "left" near the right end).

    Widths are estimated for a phone's plot (TIMELINE_NARROW_PX for the whole year
    range). Each event takes the first row where its marker and label overlap no label
    already placed and where its stem crosses none (else the first where only the label
    is clear; else the last row), trying first the side of the axis opposite the
    previous event's, nearest rows first.
    """
    per_year = TIMELINE_NARROW_PX / (x_range[1] - x_range[0])
    radius = TIMELINE_MARKER_PX / 2 / per_year
    taken: dict[int, list[tuple[float, float]]] = {}  # row -> occupied spans of years
    levels: list[int] = []
    sides: list[str] = []
    for row in events.itertuples():
        x = float(row.year)
        width = (len(str(row.label)) * TIMELINE_CHAR_PX + TIMELINE_GAP_PX) / per_year
        side = "right" if x + radius + width <= x_range[1] else "left"
        span = (
            (x - radius, x + radius + width)
            if side == "right"
            else (x - radius - width, x + radius)
        )
        first = -1 if levels and levels[-1] > 0 else 1
        order = [s * n for n in range(1, TIMELINE_MAX_LEVEL + 1) for s in (first, -first)]
        stem = (x - radius / 2, x + radius / 2)
        level = next(
            (
                v
                for strict in (True, False)
                for v in order
                if _row_is_free(taken, v, span, stem, strict)
            ),
            order[-1],
        )
        taken.setdefault(level, []).append(span)
        for row_crossed in _rows_below(level):
            taken.setdefault(row_crossed, []).append(stem)
        levels.append(level)
        sides.append(side)
    return levels, sides


def _rows_below(level: int) -> range:
    """The rows between the axis and `level`, which its stem crosses."""
    return range(1, level) if level > 0 else range(-1, level, -1)


def _row_is_free(
    taken: dict[int, list[tuple[float, float]]],
    level: int,
    span: tuple[float, float],
    stem: tuple[float, float],
    strict: bool,
) -> bool:
    """Nothing placed on row `level` overlaps span, and (if strict) the stem up to it
    crosses nothing either (a dotted stem through the end of a label is the lesser
    evil, when every row is taken that close to the axis)."""

    def clear(row: int, piece: tuple[float, float]) -> bool:
        return not any(piece[0] < hi and lo < piece[1] for lo, hi in taken.get(row, []))

    stems_clear = not strict or all(clear(row, stem) for row in _rows_below(level))
    return clear(level, span) and stems_clear


# --- the course's 2-2-1 network -------------------------------------------------------
