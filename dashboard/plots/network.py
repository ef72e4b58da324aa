"""The figures of the home page and the worked example: the course's 2-2-1 network with
its numbers (forward values or backward blame), the timeline of the fixes, and the error
while training on the course's one example. No streamlit here.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Collection, Sequence

import pandas as pd
import plotly.graph_objects as go

from core.worked_example import WorkedStep
from dashboard.plots.format import fmt, fmt_signed
from dashboard.plots.style import (
    BADGE_BORDER,
    BADGE_FILL,
    BADGE_TEXT,
    CHART_HEIGHT,
    FONT_SIZE,
    MEASURED_COLOR,
    NO_TOOLBAR_MARGIN,
    OKABE_ITO,
    SMALL_FONT_SIZE,
    base_layout,
    spans_decades,
)

# The 2-2-1 diagram: neutral wiring, blue for the backward (blame) pass, orange for
# whatever the current step is about.
EDGE_COLOR = OKABE_ITO["grey"]
BACKWARD_COLOR = OKABE_ITO["blue"]
HIGHLIGHT_COLOR = OKABE_ITO["orange"]
DIMMED_OPACITY = 0.35

EDGE_FONT_SIZE = 11
DIAGRAM_HEIGHT = 380
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
FORWARD, BACKWARD = "forward", "backward"

# Node positions of the course's network (inputs left). The output node also carries
# the target y and the error E, which keeps the picture narrow enough for a phone.
# Spacing and label places are chosen so that nothing overlaps at a phone's width
# (about 350 px of plot): the widest edge label, "Δw11 = +0.00308", needs ~100 px.
NODE_POSITIONS: dict[str, tuple[float, float]] = {
    "x1": (0.0, 1.0),
    "x2": (0.0, 0.0),
    "h1": (1.3, 1.0),
    "h2": (1.3, 0.0),
    "out": (2.4, 0.5),
}
NODE_NAMES: dict[str, str] = {
    "x1": "x<sub>1</sub>",
    "x2": "x<sub>2</sub>",
    "h1": "h<sub>1</sub>",
    "h2": "h<sub>2</sub>",
    "out": "ŷ",
}
# Edge name -> (from node, to node, where its label sits). The v labels sit just inside
# the two wires, clear of the output node's badges above and below it.
EDGES: dict[str, tuple[str, str, tuple[float, float]]] = {
    "w11": ("x1", "h1", (0.65, 1.0)),
    "w12": ("x1", "h2", (0.33, 0.75)),
    "w21": ("x2", "h1", (0.33, 0.25)),
    "w22": ("x2", "h2", (0.65, 0.0)),
    "v1": ("h1", "out", (1.76, 0.64)),
    "v2": ("h2", "out", (1.76, 0.36)),
}
EDGE_NAMES: dict[str, str] = {
    "w11": "w<sub>11</sub>",
    "w12": "w<sub>12</sub>",
    "w21": "w<sub>21</sub>",
    "w22": "w<sub>22</sub>",
    "v1": "v<sub>1</sub>",
    "v2": "v<sub>2</sub>",
}


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
def _node_text(step: WorkedStep, view: str) -> dict[str, tuple[str, str]]:
    """Per node: (text above it, text below it)."""
    if view == FORWARD:
        return {
            "x1": (f"x<sub>1</sub> = {fmt(step.x1)}", ""),
            "x2": ("", f"x<sub>2</sub> = {fmt(step.x2)}"),
            "h1": (f"a<sub>1</sub> = {fmt(step.a1)}<br>h<sub>1</sub> = {fmt(step.h1)}", ""),
            "h2": ("", f"a<sub>2</sub> = {fmt(step.a2)}<br>h<sub>2</sub> = {fmt(step.h2)}"),
            "out": (
                f"b = {fmt(step.b)}<br>ŷ = {fmt(step.y_hat)}",
                f"target y = {fmt(step.y)}<br>error E = {fmt(step.E)}",
            ),
        }
    return {
        "x1": (f"x<sub>1</sub> = {fmt(step.x1)}", ""),
        "x2": ("", f"x<sub>2</sub> = {fmt(step.x2)}"),
        "h1": (f"δ<sub>1</sub> = {fmt(step.delta1)}", ""),
        "h2": ("", f"δ<sub>2</sub> = {fmt(step.delta2)}"),
        "out": (f"δ<sub>out</sub> = {fmt(step.delta_out)}", f"y − ŷ = {fmt(step.y - step.y_hat)}"),
    }


def _edge_text(step: WorkedStep, view: str, edge: str) -> str:
    if view == FORWARD:
        return f"{EDGE_NAMES[edge]} = {fmt(step.weight(edge))}"
    return f"Δ{EDGE_NAMES[edge]} = {fmt_signed(step.update(edge))}"


def network_figure(
    step: WorkedStep, view: str = FORWARD, highlight: Collection[str] = ()
) -> go.Figure:
    """The 2-2-1 network with its numbers.

    view "forward": a, h, b, y_hat (and y, E) at the nodes, the weights on the edges.
    view "backward": the deltas at the nodes, the updates on the edges, each edge's
    width proportional to |update| (the widest edge has the largest update).
    highlight: node names (x1, x2, h1, h2, out) and edge names (w11, w12, w21, w22, v1,
    v2) to draw in the highlight color; everything else is dimmed.
    Traces: one line per edge (6, in EDGES order), then one trace for the nodes.
    """
    if view not in (FORWARD, BACKWARD):
        raise ValueError(f"view must be {FORWARD!r} or {BACKWARD!r}; got {view!r}")
    unknown = set(highlight) - set(NODE_POSITIONS) - set(EDGES)
    if unknown:
        raise ValueError(f"unknown names to highlight: {sorted(unknown)}")
    highlight = set(highlight)
    fig = go.Figure()
    _draw_edges(fig, step, view, highlight)
    _draw_nodes(fig, step, view, highlight)
    title = (
        "Forward pass: values and weights"
        if view == FORWARD
        else "Backward pass: blame δ and updates Δ"
    )
    base_layout(fig, title, DIAGRAM_HEIGHT, toolbar=False)
    fig.update_xaxes(visible=False, range=[-0.3, 2.85], fixedrange=True)
    fig.update_yaxes(visible=False, range=[-0.75, 1.75], fixedrange=True)
    fig.update_layout(title={"font": {"size": SMALL_FONT_SIZE + 1}})
    return fig


def _badge(on: bool, dim: bool) -> dict:
    """A number label's annotation settings: an opaque badge, outlined in the highlight
    color when it is highlighted, faded when something else is."""
    return {
        "showarrow": False,
        "bgcolor": BADGE_FILL,
        "bordercolor": HIGHLIGHT_COLOR if on else BADGE_BORDER,
        "borderwidth": 2 if on else 1,
        "opacity": 1.0 if (on or not dim) else 0.6,
    }


def _draw_edges(fig: go.Figure, step: WorkedStep, view: str, highlight: set[str]) -> None:
    """One line per edge, in EDGES order, each with its number on a badge."""
    dim = bool(highlight)
    sizes = {e: abs(step.update(e)) for e in EDGES}
    largest = max(sizes.values())
    for edge, (start, end, (label_x, label_y)) in EDGES.items():
        (x0, y0), (x1, y1) = NODE_POSITIONS[start], NODE_POSITIONS[end]
        on = edge in highlight
        if view == BACKWARD:
            share = sizes[edge] / largest if largest > 0 and math.isfinite(largest) else 0.0
            width, color = 1.5 + 10.5 * share, BACKWARD_COLOR
        else:
            width, color = 2.5, EDGE_COLOR
        if on:
            width, color = max(width, 4.0), HIGHLIGHT_COLOR
        label = _edge_text(step, view, edge)
        fig.add_trace(
            go.Scatter(
                x=[x0, x1],
                y=[y0, y1],
                mode="lines",
                line={"color": color, "width": width},
                opacity=1.0 if (on or not dim) else DIMMED_OPACITY,
                name=edge,
                hovertext=label,
                hoverinfo="text",
                showlegend=False,
            )
        )
        fig.add_annotation(
            x=label_x,
            y=label_y,
            text=label,
            font={"size": EDGE_FONT_SIZE, "color": BADGE_TEXT},
            borderpad=2,
            **_badge(on, dim),
        )


def _draw_nodes(fig: go.Figure, step: WorkedStep, view: str, highlight: set[str]) -> None:
    """One trace for the nodes, then each node's numbers on badges above and below it."""
    names = list(NODE_POSITIONS)
    fig.add_trace(
        go.Scatter(
            x=[NODE_POSITIONS[n][0] for n in names],
            y=[NODE_POSITIONS[n][1] for n in names],
            mode="markers+text",
            text=[NODE_NAMES[n] for n in names],
            textfont={"size": FONT_SIZE + 1, "color": BADGE_TEXT},
            marker={
                "size": 36,
                "color": BADGE_FILL,
                "opacity": 1.0,
                "line": {
                    "color": [HIGHLIGHT_COLOR if n in highlight else BADGE_BORDER for n in names],
                    "width": [5 if n in highlight else 2 for n in names],
                },
            },
            name="nodes",
            hoverinfo="skip",
            showlegend=False,
        )
    )
    for n, (above, below) in _node_text(step, view).items():
        x, y = NODE_POSITIONS[n]
        for text, dy, anchor in ((above, 0.2, "bottom"), (below, -0.2, "top")):
            if text:
                fig.add_annotation(
                    x=x,
                    y=y + dy,
                    text=text,
                    font={"size": SMALL_FONT_SIZE, "color": BADGE_TEXT},
                    borderpad=3,
                    yanchor=anchor,
                    **_badge(n in highlight, bool(highlight)),
                )


# --- training on the one example --------------------------------------------------------
def error_curve_figure(errors: Sequence[float]) -> go.Figure:
    """E after each update (errors[0] = before any update). Log y axis when the errors
    span more than a decade."""
    errors = [float(e) for e in errors]
    fig = go.Figure(
        go.Scatter(
            x=list(range(len(errors))),
            y=errors,
            mode="lines+markers" if len(errors) <= 60 else "lines",
            line={"color": MEASURED_COLOR, "width": 2.5},
            marker={"size": 6},
            name="error E",
            hovertemplate="after %{x} updates: E = %{y:.4g}<extra></extra>",
            cliponaxis=False,
        )
    )
    log = spans_decades(errors)
    base_layout(fig, "Error after each update", CHART_HEIGHT)
    fig.update_xaxes(title_text="Updates applied (0 = the starting weights)", rangemode="tozero")
    fig.update_yaxes(
        title_text="Error E" + (" (log scale)" if log else ""),
        type="log" if log else "linear",
        exponentformat="power",
        rangemode="normal" if log else "tozero",
    )
    return fig
