"""Small multiples: one figure holding a grid of titled panels, one per network, that
share their axes (the training lab's gradient and decision maps). No streamlit here.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dashboard.plots.style import (
    BADGE_BORDER,
    BADGE_FILL,
    BADGE_TEXT,
    FONT_SIZE,
    MARGIN,
    SMALL_FONT_SIZE,
    base_layout,
)

# Pixels unless said.
PANEL_COLUMNS = 2
PANEL_HSPACE = 0.1  # share of the width between the two columns
PANEL_TITLE_LINE = 18  # a line of a panel's title
PANEL_TICKS = 45  # under a panel: its tick labels, and some air before the next title


def panel_grid(
    titles: Sequence[str], row_height: int, bottom: int, columns: int = PANEL_COLUMNS
) -> tuple[go.Figure, int]:
    """A grid with one titled panel per network: one column for one network, `columns`
    for more (a third network of two columns leaves the fourth cell empty). Rows are
    row_height pixels high;
    between them and above the first is room for the longest title (lines split by
    <br>) over the tick labels of the row above; `bottom` pixels are kept under the last
    row. Returns (figure, columns); panel i sits at panel_cell(i, columns).

    One figure rather than one per network: every plotly chart costs the browser about
    0.1 s of its own. Neither Streamlit nor plotly knows the screen's width, so the
    layout is the same everywhere: with two panels a row they are ~330 px wide each on a
    desktop but only ~125 px on a phone; a page that wants them readable on a phone
    draws one a row (columns=1) in a column of its own, which Streamlit stacks on narrow
    screens (the training lab).
    """
    count = len(titles)
    cols = max(1, min(columns, count))
    rows = max(1, math.ceil(count / cols))
    title_height = PANEL_TITLE_LINE * max((t.count("<br>") + 1 for t in titles), default=1)
    gap = PANEL_TICKS + title_height
    plot_height = rows * row_height + (rows - 1) * gap
    cells = [{} if i < count else None for i in range(rows * cols)]
    fig = make_subplots(
        rows=rows,
        cols=cols,
        specs=[cells[r * cols : (r + 1) * cols] for r in range(rows)],
        horizontal_spacing=PANEL_HSPACE,
        vertical_spacing=gap / plot_height,
    )
    top = title_height + MARGIN["t"] // 4
    base_layout(fig, "", top + plot_height + bottom)  # the panels carry the titles
    fig.update_layout(margin={**MARGIN, "t": top, "b": bottom}, showlegend=False)
    for index, title in enumerate(titles):
        # Tied to the axes' domain, not to the grid cell: a map kept to scale sits at the
        # top of a cell that is too tall for it, and its title stays right above it.
        fig.add_annotation(
            text=title,
            x=0,
            y=1,
            xref="x domain",
            yref="y domain",
            xanchor="left",
            yanchor="bottom",
            align="left",
            showarrow=False,
            font={"size": FONT_SIZE},
            **panel_cell(index, cols),
        )
    return fig, cols


def panel_cell(index: int, cols: int) -> dict[str, int]:
    return {"row": index // cols + 1, "col": index % cols + 1}


def panel_note(fig: go.Figure, text: str, cell: dict[str, int], badge: bool = False) -> None:
    """A note in the middle of a panel; a badge (opaque, dark text) where it sits on a map."""
    style = (
        {"bgcolor": BADGE_FILL, "bordercolor": BADGE_BORDER, "borderwidth": 1, "borderpad": 4}
        if badge
        else {}
    )
    fig.add_annotation(
        text=text,
        x=0.5,
        y=0.5,
        xref="x domain",
        yref="y domain",
        showarrow=False,
        font={"size": SMALL_FONT_SIZE, **({"color": BADGE_TEXT} if badge else {})},
        **style,
        **cell,
    )


def panel_axes(fig: go.Figure, count: int, cols: int, x_title: str, y_title: str) -> None:
    """Axis titles and tick labels on the outer panels only, as small multiples do (all
    panels have the same axes): x under the lowest panel of each column, y left of the
    first column. Fewer labels also draw faster: plotly measures every one, twice."""
    for index in range(count):
        cell = panel_cell(index, cols)
        if index + cols >= count:  # nothing below it
            fig.update_xaxes(title_text=x_title, **cell)
        else:
            fig.update_xaxes(showticklabels=False, **cell)
        if cell["col"] == 1:
            fig.update_yaxes(title_text=y_title, **cell)
        else:
            fig.update_yaxes(showticklabels=False, **cell)
