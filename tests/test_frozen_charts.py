"""Charts built once per view for every session (dashboard.display.Frozen): what the
browser gets is exactly what the live figure gives, and a rerun of the same view builds
no figure again (plotly's checks and conversions ran on the server's one Python thread
on every run of a page, which a class of forty shares)."""

from __future__ import annotations

import collections
import functools
import json

import numpy as np
import plotly.graph_objects as go
import plotly.io
import plotly.tools
import pytest

from core import experiments as ex
from dashboard import lab_charts, training_results
from dashboard.display import Frozen
from dashboard.plots.playback import playback_figure, playback_spec
from tests.share import open_app_page


def spec(fig) -> str:
    """What st.plotly_chart sends the browser for a figure (its own two calls)."""
    shown = plotly.tools.return_figure_from_figure_or_data(fig, validate_figure=True)
    return plotly.io.to_json(shown, validate=False)


def test_a_frozen_figure_sends_the_browser_what_the_live_figure_sends():
    x = np.linspace(0.0, 1.0, 50)
    fig = go.Figure(
        go.Scatter(x=x, y=x**2, name="curve"),
        frames=[go.Frame(data=[go.Scatter(x=x, y=x**k)], name=str(k)) for k in range(3)],
    )
    fig.update_layout(title="t", sliders=[{"active": 1, "steps": [{"label": "a"}]}])
    frozen = Frozen(fig)
    assert isinstance(frozen, go.Figure)  # st.plotly_chart takes it as a figure
    assert spec(frozen) == spec(fig)
    assert frozen.to_dict() is frozen.to_dict(), "kept, not converted again"


def test_a_frozen_playback_dict_sends_the_browser_what_its_figure_sends():
    """The training lab keeps the playback as the dict its builder assembles (no figure
    of its frames is made): the browser must get what the figure would send, value for
    value (plotly's round trip through a figure only reorders keys)."""
    specs = {v: ex.variant_spec(v, 3, 5, n_in=2) for v in ("plain_sigmoid", "residual")}
    result = ex.train_variants(specs, n_samples=60, steps=40, batch=12, seed=3)
    figure = playback_figure(result, frame=4)
    frozen = Frozen(playback_spec(result, frame=4))
    assert json.loads(spec(frozen)) == json.loads(spec(figure))
    assert len(frozen.to_dict()["frames"]) == len(figure.frames) > 25
    assert frozen.to_dict() is frozen.to_dict(), "kept, not converted again"


def counting(monkeypatch, module, names: tuple[str, ...]) -> collections.Counter:
    """Count the calls of module's figure builders (the page calls them through module)."""
    calls: collections.Counter = collections.Counter()
    for name in names:
        real = getattr(module, name)

        @functools.wraps(real)
        def spy(*args, real=real, name=name, **kwargs):
            calls[name] += 1
            return real(*args, **kwargs)

        monkeypatch.setattr(module, name, spy)
    return calls


def chart_specs(at) -> dict[str, dict]:
    return {chart.proto.id: json.loads(chart.proto.spec) for chart in at.get("plotly_chart")}


@pytest.mark.parametrize(
    ("file", "query", "module", "names"),
    [
        (
            "training_lab.py",  # settings no other test trains
            {"depth": "2", "width": "5", "steps": "17", "n": "50", "batch": "10", "seed": "41"},
            training_results,
            (
                "training_loss_figure",
                "training_accuracy_figure",
                "gradient_heatmap_figure",
                "decision_boundary_figure",
            ),
        ),
        (
            "vanishing_lab.py",  # a view no other test measures
            {"depth": "6", "width": "7", "batch": "9", "seeds": "1", "story": "true"},
            lab_charts,
            (
                "lab_profile_figure",
                "forward_stats_figure",
                "similarity_figure",
                "depth_story_figure",
            ),
        ),
    ],
)
def test_a_view_builds_its_figures_once_and_reruns_show_the_same_charts(
    monkeypatch, file, query, module, names
):
    calls = counting(monkeypatch, module, names)
    at = open_app_page(file, query)
    assert not at.exception
    assert dict(calls) == dict.fromkeys(names, 1), "each figure built once for the view"
    first = chart_specs(at)
    at.run()  # the same view again, as another session opening the same link would
    assert not at.exception
    assert dict(calls) == dict.fromkeys(names, 1), "a rerun built a figure again"
    assert chart_specs(at) == first
    if file == "vanishing_lab.py":  # another quantity: only the profile chart is new
        at.radio(key="metric").set_value(next(o for o in at.radio(key="metric").options[1:]))
        at.run()
        assert not at.exception
        assert calls["lab_profile_figure"] == 2 and calls["forward_stats_figure"] == 1
