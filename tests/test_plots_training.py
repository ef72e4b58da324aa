"""The training lab's figure builders without Streamlit: traces, axes, shared scales, notes.

Inputs are real core.experiments.train_variants results at tiny sizes (a fraction of a
second), plus hand-made tables for the cases training rarely produces (a gradient that
is zero everywhere, losses spanning many decades, nothing recorded at all).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from core import experiments as ex
from dashboard.plots.format import fmt
from dashboard.plots.style import VARIANT_COLORS, VARIANT_LABELS
from dashboard.plots.training import (
    TRAIN_CHANCE_ACCURACY,
    TRAIN_MAP_DTYPE,
    TRAIN_MAP_MAX_POINTS,
    decision_boundary_figure,
    gradient_heatmap_figure,
    map_points,
    training_accuracy_figure,
    training_loss_figure,
)

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
    fig = training_loss_figure(history, {}, "bce")
    assert [t.name for t in fig.data] == [VARIANT_LABELS[v] for v in ex.VARIANTS]
    assert [t.line.color for t in fig.data] == [VARIANT_COLORS[v] for v in ex.VARIANTS]
    assert fig.layout.yaxis.type == "log"
    assert fig.layout.yaxis.title.text == "Cross-entropy loss (log scale)"
    assert fig.layout.xaxis.title.text.startswith("Training step")
    relu = fig.data[1]
    expected = result.runs["plain_relu"].history
    assert list(relu.x) == expected["step"].tolist()
    assert list(relu.y) == expected["loss"].tolist()


def test_loss_axis_labels_read_as_plain_numbers_over_a_few_decades(result):
    history = result.history_frame()
    fig = training_loss_figure(history, {}, "squared_error")
    assert fig.layout.yaxis.title.text == "Squared error E (log scale)"
    ticks = list(fig.layout.yaxis.tickvals)
    assert min(ticks) <= history["loss"].min() and max(ticks) >= history["loss"].max()
    assert list(fig.layout.yaxis.ticktext) == [fmt(t) for t in ticks]
    # Over many decades plotly's powers of ten are kept, one label per decade.
    wide = pd.DataFrame(
        {"variant": "plain_relu", "step": [0, 1, 2], "loss": [1.0, 1e-3, 1e-7], "accuracy": 1.0}
    )
    fig = training_loss_figure(wide)
    assert fig.layout.yaxis.tickvals is None and fig.layout.yaxis.dtick == 1
    # A diverging loss spanning 60 decades keeps to a handful of labels.
    wide["loss"] = [1e60, 1.0, 1e-3]
    assert training_loss_figure(wide).layout.yaxis.dtick == 8


def test_a_diverged_network_ends_in_a_cross_and_says_when(wild):
    diverged = _diverged(wild)
    step = diverged["plain_relu"]
    history = wild.history_frame()
    for fig in (
        training_loss_figure(history, diverged),
        training_accuracy_figure(history, diverged),
    ):
        relu, sigmoid = fig.data
        assert relu.name == f"plain ReLU (diverged at step {step})"
        assert relu.marker.symbol[-1] == "x" and relu.marker.size[-1] > 0
        assert sigmoid.name == "plain sigmoid" and "x" not in sigmoid.marker.symbol
        assert max(relu.x) <= step < max(sigmoid.x)


def test_accuracy_curves_in_percent_with_the_guessing_line(result):
    fig = training_accuracy_figure(result.history_frame())
    assert len(fig.data) == 4
    assert fig.layout.yaxis.tickformat == ".0%"
    assert tuple(fig.layout.yaxis.range) == (0, 1.04)
    [chance] = fig.layout.shapes
    assert chance.y0 == chance.y1 == TRAIN_CHANCE_ACCURACY
    assert "guessing" in [a.text for a in fig.layout.annotations]
    assert all(0 <= y <= 1 for t in fig.data for y in t.y)


def test_nothing_recorded_is_said_on_the_figure_not_left_blank():
    empty = pd.DataFrame(columns=["step", "loss", "accuracy", "variant"])
    for fig in (training_loss_figure(empty), training_accuracy_figure(empty)):
        assert len(fig.data) == 0
        assert any("diverged at its first step" in a.text for a in fig.layout.annotations)


# --- the maps: one figure per kind, a panel per network ----------------------------------
def _panels(fig) -> dict[str, list]:
    """The figure's traces by panel, keyed by their x axis ("x", "x2", ...), in order."""
    panels: dict[str, list] = {}
    for trace in fig.data:
        panels.setdefault(trace.xaxis or "x", []).append(trace)
    return panels


def _axis(fig, ref: str):
    """The layout axis that a trace's or an annotation's reference names ("y3 domain")."""
    name = ref.split()[0]
    return fig.layout[("xaxis" if name[0] == "x" else "yaxis") + name[1:]]


def _titles(fig) -> dict[str, str]:
    """Panel titles (left-aligned on top of the panel's plot area), by x axis."""
    return {
        a.xref.split()[0]: a.text
        for a in fig.layout.annotations
        if a.xref.endswith(" domain") and (a.x, a.y, a.yanchor) == (0, 1, "bottom")
    }


def _notes(fig) -> dict[str, str]:
    """Notes in the middle of a panel, by x axis."""
    return {
        a.xref.split()[0]: a.text
        for a in fig.layout.annotations
        if a.xref.endswith(" domain") and (a.x, a.y) == (0.5, 0.5)
    }


@pytest.mark.parametrize(("count", "columns"), [(1, 1), (2, 2), (3, 2), (4, 2)])
def test_one_panel_per_network_two_a_row_and_no_empty_axes(result, count, columns):
    names = list(ex.VARIANTS)[:count]
    figures = (
        gradient_heatmap_figure(result.grad_norm_frame(), {}, names),
        decision_boundary_figure(result, names),
    )
    for fig in figures:
        panels = _panels(fig)
        assert len(panels) == count
        x_domains = [tuple(_axis(fig, ref).domain) for ref in panels]
        y_domains = [tuple(_axis(fig, "y" + ref[1:]).domain) for ref in panels]
        assert len(set(x_domains)) == columns and len(set(y_domains)) == -(-count // columns)
        assert x_domains[0][0] == 0 and x_domains[-1 if count < 3 else 1][1] == 1  # full width
        assert y_domains[0][1] == 1 and y_domains[-1][0] == 0  # first row on top
        # a third network leaves the fourth cell empty: no axes are drawn there
        assert sum(1 for key in fig.layout if key.startswith("xaxis")) == count
        assert [t.split("<br>")[0] for t in _titles(fig).values()] == [
            VARIANT_LABELS[v] for v in names
        ]
        assert list(_titles(fig)) == list(panels)
        # axis titles once: x under the lowest panel of a column, y left of the first column
        below = {ref for i, ref in enumerate(panels) if i + columns >= count}
        left = {ref for i, ref in enumerate(panels) if i % columns == 0}
        for ref in panels:
            assert bool(_axis(fig, ref).title.text) == (ref in below)
            assert bool(_axis(fig, "y" + ref[1:]).title.text) == (ref in left)
    if count > 2:  # a second row makes the figure taller, not the panels flatter
        assert (
            figures[0].layout.height
            > gradient_heatmap_figure(result.grad_norm_frame(), {}, names[:2]).layout.height
        )


def test_one_panel_a_row_when_asked_full_width_and_taller(result):
    """columns=1 (the page's choice, so that a phone's screen holds one map across):
    every panel spans the whole width, one under the other, and the figure grows."""
    names = list(ex.VARIANTS)
    for build in (
        lambda cols: gradient_heatmap_figure(result.grad_norm_frame(), {}, names, columns=cols),
        lambda cols: decision_boundary_figure(result, names, columns=cols),
    ):
        fig, two = build(1), build(2)
        panels = _panels(fig)
        assert {tuple(_axis(fig, ref).domain) for ref in panels} == {(0.0, 1.0)}
        assert len({tuple(_axis(fig, "y" + ref[1:]).domain) for ref in panels}) == len(names)
        assert fig.layout.height > two.layout.height


def test_one_heatmap_per_network_with_layers_up_and_steps_across(result):
    frame = result.grad_norm_frame()
    fig = gradient_heatmap_figure(frame)
    panels = _panels(fig)
    assert [t.name for t in fig.data] == [VARIANT_LABELS[v] for v in ex.VARIANTS]
    n_layers = 4  # 3 hidden layers and the output
    steps = result.runs["plain_sigmoid"].history["step"].tolist()
    for variant, (ref, traces) in zip(ex.VARIANTS, panels.items(), strict=True):
        [heat] = traces
        assert heat.type == "heatmap"
        assert list(heat.y) == [1, 2, 3, 4] and list(heat.x) == steps
        assert np.shape(heat.z) == (n_layers, len(steps))
        rows = frame[frame["variant"] == variant].set_index(["layer", "step"])
        # z[layer - 1][k] is that layer's norm at the k-th recorded step.
        assert heat.z[0][0] == rows.loc[(1, 0), "log10_grad_norm"]
        assert heat.z[3][-1] == rows.loc[(4, steps[-1]), "log10_grad_norm"]
        assert heat.customdata[0][0] == pytest.approx(10 ** heat.z[0][0])
        assert VARIANT_LABELS[variant] in heat.hovertemplate  # which map is this?
        assert _titles(fig)[ref] == VARIANT_LABELS[variant]
        assert list(_axis(fig, "y" + ref[1:]).range) == [0.5, 4.5]
    assert fig.layout.yaxis.title.text == "Layer (1 = input side, 4 = output)"
    assert fig.layout.xaxis3.title.text == "Training step"
    assert fig.layout.coloraxis.colorscale == go.Heatmap(colorscale="Viridis").colorscale


def test_heatmaps_share_one_color_bar_one_color_range_and_one_step_axis(result):
    frame = result.grad_norm_frame()
    fig = gradient_heatmap_figure(frame)
    assert {t.coloraxis for t in fig.data} == {"coloraxis"}  # one scale, so one color bar
    colors = fig.layout.coloraxis
    assert (colors.cmin, colors.cmax) == (
        frame["log10_grad_norm"].min(),
        frame["log10_grad_norm"].max(),
    )
    assert colors.colorbar.orientation == "h" and "‖∂L/∂W‖" in colors.colorbar.title.text
    ranges = {tuple(_axis(fig, t.xaxis).range) for t in fig.data}
    assert ranges == {(0, SMALL["steps"])}


def test_a_diverged_map_is_marked_and_keeps_the_full_step_axis(wild):
    diverged = _diverged(wild)
    step = diverged["plain_relu"]
    fig = gradient_heatmap_figure(wild.grad_norm_frame(), diverged)
    relu, sigmoid = fig.data
    assert (relu.name, sigmoid.name) == ("plain ReLU", "plain sigmoid")
    [line] = fig.layout.shapes
    assert line.x0 == line.x1 == step and line.xref == relu.xaxis
    titles = _titles(fig)
    assert titles[relu.xaxis] == f"plain ReLU<br>diverged at step {step}<br>(colors capped)"
    assert titles[sigmoid.xaxis] == "plain sigmoid"
    assert tuple(_axis(fig, relu.xaxis).range) == (0, 200)
    # The color range is the calm network's: the diverged one's huge norms are capped.
    calm = wild.runs["plain_sigmoid"].grad_norms["log10_grad_norm"]
    assert (fig.layout.coloraxis.cmin, fig.layout.coloraxis.cmax) == (calm.min(), calm.max())
    assert np.nanmax(np.array(relu.z, dtype=float)) > calm.max()


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
    fig = gradient_heatmap_figure(frame, {"plain_relu": 0}, ["plain_sigmoid", "plain_relu"])
    heat, empty = fig.data
    assert math.isnan(heat.z[0][0]) and heat.z[1][0] == -1.0
    assert fig.layout.coloraxis.cmin < -1.0 < fig.layout.coloraxis.cmax  # one value: some room
    assert np.size(empty.z) == 0 and not fig.layout.shapes  # nothing to mark on an empty map
    assert _notes(fig) == {empty.xaxis: "No gradient recorded:<br>diverged at step 0"}
    assert _titles(fig)[empty.xaxis] == "plain ReLU<br>diverged at step 0"


# --- decision boundaries ------------------------------------------------------------------
def test_boundary_draws_the_prediction_the_50_percent_line_and_both_classes(result):
    fig = decision_boundary_figure(result)
    panels = _panels(fig)
    assert len(panels) == len(result.runs)
    labels = result.y[:, 0]
    for (variant, run), (ref, traces) in zip(result.runs.items(), panels.items(), strict=True):
        heat, line, class0, class1 = traces
        assert (heat.type, line.type, class0.type, class1.type) == (
            "heatmap",
            "contour",
            "scatter",
            "scatter",
        )
        np.testing.assert_allclose(np.array(heat.z), run.grid_prob, rtol=0, atol=5e-5)
        assert np.array_equal(line.z, heat.z) and heat.z.dtype == TRAIN_MAP_DTYPE
        assert list(heat.x) == result.grid_x.tolist() and (heat.zmin, heat.zmax) == (0, 1)
        assert line.contours.start == line.contours.end == 0.5
        assert len(class0.x) == int((labels == 0).sum()) and len(class1.x) == int(labels.sum())
        np.testing.assert_allclose(class1.y, result.X[labels == 1, 1], rtol=0, atol=5e-5)
        assert class0.marker.symbol != class1.marker.symbol  # not by color alone
        accuracy = run.history["accuracy"].iloc[-1]
        assert _titles(fig)[ref] == (f"{VARIANT_LABELS[variant]}<br>{fmt(100 * accuracy)}% correct")
        y_axis = _axis(fig, "y" + ref[1:])
        assert y_axis.scaleanchor == ref and y_axis.scaleratio == 1  # circles look round
        assert list(y_axis.range) == [result.grid_y[0], result.grid_y[-1]]
    assert fig.layout.showlegend is False  # the text above the maps names the classes


def test_boundary_maps_draw_an_even_share_of_many_points():
    """Past TRAIN_MAP_MAX_POINTS the maps draw that many points, spread over the whole
    data set, each in its own class's trace; below it they draw every point."""
    specs = {"plain_relu": ex.variant_spec("plain_relu", 2, 8, n_in=2)}
    big = ex.train_variants(specs, "moons", **{**SMALL, "n_samples": 1000})
    most = TRAIN_MAP_MAX_POINTS
    keep = map_points(1000)
    assert len(keep) == most and keep[0] == 0 and keep[-1] == 999
    assert np.all(np.diff(keep) >= 1000 // most - 1)  # spread, not the first `most`
    _, _, class0, class1 = next(iter(_panels(decision_boundary_figure(big)).values()))
    labels = big.y[keep, 0]
    assert len(class0.x) + len(class1.x) == most
    np.testing.assert_allclose(class1.x, big.X[keep][labels == 1, 0], rtol=0, atol=5e-5)
    np.testing.assert_allclose(class0.y, big.X[keep][labels == 0, 1], rtol=0, atol=5e-5)
    assert min(len(class0.x), len(class1.x)) >= most // 3  # both classes still shown
    assert list(map_points(most)) == list(range(most))


def test_a_diverged_network_shows_its_points_and_says_why_there_is_no_boundary(wild):
    fig = decision_boundary_figure(wild, ["plain_sigmoid", "plain_relu"])
    calm, relu = _panels(fig).values()
    assert [t.type for t in relu] == ["scatter", "scatter"] and len(calm) == 4
    step = wild.runs["plain_relu"].diverged_at
    assert _titles(fig)[relu[0].xaxis] == "plain ReLU<br>diverged"
    assert _notes(fig) == {relu[0].xaxis: f"Diverged at step {step}:<br>no trained network to draw"}
