"""dashboard/plots/network.py and timeline.py without Streamlit: the diagram, the error
curve, the timeline."""

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
    MAX_POINTS,
    NODE_POSITIONS,
    error_curve_figure,
    network_figure,
    thin,
)
from dashboard.plots.timeline import (
    TIMELINE_CHAR_PX,
    TIMELINE_GAP_PX,
    TIMELINE_HOVER_CHARS,
    TIMELINE_NARROW_PX,
    _timeline_places,
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


def _numbers_in(fig) -> str:
    """Everything the figure can show a student: labels and hover texts."""
    return fig.to_json()


def test_unrevealed_numbers_read_as_question_marks_everywhere_in_the_figure():
    fig = network_figure(COURSE, FORWARD, revealed={"a1"})
    texts = _annotations(fig)
    assert f"a<sub>1</sub> = {fmt(COURSE.a1)}<br>h<sub>1</sub> = ?" in texts
    assert "b = ?<br>ŷ = ?" in texts
    assert any("error E = ?" in t for t in texts)
    shown = _numbers_in(fig)
    assert "a<sub>2</sub> = ?<br>h<sub>2</sub> = ?" in texts
    for name in ("h1", "h2", "b", "y_hat", "E"):  # a2 = 0.3 is also w12's and x2's value
        assert fmt(getattr(COURSE, name)) not in shown, name
    # What is given is never hidden: inputs, weights, target.
    assert f"w<sub>21</sub> = {fmt(COURSE.w21)}" in texts
    assert any(f"target y = {fmt(COURSE.y)}" in t for t in texts)


def test_a_hidden_update_keeps_the_thinnest_wire_and_no_number():
    fig = network_figure(COURSE, BACKWARD, revealed={"y_hat", "delta_out", "dv1"})
    width = {t.name: t.line.width for t in fig.data[:-1]}
    assert width["v1"] == max(width.values())
    assert {width[w] for w in WEIGHT_NAMES if w != "v1"} == {min(width.values())}
    texts = _annotations(fig)
    assert f"Δv<sub>1</sub> = {fmt_signed(COURSE.dv1)}" in texts
    assert "Δv<sub>2</sub> = ?" in texts and "δ<sub>1</sub> = ?" in texts
    assert f"δ<sub>out</sub> = {fmt(COURSE.delta_out)}" in texts
    assert fmt_signed(COURSE.dw11) not in _numbers_in(fig)
    # y - y_hat gives y_hat away: hidden with it.
    assert "y − ŷ = ?" in _annotations(network_figure(COURSE, BACKWARD, revealed=()))


def test_trajectory_shows_error_and_prediction_over_the_same_updates():
    errors, y_hats = [0.065, 0.06, 0.05], [0.64, 0.65, 0.68]
    fig = error_curve_figure(errors, y_hats, target=1.0)
    assert [t.name for t in fig.data] == ["error E", "prediction ŷ", "target y"]
    assert list(fig.data[0].y) == errors and list(fig.data[1].y) == y_hats
    assert list(fig.data[2].y) == [1.0, 1.0]
    assert fig.layout.yaxis.title.text == "Error E"
    assert fig.layout.yaxis2.title.text == "Prediction ŷ"
    assert fig.layout.xaxis2.title.text.startswith("Updates applied")
    steep = error_curve_figure([0.065, 0.01, 1e-4], y_hats, target=1.0)
    assert steep.layout.yaxis.type == "log" and steep.layout.yaxis2.type != "log"


def test_a_long_run_is_drawn_by_its_extremes_so_that_no_jump_is_lost():
    assert thin([3.0, 1.0, 2.0]) == ([0, 1, 2], [3.0, 1.0, 2.0])  # short: every point
    zigzag = [1.0 if k % 2 else 0.0 for k in range(5001)]  # a period every k-th point aliases
    steps, values = thin(zigzag)
    assert len(steps) <= MAX_POINTS + 2 and steps[0] == 0 and steps[-1] == 5000
    assert steps == sorted(set(steps)) and all(values[i] == zigzag[s] for i, s in enumerate(steps))
    assert values.count(1.0) >= MAX_POINTS // 2 - 1 and values.count(0.0) >= MAX_POINTS // 2 - 1
    fig = error_curve_figure(zigzag, zigzag, target=1.0)
    assert len(fig.data[0].x) == len(steps) and list(fig.data[2].x) == [0, 5000]


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
