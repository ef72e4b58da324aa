"""The fixed parts of the training lab's playback figure (dashboard.plots.playback): the
loss and accuracy curves of the whole run, the training points on the maps, the
gradient maps, the axes, and the Play / Pause buttons and the step slider that drive
the frames in the browser. No streamlit.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd
import plotly.graph_objects as go

from core.experiments import TrainingResult
from dashboard.plots.format import fmt
from dashboard.plots.panels import PANEL_TITLE_LINE
from dashboard.plots.style import (
    BADGE_BORDER,
    BADGE_FILL,
    BADGE_TEXT,
    FONT_SIZE,
    OKABE_ITO,
    THEORY_COLOR,
    nice_log_ticks,
)
from dashboard.plots.training import (
    TRAIN_CHANCE_ACCURACY,
    TRAIN_LOSS_TITLES,
    TRAIN_NICE_TICKS_SPAN,
    _train_color,
    add_class_points,
    class_points,
    grad_color_range,
    grad_coloraxis,
    grad_heatmap,
    training_variant_label,
)

# Pixels unless said. From the top: the buttons, the slider under the shown step, the
# legend, then the panels (each under a title of up to two lines) and the color bar.
PLAY_CURVE_HEIGHT = 200
PLAY_ROW_HEIGHT = 250  # a network's row: its map to scale and its gradient map
PLAY_BUTTONS_TOP = 6
PLAY_SLIDER_TOP = 44
PLAY_LEGEND_TOP = 118
PLAY_CONTROLS = 200  # the top margin: everything above the first row's titles (on a
# phone the legend takes three lines)
# Shares of the width: the maps get more (they are drawn to scale, so a narrow column
# shrinks them both ways); between the columns room for the right panels' axis titles.
PLAY_COLUMN_WIDTHS = (0.62, 0.38)
PLAY_COLUMN_GAP = 0.2  # a phone: ~58 px, for "100%" and an axis title
PLAY_BOTTOM = 110  # the last row's axis titles, then the gradient maps' color bar
PLAY_GAP = 60 + 2 * PANEL_TITLE_LINE  # tick labels, an axis title, a two-line title
# Room on each side of a step axis, as a share of the run's length: on a phone the markers
# at the first and the last step were half cut off at the plot's edge.
PLAY_STEP_PAD = 0.07
# A frame's wait while playing. Plotly starts the next frame at the first animation
# frame (every 16.7 ms on a 60 Hz screen) after this wait, which begins once the frame is
# applied (5-15 ms here): 84 ms gives one frame every six screen frames, 10 frames a
# second, 30 frames in 3 s (bench/playback_bench.py measures it in Chromium).
PLAY_FRAME_MS = 84


def paper_y(from_top: int, plot_height: int) -> float:
    """Paper coordinates (1 = the top of the panels) of a point from_top pixels under
    the figure's top edge, in the top margin."""
    return 1 + (PLAY_CONTROLS - from_top) / plot_height


def buttons(y: float, redraw: bool = False) -> dict:
    """Play (from the shown frame to the last, once) and Pause, as opaque badges that
    read the same in the light and the dark theme, their top at paper height y. redraw:
    whether a frame redraws the whole figure (needed when it changes annotations)."""
    play = {
        "frame": {"duration": PLAY_FRAME_MS, "redraw": redraw},
        "transition": {"duration": 0},
        "fromcurrent": True,
        "mode": "immediate",
    }
    pause = {"frame": {"duration": 0, "redraw": False}, "transition": {"duration": 0}}
    return {
        "type": "buttons",
        "direction": "left",
        "showactive": False,
        "x": 0,
        "xanchor": "left",
        "y": y,
        "yanchor": "top",
        "pad": {"l": 0, "t": 0},
        "bgcolor": BADGE_FILL,
        "bordercolor": BADGE_BORDER,
        "font": {"color": BADGE_TEXT, "size": FONT_SIZE},
        "buttons": [
            {"label": "▶ Play", "method": "animate", "args": [None, play]},
            {
                "label": "❚❚ Pause",
                "method": "animate",
                "args": [[None], {**pause, "mode": "immediate"}],
            },
        ],
    }


def slider(
    steps: Sequence[int],
    start: int,
    y: float,
    redraw: bool = False,
    words: tuple[str, str] | None = None,
) -> dict:
    """The step slider, its top at paper height y: one stop per frame, the shown step
    written over it (words: what goes before and after the number; default "Step 36 of
    500"). Its stops' own labels would pile up on a phone: the app's stylesheet hides
    them (dashboard/accessibility.css, by the chart's key). redraw: as for buttons."""
    go_to = {"frame": {"duration": 0, "redraw": redraw}, "transition": {"duration": 0}}
    prefix, suffix = words or ("Step ", f" of {steps[-1]}")
    return {
        "active": start,
        "x": 0,
        "len": 1,
        "xanchor": "left",
        "y": y,
        "yanchor": "top",
        "pad": {"t": 0, "b": 0},
        "currentvalue": {
            "visible": True,
            "prefix": prefix,
            "suffix": suffix,
            "xanchor": "left",
            "offset": 6,
            "font": {"size": FONT_SIZE + 2},
        },
        "font": {"size": FONT_SIZE},
        "bgcolor": BADGE_FILL,
        "bordercolor": BADGE_BORDER,
        "activebgcolor": OKABE_ITO["sky_blue"],
        "ticklen": 4,
        "tickcolor": THEORY_COLOR,
        "minorticklen": 0,
        "transition": {"duration": 0},
        "steps": [
            {
                "label": str(step),
                "method": "animate",
                "args": [[str(k)], {**go_to, "mode": "immediate"}],
            }
            for k, step in enumerate(steps)
        ],
    }


def curve_rows(result: TrainingResult, variant: str) -> pd.DataFrame:
    """A network's loss and accuracy on the whole training set at every step recorded:
    the history's steps and the snapshots' (so that each frame's marker lies on the
    line), by step."""
    run = result.runs[variant]
    rows = run.history[["step", "loss", "accuracy"]]
    snaps = run.checkpoints
    if snaps is not None and snaps.steps:
        taken = pd.DataFrame({"step": snaps.steps, "loss": snaps.loss, "accuracy": snaps.accuracy})
        rows = pd.concat([rows, taken[~taken["step"].isin(rows["step"])]])
    return rows.sort_values("step", kind="stable").reset_index(drop=True)


def add_curves(fig: go.Figure, result: TrainingResult, names: Sequence[str], last: int) -> None:
    """The loss and accuracy of each network over the whole run (the legend names the
    networks), and the 50% a coin flip gets."""
    for variant in names:
        rows = curve_rows(result, variant)
        label = training_variant_label(variant)
        stopped = result.runs[variant].diverged_at
        line = {"color": _train_color(variant), "width": 2}
        name = label if stopped is None else f"{label} (diverged at step {stopped})"
        positive = rows[rows["loss"] > 0]
        fig.add_trace(
            go.Scatter(
                x=positive["step"].to_numpy(),
                y=positive["loss"].to_numpy(),
                mode="lines",
                line=line,
                name=name,
                legendgroup=variant,
                showlegend=True,
                hovertemplate=f"{label}<br>step %{{x}}: loss %{{y:.3g}}<extra></extra>",
            ),
            row=1,
            col=1,
        )
        fig.add_trace(
            go.Scatter(
                x=rows["step"].to_numpy(),
                y=rows["accuracy"].to_numpy(),
                mode="lines",
                line=line,
                name=name,
                legendgroup=variant,
                showlegend=False,
                hovertemplate=f"{label}<br>step %{{x}}: %{{y:.1%}} correct<extra></extra>",
            ),
            row=1,
            col=2,
        )
    fig.add_trace(
        go.Scatter(
            x=[0, last],
            y=[TRAIN_CHANCE_ACCURACY] * 2,
            mode="lines",
            line={"color": THEORY_COLOR, "width": 1.5, "dash": "dash"},
            name="guessing (50%)",
            showlegend=False,
            hoverinfo="skip",
        ),
        row=1,
        col=2,
    )


def add_maps(fig: go.Figure, result: TrainingResult, names: Sequence[str]) -> None:
    """Per network: the training points on its decision map, its gradient map beside it
    (every map on one color scale, as the gradient maps below the playback)."""
    grad_norms = result.grad_norm_frame()
    diverged = {n: r.diverged_at for n, r in result.runs.items() if r.diverged_at is not None}
    points = class_points(result)
    for row, variant in enumerate(names, start=2):
        add_class_points(fig, points, {"row": row, "col": 1}, legend=False)
        rows = grad_norms[grad_norms["variant"] == variant]
        fig.add_trace(grad_heatmap(variant, rows), row=row, col=2)
    fig.update_layout(coloraxis=grad_coloraxis(*grad_color_range(grad_norms, diverged)))


def step_range(last: int) -> list[float]:
    """A step axis from 0 to last, with room on both sides for the markers at the first
    and the last step (on a phone half of each was cut off at the plot's edge)."""
    pad = PLAY_STEP_PAD * max(last, 1)
    return [-pad, max(last, 1) + pad]


def axes(result: TrainingResult, count: int, last: int) -> dict[str, dict]:
    """Axis titles and ranges, as what each axis adds to the finished layout (the form a
    figure's to_dict() gives: merge_axes puts them in): the curves and the gradient maps
    share the step axis; the maps are drawn to scale (circles look round). Given to
    plotly (update_xaxes(row=, col=), or one update_layout), these took a sixth of the
    figure's build, 35 ms of the server's Python thread per new run."""
    loss_title = TRAIN_LOSS_TITLES.get(result.loss, result.loss)
    steps = {"range": step_range(last)}
    loss_axis = {"title": {"text": loss_title}, "type": "log", "exponentformat": "power"}
    losses = [v for v in result.history_frame()["loss"] if math.isfinite(v) and v > 0]
    if losses and max(losses) / min(losses) < TRAIN_NICE_TICKS_SPAN:  # as the loss chart
        ticks = nice_log_ticks(min(losses), max(losses))
        loss_axis.update(tickvals=ticks, ticktext=[fmt(t) for t in ticks])
    found = {
        "xaxis": {"title": {"text": "Training step"}, **steps},
        "xaxis2": {"title": {"text": "Training step"}, **steps},
        "yaxis": loss_axis,
        # No axis title: the panel's title names it, and on a phone one ran into the loss
        # panel.
        "yaxis2": {"tickformat": ".0%", "range": [0, 1.04]},
    }
    top = int(result.grad_norm_frame()["layer"].max()) if count else 1
    x_range = [float(result.grid_x[0]), float(result.grid_x[-1])]
    y_range = [float(result.grid_y[0]), float(result.grid_y[-1])]
    for row in range(2, count + 2):
        map_x, grad_x = 2 * row - 1, 2 * row  # the row's map, then its gradient map
        # No zero lines: drawn over the map picture, one would pass for a 50% line.
        found[f"xaxis{map_x}"] = {
            "range": x_range,
            "constrain": "domain",
            "showgrid": False,
            "zeroline": False,
        }
        found[f"yaxis{map_x}"] = {
            "title": {"text": "x₂"},
            "range": y_range,
            "scaleanchor": f"x{map_x}",
            "scaleratio": 1,
            "constrain": "domain",
            "constraintoward": "top",
            "showgrid": False,
            "zeroline": False,
        }
        found[f"xaxis{grad_x}"] = dict(steps)
        found[f"yaxis{grad_x}"] = {"title": {"text": "Layer"}, "range": [0.5, top + 0.5]}
        if top <= 12:
            found[f"yaxis{grad_x}"]["dtick"] = 1
    if count:
        found[f"xaxis{2 * count + 1}"]["title"] = {"text": "x₁"}
        found[f"xaxis{2 * count + 2}"]["title"] = {"text": "Training step"}
    return found


def merge_axes(layout: dict, found: dict[str, dict]) -> None:
    """Each axis's entries from axes() added to a finished layout's axis (make_subplots
    gave it its domain and anchor)."""
    for name, entries in found.items():
        layout.setdefault(name, {}).update(entries)
