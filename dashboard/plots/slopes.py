"""The slope picture: how steep the sigmoid and ReLU are, with the 0.25 ceiling of the
sigmoid's slope and the student's own hidden sums placed on its curve (the lesson's
vanishing-gradient stop). No streamlit here.

The backward pass multiplies the blame by a neuron's slope at its sum, once per layer:
this figure shows why a sigmoid layer shrinks it (at most 0.25) and a ReLU layer does
not (1 for every positive sum).
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from dashboard.plots.format import fmt
from dashboard.plots.style import (
    BADGE_BORDER,
    BADGE_FILL,
    BADGE_TEXT,
    CLAIM_COLOR,
    LEGEND_MARGIN_BOTTOM,
    SMALL_FONT_SIZE,
    VARIANT_COLORS,
    base_layout,
    legend_below,
)

SIGMOID_COLOR = VARIANT_COLORS["plain_sigmoid"]  # the same color as sigmoid networks
RELU_COLOR = VARIANT_COLORS["plain_relu"]
CEILING_COLOR = CLAIM_COLOR  # the article's number, as on the update-sizes chart
SLOPE_HEIGHT = 400  # the plot itself about 260 px high, the legend below it
Y_RANGE = (-0.06, 1.12)
# Where the note on the student's sums sits, in pixels from the first point: up and to
# the left, over the flat left part of both curves, clear of ReLU's line at 1.
NOTE_OFFSET = (-95, -80)


def slope_figure(curves: pd.DataFrame, points: pd.DataFrame) -> go.Figure:
    """sigma'(z) and ReLU'(z) on one chart, the sigmoid's ceiling, and points on sigma'.

    curves: columns z, sigmoid (sigma'(z)), relu (ReLU'(z)), as core.lesson.slope_curves.
    points: columns label (plain text, e.g. "a₁"), z, slope (sigma'(z) at it): drawn on
    the sigmoid's curve with one note that names them all.
    The ceiling is the largest sigma' in curves, drawn as a dashed line across.
    Traces: sigma', ReLU', the ceiling, the points.
    """
    peak = float(curves["sigmoid"].max())
    z_lo, z_hi = float(curves["z"].min()), float(curves["z"].max())
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=curves["z"],
            y=curves["sigmoid"],
            mode="lines",
            line={"color": SIGMOID_COLOR, "width": 3},
            name="σ′(z): slope of the sigmoid",
            hovertemplate="z = %{x:.2f}<br>σ′(z) = %{y:.3f}<extra></extra>",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=curves["z"],
            y=curves["relu"],
            mode="lines",
            # "vh": the jump from 0 to 1 is drawn at z = 0, where ReLU's slope changes
            line={"color": RELU_COLOR, "width": 3, "shape": "vh", "dash": "dot"},
            name="ReLU′(z): slope of ReLU",
            hovertemplate="z = %{x:.2f}<br>ReLU′(z) = %{y:.0f}<extra></extra>",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=[z_lo, z_hi],
            y=[peak, peak],
            mode="lines",
            line={"color": CEILING_COLOR, "width": 2, "dash": "dash"},
            name=f"the sigmoid's ceiling: σ′ ≤ {fmt(peak)}",
            hoverinfo="skip",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=points["z"],
            y=points["slope"],
            mode="markers",
            marker={
                "symbol": "diamond",
                "size": 12,
                "color": SIGMOID_COLOR,
                "line": {"color": BADGE_TEXT, "width": 1.5},
            },
            name="your hidden sums",
            customdata=points["label"],
            hovertemplate="%{customdata} = %{x:.3g}<br>σ′ = %{y:.3f}<extra></extra>",
        )
    )
    _annotate(fig, points, peak, z_hi)
    base_layout(fig, "How steep is each activation?", SLOPE_HEIGHT, toolbar=False)
    legend_below(fig, LEGEND_MARGIN_BOTTOM + 20)  # four entries: two rows on a phone
    fig.update_layout(margin={"r": 10})
    fig.update_xaxes(
        title_text="z: a neuron's weighted sum (like a₁)", range=[z_lo, z_hi], fixedrange=True
    )
    fig.update_yaxes(title_text="slope at z", range=list(Y_RANGE), fixedrange=True)
    return fig


def _annotate(fig: go.Figure, points: pd.DataFrame, peak: float, z_hi: float) -> None:
    """The ceiling's value at the right end, and one note naming the student's points."""
    fig.add_annotation(
        x=z_hi,
        y=peak,
        xanchor="right",
        yanchor="bottom",
        text=f"ceiling {fmt(peak)}",
        showarrow=False,
        font={"size": SMALL_FONT_SIZE, "color": CEILING_COLOR},
    )
    if points.empty:
        return
    first = points.iloc[0]
    fig.add_annotation(
        x=float(first["z"]),
        y=float(first["slope"]),
        ax=NOTE_OFFSET[0],
        ay=NOTE_OFFSET[1],
        text="<br>".join(
            f"{row.label} = {fmt(row.z)}: σ′ = {fmt(row.slope)}" for row in points.itertuples()
        ),
        showarrow=True,
        arrowcolor=BADGE_BORDER,
        arrowhead=2,
        bgcolor=BADGE_FILL,
        bordercolor=BADGE_BORDER,
        borderpad=3,
        font={"size": SMALL_FONT_SIZE, "color": BADGE_TEXT},
        align="left",
    )


def slope_summary(curves: pd.DataFrame, points: pd.DataFrame) -> str:
    """The figure in one sentence of numbers, for readers who cannot see it."""
    top = curves.loc[curves["sigmoid"].idxmax()]
    positive = curves.loc[curves["z"] > 0, "relu"]
    negative = curves.loc[curves["z"] < 0, "relu"]
    yours = " and ".join(
        f"at {row.label} = {fmt(row.z)} it is {fmt(row.slope)}" for row in points.itertuples()
    )
    relu = (
        f"ReLU′ is {fmt(positive.min())} for every positive z and {fmt(negative.max())} "
        "for every negative z."
        if positive.min() == positive.max() and negative.min() == negative.max()
        else f"ReLU′ runs from {fmt(negative.min())} to {fmt(positive.max())}."
    )
    return (
        f"In numbers: σ′ is largest at z = {fmt(top['z'])}, where it is {fmt(top['sigmoid'])}"
        + (f"; {yours}" if yours else "")
        + f". {relu}"
    )
