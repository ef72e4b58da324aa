"""dashboard/plots/profiles.py (the lab's figures) without Streamlit: traces, axes, notes."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from core import lab
from dashboard.plots.format import fmt_power
from dashboard.plots.profiles import (
    LAB_MAX_TICKS,
    LAB_OTHER_COLOR,
    _power_ticks,
    depth_story_figure,
    forward_stats_figure,
    lab_color,
    lab_profile_figure,
)
from dashboard.plots.style import CLAIM_COLOR, THEORY_COLOR, VARIANT_COLORS

SETTINGS = lab.LabSettings(depth=8, width=16, batch=8, n_seeds=3)


@pytest.fixture(scope="module")
def result() -> lab.LabResult:
    return lab.lab_profiles(SETTINGS)


def _by_name(fig) -> dict:
    return {t.name: t for t in fig.data}


def test_lab_color_is_the_variants_or_sky_blue():
    assert lab_color("plain_relu") == VARIANT_COLORS["plain_relu"]
    assert lab_color("plain_tanh") == LAB_OTHER_COLOR
    assert LAB_OTHER_COLOR not in VARIANT_COLORS.values()


@pytest.mark.parametrize(("low", "high"), [(-33.5, 0.5), (-640.0, 3.0), (-0.2, 0.3), (2, 240)])
def test_power_ticks_are_whole_decades_and_few(low, high):
    values, texts = _power_ticks(low, high)
    assert 1 <= len(values) <= LAB_MAX_TICKS
    assert all(low <= v <= high and v == int(v) for v in values)
    assert all(t == "1" or t.startswith("10<sup>") for t in texts)


def test_profile_figure_draws_median_and_band_per_network(result):
    fig = lab_profile_figure(result.summary, "signal", result.labels)
    assert len(fig.data) == 3 * len(result.labels)
    traces = _by_name(fig)
    for variant, label in result.labels.items():
        rows = result.summary[result.summary["variant"] == variant].sort_values("layer")
        median = traces[label]
        assert median.line.color == lab_color(variant)
        np.testing.assert_array_equal(median.y, rows["log10_delta_rms_median"])
        assert list(median.x) == list(range(1, SETTINGS.depth + 2))
        assert median.customdata[0][0] == fmt_power(rows["log10_delta_rms_median"].iloc[0])
    bands = [t for t in fig.data if t.fill == "tonexty"]
    assert len(bands) == len(result.labels)
    assert all("10–90%" in t.name for t in bands)
    assert fig.layout.title.text == "Backward signal ‖δ‖ by layer"
    assert "log scale" in fig.layout.yaxis.title.text
    assert fig.layout.xaxis.title.text.startswith("Layer (1 = next to the input")
    assert all(t.startswith(("10<sup>", "1")) for t in fig.layout.yaxis.ticktext)


def test_profile_figure_switches_quantity(result):
    fig = lab_profile_figure(result.summary, "update", result.labels)
    label = result.labels["plain_sigmoid"]
    rows = result.summary[result.summary["variant"] == "plain_sigmoid"].sort_values("layer")
    np.testing.assert_array_equal(_by_name(fig)[label].y, rows["log10_update_median"])
    assert fig.layout.title.text.startswith("Update size")
    with pytest.raises(ValueError, match="quantity"):
        lab_profile_figure(result.summary, "loss", result.labels)


def test_theory_lines_are_grey_predictions_and_orange_bounds(result):
    fig = lab_profile_figure(result.summary, "signal", result.labels, theory=result.theory)
    extra = fig.data[3 * len(result.labels) :]
    # plain sigmoid's prediction and bound, plain ReLU's, and residual's (layer by layer)
    assert len(extra) == result.theory.groupby(["variant", "kind"]).ngroups == 4
    names = [t.name for t in extra]
    assert "plain sigmoid: bound ×0.25/layer (= σw/4)" in names
    for trace in extra:
        bound = "bound" in trace.name
        assert trace.line.color == (CLAIM_COLOR if bound else THEORY_COLOR)
        assert trace.line.dash in ("dot", "dash", "dashdot")


def test_notes_are_written_on_the_chart_and_nothing_is_blank():
    summary = lab.lab_profiles(SETTINGS).summary.copy()
    measured = [c for c in summary.columns if c.startswith("log10_")]
    summary[measured] = math.nan  # as if every seed had overflowed
    fig = lab_profile_figure(
        summary,
        "signal",
        {"plain_relu": "Plain ReLU"},
        notes=("Plain ReLU: forward pass overflowed",),
    )
    [note] = fig.layout.annotations
    assert "Not measured everywhere" in note.text and "overflowed" in note.text
    assert list(fig.layout.yaxis.range) == [-1.5, 1.5]  # axes drawn even with no values
    assert fig.layout.xaxis.range[1] == SETTINGS.depth + 1.5


def test_forward_stats_figure_has_rms_and_inactive_panels(result):
    fig = forward_stats_figure(result.summary, result.labels)
    assert len(fig.data) == 2 * len(result.labels)
    rms = [t for t in fig.data if t.yaxis in (None, "y")]
    share = [t for t in fig.data if t.yaxis == "y2"]
    assert len(rms) == len(share) == len(result.labels)
    rows = result.summary[result.summary["variant"] == "plain_relu"].sort_values("layer")
    relu = _by_name(fig)[result.labels["plain_relu"]]
    np.testing.assert_allclose(relu.y, np.log10(rows["act_rms_median"]))
    relu_share = _by_name(fig)[f"{result.labels['plain_relu']}: inactive units"]
    np.testing.assert_allclose(relu_share.y, 100 * rows["inactive_frac_median"])
    assert fig.layout.yaxis2.ticksuffix == "%" and list(fig.layout.yaxis2.range) == [-3, 103]
    assert fig.layout.xaxis.anchor == "y2"


def test_depth_story_has_a_frame_per_depth_and_starts_on_the_deepest():
    story = lab.depth_story(SETTINGS)
    fig = depth_story_figure(story.frame, story.depths, story.labels)
    assert [f.name for f in fig.frames] == [str(d) for d in story.depths]
    assert all(len(f.data) == len(story.labels) for f in fig.frames)
    assert len(fig.data) == len(story.labels)
    assert list(fig.data[0].x) == list(range(1, SETTINGS.depth + 2))
    slider = fig.layout.sliders[0]
    assert [s.label for s in slider.steps] == [str(d) for d in story.depths]
    assert slider.active == len(story.depths) - 1
    labels = [b.label for b in fig.layout.updatemenus[0].buttons]
    assert labels == ["▶ Play", "❚❚ Pause"]
    # the y range holds every frame, so the axes do not jump while it plays
    low, high = fig.layout.yaxis.range
    assert low < story.frame["relative_log10"].min() and high > story.frame["relative_log10"].max()
    with pytest.raises(ValueError, match="depth"):
        depth_story_figure(pd.DataFrame(), (), story.labels)
