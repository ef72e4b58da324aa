"""dashboard/plots.py without Streamlit: traces, axis titles, log axes, colors."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from core.worked_example import WEIGHT_NAMES, worked_example
from dashboard import plots
from dashboard.plots.format import fmt, fmt_signed
from dashboard.plots.style import CLAIM_COLOR

COURSE = worked_example()
ROOT = Path(__file__).resolve().parents[1]


def _annotations(fig) -> list[str]:
    return [a.text for a in fig.layout.annotations]


def test_plots_module_does_not_need_streamlit():
    # In a fresh interpreter: building a figure must not import streamlit.
    code = (
        "import sys; from dashboard import plots; from core import worked_example; "
        "plots.network_figure(worked_example()); assert 'streamlit' not in sys.modules"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr


def test_forward_diagram_shows_values_on_nodes_and_weights_on_edges():
    fig = plots.network_figure(COURSE, plots.FORWARD)
    # One line per weight, then the nodes.
    assert len(fig.data) == len(plots.EDGES) + 1 == 7
    assert [t.name for t in fig.data[:-1]] == list(plots.EDGES)
    texts = _annotations(fig)
    assert f"w<sub>11</sub> = {fmt(COURSE.w11)}" in texts
    assert f"b = {fmt(COURSE.b)}<br>ŷ = {fmt(COURSE.y_hat)}" in texts
    assert any(f"E = {fmt(COURSE.E)}" in t for t in texts)
    assert fig.layout.xaxis.visible is False and fig.layout.yaxis.visible is False
    widths = {t.line.width for t in fig.data[:-1]}
    assert len(widths) == 1  # forward: every wire drawn alike


def test_backward_diagram_scales_edge_width_with_the_update():
    fig = plots.network_figure(COURSE, plots.BACKWARD)
    width = {t.name: t.line.width for t in fig.data[:-1]}
    sizes = {w: abs(COURSE.update(w)) for w in WEIGHT_NAMES}
    biggest, smallest = max(sizes, key=sizes.get), min(sizes, key=sizes.get)
    assert width[biggest] == max(width[w] for w in WEIGHT_NAMES)
    assert width[smallest] == min(width[w] for w in WEIGHT_NAMES)
    # Width grows monotonically with |update| (same order).
    by_size = sorted(WEIGHT_NAMES, key=sizes.get)
    assert [width[w] for w in by_size] == sorted(width[w] for w in by_size)
    texts = _annotations(fig)
    assert f"δ<sub>out</sub> = {fmt(COURSE.delta_out)}" in texts
    assert f"Δw<sub>11</sub> = {fmt_signed(COURSE.dw11)}" in texts


def test_highlight_colors_the_named_parts_and_dims_the_rest():
    fig = plots.network_figure(COURSE, plots.FORWARD, highlight={"w11", "h1"})
    edges = {t.name: t for t in fig.data[:-1]}
    assert edges["w11"].line.color == plots.HIGHLIGHT_COLOR
    assert edges["w11"].opacity == 1.0
    assert edges["v2"].line.color != plots.HIGHLIGHT_COLOR
    assert edges["v2"].opacity == plots.DIMMED_OPACITY
    nodes = fig.data[-1]
    names = list(plots.NODE_POSITIONS)
    outline = dict(zip(names, nodes.marker.line.color, strict=True))
    assert outline["h1"] == plots.HIGHLIGHT_COLOR and outline["h2"] != plots.HIGHLIGHT_COLOR


def test_diagram_refuses_unknown_view_or_names():
    with pytest.raises(ValueError, match="view"):
        plots.network_figure(COURSE, "sideways")
    with pytest.raises(ValueError, match="unknown"):
        plots.network_figure(COURSE, plots.FORWARD, highlight={"w33"})


def test_error_curve_uses_log_axis_only_when_errors_span_decades():
    flat = plots.error_curve_figure([0.065, 0.06, 0.05])
    steep = plots.error_curve_figure([0.065, 0.01, 1e-4])
    assert len(flat.data) == len(steep.data) == 1
    assert flat.layout.yaxis.type == "linear"
    assert steep.layout.yaxis.type == "log"
    assert "log scale" in steep.layout.yaxis.title.text
    assert flat.layout.xaxis.title.text.startswith("Updates applied")
    assert flat.layout.yaxis.title.text == "Error E"
    # A zero error cannot sit on a log axis: stay linear.
    assert plots.error_curve_figure([1.0, 1e-5, 0.0]).layout.yaxis.type == "linear"


def _table(means: list[float]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "distance": range(1, len(means) + 1),
            "label": [f"layer {i}" for i in range(len(means), 0, -1)],
            "mean_abs_update": means,
            "log10_mean_abs_update": [math.log10(m) if m > 0 else -400.0 for m in means],
        }
    )


def test_update_size_bars_on_a_log_axis_with_the_course_rule():
    fig = plots.update_size_figure(_table([1e-2, 1e-3, 2e-5]), claim_factor=10)
    assert len(fig.data) == 2
    bars, rule = fig.data
    assert bars.type == "bar" and list(bars.x) == ["1", "2", "3"]
    assert fig.layout.xaxis.type == "category"
    assert fig.layout.yaxis.type == "log"
    assert "log scale" in fig.layout.yaxis.title.text
    assert fig.layout.xaxis.title.text.startswith("Layers back from the output")
    assert rule.y == pytest.approx((1e-2, 1e-3, 1e-4))
    assert rule.line.color == CLAIM_COLOR


def test_update_size_axis_under_two_decades_gets_readable_ticks():
    fig = plots.update_size_figure(_table([0.0238, 0.00205]))
    assert fig.layout.yaxis.type == "log"
    assert list(fig.layout.yaxis.ticktext) == ["0.001", "0.002", "0.005", "0.01", "0.02", "0.05"]
    # Many decades: plotly's own powers of ten.
    assert plots.update_size_figure(_table([1e-2, 1e-9])).layout.yaxis.tickvals is None


def test_update_size_without_rule_and_with_underflow():
    fig = plots.update_size_figure(_table([1e-2, 0.0]), claim_factor=None)
    assert len(fig.data) == 1
    # A mean that underflowed to 0 is still shown, as log10 on a linear axis.
    assert fig.layout.yaxis.type == "linear"
    assert list(fig.data[0].y) == [-2.0, -400.0]


def test_timeline_marks_every_event_and_labels_the_year_axis():
    events = pd.DataFrame(
        {
            "year": [2010, 2012, 2015, 2015],
            "label": ["a", "b", "c", "d"],
            "detail": ["A", "B", "C", "D"],
            "kind": ["k1", "k2", "k3", "k4"],
        }
    )
    fig = plots.timeline_figure(events)
    markers = [t for t in fig.data if t.mode == "markers+text"]
    assert sum(len(t.x) for t in markers) == 4
    assert fig.layout.xaxis.title.text == "Year"
    # Two events in the same year sit on opposite sides of the axis.
    same_year = [t.y[0] for t in markers if t.x[0] == 2015]
    assert sorted(same_year) == [-1, 1]
