"""The training lab's figure builders without Streamlit: traces, axes, shared scales, notes.

Inputs are real core.experiments.train_variants results at tiny sizes (a fraction of a
second), plus hand-made tables for the cases training rarely produces (a gradient that
is zero everywhere, losses spanning many decades, nothing recorded at all).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from core import experiments as ex
from dashboard import plots

SMALL = dict(steps=20, lr=0.5, batch=16, n_samples=60, grid_size=12, seed=1)


@pytest.fixture(scope="module")
def result() -> ex.TrainingResult:
    specs = {v: ex.variant_spec(v, 3, 6, n_in=2) for v in ex.VARIANTS}
    return ex.train_variants(specs, "moons", **SMALL)


@pytest.fixture(scope="module")
def wild() -> ex.TrainingResult:
    """A ReLU network that diverges within a few steps beside a sigmoid one that does not."""
    specs = {
        "plain_relu": ex.variant_spec("plain_relu", 10, 32, n_in=2),
        "plain_sigmoid": ex.variant_spec("plain_sigmoid", 2, 4, n_in=2),
    }
    out = ex.train_variants(specs, "moons", steps=200, lr=100.0, batch=32, grid_size=10)
    assert out.runs["plain_relu"].diverged_at is not None
    assert out.runs["plain_sigmoid"].diverged_at is None
    return out


def _diverged(result: ex.TrainingResult) -> dict[str, int]:
    return {n: r.diverged_at for n, r in result.runs.items() if r.diverged_at is not None}


# --- loss and accuracy curves ---------------------------------------------------------
def test_loss_curves_one_line_per_network_on_a_log_axis(result):
    history = result.history_frame()
    fig = plots.training_loss_figure(history, {}, "bce")
    assert [t.name for t in fig.data] == [plots.VARIANT_LABELS[v] for v in ex.VARIANTS]
    assert [t.line.color for t in fig.data] == [plots.VARIANT_COLORS[v] for v in ex.VARIANTS]
    assert fig.layout.yaxis.type == "log"
    assert fig.layout.yaxis.title.text == "Cross-entropy loss (log scale)"
    assert fig.layout.xaxis.title.text.startswith("Training step")
    relu = fig.data[1]
    expected = result.runs["plain_relu"].history
    assert list(relu.x) == expected["step"].tolist()
    assert list(relu.y) == expected["loss"].tolist()


def test_loss_axis_labels_read_as_plain_numbers_over_a_few_decades(result):
    history = result.history_frame()
    fig = plots.training_loss_figure(history, {}, "squared_error")
    assert fig.layout.yaxis.title.text == "Squared error E (log scale)"
    ticks = list(fig.layout.yaxis.tickvals)
    assert min(ticks) <= history["loss"].min() and max(ticks) >= history["loss"].max()
    assert list(fig.layout.yaxis.ticktext) == [plots.fmt(t) for t in ticks]
    # Over many decades plotly's powers of ten are kept, one label per decade.
    wide = pd.DataFrame(
        {"variant": "plain_relu", "step": [0, 1, 2], "loss": [1.0, 1e-3, 1e-7], "accuracy": 1.0}
    )
    fig = plots.training_loss_figure(wide)
    assert fig.layout.yaxis.tickvals is None and fig.layout.yaxis.dtick == 1
    # A diverging loss spanning 60 decades keeps to a handful of labels.
    wide["loss"] = [1e60, 1.0, 1e-3]
    assert plots.training_loss_figure(wide).layout.yaxis.dtick == 8


def test_a_diverged_network_ends_in_a_cross_and_says_when(wild):
    diverged = _diverged(wild)
    step = diverged["plain_relu"]
    history = wild.history_frame()
    for fig in (
        plots.training_loss_figure(history, diverged),
        plots.training_accuracy_figure(history, diverged),
    ):
        relu, sigmoid = fig.data
        assert relu.name == f"plain ReLU (diverged at step {step})"
        assert relu.marker.symbol[-1] == "x" and relu.marker.size[-1] > 0
        assert sigmoid.name == "plain sigmoid" and "x" not in sigmoid.marker.symbol
        assert max(relu.x) <= step < max(sigmoid.x)


def test_accuracy_curves_in_percent_with_the_guessing_line(result):
    fig = plots.training_accuracy_figure(result.history_frame())
    assert len(fig.data) == 4
    assert fig.layout.yaxis.tickformat == ".0%"
    assert tuple(fig.layout.yaxis.range) == (0, 1.04)
    [chance] = fig.layout.shapes
    assert chance.y0 == chance.y1 == plots.TRAIN_CHANCE_ACCURACY
    assert "guessing" in [a.text for a in fig.layout.annotations]
    assert all(0 <= y <= 1 for t in fig.data for y in t.y)


def test_nothing_recorded_is_said_on_the_figure_not_left_blank():
    empty = pd.DataFrame(columns=["step", "loss", "accuracy", "variant"])
    for fig in (plots.training_loss_figure(empty), plots.training_accuracy_figure(empty)):
        assert len(fig.data) == 0
        assert any("diverged at its first step" in a.text for a in fig.layout.annotations)


# --- gradient-norm heatmaps -------------------------------------------------------------
def test_one_heatmap_per_network_with_layers_up_and_steps_across(result):
    frame = result.grad_norm_frame()
    maps = plots.gradient_heatmap_figures(frame)
    assert list(maps) == list(ex.VARIANTS)
    n_layers = 4  # 3 hidden layers and the output
    steps = result.runs["plain_sigmoid"].history["step"].tolist()
    for variant, fig in maps.items():
        [heat] = fig.data
        assert heat.type == "heatmap"
        assert list(heat.y) == [1, 2, 3, 4] and list(heat.x) == steps
        assert np.shape(heat.z) == (n_layers, len(steps))
        rows = frame[frame["variant"] == variant].set_index(["layer", "step"])
        # z[layer - 1][k] is that layer's norm at the k-th recorded step.
        assert heat.z[0][0] == rows.loc[(1, 0), "log10_grad_norm"]
        assert heat.z[3][-1] == rows.loc[(4, steps[-1]), "log10_grad_norm"]
        assert heat.customdata[0][0] == pytest.approx(10 ** heat.z[0][0])
        assert fig.layout.title.text == plots.VARIANT_LABELS[variant]
        assert fig.layout.yaxis.title.text == "Layer (1 = input side, 4 = output)"
        assert fig.layout.xaxis.title.text == "Training step"
        assert heat.colorscale == plots.go.Heatmap(colorscale="Viridis").colorscale


def test_heatmaps_share_one_color_range_and_one_step_axis(result):
    frame = result.grad_norm_frame()
    maps = plots.gradient_heatmap_figures(frame)
    lows = {fig.data[0].zmin for fig in maps.values()}
    highs = {fig.data[0].zmax for fig in maps.values()}
    assert lows == {frame["log10_grad_norm"].min()}
    assert highs == {frame["log10_grad_norm"].max()}
    assert {tuple(fig.layout.xaxis.range) for fig in maps.values()} == {(0, SMALL["steps"])}


def test_a_diverged_map_is_marked_and_keeps_the_full_step_axis(wild):
    diverged = _diverged(wild)
    maps = plots.gradient_heatmap_figures(wild.grad_norm_frame(), diverged)
    relu, sigmoid = maps["plain_relu"], maps["plain_sigmoid"]
    [line] = relu.layout.shapes
    assert line.x0 == line.x1 == diverged["plain_relu"]
    assert relu.layout.title.text.startswith(f"plain ReLU: diverged at step {line.x0}")
    assert tuple(relu.layout.xaxis.range) == (0, 200)
    assert not sigmoid.layout.shapes and sigmoid.layout.title.text == "plain sigmoid"
    # The color range is the calm network's: the diverged one's huge norms are capped.
    calm = wild.runs["plain_sigmoid"].grad_norms["log10_grad_norm"]
    assert (relu.data[0].zmin, relu.data[0].zmax) == (calm.min(), calm.max())
    assert np.nanmax(np.array(relu.data[0].z, dtype=float)) > calm.max()
    assert relu.layout.title.text.endswith("(colors capped)")


def test_a_network_with_no_records_gets_a_note_and_zero_gradients_leave_gaps():
    frame = pd.DataFrame(
        {
            "variant": "plain_sigmoid",
            "step": [0, 0, 5, 5],
            "layer": [1, 2, 1, 2],
            "distance": [2, 1, 2, 1],
            "log10_grad_norm": [math.nan, -1.0, math.nan, -1.0],
        }
    )
    maps = plots.gradient_heatmap_figures(frame, {"plain_relu": 0}, ["plain_sigmoid", "plain_relu"])
    heat = maps["plain_sigmoid"].data[0]
    assert math.isnan(heat.z[0][0]) and heat.z[1][0] == -1.0
    assert heat.zmin < -1.0 < heat.zmax  # one value everywhere still gets a color range
    notes = [a.text for a in maps["plain_relu"].layout.annotations]
    assert notes == ["No gradient recorded:<br>diverged at step 0"]


# --- decision boundaries ------------------------------------------------------------------
def test_boundary_draws_the_prediction_the_50_percent_line_and_both_classes(result):
    for variant, run in result.runs.items():
        fig = plots.decision_boundary_figure(result, variant)
        heat, line, class0, class1 = fig.data
        assert (heat.type, line.type, class0.type, class1.type) == (
            "heatmap",
            "contour",
            "scatter",
            "scatter",
        )
        np.testing.assert_allclose(np.array(heat.z), run.grid_prob, rtol=0, atol=5e-5)
        assert line.z == heat.z
        assert list(heat.x) == result.grid_x.tolist() and (heat.zmin, heat.zmax) == (0, 1)
        assert line.contours.start == line.contours.end == 0.5
        labels = result.y[:, 0]
        assert len(class0.x) == int((labels == 0).sum()) and len(class1.x) == int(labels.sum())
        np.testing.assert_allclose(class1.y, result.X[labels == 1, 1], rtol=0, atol=5e-5)
        assert class0.marker.symbol != class1.marker.symbol  # not by color alone
        accuracy = run.history["accuracy"].iloc[-1]
        assert fig.layout.title.text == f"{plots.VARIANT_LABELS[variant]}: " + (
            f"{plots.fmt(100 * accuracy)}% correct"
        )
        assert fig.layout.yaxis.scaleanchor == "x"  # circles look round


def test_a_diverged_network_shows_its_points_and_says_why_there_is_no_boundary(wild):
    fig = plots.decision_boundary_figure(wild, "plain_relu")
    assert [t.type for t in fig.data] == ["scatter", "scatter"]
    step = wild.runs["plain_relu"].diverged_at
    assert fig.layout.title.text == "plain ReLU: diverged"
    assert any(f"Diverged at step {step}" in a.text for a in fig.layout.annotations)
    calm = plots.decision_boundary_figure(wild, "plain_sigmoid")
    assert len(calm.data) == 4
