"""The update-size figure without Streamlit: bars, log axis, the course's rule."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from dashboard.plots.style import CLAIM_COLOR
from dashboard.plots.updates import update_size_figure


def _table(means: list[float]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "distance": range(1, len(means) + 1),
            "layer": range(len(means), 0, -1),
            "label": [f"layer {i}" for i in range(len(means), 0, -1)],
            "mean_abs_update": means,
            "log10_mean_abs_update": [math.log10(m) if m > 0 else -400.0 for m in means],
        }
    )


def test_update_size_bars_on_a_log_axis_with_the_course_rule():
    fig = update_size_figure(_table([1e-2, 1e-3, 2e-5]), claim_factor=10)
    assert len(fig.data) == 2
    bars, rule = fig.data
    # Layers numbered from the input (as everywhere), the output layer's bar last.
    assert bars.type == "bar" and list(bars.x) == ["1", "2", "3"]
    assert list(bars.y) == [2e-5, 1e-3, 1e-2]
    assert fig.layout.xaxis.type == "category"
    assert fig.layout.yaxis.type == "log"
    assert "log scale" in fig.layout.yaxis.title.text
    assert fig.layout.xaxis.title.text == "Layer (1 = next to the input, 3 = the output layer)"
    assert rule.y == pytest.approx((1e-4, 1e-3, 1e-2))  # ten times smaller a layer back
    assert "from the output" in bars.customdata[0][0]
    assert rule.line.color == CLAIM_COLOR


def test_update_size_axis_under_two_decades_gets_readable_ticks():
    fig = update_size_figure(_table([0.0238, 0.00205]))
    assert fig.layout.yaxis.type == "log"
    assert list(fig.layout.yaxis.ticktext) == ["0.001", "0.002", "0.005", "0.01", "0.02", "0.05"]
    # Many decades: plotly's own powers of ten.
    assert update_size_figure(_table([1e-2, 1e-9])).layout.yaxis.tickvals is None


def test_update_size_without_rule_and_with_underflow():
    fig = update_size_figure(_table([1e-2, 0.0]), claim_factor=None)
    assert len(fig.data) == 1
    # A mean that underflowed to 0 is still shown, as log10 on a linear axis.
    assert fig.layout.yaxis.type == "linear"
    assert list(fig.data[0].y) == [-400.0, -2.0]


def test_the_axis_ticks_cover_the_course_rule_too():
    # A tester saw level ReLU bars with the rule falling ten times a layer below them:
    # ticks fitted to the bars alone piled up at the top, the rule ran into no labels.
    fig = update_size_figure(_table([1e-2, 7e-3, 8e-3, 9e-3, 1e-2]), claim_factor=10)
    assert fig.layout.yaxis.type == "log" and fig.layout.yaxis.tickvals is None
    assert update_size_figure(_table([1e-2, 7e-3]), claim_factor=None).layout.yaxis.tickvals
