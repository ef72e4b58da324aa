"""The training lab's figures: loss and accuracy while training, the weight gradients
of every layer as heat maps, and the decision maps, one panel per network. No streamlit.

Every figure takes core.experiments.train_variants' tables (history_frame(),
grad_norm_frame()) or its TrainingResult, draws one trace per network in the network's
color, and draws a divergence as a marked end, never as a blank plot.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from core.experiments import TrainingResult, VariantRun
from dashboard.plots.format import fmt
from dashboard.plots.panels import (
    PANEL_COLUMNS,
    panel_axes,
    panel_cell,
    panel_grid,
    panel_note,
)
from dashboard.plots.style import (
    BADGE_TEXT,
    LEGEND_MARGIN_BOTTOM,
    LINE_MARKER_SIZE,
    LINE_MARKERS,
    OKABE_ITO,
    SMALL_FONT_SIZE,
    THEORY_COLOR,
    VARIANT_COLORS,
    VARIANT_LABELS,
    base_layout,
    legend_below,
    nice_log_ticks,
    variant_symbol,
)

TRAIN_CURVE_HEIGHT = 380
# The maps: one figure per kind, a panel per network (plots.panels); pixels unless said.
TRAIN_HEATMAP_ROW_HEIGHT = 220
TRAIN_BOUNDARY_MAP_WIDTH = 280  # rows fit a map to scale that is this wide
TRAIN_COLORBAR_MARGIN = 110  # the last row's axis title, then the horizontal color bar
TRAIN_BOUNDARY_MARGIN = 50  # the last row's axis title
TRAIN_GRAD_COLORSCALE = "Viridis"  # perceptually uniform and colorblind-safe
# The two classes: points in full color, the background in light tints of the same two
# (blue = class 0, orange = class 1, neutral where the network is undecided).
TRAIN_CLASS_COLORS = (OKABE_ITO["blue"], OKABE_ITO["orange"])
TRAIN_CLASS_SYMBOLS = ("circle", "diamond")  # shape tells the classes apart without color
TRAIN_CLASS_TINTS = ((0.0, "#8DBAD9"), (0.5, "#F4F4F4"), (1.0, "#F3CB73"))
TRAIN_CHANCE_ACCURACY = 0.5  # the toy data sets are balanced (core.datasets)
# Grids and points go to the browser as float32 numpy arrays, which plotly sends as
# base64 binary: plotly.py does not validate them number by number (the four decision
# maps took 78 ms to build from nested lists, 34 ms from arrays), and float32 is half the
# bytes of float64; its 7 digits are far beyond what a color or the 50% line can show.
TRAIN_MAP_DTYPE = np.float32
# Points drawn on each decision map. Each point is an SVG shape, drawn once per panel and
# again when Streamlit re-applies its theme: four maps of 2000 points made the page 0.7 s
# slower in the browser than of 400. The accuracy in each panel's title counts them all.
TRAIN_MAP_MAX_POINTS = 200
TRAIN_LOSS_TITLES = {
    "bce": "Cross-entropy loss",
    "squared_error": "Squared error E",
}
TRAIN_STEP_TITLE = "Training step (0 = before any update)"
TRAIN_NICE_TICKS_SPAN = 1e4  # loss axes spanning less than this get 1-2-5 tick labels
TRAIN_MAX_LOG_TICKS = 8  # wider loss axes: a label every 1, 2, ... decades, at most ~8


def training_variant_label(variant: str) -> str:
    """A network's name as the figures show it ("plain ReLU"); unknown names as given."""
    return VARIANT_LABELS.get(variant, variant)


def _train_color(variant: str) -> str:
    return VARIANT_COLORS.get(variant, OKABE_ITO["grey"])


def _train_runs(history: pd.DataFrame) -> list[tuple[str, pd.DataFrame]]:
    """(variant, its rows sorted by step) in order of first appearance."""
    return [
        (variant, history[history["variant"] == variant].sort_values("step"))
        for variant in dict.fromkeys(history["variant"])
    ]


def _train_curves(
    fig: go.Figure,
    history: pd.DataFrame,
    column: str,
    diverged: dict[str, int],
    hover: str,
) -> None:
    """One line per network, with its marker symbol at LINE_MARKERS points (staggered
    between networks, so that no two sit on top of each other at the start); a diverged
    network's line ends in a cross at its last finite record, and its legend entry says
    when it diverged."""
    runs = _train_runs(history)
    for index, (variant, rows) in enumerate(runs):
        label = training_variant_label(variant)
        stopped = diverged.get(variant)
        name = label if stopped is None else f"{label} (diverged at step {stopped})"
        every = max(1, math.ceil(len(rows) / LINE_MARKERS))
        offset = index * every // len(runs)
        symbols = [variant_symbol(variant)] * len(rows)
        sizes = [LINE_MARKER_SIZE if i % every == offset else 0 for i in range(len(rows))]
        if stopped is not None and len(rows):
            symbols[-1], sizes[-1] = "x", 12
        fig.add_trace(
            go.Scatter(
                x=rows["step"].tolist(),
                y=rows[column].tolist(),
                mode="lines+markers",
                line={"color": _train_color(variant), "width": 2.5},
                marker={"symbol": symbols, "size": sizes, "color": _train_color(variant)},
                name=name,
                legendgroup=variant,
                showlegend=True,  # even alone: the legend names the network
                hovertemplate=f"{label}<br>step %{{x}}: {hover}<extra></extra>",
            )
        )


def _curves_legend(fig: go.Figure) -> None:
    """The legend under the curves; its symbols at one size (most of a line's points
    carry a marker of size 0, which would shrink the legend's sample to a dot)."""
    legend_below(fig, LEGEND_MARGIN_BOTTOM)
    fig.update_layout(legend={"itemsizing": "constant"})


def _train_note_if_empty(fig: go.Figure, history: pd.DataFrame) -> None:
    if len(history) == 0:  # every network diverged before its first record
        fig.add_annotation(
            x=0.5,
            y=0.5,
            xref="paper",
            yref="paper",
            text="Nothing recorded: every network diverged at its first step",
            showarrow=False,
            font={"size": SMALL_FONT_SIZE},
        )


def training_loss_figure(
    history: pd.DataFrame,
    diverged: dict[str, int] | None = None,
    loss: str = "bce",
) -> go.Figure:
    """Loss on the whole training set against the training step, one line per network,
    on a log axis (a loss that keeps falling spans decades; a stuck one stays flat).

    history: columns variant, step, loss (TrainingResult.history_frame()).
    diverged: variant -> the step at which its loss became inf or nan.
    loss: "bce" or "squared_error", for the axis title.
    Loss values of exactly 0 cannot sit on a log axis and are left out of the line.
    """
    diverged = diverged or {}
    fig = go.Figure()
    _train_curves(fig, history, "loss", diverged, "loss %{y:.3g}")
    _train_note_if_empty(fig, history)
    base_layout(fig, "Loss while training (log scale)", TRAIN_CURVE_HEIGHT)
    _curves_legend(fig)
    fig.update_xaxes(title_text=TRAIN_STEP_TITLE, rangemode="tozero")
    fig.update_yaxes(
        title_text=f"{TRAIN_LOSS_TITLES.get(loss, loss)} (log scale)",
        type="log",
        exponentformat="power",
    )
    values = [v for v in history["loss"] if math.isfinite(v) and v > 0]
    # Over a few decades plotly mixes "5", "2" and "10^-1" labels: label 1-2-5 steps
    # instead; over more, its powers of ten read well.
    if values and max(values) / min(values) < TRAIN_NICE_TICKS_SPAN:
        ticks = nice_log_ticks(min(values), max(values))
        fig.update_yaxes(tickvals=ticks, ticktext=[fmt(t) for t in ticks])
    elif values:  # a diverging loss can span 60 decades: at most ~8 labels
        decades = math.log10(max(values) / min(values))
        fig.update_yaxes(dtick=max(1, math.ceil(decades / TRAIN_MAX_LOG_TICKS)))
    return fig


def training_accuracy_figure(
    history: pd.DataFrame, diverged: dict[str, int] | None = None
) -> go.Figure:
    """Share of the training points classified correctly against the training step, one
    line per network, with the 50% a coin flip gets on these balanced data sets.

    history: columns variant, step, accuracy in [0, 1] (TrainingResult.history_frame()).
    """
    diverged = diverged or {}
    fig = go.Figure()
    _train_curves(fig, history, "accuracy", diverged, "%{y:.1%} correct")
    _train_note_if_empty(fig, history)
    fig.add_hline(
        y=TRAIN_CHANCE_ACCURACY,
        line={"color": THEORY_COLOR, "width": 1.5, "dash": "dot"},
        annotation_text="guessing",
        annotation_position="bottom right",
    )
    base_layout(fig, "Points classified correctly", TRAIN_CURVE_HEIGHT)
    _curves_legend(fig)
    fig.update_xaxes(title_text=TRAIN_STEP_TITLE, rangemode="tozero")
    fig.update_yaxes(title_text="Accuracy on the training set", tickformat=".0%", range=[0, 1.04])
    return fig


def gradient_heatmap_figure(
    grad_norms: pd.DataFrame,
    diverged: dict[str, int] | None = None,
    variants: Sequence[str] | None = None,
    columns: int = PANEL_COLUMNS,
) -> go.Figure:
    """How big each layer's weight gradient is during training: one heatmap panel per
    network (`columns` a row), under them one horizontal color bar for all.

    grad_norms: columns variant, step, layer, log10_grad_norm
    (TrainingResult.grad_norm_frame()); layer 1 takes the inputs, the largest is the
    output layer. x = step, y = layer (1 at the bottom), color = log10 ||dL/dW||.
    All panels share one color range (the layout's coloraxis) and one step axis, so
    colors and columns compare across networks. Cells without a finite, nonzero gradient
    are left empty; a diverged network's map ends at its divergence, marked with a dashed
    line, and its title says when. The color range covers the networks that did not
    diverge (when there are any): the exploding gradients of one that did would otherwise
    squash every other map into one color; its values past the range take the end
    colors, and its title says so.
    variants: the networks to draw, in order (default: those in grad_norms, in order of
    first appearance); one with no rows (diverged before its first record) gets a note.
    The networks of one run have the same number of layers (core.experiments.variant_spec),
    so the layer axis is titled once. Traces: one heatmap per network, in order.
    """
    diverged = diverged or {}
    names = list(variants if variants is not None else dict.fromkeys(grad_norms["variant"]))
    zmin, zmax = grad_color_range(grad_norms, diverged)
    last_step = int(grad_norms["step"].max()) if len(grad_norms) else 1
    top = int(grad_norms["layer"].max()) if len(grad_norms) else 1
    by_variant = {v: grad_norms[grad_norms["variant"] == v] for v in names}
    titles = [
        _heatmap_title(variant, rows, diverged, (zmin, zmax))
        for variant, rows in by_variant.items()
    ]
    fig, cols = panel_grid(titles, TRAIN_HEATMAP_ROW_HEIGHT, TRAIN_COLORBAR_MARGIN, columns)
    for index, (variant, rows) in enumerate(by_variant.items()):
        _add_heatmap(fig, variant, rows, diverged.get(variant), panel_cell(index, cols))
    fig.update_layout(coloraxis=grad_coloraxis(zmin, zmax))
    fig.update_xaxes(range=[0, max(last_step, 1)])
    fig.update_yaxes(dtick=1 if top <= 12 else None, range=[0.5, top + 0.5])
    panel_axes(fig, len(names), cols, "Training step", f"Layer (1 = input side, {top} = output)")
    return fig


def grad_color_range(grad_norms: pd.DataFrame, diverged: dict[str, int]) -> tuple[float, float]:
    """The color range of the maps: the finite log10 norms of the networks that did not
    diverge (of all of them if every one did), -1..1 when there are none, widened when
    one value fills it."""
    calm = grad_norms[~grad_norms["variant"].isin(list(diverged))]["log10_grad_norm"].dropna()
    finite = calm if len(calm) else grad_norms["log10_grad_norm"].dropna()
    zmin, zmax = (float(finite.min()), float(finite.max())) if len(finite) else (-1.0, 1.0)
    if zmax - zmin < 1e-9:  # one value everywhere: give the color bar some room
        zmin, zmax = zmin - 0.5, zmax + 0.5
    return zmin, zmax


def _heatmap_title(
    variant: str, rows: pd.DataFrame, diverged: dict[str, int], color_range: tuple[float, float]
) -> str:
    """A map's title: the network, and if it diverged, when, and whether its colors are
    capped (values outside the shared color range)."""
    title = training_variant_label(variant)
    if variant in diverged:  # on lines of their own: a phone's panel is ~150 px wide
        title += f"<br>diverged at step {diverged[variant]}"
        values = rows["log10_grad_norm"].dropna()
        zmin, zmax = color_range
        if len(values) and (values.max() > zmax or values.min() < zmin):
            title += "<br>(colors capped)"
    return title


def _add_heatmap(
    fig: go.Figure, variant: str, rows: pd.DataFrame, stopped: int | None, cell: dict[str, int]
) -> None:
    """One network's map in its panel: layers up, steps across, a dashed line where it
    diverged; a note instead when nothing was recorded."""
    grid = _grad_grid(rows)
    fig.add_trace(grad_heatmap(variant, rows), **cell)
    if len(grid) and stopped is not None:
        fig.add_vline(
            x=stopped,
            line={"color": THEORY_COLOR, "width": 2, "dash": "dash"},
            **cell,
        )
    if not len(grid):
        note = "No gradient recorded"
        if stopped is not None:
            note += f":<br>diverged at step {stopped}"
        panel_note(fig, note, cell)


def _grad_grid(rows: pd.DataFrame) -> pd.DataFrame:
    return rows.pivot(index="layer", columns="step", values="log10_grad_norm").sort_index()


def grad_heatmap(variant: str, rows: pd.DataFrame) -> go.Heatmap:
    """One network's gradient map (rows: its part of grad_norm_frame()): layers up, steps
    across, on the figure's shared color axis."""
    grid = _grad_grid(rows)
    label = training_variant_label(variant)
    return go.Heatmap(
        x=[int(v) for v in grid.columns],
        y=[int(v) for v in grid.index],
        z=grid.to_numpy(),
        customdata=(10.0**grid).to_numpy(),
        coloraxis="coloraxis",
        hovertemplate=(
            f"{label}<br>step %{{x}}, layer %{{y}}<br>‖∂L/∂W‖ = %{{customdata:.3g}}"
            "<br>log₁₀ = %{z:.2f}<extra></extra>"
        ),
        name=label,
    )


def grad_coloraxis(zmin: float, zmax: float) -> dict:
    """The one color scale all maps share, with its bar under them."""
    return {
        "cmin": zmin,
        "cmax": zmax,
        "colorscale": TRAIN_GRAD_COLORSCALE,
        # Horizontal under the maps: beside them it would take a fifth of a phone's
        # width. Its title goes under the bar: plotly draws a title on "top" into the
        # bar when the bar is placed in container coordinates.
        "colorbar": {
            "title": {"text": "log₁₀ ‖∂L/∂W‖", "side": "bottom"},
            "orientation": "h",
            "thickness": 12,
            "x": 0.5,
            "xanchor": "center",
            "yref": "container",
            "y": 0.0,
            "yanchor": "bottom",
        },
    }


def map_points(n: int, most: int = TRAIN_MAP_MAX_POINTS) -> np.ndarray:
    """Which of n training points the decision maps draw: all of them if n <= most, else
    most of them spread evenly over the data set's order (the same ones on every map)."""
    if n <= most:
        return np.arange(n)
    return np.unique(np.linspace(0, n - 1, most).round().astype(int))


def decision_boundary_figure(
    result: TrainingResult, variants: Sequence[str] | None = None, columns: int = PANEL_COLUMNS
) -> go.Figure:
    """What each trained network predicts over the plane, with the training points on
    top: one panel per network (`columns` a row), drawn to scale (circles look round).

    Background: the predicted probability of class 1 on result's grid (blue tint = class
    0, orange tint = class 1); black line: where it is exactly 50%. Points: class 0 as
    blue circles, class 1 as orange diamonds, at most TRAIN_MAP_MAX_POINTS of them
    (map_points). A network that diverged has no trained prediction: the points alone,
    with a note saying so.
    variants: the networks to draw, in order (default: every run in result).
    Traces per panel, in order: heatmap, boundary line, class 0, class 1 (just the two
    classes if diverged).
    """
    names = list(variants if variants is not None else result.runs)
    titles = [
        f"{training_variant_label(variant)}<br>{_outcome(result.runs[variant])}"
        for variant in names
    ]
    x_range = [float(result.grid_x[0]), float(result.grid_x[-1])]
    y_range = [float(result.grid_y[0]), float(result.grid_y[-1])]
    # Rows as high as a map to scale is on a desktop's panel; on a phone's narrower
    # panel the map is smaller and leaves room under it (its title stays on top of it).
    aspect = (y_range[1] - y_range[0]) / (x_range[1] - x_range[0])
    row_height = round(TRAIN_BOUNDARY_MAP_WIDTH * min(max(aspect, 0.5), 1.0))
    fig, cols = panel_grid(titles, row_height, TRAIN_BOUNDARY_MARGIN, columns)
    grid = {"x": result.grid_x, "y": result.grid_y}
    points = class_points(result)
    for index, variant in enumerate(names):
        cell = panel_cell(index, cols)
        run = result.runs[variant]
        if run.grid_prob is not None:
            _add_prediction(fig, grid, run.grid_prob, training_variant_label(variant), cell)
        add_class_points(fig, points, cell)
        if run.diverged_at is not None:
            note = f"Diverged at step {run.diverged_at}:<br>no trained network to draw"
            panel_note(fig, note, cell, badge=True)
        x_axis = fig.get_subplot(**cell).xaxis.plotly_name  # "xaxis", "xaxis2", ...
        fig.update_yaxes(scaleanchor="x" + x_axis.removeprefix("xaxis"), **cell)
    fig.update_xaxes(range=x_range, constrain="domain", showgrid=False)
    fig.update_yaxes(
        range=y_range, scaleratio=1, constrain="domain", constraintoward="top", showgrid=False
    )
    panel_axes(fig, len(names), cols, "x₁", "x₂")
    return fig


def _outcome(run: VariantRun) -> str:
    """How training ended, for a map's title: the final accuracy, or that it diverged."""
    if run.diverged_at is not None:
        return "diverged"
    return f"{fmt(100 * float(run.history['accuracy'].iloc[-1]))}% correct"


def class_points(result: TrainingResult) -> list[dict[str, np.ndarray]]:
    """The points every map draws (map_points), per class: {"x": ..., "y": ...}."""
    keep = map_points(len(result.X))
    drawn, labels = result.X[keep], result.y[keep, 0]
    return [
        {axis: drawn[labels == cls, i].astype(TRAIN_MAP_DTYPE) for i, axis in enumerate("xy")}
        for cls in (0, 1)
    ]


def _add_prediction(
    fig: go.Figure, grid: dict, grid_prob: np.ndarray, label: str, cell: dict[str, int]
) -> None:
    """The predicted probability of class 1 as a tinted background, and its 50% line."""
    prob = grid_prob.astype(TRAIN_MAP_DTYPE)
    fig.add_trace(
        go.Heatmap(
            **grid,
            z=prob,
            zmin=0.0,
            zmax=1.0,
            colorscale=[list(stop) for stop in TRAIN_CLASS_TINTS],
            showscale=False,
            name="prediction",
            hovertemplate=(
                f"{label}<br>x₁ = %{{x:.2f}}, x₂ = %{{y:.2f}}"
                "<br>P(orange class) = %{z:.2f}<extra></extra>"
            ),
        ),
        **cell,
    )
    fig.add_trace(
        go.Contour(
            **grid,
            z=prob,
            contours={"start": 0.5, "end": 0.5, "size": 0.5, "coloring": "none"},
            line={"color": BADGE_TEXT, "width": 2},
            showscale=False,
            name="50% line",
            hoverinfo="skip",
        ),
        **cell,
    )


def add_class_points(
    fig: go.Figure, points: list[dict[str, np.ndarray]], cell: dict, legend: bool = True
) -> None:
    """The training points on a map: class 0 as blue circles, class 1 as orange diamonds
    (points: class_points(result); cell: the subplot's row and col)."""
    for cls in (0, 1):
        fig.add_trace(
            go.Scatter(
                **points[cls],
                mode="markers",
                marker={
                    "color": TRAIN_CLASS_COLORS[cls],
                    "symbol": TRAIN_CLASS_SYMBOLS[cls],
                    "size": 5,
                    "line": {"color": "#FFFFFF", "width": 0.6},
                },
                name=f"class {cls}",
                showlegend=None if legend else False,
                hovertemplate=f"class {cls}: (%{{x:.2f}}, %{{y:.2f}})<extra></extra>",
            ),
            **cell,
        )
