"""A class's answers to one question: how many students picked each choice, round 1 beside
round 2 (peer instruction's "vote again"). No streamlit here.

One color per round from the Okabe-Ito palette; the right choice is marked in its label
only when the page says so (after the reveal: the teacher's screen may be projected).
Choices are a teacher's typed text: escaped, since plotly renders a subset of HTML.
"""

from __future__ import annotations

import html

import pandas as pd
import plotly.graph_objects as go

from dashboard.plots.style import OKABE_ITO, SMALL_FONT_SIZE, base_layout

ROUND_COLORS = {1: OKABE_ITO["blue"], 2: OKABE_ITO["orange"]}
LABEL_CHARS = 28  # a choice's text on the axis (room for the bars on a phone); hover: whole
RIGHT_MARK = "✓ "
BAR_ROW_HEIGHT = 46  # pixels per choice: room for two rounds' bars and their numbers
MIN_HEIGHT = 240


def short_label(text: str, right: bool) -> str:
    """A choice's axis label: cut to LABEL_CHARS, marked when it is the right one, and
    escaped (plotly reads <b>, <a href=...> and entities in its texts)."""
    cut = text if len(text) <= LABEL_CHARS else text[: LABEL_CHARS - 1] + "…"
    return (RIGHT_MARK if right else "") + html.escape(cut, quote=False)


def votes_figure(frame: pd.DataFrame, title: str, show_right: bool = False) -> go.Figure:
    """Horizontal bars: for each choice, the number of students who picked it, a bar per
    round in the frame, each round named in the legend.

    frame: one row per (round, choice) with columns round (1 or 2), choice (its text),
    right (bool), votes (int), share (votes / that round's total, 0..1), in the order
    the choices are asked (top to bottom). show_right: mark the right choice.
    """
    order = list(dict.fromkeys(frame["choice"]))
    right = set(frame.loc[frame["right"], "choice"]) if show_right else set()
    labels = {c: short_label(c, c in right) for c in order}
    fig = go.Figure()
    for round_no in sorted(frame["round"].unique()):
        rows = frame[frame["round"] == round_no].set_index("choice").reindex(order)
        total = int(rows["votes"].sum())
        fig.add_trace(
            go.Bar(
                name=f"Round {round_no} ({total} answers)",
                y=[labels[c] for c in order],
                x=rows["votes"].tolist(),
                orientation="h",
                marker_color=ROUND_COLORS[int(round_no)],
                text=[
                    f"{int(v)} ({s:.0%})" for v, s in zip(rows["votes"], rows["share"], strict=True)
                ],
                textposition="outside",
                cliponaxis=False,
                customdata=[html.escape(c, quote=False) for c in order],
                hovertemplate="%{customdata}<br>%{x} students<extra>%{fullData.name}</extra>",
            )
        )
    most = int(frame["votes"].max()) if len(frame) else 0
    base_layout(fig, title, max(MIN_HEIGHT, 110 + BAR_ROW_HEIGHT * len(order)))
    # The legend names each round even when there is only one (plotly hides a lone
    # trace's legend): round 1's bars must never be taken for another round's.
    fig.update_layout(
        barmode="group", bargap=0.25, showlegend=True, legend={"traceorder": "normal"}
    )
    fig.update_xaxes(
        title_text="students who picked it",
        rangemode="tozero",
        range=[0, max(1, most) * 1.3],  # room for the numbers at the bars' ends
        tick0=0,
        dtick=max(1, round(max(1, most) / 5)),
    )
    fig.update_yaxes(title_text="choice", autorange="reversed", tickfont={"size": SMALL_FONT_SIZE})
    return fig
