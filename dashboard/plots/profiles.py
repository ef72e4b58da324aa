"""The vanishing-gradient lab's figures (also the myths page's): per-layer profiles of
the backward signal, the weight gradients and the updates, the forward pass behind them,
and the depth story. No streamlit here.

Profiles come from core.lab.LabResult (summary, theory) and core.lab.StoryResult. Values
are log10 numbers (a depth-1000 sigmoid profile spans 600 powers of ten, far past what a
float can hold), drawn on a linear axis whose ticks read as powers of ten. Networks
outside the four variants (a plain tanh network, say) are sky blue. Every network's line
also carries its marker symbol (style.VARIANT_SYMBOLS), so that color is never the only
way to tell two networks apart; theory lines are told apart by their dashes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd
import plotly.graph_objects as go

from dashboard.plots.format import fmt, fmt_power
from dashboard.plots.style import (
    BADGE_BORDER,
    BADGE_FILL,
    BADGE_TEXT,
    CLAIM_COLOR,
    LINE_MARKER_SIZE,
    LINE_MARKERS,
    OKABE_ITO,
    SMALL_FONT_SIZE,
    THEORY_COLOR,
    VARIANT_COLORS,
    VARIANT_LABELS,
    base_layout,
    legend_below,
    line_markers,
    variant_symbol,
)

LAB_OTHER_COLOR = OKABE_ITO["sky_blue"]
LAB_BAND_OPACITY = 0.18
LAB_PROFILE_HEIGHT = 520
LAB_STATS_HEIGHT = 520
LAB_STORY_HEIGHT = 620
LAB_MAX_TICKS = 7
LAB_QUANTITY_TITLES: dict[str, str] = {
    "signal": "Backward signal ‖δ‖",
    "weight_grad": "Weight gradient ‖∂L/∂W‖",
    "update": "Update size, mean |Δw|",
}
# Each quantity's column prefix in core.lab.LabResult.summary (_median, _p10, _p90).
LAB_QUANTITY_COLUMNS: dict[str, str] = {
    "signal": "log10_delta_rms",
    "weight_grad": "log10_grad_w",
    "update": "log10_update",
}
LAB_THEORY_DASH: dict[str, str] = {
    "mean_field": "dash",
    "mean_field_residual": "dash",
    "batchnorm_rate": "dash",
    "bound_quarter": "dot",
    "bound_sigma": "dashdot",
}


def lab_color(variant: str) -> str:
    """A network's color: its variant's, or sky blue for any other network."""
    return VARIANT_COLORS.get(variant, LAB_OTHER_COLOR)


def _rgba(hex_color: str, alpha: float) -> str:
    r, g, b = (int(hex_color[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def _power_ticks(low: float, high: float) -> tuple[list[float], list[str]]:
    """Whole powers of ten from low to high (log10 values), at most LAB_MAX_TICKS, as
    10<sup>k</sup>; a step of 1, 2, 5, 10, 20, 50, ... decades."""
    span = max(high - low, 1.0)
    steps = (m * 10**e for e in range(12) for m in (1, 2, 5))
    step = next(s for s in steps if span / s <= LAB_MAX_TICKS - 1)
    start = math.ceil(low / step) * step
    values = list(range(start, math.floor(high) + 1, step))
    texts = [f"10<sup>{str(v).replace('-', '−')}</sup>" if v else "1" for v in values]
    return [float(v) for v in values], texts


def _log10_axis(values: Sequence[float]) -> dict:
    """Layout of a linear axis of log10 values that reads as powers of ten; a range of
    -1..1 when nothing is finite, so that the axes are drawn even then."""
    finite = [v for v in values if math.isfinite(v)]
    low, high = (min(finite), max(finite)) if finite else (-1.0, 1.0)
    pad = max(0.5, 0.05 * (high - low))
    ticks, texts = _power_ticks(low - pad, high + pad)
    return {
        "type": "linear",
        "range": [low - pad, high + pad],
        "tickvals": ticks,
        "ticktext": texts,
        "zeroline": False,
    }


def _lab_legend_below(fig: go.Figure, rows: int) -> None:
    # Legends of five networks and their theory lines wrap to several rows on a phone.
    legend_below(fig, 60 + 22 * rows)


def lab_profile_figure(
    summary: pd.DataFrame,
    quantity: str,
    labels: dict[str, str],
    theory: pd.DataFrame | None = None,
    notes: Sequence[str] = (),
    title: str | None = None,
) -> go.Figure:
    """Per-layer size of one quantity for every network: the median over seeds as a line,
    the 10-90% band as a shaded area, on a powers-of-ten axis (layer 1 = input side).

    summary: core.lab.LabResult.summary. quantity: a key of LAB_QUANTITY_TITLES (signal,
    weight_grad, update). labels: network -> legend label, in drawing order.
    theory: core.lab.LabResult.theory, drawn as grey (predictions) or orange (bounds)
    lines when given. notes: short lines about values that could not be measured, shown
    in a box on the chart. Traces per network: band low edge, band (filled), median.
    """
    column = LAB_QUANTITY_COLUMNS
    if quantity not in column:
        raise ValueError(f"quantity must be one of {', '.join(column)}; got {quantity!r}")
    fig = go.Figure()
    shown: list[float] = []
    for variant, label in labels.items():
        rows = summary[summary["variant"] == variant].sort_values("layer")
        shown += _add_profile(fig, rows, column[quantity], variant, label)
    n_theory = 0
    if theory is not None and len(theory):
        n_theory = _add_theory(fig, theory)
        shown += theory["log10_delta_rms"].tolist()
    if notes:
        _add_notes(fig, notes)
    title = title or f"{LAB_QUANTITY_TITLES[quantity]} by layer"
    base_layout(fig, title, LAB_PROFILE_HEIGHT)
    _lab_legend_below(fig, rows=max(2, (len(labels) + n_theory + 1) // 2))
    last = int(summary["layer"].max()) if len(summary) else 1
    fig.update_xaxes(
        title_text=f"Layer (1 = next to the input, {last} = the output layer)",
        range=[0.5, last + 0.5],
    )
    fig.update_yaxes(
        title_text=f"{LAB_QUANTITY_TITLES[quantity]} (log scale)", **_log10_axis(shown)
    )
    return fig


def _add_profile(
    fig: go.Figure, rows: pd.DataFrame, base: str, variant: str, label: str
) -> list[float]:
    """One network's profile: the band's low edge, the band filled up to its high edge
    (only at layers where both are measured), then the median line. rows: its summary
    rows by layer; base: the quantity's column prefix (log10_delta_rms, ...). Returns
    every value drawn, to size the axis."""
    color = lab_color(variant)
    med, p10, p90 = (rows[f"{base}_{s}"].tolist() for s in ("median", "p10", "p90"))
    layers = rows["layer"].tolist()
    band = rows[[f"{base}_p10", f"{base}_p90"]].notna().all(axis=1).tolist()
    band_x = [x for x, ok in zip(layers, band, strict=True) if ok]
    for edge, fill in ((p10, "none"), (p90, "tonexty")):
        fig.add_trace(
            go.Scatter(
                x=band_x,
                y=[v for v, ok in zip(edge, band, strict=True) if ok],
                mode="lines",
                line={"width": 0, "color": color},
                fill=fill,
                fillcolor=_rgba(color, LAB_BAND_OPACITY),
                name=f"{label}: 10–90% of seeds",
                legendgroup=variant,
                showlegend=False,
                hoverinfo="skip",
            )
        )
    fig.add_trace(
        go.Scatter(
            x=layers,
            y=med,
            mode="lines+markers",
            line={"color": color, "width": 2.5},
            marker=line_markers(variant_symbol(variant), color),
            name=label,
            legendgroup=variant,
            customdata=[
                [fmt_power(m), fmt_power(lo), fmt_power(hi)]
                for m, lo, hi in zip(med, p10, p90, strict=True)
            ],
            hovertemplate=(
                f"{label}<br>layer %{{x}}: %{{customdata[0]}}"
                "<br>10–90%: %{customdata[1]} to %{customdata[2]}<extra></extra>"
            ),
        )
    )
    return med + p10 + p90


def _add_theory(fig: go.Figure, theory: pd.DataFrame) -> int:
    """One line per (network, kind) of theory: grey for predictions, orange for bounds.
    Returns how many lines it drew."""
    count = 0
    for (variant, kind), line in theory.groupby(["variant", "kind"], sort=False):
        bound = kind.startswith("bound")
        label = VARIANT_LABELS.get(variant, variant.replace("_", " "))
        fig.add_trace(
            go.Scatter(
                x=line["layer"].tolist(),
                y=line["log10_delta_rms"].tolist(),
                mode="lines",
                line={
                    "color": CLAIM_COLOR if bound else THEORY_COLOR,
                    "width": 2,
                    "dash": LAB_THEORY_DASH.get(kind, "dash"),
                },
                name=f"{label}: {line['label'].iloc[0]}",
                legendgroup=f"theory-{variant}",
                hovertemplate=f"{label}: {line['label'].iloc[0]}<br>layer %{{x}}<extra></extra>",
            )
        )
        count += 1
    return count


def _add_notes(fig: go.Figure, notes: Sequence[str]) -> None:
    """The notes in a box at the chart's lower left."""
    fig.add_annotation(
        x=0.01,
        y=0.02,
        xref="paper",
        yref="paper",
        xanchor="left",
        yanchor="bottom",
        align="left",
        showarrow=False,
        text="⚠ Not measured everywhere:<br>" + "<br>".join(notes),
        font={"size": SMALL_FONT_SIZE, "color": BADGE_TEXT},
        bgcolor=BADGE_FILL,
        bordercolor=CLAIM_COLOR,
        borderwidth=2,
        borderpad=4,
    )


def forward_stats_figure(summary: pd.DataFrame, labels: dict[str, str]) -> go.Figure:
    """The forward pass behind the gradient picture, per layer: the RMS of each layer's
    output h (top, log axis) and the share of units that pass (almost) no gradient back,
    saturated sigmoid/tanh units or dead ReLUs (bottom, percent).

    summary: core.lab.LabResult.summary (act_rms_median, inactive_frac_median). Traces:
    per network, the RMS line (in the legend), then the share line (same legend group).
    """
    fig = go.Figure()
    rms: list[float] = []
    for variant, label in labels.items():
        rows = summary[summary["variant"] == variant].sort_values("layer")
        color = lab_color(variant)
        values = rows["act_rms_median"].tolist()
        with_log = [math.log10(v) if v > 0 and math.isfinite(v) else math.nan for v in values]
        rms += with_log
        fig.add_trace(
            go.Scatter(
                x=rows["layer"].tolist(),
                y=with_log,
                mode="lines+markers",
                line={"color": color, "width": 2.5},
                marker=line_markers(variant_symbol(variant), color),
                name=label,
                legendgroup=variant,
                customdata=[fmt(v) for v in values],
                hovertemplate=f"{label}<br>layer %{{x}}: RMS %{{customdata}}<extra></extra>",
            )
        )
        fig.add_trace(
            go.Scatter(
                x=rows["layer"].tolist(),
                y=(rows["inactive_frac_median"] * 100).tolist(),
                mode="lines+markers",
                line={"color": color, "width": 2.5},
                marker=line_markers(variant_symbol(variant), color),
                name=f"{label}: inactive units",
                legendgroup=variant,
                showlegend=False,
                yaxis="y2",
                hovertemplate=f"{label}<br>layer %{{x}}: %{{y:.1f}}% inactive<extra></extra>",
            )
        )
    base_layout(fig, "The forward pass behind it", LAB_STATS_HEIGHT)
    _lab_legend_below(fig, rows=max(2, (len(labels) + 1) // 2))
    last = int(summary["layer"].max()) if len(summary) else 1
    fig.update_layout(
        xaxis={
            "anchor": "y2",
            "range": [0.5, last + 0.5],
            "title": {"text": f"Layer (1 = next to the input, {last} = the output layer)"},
        },
        yaxis2={
            "domain": [0.0, 0.4],
            "anchor": "x",
            "range": [-3, 103],
            "title": {"text": "Inactive units (%)"},
            "ticksuffix": "%",
        },
    )
    fig.update_layout(
        yaxis={"title": {"text": "RMS of the output h"}, "domain": [0.56, 1.0], **_log10_axis(rms)}
    )
    return fig


def similarity_figure(
    summary: pd.DataFrame, labels: dict[str, str], theory: pd.DataFrame | None = None
) -> go.Figure:
    """How alike two different inputs look at each layer: the median over seeds of the
    mean cosine similarity of their pre-activations (core.profile's similarity), one
    line per network; theory (core.lab.LabResult.similarity_theory), if given, as grey
    dashed lines. 1 means every input gives the same layer: the network has forgotten
    which input it was given."""
    fig = go.Figure()
    for variant, label in labels.items():
        rows = summary[summary["variant"] == variant].sort_values("layer")
        rows = rows[rows["layer"] < rows["layer"].max()]  # hidden layers only
        fig.add_trace(
            go.Scatter(
                x=rows["layer"].tolist(),
                y=rows["similarity_median"].tolist(),
                mode="lines+markers",
                line={"color": lab_color(variant), "width": 2.5},
                marker=line_markers(variant_symbol(variant), lab_color(variant)),
                name=label,
                legendgroup=variant,
                hovertemplate=f"{label}<br>layer %{{x}}: %{{y:.4f}}<extra></extra>",
            )
        )
    for variant, line in (theory if theory is not None else pd.DataFrame()).groupby(
        "variant", sort=False
    ):
        name = f"{labels.get(variant, variant)}: mean field"
        fig.add_trace(
            go.Scatter(
                x=line["layer"].tolist(),
                y=line["similarity"].tolist(),
                mode="lines",
                line={"color": THEORY_COLOR, "width": 1.5, "dash": "dash"},
                name=name,
                legendgroup=variant,
                hovertemplate=f"{name}<br>layer %{{x}}: %{{y:.4f}}<extra></extra>",
            )
        )
    base_layout(fig, "How alike two different inputs look", LAB_PROFILE_HEIGHT)
    _lab_legend_below(fig, rows=max(2, (len(labels) + 1) // 2))
    last = int(summary["layer"].max()) - 1 if len(summary) else 1
    fig.update_layout(
        xaxis={
            "range": [0.5, last + 0.5],
            # short enough for a phone's width: the longer title was cut off at 390 px
            "title": {"text": f"Hidden layer (1 = next to the input, {last} = the last)"},
        },
        yaxis={"range": [-0.25, 1.05], "title": {"text": "Similarity (1 = identical)"}},
    )
    return fig


def depth_story_figure(
    story: pd.DataFrame, depths: Sequence[int], labels: dict[str, str]
) -> go.Figure:
    """The profile growing as layers are added: one animation frame per depth, each the
    backward signal relative to that network's output layer (0 at the output), with a
    play button and a depth slider. The figure starts on the deepest frame.

    story: core.lab.StoryResult.frame (depth, variant, layer, relative_log10).
    Traces: one line per network (frames update them in place).
    """
    if not depths:
        raise ValueError("depths must name at least one depth")
    deepest = depths[-1]
    fig = go.Figure(
        data=_story_lines(story, labels, deepest),
        frames=[go.Frame(data=_story_lines(story, labels, d), name=str(d)) for d in depths],
    )
    base_layout(fig, "Add layers, and watch layer 1", LAB_STORY_HEIGHT)
    values = story["relative_log10"].tolist()
    fig.update_yaxes(
        title_text="Backward signal ÷ output layer's (log scale)", **_log10_axis(values)
    )
    fig.update_xaxes(title_text="Layer (1 = next to the input)", range=[0.5, deepest + 1.5])
    frame_args = {"frame": {"duration": 450, "redraw": True}, "transition": {"duration": 0}}
    # Under the plot, each on its own row (a phone is too narrow for two): the axis title,
    # the buttons, the slider, the legend.
    legend_below(fig, 270)
    fig.update_layout(
        updatemenus=[_play_buttons(frame_args)], sliders=[_depth_slider(depths, frame_args)]
    )
    return fig


def _story_lines(story: pd.DataFrame, labels: dict[str, str], depth: int) -> list[go.Scatter]:
    """One line per network, `depth` layers deep: the depth story's frame for that depth."""
    rows = story[story["depth"] == depth]
    out = []
    for variant, label in labels.items():
        mine = rows[rows["variant"] == variant].sort_values("layer")
        values = mine["relative_log10"].tolist()
        out.append(
            go.Scatter(
                x=mine["layer"].tolist(),
                y=values,
                mode="lines+markers",
                line={"color": lab_color(variant), "width": 2.5},
                # every layer marked while they are few; beyond, the line's few markers
                marker={
                    **line_markers(variant_symbol(variant), lab_color(variant)),
                    "maxdisplayed": 0 if depth <= 30 else LINE_MARKERS,
                    "size": 6 if depth <= 30 else LINE_MARKER_SIZE,
                },
                name=label,
                customdata=[fmt_power(v) for v in values],
                hovertemplate=(
                    f"{label}, depth {depth}<br>layer %{{x}}: %{{customdata}} "
                    "× the output layer's<extra></extra>"
                ),
            )
        )
    return out


def _play_buttons(frame_args: dict) -> dict:
    """Play and pause, under the axis title."""
    return {
        "type": "buttons",
        "direction": "left",
        "x": 0.0,
        "y": -0.19,
        "xanchor": "left",
        "yanchor": "top",
        "pad": {"t": 0, "r": 10},
        # Opaque light buttons with dark text read the same on both themes.
        "bgcolor": BADGE_FILL,
        "bordercolor": BADGE_BORDER,
        "font": {"color": BADGE_TEXT, "size": SMALL_FONT_SIZE},
        "buttons": [
            {
                "label": "▶ Play",
                "method": "animate",
                "args": [None, {**frame_args, "fromcurrent": False}],
            },
            {
                "label": "❚❚ Pause",
                "method": "animate",
                "args": [[None], {**frame_args, "mode": "immediate"}],
            },
        ],
    }


def _depth_slider(depths: Sequence[int], frame_args: dict) -> dict:
    """A step per depth, under the buttons, starting on the deepest."""
    return {
        "active": len(depths) - 1,
        "x": 0.0,
        "len": 1.0,
        "y": -0.31,
        "yanchor": "top",
        "currentvalue": {"prefix": "depth ", "font": {"size": SMALL_FONT_SIZE}},
        "pad": {"t": 0},
        "steps": [
            {
                "label": str(d),
                "method": "animate",
                "args": [[str(d)], {**frame_args, "mode": "immediate"}],
            }
            for d in depths
        ],
    }
