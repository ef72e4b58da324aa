"""The slope picture without Streamlit: both slopes, the ceiling, the student's points,
labelled axes, Okabe-Ito colors, and the one-sentence summary in numbers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from core.lesson import course_numbers, slope_curves
from dashboard.plots.format import fmt
from dashboard.plots.slopes import slope_figure, slope_summary
from dashboard.plots.style import OKABE_ITO


@pytest.fixture(scope="module")
def data() -> tuple[pd.DataFrame, pd.DataFrame]:
    c = course_numbers()
    points = pd.DataFrame(
        {"label": ["a₁", "a₂"], "z": [c.step.a1, c.step.a2], "slope": [c.slope_a1, c.slope_a2]}
    )
    return slope_curves(), points


def test_two_slopes_a_ceiling_and_the_points(data):
    curves, points = data
    fig = slope_figure(curves, points)
    sigmoid, relu, ceiling, marks = fig.data
    assert list(sigmoid.y) == list(curves["sigmoid"]) and list(relu.y) == list(curves["relu"])
    assert relu.line.shape == "vh"  # the jump drawn at z = 0
    assert set(ceiling.y) == {curves["sigmoid"].max()} == {0.25}
    assert "0.25" in ceiling.name
    assert list(marks.x) == list(points["z"]) and list(marks.customdata) == ["a₁", "a₂"]
    # the points lie on the sigmoid's curve
    on_curve = np.interp(points["z"], curves["z"], curves["sigmoid"])
    assert np.allclose(marks.y, on_curve, atol=1e-4)


def test_axes_are_labelled_fixed_and_the_colors_are_okabe_ito(data):
    fig = slope_figure(*data)
    assert fig.layout.xaxis.title.text.startswith("z: a neuron's weighted sum")
    assert fig.layout.yaxis.title.text == "slope at z"
    assert fig.layout.xaxis.fixedrange and fig.layout.yaxis.fixedrange  # no drag-zoom on phones
    colors = {t.line.color for t in fig.data[:3]} | {fig.data[3].marker.color}
    assert colors <= set(OKABE_ITO.values())
    assert fig.layout.legend.yref == "container"  # under the plot, not over the title
    notes = [a.text for a in fig.layout.annotations]
    assert any("a₁ = 0.26" in n and "a₂ = 0.3" in n for n in notes)


def test_summary_names_the_peak_the_points_and_relu(data):
    curves, points = data
    text = slope_summary(curves, points)
    assert "largest at z = 0, where it is 0.25" in text
    for row in points.itertuples():
        assert f"at {row.label} = {fmt(row.z)} it is {fmt(row.slope)}" in text
    assert "ReLU′ is 1 for every positive z and 0 for every negative z" in text


def test_no_points_still_draws_and_summarizes(data):
    curves, _ = data
    empty = pd.DataFrame({"label": [], "z": [], "slope": []})
    fig = slope_figure(curves, empty)
    assert len(fig.data) == 4 and len(fig.layout.annotations) == 1
    assert slope_summary(curves, empty).startswith(
        "In numbers: σ′ is largest at z = 0, where it is 0.25. ReLU′ is 1"
    )
