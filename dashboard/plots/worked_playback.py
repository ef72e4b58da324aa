"""The worked example's updates played back in the browser: the course's 2-2-1 network
with its weights, its prediction ŷ and its error E after each update, and E falling
over the updates, driven by the same Play / Pause and slider as the training lab's
playback (dashboard.plots.playback_parts). No streamlit.

A frame changes the diagram's numbers (layout annotations), the marker on the error
curve and the line at the shown update. Annotations change only when plotly redraws the
whole figure, which for this small figure (lines and markers, no heatmap) takes a few
tens of milliseconds and leaves nothing missing in between.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from core.checkpoints import checkpoint_steps
from core.worked_example import TRAJECTORY_COLUMNS, WEIGHT_NAMES
from dashboard.plots import playback_parts as parts
from dashboard.plots.format import fmt
from dashboard.plots.network import EDGE_NAMES, EDGES, NODE_POSITIONS, node_trace, thin
from dashboard.plots.style import (
    BADGE_BORDER,
    BADGE_FILL,
    BADGE_TEXT,
    FONT_SIZE,
    MARGIN,
    MEASURED_COLOR,
    OKABE_ITO,
    SMALL_FONT_SIZE,
    THEORY_COLOR,
    base_layout,
    nice_log_ticks,
    spans_decades,
)

UPDATES_FRAMES = 30  # at most: geometric over the updates, as the training lab's
# Pixels: the buttons and the slider above, the diagram, the error curve.
UPDATES_CONTROLS = 135
UPDATES_DIAGRAM_HEIGHT = 300
UPDATES_CURVE_HEIGHT = 200
UPDATES_GAP = 70
UPDATES_BOTTOM = 60
E_COLUMN, Y_HAT_COLUMN = TRAJECTORY_COLUMNS.index("E"), TRAJECTORY_COLUMNS.index("y_hat")


def _badge(text: str, x: float, y: float, anchor: str = "middle") -> dict:
    """A number on an opaque light badge on the diagram (reads the same in both themes)."""
    return {
        "text": text,
        "x": x,
        "y": y,
        "xref": "x",
        "yref": "y",
        "yanchor": anchor,
        "showarrow": False,
        "bgcolor": BADGE_FILL,
        "bordercolor": BADGE_BORDER,
        "borderwidth": 1,
        "borderpad": 3,
        "font": {"size": SMALL_FONT_SIZE, "color": BADGE_TEXT},
    }


def _numbers(row: np.ndarray, updates: int, x: tuple[float, float], target: float) -> list:
    """The diagram's numbers after `updates` updates (row: a trajectory row), and the
    panel titles, as annotations (a frame replaces them all)."""
    weights = dict(zip(WEIGHT_NAMES, row[2:], strict=True))
    notes = [
        _badge(f"{EDGE_NAMES[edge]} = {fmt(weights[edge])}", *EDGES[edge][2])
        for edge in WEIGHT_NAMES
    ]
    (x1x, x1y), (x2x, x2y), (ox, oy) = (NODE_POSITIONS[n] for n in ("x1", "x2", "out"))
    notes += [
        _badge(f"x<sub>1</sub> = {fmt(x[0])}", x1x, x1y + 0.2, "bottom"),
        _badge(f"x<sub>2</sub> = {fmt(x[1])}", x2x, x2y - 0.2, "top"),
        _badge(f"ŷ = {fmt(row[Y_HAT_COLUMN])}", ox, oy + 0.2, "bottom"),
        _badge(f"target y = {fmt(target)}<br>error E = {fmt(row[E_COLUMN])}", ox, oy - 0.2, "top"),
    ]
    titles = [f"The network after {updates} updates", "Error E after each update"]
    for i, title in enumerate(titles):
        suffix = str(i + 1) if i else ""
        notes.append(
            {
                "text": title,
                "x": 0,
                "y": 1,
                "xref": f"x{suffix} domain",
                "yref": f"y{suffix} domain",
                "xanchor": "left",
                "yanchor": "bottom",
                "showarrow": False,
                "font": {"size": FONT_SIZE},
            }
        )
    return notes


def _now_line(updates: int) -> list[dict]:
    return [
        {
            "type": "line",
            "x0": updates,
            "x1": updates,
            "y0": 0,
            "y1": 1,
            "xref": "x2",
            "yref": "y2 domain",
            "line": {"color": THEORY_COLOR, "width": 2, "dash": "dot"},
        }
    ]


def _frame(rows: np.ndarray, k: int, x: tuple[float, float], target: float) -> dict:
    """What the figure shows after k updates: its layout's numbers and line, and the
    error marker's data."""
    marker = {"type": "scatter", "x": [k], "y": [float(rows[k, E_COLUMN])]}
    layout = {"annotations": _numbers(rows[k], k, x, target), "shapes": _now_line(k)}
    return {"data": [marker], "layout": layout}


def _diagram(fig: go.Figure) -> None:
    """The network's wires and nodes (fixed; their numbers are annotations)."""
    for start, end, _ in EDGES.values():
        (x0, y0), (x1, y1) = NODE_POSITIONS[start], NODE_POSITIONS[end]
        fig.add_trace(
            go.Scatter(
                x=[x0, x1],
                y=[y0, y1],
                mode="lines",
                line={"color": OKABE_ITO["grey"], "width": 2.5},
                hoverinfo="skip",
                showlegend=False,
            ),
            row=1,
            col=1,
        )
    fig.add_trace(node_trace(), row=1, col=1)
    fig.update_xaxes(visible=False, range=[-0.3, 2.85], fixedrange=True, row=1, col=1)
    fig.update_yaxes(visible=False, range=[-0.75, 1.75], fixedrange=True, row=1, col=1)


def updates_playback_figure(
    rows: np.ndarray, x: tuple[float, float], target: float, frame: int | None = None
) -> go.Figure:
    """The updates of the worked example's run played back: rows is
    core.worked_example.trajectory's array (row k: E, ŷ and the six weights after k
    updates). One frame per update number of checkpoint_steps(len(rows) - 1,
    UPDATES_FRAMES) (every update of a short run), shown at `frame` (0-based; default
    the last). Traces: the six wires, the nodes, the error curve, then the error marker
    (the one trace a frame changes, the last)."""
    updates = checkpoint_steps(len(rows) - 1, UPDATES_FRAMES)
    start = len(updates) - 1 if frame is None else frame
    plot_height = UPDATES_DIAGRAM_HEIGHT + UPDATES_GAP + UPDATES_CURVE_HEIGHT
    fig = make_subplots(
        rows=2,
        cols=1,
        row_heights=[UPDATES_DIAGRAM_HEIGHT, UPDATES_CURVE_HEIGHT],
        vertical_spacing=UPDATES_GAP / plot_height,
    )
    base_layout(fig, "", UPDATES_CONTROLS + plot_height + UPDATES_BOTTOM, toolbar=False)
    fig.update_layout(
        margin={**MARGIN, "r": 10, "t": UPDATES_CONTROLS, "b": UPDATES_BOTTOM}, showlegend=False
    )
    _diagram(fig)
    errors = rows[:, E_COLUMN].tolist()
    steps, values = thin(errors)
    fig.add_trace(
        go.Scatter(
            x=steps,
            y=values,
            mode="lines",
            line={"color": MEASURED_COLOR, "width": 2.5},
            hovertemplate="after %{x} updates: E = %{y:.4g}<extra></extra>",
        ),
        row=2,
        col=1,
    )
    first = _frame(rows, updates[start], x, target)
    fig.add_trace(
        go.Scatter(
            **{k: v for k, v in first["data"][0].items() if k != "type"},
            mode="markers",
            marker={"size": 11, "color": MEASURED_COLOR, "line": {"color": "#FFFFFF", "width": 1}},
            hovertemplate="after %{x} updates: E = %{y:.4g}<extra></extra>",
        ),
        row=2,
        col=1,
    )
    log = spans_decades(errors)
    fig.update_yaxes(
        title_text="Error E" + (" (log scale)" if log else ""),
        type="log" if log else "linear",
        exponentformat="power",
        row=2,
        col=1,
    )
    finite = [e for e in errors if np.isfinite(e) and e > 0]
    if log and finite:  # 1-2-5 labels, as the training lab's loss axes
        ticks = nice_log_ticks(min(finite), max(finite))
        fig.update_yaxes(tickvals=ticks, ticktext=[fmt(t) for t in ticks], row=2, col=1)
    fig.update_xaxes(title_text="Updates applied", range=[0, max(len(rows) - 1, 1)], row=2, col=1)
    top = 1 + UPDATES_CONTROLS / plot_height  # the figure's top edge, in paper units
    fig.update_layout(
        **first["layout"],
        updatemenus=[parts.buttons(top - 6 / plot_height, redraw=True)],
        sliders=[
            parts.slider(
                updates, start, top - 44 / plot_height, redraw=True, words=("After ", " updates")
            )
        ],
    )
    marker_trace = len(fig.data) - 1
    figure = fig.to_dict()
    figure["frames"] = [
        {"name": str(k), "traces": [marker_trace], **_frame(rows, n, x, target)}
        for k, n in enumerate(updates)
    ]
    return go.Figure(figure, _validate=False)  # the frames are plain data, checked by tests
