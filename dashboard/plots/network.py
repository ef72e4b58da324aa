"""The figures of the home page and the worked example: the course's 2-2-1 network with
its numbers (forward values or backward blame) and the error while training on the
course's one example. No streamlit here.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from core.worked_example import WorkedStep
from dashboard.plots.format import fmt, fmt_signed
from dashboard.plots.style import (
    BADGE_BORDER,
    BADGE_FILL,
    BADGE_TEXT,
    CHART_HEIGHT,
    FONT_SIZE,
    LEGEND_MARGIN_BOTTOM,
    MEASURED_COLOR,
    OKABE_ITO,
    SMALL_FONT_SIZE,
    THEORY_COLOR,
    base_layout,
    legend_below,
    spans_decades,
)

# The 2-2-1 diagram: neutral wiring, blue for the backward (blame) pass, orange for
# whatever the current step is about.
EDGE_COLOR = OKABE_ITO["grey"]
BACKWARD_COLOR = OKABE_ITO["blue"]
HIGHLIGHT_COLOR = OKABE_ITO["orange"]
DIMMED_OPACITY = 0.5  # 0.35 left the other wires barely visible on the dark theme

EDGE_FONT_SIZE = 11
DIAGRAM_HEIGHT = 380
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


# --- the course's 2-2-1 network -------------------------------------------------------
UNKNOWN = "?"  # a number the student has not been shown yet


@dataclass(frozen=True)
class _Numbers:
    """A pass's numbers as the diagram writes them: "?" for those not revealed (None:
    every number is)."""

    step: WorkedStep
    revealed: frozenset[str] | None

    def shown(self, name: str) -> bool:
        return self.revealed is None or name in self.revealed

    def text(self, name: str, signed: bool = False) -> str:
        if not self.shown(name):
            return UNKNOWN
        value = getattr(self.step, name)
        return fmt_signed(value) if signed else fmt(value)


def _node_text(numbers: _Numbers, view: str) -> dict[str, tuple[str, str]]:
    """Per node: (text above it, text below it)."""
    step, t = numbers.step, numbers.text
    inputs = {
        "x1": (f"x<sub>1</sub> = {fmt(step.x1)}", ""),
        "x2": ("", f"x<sub>2</sub> = {fmt(step.x2)}"),
    }
    if view == FORWARD:
        return inputs | {
            "h1": (f"a<sub>1</sub> = {t('a1')}<br>h<sub>1</sub> = {t('h1')}", ""),
            "h2": ("", f"a<sub>2</sub> = {t('a2')}<br>h<sub>2</sub> = {t('h2')}"),
            "out": (
                f"b = {t('b')}<br>ŷ = {t('y_hat')}",
                f"target y = {fmt(step.y)}<br>error E = {t('E')}",
            ),
        }
    miss = fmt(step.y - step.y_hat) if numbers.shown("y_hat") else UNKNOWN
    return inputs | {
        "h1": (f"δ<sub>1</sub> = {t('delta1')}", ""),
        "h2": ("", f"δ<sub>2</sub> = {t('delta2')}"),
        "out": (f"δ<sub>out</sub> = {t('delta_out')}", f"y − ŷ = {miss}"),
    }


def _edge_text(numbers: _Numbers, view: str, edge: str) -> str:
    if view == FORWARD:
        return f"{EDGE_NAMES[edge]} = {fmt(numbers.step.weight(edge))}"
    return f"Δ{EDGE_NAMES[edge]} = {numbers.text('d' + edge, signed=True)}"


def network_figure(
    step: WorkedStep,
    view: str = FORWARD,
    highlight: Collection[str] = (),
    revealed: Collection[str] | None = None,
) -> go.Figure:
    """The 2-2-1 network with its numbers.

    view "forward": a, h, b, y_hat (and y, E) at the nodes, the weights on the edges.
    view "backward": the deltas at the nodes, the updates on the edges, each edge's
    width proportional to |update| (the widest edge has the largest update).
    highlight: node names (x1, x2, h1, h2, out) and edge names (w11, w12, w21, w22, v1,
    v2) to draw in the highlight color; everything else is dimmed.
    revealed: the WorkedStep fields whose numbers are shown (a1, ..., y_hat, E,
    delta_out, ..., dv1, ..., dw22); the others read "?", and a hidden update's wire
    keeps the thinnest width, so that no width gives it away. None shows every number.
    What is given (the inputs, the weights, the target) is always shown.
    Traces: one line per edge (6, in EDGES order), then one trace for the nodes.
    """
    if view not in (FORWARD, BACKWARD):
        raise ValueError(f"view must be {FORWARD!r} or {BACKWARD!r}; got {view!r}")
    unknown = set(highlight) - set(NODE_POSITIONS) - set(EDGES)
    if unknown:
        raise ValueError(f"unknown names to highlight: {sorted(unknown)}")
    numbers = _Numbers(step, None if revealed is None else frozenset(revealed))
    highlight = set(highlight)
    fig = go.Figure()
    _draw_edges(fig, numbers, view, highlight)
    _draw_nodes(fig, numbers, view, highlight)
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


def _draw_edges(fig: go.Figure, numbers: _Numbers, view: str, highlight: set[str]) -> None:
    """One line per edge, in EDGES order, each with its number on a badge."""
    dim = bool(highlight)
    sizes = {e: abs(numbers.step.update(e)) if numbers.shown("d" + e) else 0.0 for e in EDGES}
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
        label = _edge_text(numbers, view, edge)
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


def node_trace(highlight: Collection[str] = ()) -> go.Scatter:
    """The five nodes as one trace: named circles, the highlighted ones in orange."""
    names = list(NODE_POSITIONS)
    return go.Scatter(
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


def _draw_nodes(fig: go.Figure, numbers: _Numbers, view: str, highlight: set[str]) -> None:
    """One trace for the nodes, then each node's numbers on badges above and below it."""
    fig.add_trace(node_trace(highlight))
    for n, (above, below) in _node_text(numbers, view).items():
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
TRAJECTORY_HEIGHT = 460
PREDICTION_COLOR = OKABE_ITO["vermillion"]
MAX_POINTS = 400  # per curve; a longer run is drawn by its lowest and highest points


def thin(values: Sequence[float]) -> tuple[list[int], list[float]]:
    """(update numbers, values) to draw: every point of a series of up to MAX_POINTS;
    beyond that, the first and the last, and the lowest and highest point of each of
    MAX_POINTS // 2 equal stretches, in order. An error that jumps up and down from one
    update to the next keeps its envelope, which drawing every k-th point would alias
    away; the figure's cost stays the same for 2,000 updates as for 400."""
    values = [float(v) for v in values]
    if len(values) <= MAX_POINTS:
        return list(range(len(values))), values
    series = np.asarray(values)
    edges = np.linspace(0, len(series), MAX_POINTS // 2 + 1).astype(int)
    keep = {0, len(series) - 1}
    for lo, hi in itertools.pairwise(edges):
        keep |= {lo + int(np.argmin(series[lo:hi])), lo + int(np.argmax(series[lo:hi]))}
    steps = sorted(keep)
    return steps, [values[k] for k in steps]


def error_curve_figure(
    errors: Sequence[float], y_hats: Sequence[float] | None = None, target: float | None = None
) -> go.Figure:
    """E after each update (errors[0] = before any update). Log y axis when the errors
    span more than a decade. With y_hats (the prediction after each update, same length)
    and the target: a second panel below, ŷ with the target as a dashed line, over the
    same updates. Traces: E first, then ŷ and the target. Long runs are drawn by their
    lowest and highest points (see thin)."""
    errors = [float(e) for e in errors]
    steps = [0, len(errors) - 1]  # the target line's ends
    mode = "lines+markers" if len(errors) <= 60 else "lines"
    error_steps, error_values = thin(errors)
    error_trace = go.Scatter(
        x=error_steps,
        y=error_values,
        mode=mode,
        line={"color": MEASURED_COLOR, "width": 2.5},
        marker={"size": 6},
        name="error E",
        hovertemplate="after %{x} updates: E = %{y:.4g}<extra></extra>",
        cliponaxis=False,
    )
    log = spans_decades(errors)
    x_title = "Updates applied (0 = the starting weights)"
    y_title = "Error E" + (" (log scale)" if log else "")
    y_axis = {
        "type": "log" if log else "linear",
        "exponentformat": "power",
        "rangemode": "normal" if log else "tozero",
    }
    if y_hats is None:
        fig = go.Figure(error_trace)
        base_layout(fig, "Error after each update", CHART_HEIGHT)
        fig.update_xaxes(title_text=x_title, rangemode="tozero")
        fig.update_yaxes(title_text=y_title, **y_axis)
        return fig
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.1)
    fig.add_trace(error_trace, row=1, col=1)
    y_hat_steps, y_hat_values = thin(y_hats)
    fig.add_trace(
        go.Scatter(
            x=y_hat_steps,
            y=y_hat_values,
            mode=mode,
            line={"color": PREDICTION_COLOR, "width": 2.5},
            marker={"size": 6},
            name="prediction ŷ",
            hovertemplate="after %{x} updates: ŷ = %{y:.4g}<extra></extra>",
            cliponaxis=False,
        ),
        row=2,
        col=1,
    )
    fig.add_trace(
        go.Scatter(
            x=[steps[0], steps[-1]],
            y=[target, target],
            mode="lines",
            line={"color": THEORY_COLOR, "width": 2, "dash": "dash"},
            name="target y",
            hoverinfo="skip",
        ),
        row=2,
        col=1,
    )
    base_layout(fig, "Error and prediction after each update", TRAJECTORY_HEIGHT)
    legend_below(fig, LEGEND_MARGIN_BOTTOM)  # above the plot it ran into the title
    fig.update_xaxes(rangemode="tozero")
    fig.update_xaxes(title_text=x_title, row=2, col=1)
    fig.update_yaxes(title_text=y_title, row=1, col=1, **y_axis)
    fig.update_yaxes(title_text="Prediction ŷ", row=2, col=1)
    return fig
