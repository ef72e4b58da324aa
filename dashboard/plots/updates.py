"""How big the updates are, layer by layer: mean |update| by distance from the output
against the course's "ten times smaller a layer" (the update-sizes page). No streamlit here.
"""

from __future__ import annotations

import math

import pandas as pd
import plotly.graph_objects as go

from dashboard.plots.format import fmt
from dashboard.plots.style import (
    CHART_HEIGHT,
    CLAIM_COLOR,
    LEGEND_MARGIN_BOTTOM,
    MEASURED_COLOR,
    base_layout,
    legend_below,
    nice_log_ticks,
)


def update_size_figure(
    table: pd.DataFrame,
    color: str = MEASURED_COLOR,
    claim_factor: float | None = 10.0,
    title: str = "How big the updates are, layer by layer",
) -> go.Figure:
    """Bars of mean |update| by layer on a log axis, numbered as everywhere in the app:
    1 = next to the input, the last bar the output layer (the article's diagram).

    table: columns layer, distance (1 = output layer), mean_abs_update,
    log10_mean_abs_update (and optionally label, a layer name for the hover), as
    core.updates.update_size_table returns. claim_factor: also draw the course's rule of
    thumb, "claim_factor times smaller per layer", from the output layer's bar back.
    When some mean underflows to 0 the bars show log10 on a linear axis instead.
    """
    table = table.sort_values("layer")
    distance = table["distance"].astype(int).tolist()
    layers = table["layer"].astype(int).tolist()
    labels = [str(n) for n in layers]
    names = table["label"].astype(str).tolist() if "label" in table else labels
    hover = [
        f"{name}, layer {n} ({d} from the output)"
        for name, n, d in zip(names, layers, distance, strict=True)
    ]
    plain = [float(v) for v in table["mean_abs_update"]]
    logs = [float(v) for v in table["log10_mean_abs_update"]]
    as_log_axis = all(v > 0 and math.isfinite(v) for v in plain)
    y = plain if as_log_axis else logs
    fig = go.Figure(
        go.Bar(
            x=labels,
            y=y,
            marker={"color": color},
            name="measured",
            customdata=list(zip(hover, plain, logs, strict=True)),
            hovertemplate=(
                "%{customdata[0]}<br>mean |update| = %{customdata[1]:.3g}"
                "<br>log10 = %{customdata[2]:.2f}<extra></extra>"
            ),
        )
    )
    if claim_factor is not None and len(distance) > 1:
        start = logs[-1]  # the output layer's
        claim_logs = [start - (d - 1) * math.log10(claim_factor) for d in distance]
        fig.add_trace(
            go.Scatter(
                x=labels,
                y=[10**v for v in claim_logs] if as_log_axis else claim_logs,
                mode="lines+markers",
                line={"color": CLAIM_COLOR, "width": 2.5, "dash": "dash"},
                marker={"symbol": "diamond", "size": 8},
                name=f"course's rule: {claim_factor:g}× smaller a layer",
                hovertemplate="rule of thumb: %{y:.3g}<extra></extra>",
            )
        )
    base_layout(fig, title, CHART_HEIGHT)
    legend_below(fig, LEGEND_MARGIN_BOTTOM)
    fig.update_xaxes(
        title_text=f"Layer (1 = next to the input, {max(layers)} = the output layer)",
        type="category",
        tickangle=0,
    )
    if as_log_axis:
        fig.update_yaxes(title_text="Mean |update| (log scale)", type="log", exponentformat="power")
        # Everything drawn: the bars and the course's rule, which can reach far below them.
        drawn = [v for trace in fig.data for v in trace.y if v is not None and v > 0]
        if max(drawn) / min(drawn) < 100:  # under two decades plotly labels 2, 3, ... 9 alone
            ticks = nice_log_ticks(min(drawn), max(drawn))
            fig.update_yaxes(tickvals=ticks, ticktext=[fmt(t) for t in ticks])
    else:
        fig.update_yaxes(title_text="log₁₀ of mean |update|", type="linear")
    return fig
