"""The vanishing-gradient lab and the myths page in AppTest: numbers from core, presets,
URLs, bad input.

Every run starts from dashboard/app.py (the real router), then switches page. Expected
numbers come from core.lab / core.myths and are formatted as the pages format them.
Small networks (few layers, narrow) wherever the test is not about the defaults.
"""

from __future__ import annotations

import functools
import json
import math
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Markdown

from core import activations, lab, myths
from core import experiments as ex
from dashboard import lab_presets
from dashboard.plots.format import fmt, fmt_factor, fmt_power, power_text
from tests.share import APPTEST_TIMEOUT, open_app_page, ui_share_link, ui_tables

APP = str(Path(__file__).resolve().parents[1] / "dashboard" / "app.py")
TIMEOUT = APPTEST_TIMEOUT
LAB_KEYS = ("depth", "width", "batch", "seeds", "act", "init", "sw2", "scale", "metric", "theory")
NUMBER_KEYS = ("depth", "width", "batch", "seeds")
SMALL = {"depth": "10", "width": "16", "batch": "8", "seeds": "2"}
SMALL_SETTINGS = lab.LabSettings(depth=10, width=16, batch=8, n_seeds=2)


def open_page(file: str, query: dict[str, str] | None = None) -> AppTest:
    return open_app_page(file, query, TIMEOUT)


def open_lab(query: dict[str, str] | None = None) -> AppTest:
    return open_page("vanishing_lab.py", query)


def charts(at: AppTest) -> dict[str, dict]:
    """Plotly charts by their title."""
    out = {}
    for chart in at.get("plotly_chart"):
        spec = json.loads(chart.proto.spec)
        out[spec["layout"]["title"]["text"]] = spec
    return out


def profile_chart(at: AppTest) -> dict:
    [spec] = [s for title, s in charts(at).items() if title.endswith("by layer")]
    return spec


def trace_names(spec: dict) -> list[str]:
    return [t.get("name") for t in spec["data"]]


def warnings(at: AppTest) -> str:
    return "\n".join(w.value for w in at.warning)


def texts(at: AppTest) -> str:
    return "\n".join(m.value for m in (*at.markdown, *at.info, *at.caption))


def share_query(at: AppTest) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(ui_share_link(at)).query))


def metrics(at: AppTest) -> dict[str, tuple[str, str]]:
    return {m.label: (m.value, m.proto.delta) for m in at.metric}


def signal_rows(result: lab.LabResult):
    return result.factors[result.factors["quantity"] == "signal"].set_index("variant")


def preset_settings(key: str) -> lab.LabSettings:
    values = lab_presets.preset(key).values
    return lab.LabSettings(
        depth=int(values["depth"]),
        width=int(values["width"]),
        batch=int(values["batch"]),
        n_seeds=int(values["seeds"]),
        activation=values["act"],
        init=values["init"],
        sigma_w2=values["sw2"],
        residual_scale=values["scale"],
    )


@functools.cache
def focus_rows(key: str) -> pd.DataFrame:
    """The networks a preset is about, measured on their own with core's primitives (the
    lab measures them beside the others; a network's numbers depend on its own weights
    and the seed's batch only, so they must agree). Cheaper than the whole comparison."""
    preset = lab_presets.preset(key)
    settings = preset_settings(key)
    specs = {name: lab.lab_specs(settings)[name] for name in preset.focus}
    summary = ex.summarize_profile(
        ex.gradient_profile(specs, settings.batch, settings.seeds, settings.lr)
    )
    measured = ex.per_layer_factor_measured(summary, skip=lab.FIT_SKIP)
    first = ex.first_layer_ratio(summary)
    labels = lab.lab_labels(settings)
    rows = {}
    for name in preset.focus:
        model = [p for p in lab.predictions(settings)[name] if not p.kind.startswith("bound")]
        predicted = model[0].factor if model else math.nan
        rows[name] = {
            "label": labels[name],
            "measured": measured[name],
            "first_log10": first[name].log10,
            "predicted": predicted,
            "agreement": measured[name] / predicted,
        }
    return pd.DataFrame.from_dict(rows, orient="index")


# --- the lab at its defaults ------------------------------------------------------------
def test_lab_defaults_show_core_numbers_charts_and_tables():
    at = open_lab()
    assert not at.exception and not at.warning and not at.error, warnings(at)
    assert at.title[0].value == "Vanishing-gradient lab"
    result = lab.lab_profiles(lab.LabSettings())
    # One metric per network: what reaches layer 1, and the factor per layer of the
    # backward signal and of the update.
    shown = metrics(at)
    rows = signal_rows(result)
    updates = result.factors[result.factors["quantity"] == "update"].set_index("variant")
    assert len(shown) == 4
    for variant, row in rows.iterrows():
        value, delta = shown[result.short_labels[variant]]
        assert value == fmt_power(row["first_log10"])
        assert delta == (
            f"signal {fmt_factor(row['measured'])}, update "
            f"{fmt_factor(updates.loc[variant, 'measured'])} per layer"
        )
    assert shown["Plain sigmoid"][0].endswith("10⁻³²")  # 50 sigmoid layers: ~32 decades
    # The main chart: a median line and a band per network, theory lines on by default.
    spec = profile_chart(at)
    names = trace_names(spec)
    for label in result.labels.values():
        assert label in names and f"{label}: 10–90% of seeds" in names
    assert "plain sigmoid: bound ×0.25/layer (= σw/4)" in names
    assert any(n.startswith("plain ReLU: mean field") for n in names)
    median = next(t for t in spec["data"] if t["name"] == result.labels["plain_sigmoid"])
    summary = result.summary[result.summary["variant"] == "plain_sigmoid"]
    assert median["y"] == pytest.approx(summary["log10_delta_rms_median"].tolist())
    assert "The forward pass behind it" in charts(at)
    assert "Add layers, and watch layer 1" not in charts(at)  # the story is opt-in
    # Measured vs predicted, from core's factors.
    table = ui_tables(at)[0].set_index("network")
    sigmoid = rows.loc["plain_sigmoid"]
    signal_measured = "signal per layer, measured"
    assert table.loc[sigmoid["label"], signal_measured] == fmt_factor(sigmoid["measured"])
    assert table.loc[sigmoid["label"], "signal per layer, predicted"] == fmt_factor(
        sigmoid["predicted"]
    )
    update = updates.loc["plain_sigmoid"]
    assert table.loc[sigmoid["label"], "update per layer, measured"] == fmt_factor(
        update["measured"]
    )
    assert table.loc[sigmoid["label"], "update per layer, predicted"] == fmt_factor(
        update["predicted"]
    )
    assert table.loc[result.labels["residual"], "theory"] == "mean field, layer by layer"
    assert table.loc[result.labels["batchnorm"], "theory"] == "no closed form here"
    # The forward half: how alike two inputs look, measured and predicted.
    similar = charts(at)["How alike two different inputs look"]
    theory_names = [t["name"] for t in similar["data"] if "mean field" in (t["name"] or "")]
    assert theory_names == [
        f"{result.labels['plain_sigmoid']}: mean field",
        f"{result.labels['plain_relu']}: mean field",
    ]
    assert len(at.get("download_button")) == 3
    assert at.sidebar.markdown[0].value == "**Share this view**"
    assert share_query(at) == {}  # defaults are not repeated in the link
    assert at.radio(key="metric").value == "backward signal"


def test_lab_default_forward_text_comes_from_core():
    at = open_lab(SMALL)
    result = lab.lab_profiles(SMALL_SETTINGS)
    rows = signal_rows(result)
    expected = (
        f"{rows.loc['plain_relu', 'label']} {fmt(100 * rows.loc['plain_relu', 'inactive_max'])}%"
    )
    assert expected in texts(at)
    # The batch-normalized line sits at -1/(batch - 1) (a student read "-0.01577 ->
    # -0.01577" as a bug): the text says why, with the measured value beside it.
    last = result.summary[result.summary["layer"] == SMALL_SETTINGS.depth]
    measured = last.set_index("variant").loc["batchnorm", "similarity_median"]
    pinned = -1 / (SMALL_SETTINGS.batch - 1)
    assert abs(measured - pinned) < 0.05 * abs(pinned)
    assert f"stays near {fmt(pinned, 3)} at every layer" in texts(at)


# --- presets ----------------------------------------------------------------------------
@pytest.mark.parametrize("preset", lab_presets.PRESETS, ids=lambda p: p.key)
def test_each_preset_sets_every_control_in_one_click(preset):
    at = open_lab({"depth": "7", "seeds": "1", "theory": "false", "metric": "update size"})
    at.button(key=f"preset_{preset.key}").click().run()
    assert not at.exception and not at.warning and not at.error, warnings(at)
    values = preset.values
    for key in NUMBER_KEYS:
        assert at.number_input(key=key).value == values[key], key
    for key in ("act", "init", "scale"):
        assert at.selectbox(key=key).value == values[key], key
    assert at.toggle(key="theory").value is True
    assert at.radio(key="metric").value == "backward signal"
    # The preset's view is a link like any other.
    assert share_query(at) == preset.params()
    # Its explanation names it and quotes core's numbers for the networks it is about.
    rows = focus_rows(preset.key)
    [info] = at.info
    assert info.value.startswith(f"**{preset.title}.**")
    for name in preset.focus:
        assert f"**{rows.loc[name, 'label']}**: {fmt_factor(rows.loc[name, 'measured'])}" in (
            info.value
        )
    assert at.button(key=f"preset_{preset.key}").proto.type == "primary"
    to_myths = [link for link in at.get("page_link") if link.proto.page == "myths"]
    assert len(to_myths) == (0 if preset.key == "edge_of_chaos" else 1)
    names = trace_names(profile_chart(at))
    assert all(rows.loc[n, "label"] in names for n in preset.focus)
    metric = metrics(at)[lab.lab_short_labels(preset_settings(preset.key))[preset.focus[0]]]
    assert metric[0] == fmt_power(rows.loc[preset.focus[0], "first_log10"])


@pytest.mark.parametrize("preset", lab_presets.PRESETS, ids=lambda p: p.key)
def test_each_preset_link_reproduces_its_view(preset):
    at = open_lab(preset.params())
    assert not at.exception and not at.warning
    assert at.info and at.info[0].value.startswith(f"**{preset.title}.**")
    assert share_query(at) == preset.params()
    # Why signal and update differ: said once, in the preset's box (a student read it twice).
    page_text = [e.value for e in (*at.main.markdown, *at.main.caption, *at.info)]
    assert sum("Why the two factors can differ" in t for t in page_text) == 1


def test_preset_numbers_tell_the_story():
    """What each preset shows, measured: the networks each one is about."""
    rows = {p.key: focus_rows(p.key) for p in lab_presets.PRESETS}
    course = rows["course"].loc["plain_sigmoid"]
    assert course["measured"] < 0.25 and course["first_log10"] < 100 * -0.6  # below 0.25^100
    assert rows["relu_no_he"].loc["plain_relu", "measured"] < 0.75  # about sqrt(1/2)
    assert rows["residual_unscaled"].loc["residual", "measured"] > 1.4  # grows toward input
    bn = rows["batchnorm"].loc["batchnorm"]
    assert bn["measured"] > 1.2 and abs(bn["agreement"] - 1) < 0.05
    assert abs(rows["batchnorm"].loc["plain_relu", "measured"] - 1) < 0.05
    tanh = rows["edge_of_chaos"].loc["plain_tanh"]
    assert tanh["predicted"] == 1.0 and abs(tanh["first_log10"]) < 1.5  # within ~10x over 50


# --- controls change the view ------------------------------------------------------------
def test_changing_depth_changes_the_figure():
    at = open_lab(SMALL)
    before = profile_chart(at)
    at.number_input(key="depth").set_value(6).run()
    after = profile_chart(at)
    assert not at.exception
    assert after["layout"]["xaxis"]["range"] == [0.5, 7.5]
    assert before["data"] != after["data"]
    result = lab.lab_profiles(lab.LabSettings(depth=6, width=16, batch=8, n_seeds=2))
    median = next(t for t in after["data"] if t["name"] == result.labels["plain_relu"])
    rows = result.summary[result.summary["variant"] == "plain_relu"]
    assert median["y"] == pytest.approx(rows["log10_delta_rms_median"].tolist())
    assert share_query(at)["depth"] == "6"


def test_quantity_switch_and_theory_toggle():
    at = open_lab(SMALL)
    at.radio(key="metric").set_value("update size").run()
    spec = profile_chart(at)
    assert spec["layout"]["title"]["text"] == "Update size, mean |Δw| by layer"
    assert not any("mean field" in (n or "") for n in trace_names(spec))
    assert "Theory lines are drawn for the backward signal only" in texts(at)
    result = lab.lab_profiles(SMALL_SETTINGS)
    update = result.factors[result.factors["quantity"] == "update"].set_index("variant")
    label = result.short_labels["plain_sigmoid"]
    assert metrics(at)[label][0] == fmt_power(update.loc["plain_sigmoid", "first_log10"])
    at.radio(key="metric").set_value("backward signal").run()
    assert any("mean field" in (n or "") for n in trace_names(profile_chart(at)))
    at.toggle(key="theory").set_value(False).run()
    assert not any("mean field" in (n or "") for n in trace_names(profile_chart(at)))
    assert share_query(at) == {**SMALL, "theory": "false"}


def test_custom_init_shows_its_field_and_adds_a_plain_tanh_network():
    at = open_lab({**SMALL, "init": "custom", "sw2": "2", "act": "tanh"})
    assert not at.exception and not at.warning
    assert at.number_input(key="sw2").value == 2.0
    names = trace_names(profile_chart(at))
    assert "Plain tanh (σw² = 2)" in names
    assert "Plain tanh" in metrics(at)
    assert "sw2" not in [w.key for w in open_lab(SMALL).number_input]  # only for custom


def test_url_parameters_reproduce_the_view_and_the_share_link_round_trips():
    query = {
        **SMALL,
        "act": "relu",
        "init": "custom",
        "sw2": "1.5",
        "scale": "1/sqrt(depth)",
        "metric": "weight gradient",
        "theory": "false",
    }
    at = open_lab(query)
    assert not at.exception and not at.warning, warnings(at)
    assert at.number_input(key="sw2").value == 1.5
    assert at.selectbox(key="scale").value == "1/sqrt(depth)"
    assert at.radio(key="metric").value == "weight gradient"
    settings = lab.LabSettings(
        depth=10,
        width=16,
        batch=8,
        n_seeds=2,
        activation="relu",
        init="custom",
        sigma_w2=1.5,
        residual_scale="1/sqrt(depth)",
    )
    result = lab.lab_profiles(settings)
    grad = result.factors[result.factors["quantity"] == "weight_grad"].set_index("variant")
    for variant, label in result.short_labels.items():
        assert metrics(at)[label][0] == fmt_power(grad.loc[variant, "first_log10"])
    # The link named the activation the older way (its name); the share link carries
    # the label a student reads, and reopens the same numbers.
    assert share_query(at) == {**query, "act": "ReLU"}
    again = open_lab(share_query(at))
    assert not again.exception and not again.warning, warnings(again)
    assert profile_chart(again) == profile_chart(at)
    assert metrics(again) == metrics(at)


def test_story_animates_one_frame_per_depth():
    at = open_lab(SMALL)
    at.toggle(key="story").set_value(True).run()
    assert not at.exception
    spec = charts(at)["Add layers, and watch layer 1"]
    story = lab.depth_story(SMALL_SETTINGS)
    assert [f["name"] for f in spec["frames"]] == [str(d) for d in story.depths]
    assert share_query(at)["story"] == "true"


# --- limits, problems and nonsense ---------------------------------------------------------
def test_too_big_says_what_is_allowed_and_offers_the_deepest():
    query = {"depth": "1000", "width": "1024", "batch": "64", "seeds": "3"}
    at = open_lab(query)
    assert not at.exception
    settings = lab.LabSettings(depth=1000, width=1024, batch=64, n_seeds=3)
    deepest = lab.deepest(settings)
    [error] = at.error
    assert "too big" in error.value and f"at most {deepest}" in error.value
    assert f"may take at most {ex.MAX_SECONDS:g} s" in error.value and "MAX_" not in error.value
    assert any(b.label == f"Use {deepest} hidden layers (the deepest that fits)" for b in at.button)
    assert not at.get("plotly_chart")  # nothing to draw, but the page and its controls work
    assert at.number_input(key="depth").value == 1000
    assert share_query(at) == {"depth": "1000", "width": "1024"}  # batch, seeds: defaults


def test_overflow_is_a_note_on_the_chart_not_a_crash():
    query = {
        "depth": "400",
        "width": "16",
        "batch": "8",
        "seeds": "2",
        "act": "relu",
        "init": "custom",
        "sw2": "100",
    }
    at = open_lab(query)
    assert not at.exception
    settings = lab.LabSettings(
        depth=400, width=16, batch=8, n_seeds=2, activation="relu", init="custom", sigma_w2=100.0
    )
    result = lab.lab_profiles(settings)
    assert result.notes
    [note] = profile_chart(at)["layout"]["annotations"]
    for line in result.notes:
        assert line in note["text"]
        assert line in warnings(at)
    assert "overflowed" in note["text"]
    assert any(m.value.startswith("- ") and "float64" in m.value for m in at.markdown)


@pytest.mark.parametrize(
    ("key", "value", "rule"),
    [
        ("depth", "5000", "whole number from 1 to 1000"),
        ("depth", "0", "whole number from 1 to 1000"),
        ("width", "1", "whole number from 2 to 1024"),
        ("batch", "2", "whole number from 4 to 512"),
        ("seeds", "21", "whole number from 1 to 20"),
        ("seeds", "2.5", "whole number from 1 to 20"),
        ("depth", "abc", "whole number from 1 to 1000"),
    ],
)
def test_out_of_range_numbers_fall_back_with_a_message(key, value, rule):
    at = open_lab({**SMALL, key: value} if key in SMALL else {key: value})
    assert not at.exception
    assert rule in warnings(at)
    if value == "abc":
        assert "abc" not in warnings(at)  # the link's text is never echoed
    allowed = lab_presets.RANGES[key]
    assert at.number_input(key=key).value in allowed
    assert key not in share_query(at) or share_query(at)[key] != value


NONSENSE = (
    "abc", "nan", "inf", "-inf", "1e999", "-5", "", "99999999999999999999",
    "<script>alert(1)</script>", '<img src=x onerror="alert(1)">', "[x](javascript:alert(1))",
)  # fmt: skip


@pytest.mark.parametrize("value", NONSENSE)
def test_nonsense_links_never_raise_and_never_render_html(value):
    keys = (*LAB_KEYS, "story", "preset", "zzz")
    query = {**dict.fromkeys(keys, value), "init": "custom" if value == "" else value}
    at = open_lab(query)
    assert not at.exception
    for key in NUMBER_KEYS:
        assert at.number_input(key=key).value in lab_presets.RANGES[key], key
    assert at.selectbox(key="act").value in activations.offered()
    assert at.radio(key="metric").value in lab_presets.METRICS
    assert at.warning  # the refused values are named
    html = [m.value for m in at.main if isinstance(m, Markdown) and m.proto.allow_html]
    assert html == []
    if "<" in value:
        shown = [m.value for m in (*at.markdown, *at.warning, *at.caption, *at.code)]
        assert not any(value in text for text in shown)


def test_typed_values_out_of_range_are_put_back():
    at = open_lab(SMALL)
    at.number_input(key="depth").set_value(1e6).run()
    assert not at.exception
    assert at.number_input(key="depth").value == 10
    assert "whole number from 1 to 1000" in warnings(at)
    at.number_input(key="depth").set_value(5).run()
    assert at.number_input(key="depth").value == 5 and not at.warning


# --- myths -------------------------------------------------------------------------------
def open_myths(query: dict[str, str] | None = None) -> AppTest:
    return open_page("myths.py", query)


def test_myths_defaults_show_five_claims_with_core_numbers_and_lab_links():
    at = open_myths()
    assert not at.exception and not at.warning
    assert at.title[0].value == "Myths and measurements"
    assert len(at.subheader) == 5
    shown = metrics(at)
    m1 = myths.update_ratio_myth(10)
    assert shown["Course net, mean |Δv| ÷ mean |Δw|"][0] == f"{fmt(m1.mean_ratio)}×"
    assert shown["Course net, Δv₁ ÷ Δw₁₁"][0] == f"{fmt(m1.single_ratio)}×"
    m2 = myths.power_myth(100)
    assert (
        shown[f"The course's figure, {power_text('0.5', 100)}"][0]
        == fmt_power(m2.course_log10)
        == "7.89 × 10⁻³¹"
    )
    assert (
        shown[f"The rule, {power_text('0.25', 100)}"][0]
        == fmt_power(m2.bound_log10)
        == "6.22 × 10⁻⁶¹"
    )
    assert shown["Measured: layer 1 ÷ output layer"][0] == fmt_power(m2.measured_log10)
    m5 = myths.batchnorm_myth(50, 16)
    # Every measured network shows both factors: the backward signal and the update.
    assert shown["ReLU with batch norm, batches of 16: layer 1 ÷ output"][1] == (
        f"signal {fmt_factor(m5.measured)}, update {fmt_factor(m5.bn.update)} per layer"
    )
    m4 = myths.residual_myth(50)
    assert shown["Branch × 1: layer 1 ÷ output"][1] == (
        f"signal {fmt_factor(m4.unscaled.signal)}, update {fmt_factor(m4.unscaled.update)} "
        "per layer"
    )
    badges = [m.value for m in at.markdown if "-badge[" in m.value]
    assert len(badges) == 5
    assert "The slope rule holds here; the number is a slip" in badges[1]
    assert "Not at the start of training" in badges[4]
    assert "Batch norm still helps training" in texts(at)  # no contradiction with training
    # Each claim links to the lab view that shows it, with the claim's own inputs.
    links = [link for link in at.get("page_link") if link.proto.page == "vanishing-lab"]
    queries = [dict(parse_qsl(link.proto.query_string)) for link in links]
    assert lab_presets.preset("course").params(depth=100.0) in queries
    assert lab_presets.preset("batchnorm").params(depth=50.0, batch=16.0) in queries
    assert {"act": "ReLU", "scale": "1/sqrt(depth)"} in queries
    assert len(links) == 6
    assert any(link.proto.page == "update-sizes" for link in at.get("page_link"))


def test_myths_name_each_factor_s_network_and_say_the_ends_differ():
    """A student compared Myth 1's sigmoid factor with the lesson's (different widths) and
    read a factor above 1 beside a smaller layer 1 as a contradiction."""
    at = open_myths()
    assert not at.exception
    said = texts(at)
    width = myths.LAB.width
    assert "The layers at the two ends differ" in " ".join(c.value for c in at.caption)
    m1 = myths.update_ratio_myth(10)
    assert f"Sigmoid, 10 layers of {width}, updates" in metrics(at)
    assert f"sigmoid network of 10 layers of {width} each step back" in said
    assert f"({fmt_factor(m1.deep.update)} per layer)" in said
    assert f"plain sigmoid network of 100 layers of {width}" in said
    assert f"In ReLU networks of 50 layers of {width}" in said
    assert f"50 residual layers of {width}" in said
    m5 = myths.batchnorm_myth(50, 16)
    assert (
        f"ReLU with batch norm, batches of 16 (50 layers of {width}): "
        f"{fmt_factor(m5.measured)} per layer through the middle of the network" in said
    )
    # Wherever a factor stands beside what reaches layer 1, the text says the ends differ.
    for paragraph in said.split("\n"):
        if "per layer" in paragraph and "layer 1 receives" in paragraph:
            assert "the layers at the two ends differ" in paragraph, paragraph


def test_myth_numbers_follow_their_inputs():
    at = open_myths()
    before = texts(at)
    at.number_input(key="m2_depth").set_value(20).run()
    m2 = myths.power_myth(20)
    after = texts(at)
    assert f"{power_text('0.5', 20)} = {fmt_power(m2.course_log10)}" in after
    assert f"{fmt(m2.decades_apart)} powers of ten" in after
    assert after != before
    links = [dict(parse_qsl(link.proto.query_string)) for link in at.get("page_link")]
    assert lab_presets.preset("course").params(depth=20.0) in links

    at.number_input(key="m3_sw2").set_value(2.0).run()
    m3 = myths.relu_init_myth(50, 2.0)
    assert (
        f"With σw² = 2 the backward signal stays level too ({fmt_factor(m3.other_factor)} "
        "per layer)" in texts(at)
    )
    badges = [m.value for m in at.markdown if "-badge[" in m.value]
    assert "green-badge" in badges[2] and "Holds]" in badges[2]

    at.number_input(key="m5_batch").set_value(64).run()
    m5 = myths.batchnorm_myth(50, 64)
    assert f"{fmt_factor(m5.predicted)} per layer at a batch of 64" in texts(at)
    assert metrics(at)["Yang et al., batch 64"][1] == f"{fmt_factor(m5.predicted)} per layer"
    assert share_query(at) == {"m2_depth": "20", "m3_sw2": "2", "m5_batch": "64"}


def test_myths_link_opens_a_lab_view_with_the_same_number():
    at = open_myths({"m2_depth": "20"})
    link = next(
        dict(parse_qsl(link.proto.query_string))
        for link in at.get("page_link")
        if link.proto.page == "vanishing-lab"
        and dict(parse_qsl(link.proto.query_string)).get("depth") == "20"
        and "metric" not in dict(parse_qsl(link.proto.query_string))
    )
    measured = metrics(at)["Measured: layer 1 ÷ output layer"][0]
    lab_view = open_lab(link)
    assert metrics(lab_view)["Plain sigmoid"][0] == measured


@pytest.mark.parametrize("value", ["abc", "-3", "1e9", "nan", "<script>alert(1)</script>", "2"])
def test_myths_survive_nonsense_links(value):
    keys = (
        "m1_depth",
        "m2_depth",
        "m2_sw2",
        "m3_depth",
        "m3_sw2",
        "m4_depth",
        "m5_depth",
        "m5_batch",
    )
    at = open_myths(dict.fromkeys(keys, value))
    assert not at.exception
    assert len(at.subheader) == 5
    assert at.warning
    for key in ("m1_depth", "m2_depth", "m4_depth"):
        assert myths.MIN_DEPTH <= at.number_input(key=key).value <= myths.MAX_DEPTH
    assert 4 <= at.number_input(key="m5_batch").value <= 512
    assert 0 < at.number_input(key="m2_sw2").value <= myths.MAX_SIGMA_W2
    if "<" in value:
        assert not any(value in w.value for w in at.warning)


def test_a_myth_input_past_float64_is_explained_not_misread():
    # sigma_w^2 = 1e-6: each layer shrinks the activations ~1400-fold, so after some 100
    # layers they are exactly 0 in float64 and no gradient passes at all.
    at = open_myths({"m3_depth": "110", "m3_sw2": "0.000001"})
    assert not at.exception
    assert not myths.relu_init_myth(110, 1e-6).other_measured
    assert "cannot even be measured at this depth" in texts(at)
    assert "it fades," not in texts(at) and "stays level" not in texts(at)
    shown = metrics(at)["ReLU, σw² = 1 × 10⁻⁶: layer 1 ÷ output"]
    assert shown == ("not measured", "")


def test_unknown_link_parameters_are_named_once_and_never_echoed_raw():
    at = open_lab({**SMALL, "dept": "100", "<b>x</b>": "1", "embed": "true"})
    assert not at.exception
    [note] = [w.value for w in at.warning if "does not know" in w.value]
    assert "`dept`" in note and "1 other" in note and "<b>" not in note
    assert "embed" not in note  # Streamlit's own parameter
    assert at.number_input(key="depth").value == 10  # the known ones still apply
    at.number_input(key="depth").set_value(6).run()
    assert not any("does not know" in w.value for w in at.warning)  # said once
    myths_page = open_myths({"m2_dept": "20"})
    assert any("`m2_dept`" in w.value for w in myths_page.warning)


def test_page_bench_quick_runs_and_prints_cold_and_cached():
    script = Path(APP).parents[1] / "bench" / "bench_pages.py"
    done = subprocess.run(
        [sys.executable, str(script), "--quick"], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]
    for line in ("lab, tiny view: cold", "lab, tiny view: cached", "myths, default view: cold"):
        assert line in done.stdout, line


def test_several_refused_values_are_each_explained_once():
    """Typed values past their range are refused one rerun after another; every
    refusal's message must survive the later reruns, and only once."""
    at = open_lab(SMALL)
    at.number_input(key="depth").set_value(5000.0)
    at.number_input(key="width").set_value(-3.0)
    at.number_input(key="batch").set_value(1e9)
    at.run()
    assert not at.exception
    shown = [w.value for w in at.warning]
    for label in ("Hidden layers", "Neurons per layer", "Batch size"):
        assert sum(label in text for text in shown) == 1, (label, shown)
    assert len(shown) == 3, shown


def pool_calls(monkeypatch) -> list[tuple]:
    """The calls the server's worker pool gets from now on: (fn, args, nbytes) each."""
    from dashboard import compute

    pool = compute.worker_pool()
    real, calls = pool.compute, []

    def spy(fn, *args, nbytes=0, **kwargs):
        calls.append((fn, args, nbytes))
        return real(fn, *args, nbytes=nbytes, **kwargs)

    monkeypatch.setattr(pool, "compute", spy)
    return calls


def test_the_lab_measures_its_networks_in_parts_once_and_answers_reruns_from_the_cache(
    monkeypatch,
):
    from dashboard import compute

    calls = pool_calls(monkeypatch)
    query = {"depth": "7", "width": "9", "batch": "8", "seeds": "2"}  # no other test's view
    at = open_lab(query)
    assert not at.exception
    parts = [args for fn, args, _ in calls if fn is lab.lab_part]
    settings = lab.LabSettings(depth=7, width=9, batch=8, n_seeds=2)
    slots = compute.worker_pool().slots
    assert [names for _, names in parts] == list(lab.lab_groups(settings, slots))
    at.run()  # the same view again
    assert not at.exception and len(calls) == len(parts)  # nothing computed again


def test_every_myth_tells_the_worker_pool_the_memory_its_call_holds(monkeypatch):
    """Two big measurements must not run at once (dashboard.gate's memory budget): each
    of the page's calls carries core's estimate for the networks it measures."""
    calls = pool_calls(monkeypatch)
    query = {  # views no other test opens, so that every call is made here
        "m1_depth": "13",
        "m2_depth": "14",
        "m2_sw2": "1.3",
        "m3_depth": "15",
        "m3_sw2": "0.7",
        "m4_depth": "16",
        "m5_depth": "17",
        "m5_batch": "9",
    }
    at = open_myths(query)
    assert not at.exception
    expected = {
        myths.update_ratio_myth: myths.memory_bytes("update_ratio", 13),
        myths.power_myth: myths.memory_bytes("power", 14, 1.3),
        myths.relu_init_myth: myths.memory_bytes("relu_init", 15, 0.7),
        myths.residual_myth: myths.memory_bytes("residual", 16),
        myths.batchnorm_myth: myths.memory_bytes("batchnorm", 17, batch=9),
    }
    assert {fn: nbytes for fn, _, nbytes in calls} == expected
    assert all(n > 0 for n in expected.values())
