"""The vanishing-gradient lab's charts with their lines of numbers, built once per view
for every session that shows it (st.cache_resource) and kept as Frozen figures: plotly's
checks and the conversion for the browser, made on every run of the page, cost the
server's one Python thread 0.08 s a run of the lab."""

from __future__ import annotations

import streamlit as st

from core import lab
from dashboard.display import Frozen
from dashboard.plots.profiles import (
    depth_story_figure,
    forward_stats_figure,
    lab_profile_figure,
    similarity_figure,
)
from dashboard.plots.summaries import (
    depth_story_summary,
    forward_summary,
    profile_summary,
    similarity_summary,
)

FIGURE_ENTRIES = 16  # views whose charts are kept (0.1-0.5 MB each)


@st.cache_resource(max_entries=FIGURE_ENTRIES, show_spinner=False)
def profile_chart(
    settings: lab.LabSettings, quantity: str, theory: bool, _result: lab.LabResult
) -> tuple[Frozen, str]:
    """The profile chart and its line of numbers, built once for every session that
    shows this view (plotly's checks on every run of the page cost the server's one
    Python thread 0.04 s a chart). The settings decide _result; shared, never changed."""
    result = _result
    fig = lab_profile_figure(
        result.summary,
        quantity,
        result.labels,
        theory=result.theory if theory else None,
        notes=result.notes,
    )
    return Frozen(fig), profile_summary(result.summary, quantity, result.labels)


@st.cache_resource(max_entries=FIGURE_ENTRIES, show_spinner=False)
def forward_charts(settings: lab.LabSettings, _result: lab.LabResult) -> dict[str, tuple]:
    """The forward pass's two charts with their lines of numbers, by chart key, built
    once for every session (as profile_chart)."""
    result = _result
    return {
        "forward_chart": (
            Frozen(forward_stats_figure(result.summary, result.labels)),
            forward_summary(result.summary, result.labels),
        ),
        "similarity_chart": (
            Frozen(similarity_figure(result.summary, result.labels, result.similarity_theory)),
            similarity_summary(result.summary, result.labels),
        ),
    }


@st.cache_resource(max_entries=FIGURE_ENTRIES, show_spinner=False)
def story_chart(settings: lab.LabSettings, _told: lab.StoryResult) -> tuple[Frozen, str]:
    """The depth animation with its line of numbers (as profile_chart)."""
    told = _told
    return (
        Frozen(depth_story_figure(told.frame, told.depths, told.labels)),
        depth_story_summary(told.frame, told.depths, told.labels),
    )
