"""The training lab's playback: one figure that replays a training run in the browser.

Plotly animation frames, one per snapshot that core recorded during the run
(core.checkpoints), with Play / Pause buttons and a step slider: the browser steps
through them itself, with no call to the server per frame. Top row: the loss and the
accuracy of every network over the whole run, with a marker on each line at the shown
step; then a row per network: its decision map at that step (left) and its gradient
map over the whole run (right); a vertical line marks the step on the curves and the
gradient maps. The fixed parts are in dashboard.plots.playback_parts. No streamlit.

The frames are most of the figure's bytes: a frame carries only what changes (each
map's values, the markers, the titles and the step lines; plotly merges it into the
traces), and a map goes as whole percents, one byte a grid point (uint8, which plotly
sends as base64). The frames are plain dicts: plotly.py's validation of 30 frames of
go objects took 1.2 s of the figure's 1.9 s.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from core.checkpoints import Checkpoints
from core.experiments import TrainingResult
from dashboard.plots import playback_parts as parts
from dashboard.plots.format import fmt
from dashboard.plots.style import (
    BADGE_TEXT,
    FONT_SIZE,
    MARGIN,
    THEORY_COLOR,
    base_layout,
    variant_symbol,
)
from dashboard.plots.training import TRAIN_CLASS_TINTS, _train_color, training_variant_label

PLAY_PERCENT_DTYPE = np.uint8
NOW_LINE = {"color": THEORY_COLOR, "width": 2, "dash": "dot"}
PLAY_MARKER_SIZE = 11


def frame_steps(result: TrainingResult) -> tuple[int, ...]:
    """The steps of the playback's frames: the snapshots of the run that got furthest
    (every network of a run has the same schedule; a diverged one stops early)."""
    runs = [r.checkpoints for r in result.runs.values() if r.checkpoints is not None]
    return max((c.steps for c in runs), key=len, default=(0,))


def _shown(snaps: Checkpoints | None, step: int) -> int | None:
    """The snapshot a network shows at a frame's step: its last one at or before it."""
    if snaps is None:
        return None
    before = [k for k, s in enumerate(snaps.steps) if s <= step]
    return before[-1] if before else None


def percent_map(prob: np.ndarray) -> np.ndarray:
    """A map as whole percents, one byte each; float with gaps where it has any (a
    network whose weights overflowed far from the data)."""
    percent = np.round(np.asarray(prob, dtype=np.float32) * 100)
    if np.isnan(percent).any():
        return percent
    return percent.astype(PLAY_PERCENT_DTYPE)


def _map_frame(result: TrainingResult, variant: str, step: int) -> list[dict]:
    """What changes on a network's map at a step: the tinted probability and its 50%
    line (empty when it has no snapshot yet)."""
    snaps = result.runs[variant].checkpoints
    k = _shown(snaps, step)
    if k is None:
        return [{"type": "heatmap", "z": [[None]]}, {"type": "contour", "z": [[None]]}]
    z = percent_map(snaps.grid_prob[k])
    hover = (
        f"{training_variant_label(variant)}, step {snaps.steps[k]}<br>x₁ = %{{x:.2f}}, "
        "x₂ = %{y:.2f}<br>P(orange class) = %{z}%<extra></extra>"
    )
    return [{"type": "heatmap", "z": z, "hovertemplate": hover}, {"type": "contour", "z": z}]


def _marker_frame(result: TrainingResult, variant: str, step: int) -> list[dict]:
    """What changes on the curves at a step: the network's loss and accuracy there."""
    snaps = result.runs[variant].checkpoints
    k = _shown(snaps, step)
    if k is None:
        return [{"type": "scatter", "x": [], "y": []}] * 2
    at, label = snaps.steps[k], training_variant_label(variant)
    return [
        {
            "type": "scatter",
            "x": [at],
            "y": [snaps.loss[k]],
            "hovertemplate": f"{label}<br>step {at}: loss {fmt(snaps.loss[k])}<extra></extra>",
        },
        {
            "type": "scatter",
            "x": [at],
            "y": [snaps.accuracy[k]],
            "hovertemplate": (
                f"{label}<br>step {at}: {fmt(100 * snaps.accuracy[k])}% correct<extra></extra>"
            ),
        },
    ]


def _frame_data(result: TrainingResult, names: Sequence[str], step: int) -> list[dict]:
    """The dynamic traces at a step: every network's map, then every network's markers
    (the order of the figure's first traces)."""
    data: list[dict] = []
    for variant in names:
        data += _map_frame(result, variant, step)
    for variant in names:
        data += _marker_frame(result, variant, step)
    return data


def _map_title(result: TrainingResult, variant: str, step: int) -> str:
    """A map's title at a step: the network and how it does at that step."""
    run = result.runs[variant]
    label = training_variant_label(variant)
    k = _shown(run.checkpoints, step)
    if run.diverged_at is not None and step >= run.diverged_at:
        shown = "" if k is None else f"; its map at step {run.checkpoints.steps[k]}"
        return f"{label}<br>diverged at step {run.diverged_at}{shown}"
    if k is None:
        return f"{label}<br>no map at this step"
    return f"{label}<br>{fmt(100 * run.checkpoints.accuracy[k])}% correct at step {step}"


def _titles(result: TrainingResult, names: Sequence[str], step: int) -> list[dict]:
    """Every panel's title at a step, as layout annotations (a frame replaces them all).
    Panel i (row-major, two a row) has the axes x{i+1}, y{i+1}."""
    texts = ["Loss (log scale)", "Points classified correctly"]
    for variant in names:
        texts += [_map_title(result, variant, step), "Gradient of each layer"]
    return [
        {
            "text": text,
            "x": 0,
            "y": 1,
            "xref": f"x{i + 1 if i else ''} domain",
            "yref": f"y{i + 1 if i else ''} domain",
            "xanchor": "left",
            "yanchor": "bottom",
            "align": "left",
            "showarrow": False,
            "font": {"size": FONT_SIZE},
        }
        for i, text in enumerate(texts)
    ]


def _now_lines(count: int, step: int) -> list[dict]:
    """The vertical line at the shown step on the two curves and the count gradient maps
    (the right-hand panels: axes 2, 4, 6, ...; the loss is axis 1)."""
    axes = ["", "2"] + [str(2 * i + 4) for i in range(count)]
    return [
        {
            "type": "line",
            "x0": step,
            "x1": step,
            "y0": 0,
            "y1": 1,
            "xref": f"x{n}",
            "yref": f"y{n} domain",
            "line": NOW_LINE,
        }
        for n in axes
    ]


def step_title(step: int, last: int) -> str:
    """The figure's title at a frame: which step it shows."""
    # Bold as Streamlit draws a figure's title, so that it does not change on the first frame.
    return f"<b>Step {step} of {last}</b>" + (" (before any update)" if step == 0 else "")


def _frame_layout(result: TrainingResult, names: Sequence[str], step: int, last: int) -> dict:
    """What a frame changes in the layout besides its traces (each replaced whole)."""
    return {
        "title": {
            "text": step_title(step, last),
            "font": {"size": FONT_SIZE + 2},
            **parts.TITLE_PLACE,
        },
        "annotations": _titles(result, names, step),
        "shapes": _now_lines(len(names), step),
    }


def _add_dynamic(fig: go.Figure, result: TrainingResult, names: Sequence[str], step: int) -> int:
    """The traces the frames change, as they are at step, styled; returns their number."""
    snaps = {v: result.runs[v].checkpoints for v in names}
    tints = [list(stop) for stop in TRAIN_CLASS_TINTS]
    for row, variant in enumerate(names, start=2):
        heat, line = _map_frame(result, variant, step)
        stride = snaps[variant].stride if snaps[variant] is not None else 1
        grid = {"x": result.grid_x[::stride], "y": result.grid_y[::stride]}
        fig.add_trace(
            go.Heatmap(
                **grid,
                **heat,
                zmin=0,
                zmax=100,
                colorscale=tints,
                showscale=False,
                showlegend=False,
            ),
            row=row,
            col=1,
        )
        contours = {"start": 50, "end": 50, "size": 50, "coloring": "none"}
        line_style = {"color": BADGE_TEXT, "width": 2}
        fig.add_trace(
            go.Contour(
                **grid,
                **line,
                contours=contours,
                line=line_style,
                showscale=False,
                showlegend=False,
            ),
            row=row,
            col=1,
        )
        fig.data[-1].hoverinfo = "skip"
    for variant in names:
        marker = {
            "symbol": variant_symbol(variant),
            "size": PLAY_MARKER_SIZE,
            "color": _train_color(variant),
            "line": {"color": "#FFFFFF", "width": 1},
        }
        for col, trace in enumerate(_marker_frame(result, variant, step), start=1):
            trace = {k: v for k, v in trace.items() if k != "type"}
            fig.add_trace(
                go.Scatter(**trace, mode="markers", marker=marker, showlegend=False),
                row=1,
                col=col,
            )
    return len(fig.data)


def playback_figure(
    result: TrainingResult, variants: Sequence[str] | None = None, frame: int | None = None
) -> go.Figure:
    """The playback of a training run: one frame per step of frame_steps(result), shown
    at frame `frame` (0-based; default the last, the trained networks) until Play.

    Traces: first the dynamic ones (per network its map's heatmap and 50% line, then per
    network its loss and accuracy markers), then the fixed ones (loss and accuracy
    curves, the guessing line, per network the training points and its gradient map).
    Each frame updates the dynamic traces, the panel titles, the title (the step) and the
    step lines; Play runs the frames once, in order, from the shown one (from the first
    when the last is shown), and stops at the last.
    """
    names = list(variants if variants is not None else result.runs)
    steps = frame_steps(result)
    start = len(steps) - 1 if frame is None else frame
    if not 0 <= start < len(steps):
        raise ValueError(f"frame must be 0 to {len(steps) - 1}; got {frame}")
    heights = [parts.PLAY_CURVE_HEIGHT] + [parts.PLAY_ROW_HEIGHT] * len(names)
    plot_height = sum(heights) + (len(heights) - 1) * parts.PLAY_GAP
    fig = make_subplots(
        rows=len(heights),
        cols=2,
        row_heights=heights,
        vertical_spacing=parts.PLAY_GAP / plot_height,
        horizontal_spacing=0.14,
    )
    base_layout(fig, "", parts.PLAY_CONTROLS + plot_height + parts.PLAY_BOTTOM)
    fig.update_layout(margin={**MARGIN, "t": parts.PLAY_CONTROLS, "b": parts.PLAY_BOTTOM})
    dynamic = list(range(_add_dynamic(fig, result, names, steps[start])))
    parts.add_curves(fig, result, names, steps[-1])
    parts.add_maps(fig, result, names)
    parts.axes(fig, result, len(names), steps[-1])
    fig.update_layout(
        **_frame_layout(result, names, steps[start], steps[-1]),
        updatemenus=[parts.buttons(plot_height)],
        sliders=[parts.slider(steps, start, plot_height)],
        legend={"y": parts.paper_y(parts.PLAY_LEGEND_TOP, plot_height), "yanchor": "top"},
    )
    figure = fig.to_dict()
    figure["frames"] = [
        {
            "name": str(k),
            "data": _frame_data(result, names, step),
            "traces": dynamic,
            "layout": _frame_layout(result, names, step, steps[-1]),
        }
        for k, step in enumerate(steps)
    ]
    return go.Figure(figure, _validate=False)  # the frames are plain data, checked by tests
