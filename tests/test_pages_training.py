"""The training lab in AppTest: core's numbers on screen, charts, URLs, limits, bad input.

Every run starts from dashboard/app.py (the real router), then switches page. Expected
numbers come from core.experiments.train_variants with the same settings. Most tests
use tiny settings through the link (a fraction of a second each); one runs the default.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from urllib.parse import parse_qs, parse_qsl, urlsplit

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Markdown

import core.experiments
from core import experiments as ex
from dashboard import compute
from dashboard.plots.format import fmt
from dashboard.plots.style import VARIANT_LABELS
from dashboard.plots.training import TRAIN_MAP_MAX_POINTS
from tests.share import APPTEST_TIMEOUT, open_app_page, ui_share_link, ui_tables

APP = str(Path(__file__).resolve().parents[1] / "dashboard" / "app.py")
TIMEOUT = APPTEST_TIMEOUT
# Tiny but real: every network learns something in 30 steps of 3 layers of 6.
SMALL = {"depth": "3", "width": "6", "steps": "30", "n": "60", "batch": "12"}
NUMBER_KEYS = ("depth", "width", "lr", "steps", "batch", "n", "noise", "seed")


def open_page(query: dict | None = None) -> AppTest:
    return open_app_page("training_lab.py", query, TIMEOUT)


def specs_by_key(at: AppTest) -> dict[str, dict]:
    """Chart specs by their widget key (loss_chart, accuracy_chart, grad_maps, boundary_maps)."""
    out = {}
    for chart in at.get("plotly_chart"):
        key = next(k for k in KEYS if k in chart.proto.id)
        out[key] = json.loads(chart.proto.spec)
    return out


KEYS = ("playback", "loss_chart", "accuracy_chart", "grad_maps", "boundary_maps")
CHARTS = len(KEYS)  # the maps are one figure per kind, with a panel per network


def panels(spec: dict) -> list[list[dict]]:
    """A map figure's traces grouped by panel (by their x axis), in the networks' order."""
    grouped: dict[str, list[dict]] = {}
    for trace in spec["data"]:
        grouped.setdefault(trace.get("xaxis", "x"), []).append(trace)
    return list(grouped.values())


def length(values: list | dict) -> int:
    """How many numbers a figure's array holds, sent as a list or as base64 binary."""
    if isinstance(values, dict):
        return len(base64.b64decode(values["bdata"])) // np.dtype(values["dtype"]).itemsize
    return len(values)


def text_of(at: AppTest) -> str:
    return "\n".join(e.value for e in (*at.markdown, *at.warning, *at.error, *at.info, *at.caption))


def warnings(at: AppTest) -> str:
    return "\n".join(w.value for w in at.warning)


def share_link(at: AppTest) -> str:
    return ui_share_link(at)


def link_query(at: AppTest) -> list[tuple[str, str]]:
    return parse_qsl(urlsplit(share_link(at)).query, keep_blank_values=True)


# The summary's column headers as the page shows them, and core's names for them.
SUMMARY_NAMES = {
    "final loss": "final_loss",
    "last recorded step": "last_step",
    "diverged at step": "diverged_at",
}


def summary(at: AppTest) -> pd.DataFrame:
    return ui_tables(at)[0].rename(columns=SUMMARY_NAMES)


def core_run(variants=ex.VARIANTS, ds="moons", act="sigmoid", loss="bce", **settings):
    """What the page should show for these settings, straight from core."""
    args = {"depth": 6, "width": 16, "lr": 0.5, "steps": 500, "batch": 32, "n": 400}
    args.update({"noise": 0.2, "seed": 0, **settings})
    specs = {
        v: ex.variant_spec(v, args["depth"], args["width"], n_in=2, activation=act)
        for v in variants
    }
    return ex.train_variants(
        specs,
        ds,
        n_samples=args["n"],
        noise=args["noise"],
        steps=args["steps"],
        lr=args["lr"],
        batch=args["batch"],
        seed=args["seed"],
        loss=loss,
    )


def assert_summary_is_core(at: AppTest, result: ex.TrainingResult) -> None:
    table = summary(at)
    assert list(table["network"]) == [VARIANT_LABELS[v] for v in result.runs]
    for row, run in zip(table.itertuples(), result.runs.values(), strict=True):
        assert row.final_loss == fmt(run.history["loss"].iloc[-1])
        assert row.accuracy == f"{fmt(100 * run.history['accuracy'].iloc[-1])}%"
        assert row.last_step == str(run.history["step"].iloc[-1])


# --- the default view -------------------------------------------------------------------
def test_defaults_train_all_four_networks_and_draw_every_chart():
    at = open_page()
    assert not at.exception
    assert at.title[0].value.startswith("Training lab")
    assert not at.warning and not at.error, text_of(at)
    assert "=" not in share_link(at)  # defaults are not repeated in the link
    assert at.pills(key="variants").value == list(ex.VARIANTS)
    result = core_run()
    assert_summary_is_core(at, result)
    # The sigmoid stack stays near guessing while ReLU learns: the lab's point, measured.
    final = {v: r.history["accuracy"].iloc[-1] for v, r in result.runs.items()}
    assert final["plain_relu"] > final["plain_sigmoid"]

    spec = specs_by_key(at)
    assert set(spec) == set(KEYS)
    loss = spec["loss_chart"]
    assert loss["layout"]["yaxis"]["type"] == "log"
    assert [t["name"] for t in loss["data"]] == [VARIANT_LABELS[v] for v in ex.VARIANTS]
    relu = result.runs["plain_relu"].history
    assert loss["data"][1]["y"] == relu["loss"].tolist()
    assert spec["accuracy_chart"]["layout"]["yaxis"]["tickformat"] == ".0%"
    frame = result.grad_norm_frame()
    maps = spec["grad_maps"]
    assert [t["name"] for t in maps["data"]] == [VARIANT_LABELS[v] for v in ex.VARIANTS]
    for [heat] in panels(maps):
        assert heat["type"] == "heatmap" and len(heat["y"]) == 7  # 6 hidden + output
        assert heat["coloraxis"] == "coloraxis"
    assert maps["layout"]["coloraxis"]["cmin"] == frame["log10_grad_norm"].min()
    boundary = panels(spec["boundary_maps"])
    assert len(boundary) == 4
    for traces in boundary:
        assert [t["type"] for t in traces] == ["heatmap", "contour", "scatter", "scatter"]
    # 400 points, 200 drawn on each map, and the page says so.
    most = TRAIN_MAP_MAX_POINTS
    assert all(sum(length(t["x"]) for t in traces[2:]) == most for traces in boundary)
    assert f"The maps show {most} of the 400 training points" in text_of(at)
    assert len(at.get("download_button")) == 2


def spy_on_training(monkeypatch) -> list[tuple[str, list[float]]]:
    """Every network the page hands to the worker pool from now on: (name, the progress
    fractions that reached the page)."""
    calls: list[tuple[str, list[float]]] = []
    pool = compute.worker_pool()  # the server's pool, which the page uses
    real = pool.compute

    def spy(fn, *args, progress=None, **kwargs):
        assert fn is core.experiments.train_network
        fractions: list[float] = []
        calls.append((args[0], fractions))

        def report(fraction: float, text: str) -> None:
            fractions.append(fraction)
            progress(fraction, text)

        return real(fn, *args, progress=report, **kwargs)

    monkeypatch.setattr(pool, "compute", spy)
    return calls


def test_a_cached_rerun_shows_the_same_view_without_training_again(monkeypatch):
    calls = spy_on_training(monkeypatch)
    query = {**SMALL, "seed": "4242"}  # settings no other test trains: a cold cache
    at = open_page(query)
    assert not at.exception
    # one call per network (two at a time: in either order)
    assert sorted(name for name, _ in calls) == sorted(ex.VARIANTS)
    for _, fractions in calls:
        # The page hands core a progress callback; the worker's reports reach it in order
        # (at most one per PROGRESS_SECONDS, and always the last).
        assert fractions == sorted(fractions) and fractions[-1] == 1.0 and len(fractions) >= 2
    first = summary(at)
    at.run()  # the same settings again: answered from the cache (and its replay works)
    assert not at.exception
    assert len(calls) == len(ex.VARIANTS)
    pd.testing.assert_frame_equal(summary(at), first)
    assert not at.get("progress") or all(
        p.proto.value in (0, 100) for p in at.get("progress")
    )  # no half-full bar is left on the page


def test_adding_or_removing_a_network_trains_only_what_is_new(monkeypatch):
    calls = spy_on_training(monkeypatch)
    query = {**SMALL, "seed": "4343"}  # a cold cache
    at = open_page({**query, "variants": ["plain_relu", "residual"]})
    assert sorted(name for name, _ in calls) == ["plain_relu", "residual"]
    at.pills(key="variants").set_value(["residual"]).run()  # one removed: nothing new
    at.pills(key="variants").set_value(list(ex.VARIANTS)).run()  # two added: those two
    assert not at.exception
    assert sorted(name for name, _ in calls[2:]) == ["batchnorm", "plain_sigmoid"]
    assert_summary_is_core(at, core_run(**{k: int(v) for k, v in query.items()}))
    at.selectbox(key="act").set_value("tanh").run()  # the plain networks keep theirs
    assert sorted(name for name, _ in calls[4:]) == ["batchnorm", "residual"]


# --- controls and links ---------------------------------------------------------------
def test_the_link_reproduces_the_view_and_the_share_link_round_trips():
    query = {
        **SMALL,
        "ds": "xor",
        "act": "relu",
        "lr": "0.3",
        "seed": "7",
        "noise": "0.1",
        "loss": "squared_error",
        "variants": ["plain_sigmoid", "residual"],
    }
    at = open_page(query)
    assert not at.exception and not at.warning, text_of(at)
    assert at.selectbox(key="ds").value == "xor"
    assert at.selectbox(key="loss").value == "squared_error"
    assert at.number_input(key="lr").value == 0.3
    assert at.pills(key="variants").value == ["plain_sigmoid", "residual"]
    result = core_run(
        ("plain_sigmoid", "residual"),
        "xor",
        "relu",
        "squared_error",
        depth=3,
        width=6,
        steps=30,
        n=60,
        batch=12,
        lr=0.3,
        seed=7,
        noise=0.1,
    )
    assert_summary_is_core(at, result)
    spec = specs_by_key(at)
    assert set(spec) == set(KEYS)
    assert [t["name"] for t in spec["grad_maps"]["data"]] == ["plain sigmoid", "residual"]
    assert len(panels(spec["boundary_maps"])) == 2
    assert spec["loss_chart"]["layout"]["yaxis"]["title"]["text"].startswith("Squared error")

    assert parse_qs(urlsplit(share_link(at)).query) == {
        k: v if isinstance(v, list) else [v]
        for k, v in {**query, "act": "ReLU", "variants": ["Plain sigmoid", "Residual"]}.items()
    }  # the link's older names ("relu", "plain_sigmoid") come back as labels
    again = open_page(parse_qs(urlsplit(share_link(at)).query))
    assert not again.exception
    pd.testing.assert_frame_equal(summary(again), summary(at))
    assert specs_by_key(again) == spec


def test_changing_controls_changes_the_results():
    at = open_page(SMALL)
    before = summary(at)
    layers_before = len(specs_by_key(at)["grad_maps"]["data"][1]["y"])  # plain ReLU's
    at.number_input(key="depth").set_value(5).run()
    assert not at.exception and not at.warning
    assert len(specs_by_key(at)["grad_maps"]["data"][1]["y"]) == layers_before + 2
    assert not summary(at)["final_loss"].equals(before["final_loss"])
    assert ("depth", "5") in link_query(at)

    points = panels(specs_by_key(at)["boundary_maps"])[1][2]["x"]  # plain ReLU's class 0
    at.selectbox(key="ds").set_value("circles").run()
    assert panels(specs_by_key(at)["boundary_maps"])[1][2]["x"] != points
    assert_summary_is_core(at, core_run(ds="circles", depth=5, width=6, steps=30, n=60, batch=12))

    at.pills(key="variants").set_value(["batchnorm"]).run()
    assert list(summary(at)["network"]) == ["batch norm"]
    assert [len(panels(specs_by_key(at)[k])) for k in ("grad_maps", "boundary_maps")] == [1, 1]
    assert ("variants", "Batch norm") in link_query(at)  # the label a student reads


def test_choosing_no_network_asks_for_one_and_the_link_keeps_that():
    at = open_page({**SMALL, "variants": ""})
    assert not at.exception
    assert "Pick at least one network" in at.info[0].value
    assert not at.get("plotly_chart") and not ui_tables(at)
    assert ("variants", "") in link_query(at)


def test_unknown_networks_in_a_link_are_dropped_with_a_note():
    at = open_page({**SMALL, "variants": ["plain_relu", "<b>mlp</b>"]})
    assert not at.exception
    assert at.pills(key="variants").value == ["plain_relu"]
    assert "not among the choices" in warnings(at)
    assert "mlp" not in warnings(at)  # the link's text is never echoed
    assert list(summary(at)["network"]) == ["plain ReLU"]


# --- limits, divergence and bad input -----------------------------------------------------
def test_too_big_a_run_shows_cores_limit_and_the_page_keeps_working():
    at = open_page({"depth": "100", "width": "256"})
    assert not at.exception
    message = at.error[0].value
    assert "too big" in message and "may take at most" in message and "fewer steps" in message
    assert "MAX_" not in message  # no code name where a student reads
    assert not at.get("plotly_chart")
    assert ("depth", "100") in link_query(at)  # the link still reopens this view
    at.number_input(key="steps").set_value(20).run()
    assert "too big" in at.error[0].value  # still too big: nothing half-drawn meanwhile
    at.number_input(key="width").set_value(4).run()
    at.number_input(key="depth").set_value(2).run()
    assert not at.error and len(at.get("plotly_chart")) == CHARTS


def test_a_batch_larger_than_the_data_is_refused_by_core_with_the_allowed_range():
    at = open_page({**SMALL, "n": "20", "batch": "64"})
    assert not at.exception
    assert "batch must be a whole number from 2 to 20" in at.error[0].value


def test_divergence_is_a_note_per_network_never_a_crash():
    query = {
        "variants": ["plain_sigmoid", "plain_relu"],
        "depth": "10",
        "width": "32",
        "lr": "100",
        "steps": "200",
    }
    at = open_page(query)
    assert not at.exception
    result = core_run(("plain_sigmoid", "plain_relu"), depth=10, width=32, lr=100.0, steps=200)
    step = result.runs["plain_relu"].diverged_at
    assert step is not None and result.runs["plain_sigmoid"].diverged_at is None
    assert result.runs["plain_relu"].message in warnings(at)
    table = summary(at).set_index("network")
    assert table.loc["plain ReLU", "diverged_at"] == str(step)
    assert table.loc["plain sigmoid", "diverged_at"] == "—"
    spec = specs_by_key(at)
    assert f"diverged at step {step}" in spec["loss_chart"]["data"][1]["name"]
    sigmoid, relu = panels(spec["boundary_maps"])
    assert [t["type"] for t in relu] == ["scatter", "scatter"] and len(sigmoid) == 4
    notes = [a for a in spec["boundary_maps"]["layout"]["annotations"] if "Diverged" in a["text"]]
    assert [a["xref"] for a in notes] == [f"{relu[0]['xaxis']} domain"]  # on ReLU's panel
    [line] = spec["grad_maps"]["layout"]["shapes"]
    assert line["x0"] == step and line["xref"] == spec["grad_maps"]["data"][1]["xaxis"]


@pytest.mark.parametrize(
    ("key", "value", "fallback", "rule"),
    [
        ("depth", "500", 6, "whole number from 1 to 100"),
        ("depth", "-3", 6, "whole number from 1 to 100"),
        ("width", "2.5", 16, "whole number from 2 to 256"),
        ("lr", "0", 0.5, "above 0 and at most 100"),
        ("lr", "1e300", 0.5, "above 0 and at most 100"),
        ("steps", "99999999999999999999", 500, "whole number from 1 to 5000"),
        ("noise", "-1", 0.2, "from 0 to 2"),
        ("n", "3", 400, "whole number from 8 to 2000"),
        ("seed", "nan", 0, "whole number from 0 to 10000"),
        ("batch", "inf", 32, "whole number from 2 to 512"),
    ],
)
def test_out_of_range_link_values_fall_back_with_a_message(key, value, fallback, rule):
    others = {k: v for k, v in SMALL.items() if k != key}
    at = open_page({**others, key: value})
    assert not at.exception
    assert at.number_input(key=key).value == fallback
    assert rule in warnings(at)
    assert key not in dict(link_query(at))  # the fallback is the default: not in the link
    assert summary(at) is not None and len(at.get("plotly_chart")) == CHARTS


def test_typed_values_outside_the_range_are_put_back():
    at = open_page(SMALL)
    at.number_input(key="depth").set_value(0).run()
    assert not at.exception
    assert at.number_input(key="depth").value == 3
    assert "whole number from 1 to 100" in warnings(at)
    at.number_input(key="lr").set_value(-2.0).run()
    assert at.number_input(key="lr").value == 0.5
    assert "above 0 and at most 100" in warnings(at)
    assert len(at.get("plotly_chart")) == CHARTS  # still showing a trained view


NONSENSE = (
    "abc", "nan", "inf", "-inf", "1e999", "-5", "", "0x10", "½",
    "<script>alert(1)</script>", '"><svg onload=alert(1)>', "[x](javascript:alert(1))",
)  # fmt: skip


@pytest.mark.parametrize("value", NONSENSE)
def test_nonsense_link_values_never_raise_nor_render_as_html(value):
    keys = (*NUMBER_KEYS, "ds", "act", "loss", "variants")
    at = open_page({**dict.fromkeys(keys, value), "zzz": value, "steps": "30", "width": "6"})
    assert not at.exception
    assert 1 <= at.number_input(key="depth").value <= 100
    assert 0 < at.number_input(key="lr").value <= 100
    assert at.selectbox(key="ds").value in ("moons", "circles", "spirals", "xor")
    html = [m.value for m in at.main if isinstance(m, Markdown) and m.proto.allow_html]
    assert html == []
    if "<" in value or "javascript" in value:
        shown = (*at.markdown, *at.warning, *at.error, *at.info, *at.caption, *at.sidebar.code)
        assert not any(value in e.value for e in shown)
    # The page still trains (with the fallbacks) unless no network is left to train.
    if at.pills(key="variants").value:
        assert len(ui_tables(at)) == 1 and at.get("plotly_chart")


def test_a_stuck_network_is_explained_by_both_causes_with_core_numbers():
    at = open_page(SMALL)
    result = core_run(depth=3, width=6, steps=30, n=60, batch=12)
    text = text_of(at)
    assert "two reasons at once" in text and "forgotten which input" in text
    for name, run in result.runs.items():
        assert f"{VARIANT_LABELS[name]} {fmt(run.start_spread)}" in text
    # The plain sigmoid net's last hidden layer barely varies across the data at the start.
    deep = core_run(("plain_sigmoid", "plain_relu"), steps=1)
    assert deep.runs["plain_sigmoid"].start_spread < 1e-3 < deep.runs["plain_relu"].start_spread


@pytest.mark.parametrize("number", range(5))
def test_every_idea_to_try_sets_its_view_and_runs_within_the_limits(number):
    at = open_page(SMALL)
    at.button(key=f"idea_{number}").click().run()
    assert not at.exception and not at.error, text_of(at)
    assert at.get("plotly_chart"), "the idea's view trains and draws its charts"
