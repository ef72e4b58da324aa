"""dashboard/plots/network.py without Streamlit: the diagram, the error curve, the timeline."""

from __future__ import annotations

import pandas as pd
import pytest

from core.worked_example import WEIGHT_NAMES, worked_example
from dashboard.plots.format import fmt, fmt_signed
from dashboard.plots.network import (
    BACKWARD,
    DIMMED_OPACITY,
    EDGES,
    FORWARD,
    HIGHLIGHT_COLOR,
    NODE_POSITIONS,
    TIMELINE_CHAR_PX,
    TIMELINE_GAP_PX,
    TIMELINE_HOVER_CHARS,
    TIMELINE_NARROW_PX,
    _timeline_places,
    error_curve_figure,
    network_figure,
    timeline_figure,
)

COURSE = worked_example()


def _annotations(fig) -> list[str]:
    return [a.text for a in fig.layout.annotations]


def test_forward_diagram_shows_values_on_nodes_and_weights_on_edges():
    fig = network_figure(COURSE, FORWARD)
    # One line per weight, then the nodes.
    assert len(fig.data) == len(EDGES) + 1 == 7
    assert [t.name for t in fig.data[:-1]] == list(EDGES)
    texts = _annotations(fig)
    assert f"w<sub>11</sub> = {fmt(COURSE.w11)}" in texts
    assert f"b = {fmt(COURSE.b)}<br>ŷ = {fmt(COURSE.y_hat)}" in texts
    assert any(f"E = {fmt(COURSE.E)}" in t for t in texts)
    assert fig.layout.xaxis.visible is False and fig.layout.yaxis.visible is False
    widths = {t.line.width for t in fig.data[:-1]}
    assert len(widths) == 1  # forward: every wire drawn alike


def test_backward_diagram_scales_edge_width_with_the_update():
    fig = network_figure(COURSE, BACKWARD)
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
    fig = network_figure(COURSE, FORWARD, highlight={"w11", "h1"})
    edges = {t.name: t for t in fig.data[:-1]}
    assert edges["w11"].line.color == HIGHLIGHT_COLOR
    assert edges["w11"].opacity == 1.0
    assert edges["v2"].line.color != HIGHLIGHT_COLOR
    assert edges["v2"].opacity == DIMMED_OPACITY
    nodes = fig.data[-1]
    names = list(NODE_POSITIONS)
    outline = dict(zip(names, nodes.marker.line.color, strict=True))
    assert outline["h1"] == HIGHLIGHT_COLOR and outline["h2"] != HIGHLIGHT_COLOR


def test_diagram_refuses_unknown_view_or_names():
    with pytest.raises(ValueError, match="view"):
        network_figure(COURSE, "sideways")
    with pytest.raises(ValueError, match="unknown"):
        network_figure(COURSE, FORWARD, highlight={"w33"})


def test_error_curve_uses_log_axis_only_when_errors_span_decades():
    flat = error_curve_figure([0.065, 0.06, 0.05])
    steep = error_curve_figure([0.065, 0.01, 1e-4])
    assert len(flat.data) == len(steep.data) == 1
    assert flat.layout.yaxis.type == "linear"
    assert steep.layout.yaxis.type == "log"
    assert "log scale" in steep.layout.yaxis.title.text
    assert flat.layout.xaxis.title.text.startswith("Updates applied")
    assert flat.layout.yaxis.title.text == "Error E"
    # A zero error cannot sit on a log axis: stay linear.
    assert error_curve_figure([1.0, 1e-5, 0.0]).layout.yaxis.type == "linear"


def test_timeline_marks_every_event_and_labels_the_year_axis():
    events = pd.DataFrame(
        {
            "year": [2010, 2012, 2015, 2015],
            "label": ["a", "b", "c", "d"],
            "detail": ["A", "B", "C", "D"],
            "kind": ["k1", "k2", "k3", "k4"],
        }
    )
    fig = timeline_figure(events)
    markers = [t for t in fig.data if t.mode == "markers+text"]
    assert sum(len(t.x) for t in markers) == 4
    assert fig.layout.xaxis.title.text == "Year"
    # Two events in the same year sit on opposite sides of the axis.
    same_year = [t.y[0] for t in markers if t.x[0] == 2015]
    assert len(same_year) == 2 and same_year[0] * same_year[1] < 0


def test_timeline_labels_fit_a_phone_without_overlapping():
    """Ten events, seven of them within six years (the home page's), at a phone's width:
    every label stays inside the axis range and no two on one row overlap; the hover
    texts are wrapped short enough to sit beside any point."""
    years = [1991, 1994, 1997, 2010, 2011, 2012, 2013, 2015, 2015, 2015]
    labels = ["Hochreiter", "Bengio et al.", "LSTM", "Glorot init", "ReLU", "GPUs",
              "Clipping", "He init", "Batch norm", "ResNets"]  # fmt: skip
    events = pd.DataFrame(
        {"year": years, "label": labels, "detail": "word " * 40, "kind": ["a", "b"] * 5}
    )
    x_range = (1990.0, 2016.0)
    rows, sides = _timeline_places(events, x_range)
    per_year = TIMELINE_NARROW_PX / (x_range[1] - x_range[0])
    spans: dict[int, list[tuple[float, float]]] = {}
    for year, label, row, side in zip(years, labels, rows, sides, strict=True):
        width = (len(label) * TIMELINE_CHAR_PX + TIMELINE_GAP_PX) / per_year
        span = (year, year + width) if side == "right" else (year - width, year)
        assert x_range[0] <= span[0] and span[1] <= x_range[1], label
        assert all(span[1] <= lo or hi <= span[0] for lo, hi in spans.get(row, [])), label
        spans.setdefault(row, []).append(span)
    assert len({row for year, row in zip(years, rows, strict=True) if year == 2015}) == 3
    fig = timeline_figure(events)
    top = fig.layout.yaxis.range[1]
    assert max(abs(r) for r in rows) < top
    for trace in fig.data[1:]:
        assert all(
            max(len(line) for line in hover.split("<br>")[1:]) <= TIMELINE_HOVER_CHARS
            for hover in trace.customdata
        )
