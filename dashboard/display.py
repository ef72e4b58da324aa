"""What a page shows beside its controls: a chart with one line of its numbers, a small
read-only table, and the app's stylesheet. Pages call these as ui.chart, ui.table and
ui.page_style (dashboard.ui re-exports them).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

_STYLE = Path(__file__).with_name("accessibility.css")
SUMMARY_LEAD = "In numbers:"  # starts the line under every chart (ui.chart)

__all__ = ["SUMMARY_LEAD", "Frozen", "chart", "page_style", "table"]


class Frozen(go.Figure):
    """A finished figure, kept as the JSON-ready dict plotly makes of it, to be shown
    again and again without being converted again.

    st.plotly_chart asks a figure for to_dict() on every script run: a deep copy of
    every trace and a base64 encoding of every array (0.12 s for the training lab's
    playback, which every rerun of the page paid even when the figure came from a
    cache; all of it on the server's one Python thread that every session shares).
    A Frozen figure answers with the dict it made once. Build it where a figure is
    kept for many runs (st.cache_resource); never change it: it is shared.

    fig may also be a finished dict itself, as a figure's to_dict() gives it (a builder
    that assembles its frames as plain data, dashboard.plots.playback.playback_spec):
    then nothing is built or converted at all; the builder's tests check its dict."""

    def __init__(self, fig: go.Figure | dict[str, Any]) -> None:  # only the finished dict
        object.__setattr__(self, "_shown", fig if isinstance(fig, dict) else fig.to_dict())

    def to_dict(self) -> dict[str, Any]:
        return self._shown


def page_style() -> None:
    """The app's CSS rules for contrast, wide tables and keyboard focus (see
    accessibility.css), once per run (app.py): a style-only st.html takes no room."""
    st.html(_STYLE)


def chart(
    fig: go.Figure,
    *,
    summary: str,
    key: str,
    config: Mapping[str, Any] | None = None,
    where: Any = None,
) -> None:
    """A plotly chart across its container's width, and right under it one line of
    what it shows in numbers (dashboard.plots.summaries, from the figure's own data):
    a screen reader cannot read a chart, and some students would rather read.
    where: the container to draw in (default: the page at this point)."""
    where = where or st
    where.plotly_chart(fig, width="stretch", key=key, config=dict(config or {}))
    where.caption(f"**{SUMMARY_LEAD}** {_markdown_text(summary)}")


def table(
    frame: pd.DataFrame,
    columns: Mapping[str, Mapping[str, Any]] | None = None,
    *,
    height: int | None = None,
    notes: bool = True,
) -> None:
    """A small read-only table, written as a Markdown table: the browser needs no table
    code beyond the Markdown it has already loaded. Measured on a first visit (a fresh
    browser, one table on the page): +0.02 s, against +0.13 s for st.table (which brings
    1 MB of Apache Arrow code) and +0.34 s for st.dataframe (1.7 MB).

    columns: st.column_config entries by column name. A column gets its entry's label
    and its printf format (e.g. "%.3e"); the entries' help texts, which a plain table
    cannot show as tooltips, go into a caption under it. Missing values show as "—";
    number columns are right-aligned. height: scroll within that many pixels; default:
    all rows. notes=False leaves the caption out (the same columns were explained above).
    """
    columns = {name: config for name, config in (columns or {}).items() if name in frame}
    labels = {name: config.get("label") or name for name, config in columns.items()}
    formats = {name: (c.get("type_config") or {}).get("format") for name, c in columns.items()}

    def cell(name: str, value: Any) -> str:
        if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
            return "—"
        spec = formats.get(name)
        return _markdown_text(spec % value if spec else str(value))

    names = list(frame.columns)
    lines = [
        "| " + " | ".join(_markdown_text(str(labels.get(n, n))) for n in names) + " |",
        "|"
        + "|".join("---:" if pd.api.types.is_numeric_dtype(frame[n]) else "---" for n in names)
        + "|",
        *(
            "| " + " | ".join(cell(n, v) for n, v in zip(names, row, strict=True)) + " |"
            for row in frame.itertuples(index=False)
        ),
    ]
    box = st.container(height=height) if height else st.container()
    box.markdown("\n".join(lines))
    help_texts = [f"**{labels[n]}**: {c['help']}" for n, c in columns.items() if c.get("help")]
    if help_texts and notes:
        st.caption(" · ".join(help_texts))


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]<>|$~])")


def _markdown_text(text: str) -> str:
    """text shown as it is inside Markdown (a table cell): every character Markdown, a
    table or Streamlit's LaTeX ($) would read as syntax is backslash-escaped."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)
