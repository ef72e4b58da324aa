"""Home, worked example and update sizes in AppTest: numbers from core, URLs, bad input.

Every run starts from dashboard/app.py (the real router), then switches page.
Expected numbers come from core and are formatted as the page formats them; the only
literals are the course's printed values (and the checks that our display rounds to them).
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Markdown

from core import NetworkSpec
from core.experiments import update_size_table
from core.worked_example import WEIGHT_NAMES, chain_rule, train, worked_example
from dashboard.navigation import PAGES, PageInfo
from dashboard.plots.format import fmt, latex_number
from dashboard.plots.style import TOOLBAR_WIDTH
from dashboard.ui import SUMMARY_LEAD
from tests.share import APPTEST_TIMEOUT, open_app_page, ui_share_link, ui_tables

APP = str(Path(__file__).resolve().parents[1] / "dashboard" / "app.py")
TIMEOUT = APPTEST_TIMEOUT
COURSE = worked_example()
# The course's printed values: (attribute, step of the step-through, value, decimals).
COURSE_PRINTED = (
    ("a1", 1, 0.26, 2),
    ("h1", 2, 0.565, 3),
    ("a2", 3, 0.30, 2),
    ("h2", 4, 0.574, 3),
    ("b", 5, 0.569, 3),
    ("y_hat", 6, 0.638, 3),
    ("E", 7, 0.065, 3),
    ("delta_out", 8, 0.083, 3),
    ("dv1", 9, 0.024, 3),
    ("dv2", 9, 0.024, 3),
    ("delta1", 10, 0.012, 3),
    ("delta2", 11, 0.008, 3),
    ("dw11", 12, 0.003, 3),
)
NUMBER_KEYS = ("x1", "x2", "y", "lr", *WEIGHT_NAMES)


def open_page(file: str, query: dict[str, str] | None = None) -> AppTest:
    return open_app_page(file, query, TIMEOUT)


def latex(at: AppTest) -> str:
    return "\n".join(e.value for e in at.latex)


def warnings(at: AppTest) -> str:
    return "\n".join(w.value for w in at.warning)


def share_link(at: AppTest) -> str:
    return ui_share_link(at)


def charts(at: AppTest) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def numbers(at: AppTest) -> dict[str, float]:
    return {k: at.number_input(key=k).value for k in NUMBER_KEYS}


def _args(v: dict[str, float]) -> tuple:
    """worked_example's arguments from the page's fields."""
    return (
        (v["x1"], v["x2"]),
        ((v["w11"], v["w12"]), (v["w21"], v["w22"])),
        (v["v1"], v["v2"]),
        v["y"],
        v["lr"],
    )


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def step_of(values: dict[str, float]):
    return worked_example(*_args(values))


def show_the_number(at: AppTest) -> AppTest:
    """At a step that asks for a prediction first, press "Just show me the number"."""
    for button in at.button:
        if button.key and button.key.startswith("skip_"):
            return button.click().run()
    return at


# --- every page at its defaults -------------------------------------------------------
@pytest.mark.parametrize(
    ("file", "title"),
    [
        ("home.py", "Backprop, by hand"),
        ("worked_example.py", "Worked example"),
        ("update_sizes.py", "Update sizes"),
    ],
)
def test_page_runs_at_defaults_with_a_share_box(file, title):
    at = open_page(file)
    assert not at.exception
    assert at.title[0].value.startswith(title)
    assert not at.warning, warnings(at)
    assert at.sidebar.markdown[0].value == "**Share this view**"
    assert "=" not in share_link(at)  # defaults are not repeated in the link


def test_home_links_every_story_step_to_its_page():
    at = open_page("home.py")
    links = at.get("page_link")
    targets = [link.proto.page for link in links]
    assert len(links) == 9  # the lesson, seven story steps and the myths page
    assert targets[0] == "lesson"  # first, before the story
    assert targets.count("worked-example") == 4
    assert {"update-sizes", "vanishing-lab", "training-lab", "myths"} <= set(targets)
    network, timeline = charts(at)
    texts = [a["text"] for a in network["layout"]["annotations"]]
    # Reveal, don't show: Home gives the network and its numbers, not its answers.
    assert "b = ?<br>ŷ = ?" in texts
    page_text = " ".join(m.value for m in at.markdown)
    assert fmt(COURSE.y_hat) not in json.dumps(network) + page_text
    assert fmt(COURSE.E) not in page_text
    assert f"w<sub>11</sub> = {fmt(COURSE.w11)}" in texts
    marks = [t for tr in timeline["data"] if tr["mode"] == "markers+text" for t in tr["text"]]
    assert len(marks) == 10 and "ReLU" in marks and "LSTM" in marks and "Clipping" in marks
    # The history is readable without hovering: one line per event, years included.
    story = next(m.value for m in at.markdown if m.value.startswith("**The fuller story.**"))
    for year in (1991, 1994, 1997, 2010, 2011, 2012, 2013, 2015):
        assert f"**{year}**" in story


# --- the worked example ---------------------------------------------------------------
def test_worked_example_shows_the_course_numbers_step_by_step():
    at = open_page("worked_example.py")
    assert numbers(at) == {
        "x1": 0.5, "x2": 0.3, "y": 1.0, "lr": 0.5,
        "w11": 0.4, "w12": 0.3, "w21": 0.2, "w22": 0.5, "v1": 0.6, "v2": 0.4,
    }  # fmt: skip
    for name, stage, printed, decimals in COURSE_PRINTED:
        at.slider(key="step").set_value(stage).run()
        show_the_number(at)  # a step with a prediction shows its number after it
        value = getattr(COURSE, name)
        shown = latex_number(value)
        assert f"&= {shown}" in latex(at), f"step {stage} should show {name} = {shown}"
        # The number behind the display is the course's, to the digits the course prints.
        assert abs(value - printed) <= 0.5 * 10**-decimals, (name, value, printed)
        assert float(shown) == pytest.approx(value, rel=5e-3)
    assert not at.exception


def test_forward_diagram_carries_the_course_prediction():
    # Numbers appear one step at a time: b and y_hat are on the diagram from step 7 on.
    at = open_page("worked_example.py", {"step": "7"})
    texts = [a["text"] for a in charts(at)[0]["layout"]["annotations"]]
    assert "b = 0.569<br>ŷ = 0.638" in texts  # the course's printed b and y_hat
    assert f"w<sub>21</sub> = {fmt(COURSE.w21)}" in texts


def test_changing_a_weight_changes_y_hat_exactly_as_core_computes():
    at = open_page("worked_example.py", {"step": "6"})
    at.number_input(key="w11").set_value(1.25).run()
    show_the_number(at)  # step 6 asks for a prediction of y_hat first
    values = numbers(at)
    assert values["w11"] == 1.25
    expected = step_of(values)
    assert expected.y_hat != COURSE.y_hat
    assert r"\hat y &= \sigma(b)" in latex(at)
    assert f"&= {latex_number(expected.y_hat)}" in latex(at)
    unrounded = ui_tables(at)[-1].set_index("quantity")["value"]
    assert unrounded["ŷ"] == f"{expected.y_hat:.15g}"
    assert unrounded["w₁₁"] == "1.25"


def test_chain_rule_metrics_come_from_core():
    # The chain rule's numbers follow the walk: at its last step every one is shown.
    at = open_page("worked_example.py", {"weight": "w21", "step": "14"})
    chain = chain_rule(COURSE, "w21")
    metric = {m.label: m.value for m in at.metric}
    assert metric["Chain rule (product)"] == fmt(chain.product, 6)
    assert metric["Finite difference"] == fmt(chain.finite_difference, 6)
    assert metric["Relative error"] == fmt(chain.relative_error, 2)
    assert chain.relative_error < 1e-7
    for factor in chain.factors:
        assert f"{factor.symbol} = {latex_number(factor.value)}" in latex(at)
    # Both conventions land on the same new weight, core's w + Delta w.
    assert latex(at).count(f"= {latex_number(COURSE.updated('w21'), 6)}") >= 2


def test_a_saturated_path_is_explained_not_passed_off_as_agreement():
    at = open_page(
        "worked_example.py", {**dict.fromkeys(("x1", "x2", *WEIGHT_NAMES), "10"), "step": "14"}
    )
    assert not at.exception
    step = step_of(numbers(at))
    assert abs(chain_rule(step, "w11").product) < 1e-10
    assert "saturated" in at.info[0].value
    # The course's numbers are well resolved (at step 14 every check is shown).
    assert not open_page("worked_example.py", {"step": "14"}).info


def test_query_parameters_reproduce_the_view_and_the_share_link_round_trips():
    query = {
        "w11": "1.25", "v2": "-0.7", "lr": "0.8", "x2": "-1.5",
        "step": "9", "weight": "v2", "n": "7", "quiz": "dw12",
    }  # fmt: skip
    at = open_page("worked_example.py", query)
    assert not at.exception and not at.warning, warnings(at)
    show_the_number(at)  # step 9 asks whether v1 grows first
    values = numbers(at)
    assert values["w11"] == 1.25 and values["v2"] == -0.7 and values["lr"] == 0.8
    assert at.slider(key="step").value == 9
    assert at.selectbox(key="weight").value == "v2"
    assert at.selectbox(key="quiz").value == "dw12"
    step = step_of(values)
    assert f"&= {latex_number(step.dv2)}" in latex(at)
    metric = {m.label: m.value for m in at.metric}
    assert metric["Chain rule (product)"] == fmt(chain_rule(step, "v2").product, 6)
    table = ui_tables(at)[0]
    assert len(table) == 8 and table["E"].iloc[-1] == f"{train(7, *_args(values)).final.E:.6g}"

    link = share_link(at)
    # The link named the quantity and the weight the older way (their code names); the
    # share link carries the labels a student reads, and reopens the same view.
    assert dict(parse_qsl(urlsplit(link).query)) == {**query, "quiz": "Δw₁₂", "weight": "v₂"}
    again = show_the_number(open_page("worked_example.py", dict(parse_qsl(urlsplit(link).query))))
    assert again.selectbox(key="quiz").value == "dw12"
    assert latex(again) == latex(at)
    assert [m.value for m in again.metric] == [m.value for m in at.metric]


NONSENSE = (
    "abc", "nan", "NaN", "inf", "-inf", "1e999", "1e308", "-5", "", "0x10", "1,5", "½",
    "<script>alert(1)</script>", '<img src=x onerror="alert(1)">', "[x](javascript:alert(1))",
)  # fmt: skip


@pytest.mark.parametrize("value", NONSENSE)
def test_nonsense_query_values_never_raise_nor_render_as_html(value):
    keys = (*NUMBER_KEYS, "step", "weight", "quiz", "n")
    at = open_page("worked_example.py", {**dict.fromkeys(keys, value), "zzz": value})
    assert not at.exception
    values = numbers(at)
    assert all(-10 <= values[k] <= 10 for k in NUMBER_KEYS)
    assert 0 < values["lr"] <= 10 and 0 <= values["y"] <= 1
    assert 0 <= at.slider(key="step").value <= 14
    assert 1 <= at.number_input(key="n").value <= 2000
    # The page still computes: a run of the 20 updates it falls back to (at step 0 the
    # diagram and the training section show no computed number yet).
    assert "Apply all 20 updates to the numbers above" in [b.label for b in at.button]
    html = [m.value for m in at.main if isinstance(m, Markdown) and m.proto.allow_html]
    assert html == []
    if "<" in value:
        shown = [m.value for m in (*at.markdown, *at.warning, *at.caption, *at.code)]
        assert not any(value in text for text in shown)


@pytest.mark.parametrize(
    ("key", "value", "fallback", "rule"),
    [
        ("w11", "50", 0.4, "from -10 to 10"),
        ("v2", "-1e300", 0.4, "from -10 to 10"),
        ("lr", "-1", 0.5, "above 0 and at most 10"),
        ("lr", "0", 0.5, "above 0 and at most 10"),
        ("y", "2", 1.0, "from 0 to 1"),
        ("n", "0", 20, "whole number from 1 to 2000"),
        ("n", "99999999999999999999", 20, "whole number from 1 to 2000"),
        ("step", "99", 0, "whole number from 0 to 14"),
        ("step", "abc", 0, "whole number from 0 to 14"),
        ("x1", "nan", 0.5, "from -10 to 10"),
    ],
)
def test_out_of_range_link_values_fall_back_with_a_message(key, value, fallback, rule):
    at = open_page("worked_example.py", {key: value})
    assert not at.exception
    widget = at.slider(key=key) if key == "step" else at.number_input(key=key)
    assert widget.value == fallback
    assert rule in warnings(at)
    if not _is_number(value):
        assert value not in warnings(at)  # the link's text is never echoed
    # The share link carries what the page uses (the fallback is the default: left out).
    assert key not in dict(parse_qsl(urlsplit(share_link(at)).query))


def test_typed_invalid_numbers_are_refused_with_the_allowed_range():
    at = open_page("worked_example.py")
    at.number_input(key="w11").set_value(1e308).run()
    assert not at.exception
    assert at.number_input(key="w11").value == 0.4
    assert "must be a number from -10 to 10" in warnings(at)
    at.number_input(key="lr").set_value(0.0).run()
    assert at.number_input(key="lr").value == 0.5
    assert "above 0 and at most 10" in warnings(at)
    # The page keeps working: a valid value is taken, and the message goes away.
    at.number_input(key="w11").set_value(0.9).run()
    assert at.number_input(key="w11").value == 0.9 and not at.warning
    at.slider(key="step").set_value(7).run()  # the diagram shows y_hat from step 7 on
    assert f"ŷ = {fmt(step_of(numbers(at)).y_hat)}" in json.dumps(charts(at)[0], ensure_ascii=False)


def test_two_values_refused_in_one_run_are_both_explained():
    at = open_page("worked_example.py")
    at.number_input(key="w11").set_value(1e308)
    at.number_input(key="lr").set_value(0.0)
    at.run()
    assert not at.exception
    assert at.number_input(key="w11").value == 0.4 and at.number_input(key="lr").value == 0.5
    text = warnings(at)
    assert "must be a number from -10 to 10" in text and "above 0 and at most 10" in text


def test_a_refused_value_goes_back_to_the_last_accepted_one():
    at = open_page("worked_example.py")
    at.number_input(key="v1").set_value(2.5).run()
    at.number_input(key="v1").set_value(-11.0).run()
    assert at.number_input(key="v1").value == 2.5
    assert "put back to 2.5" in warnings(at)


def test_back_to_the_course_numbers():
    at = open_page("worked_example.py", {"w11": "3", "lr": "2", "x1": "-1"})
    at.button[0].click().run()  # the first button on the page is the reset
    assert numbers(at) == numbers(open_page("worked_example.py"))
    assert "=" not in share_link(at)


def test_try_it_yourself_judges_within_the_stated_tolerance():
    at = open_page("worked_example.py", {"quiz": "delta_out"})
    assert "within 2%" in "\n".join(m.value for m in at.markdown)
    at.number_input(key="answer_delta_out").set_value(0.083).run()  # the course's rounding
    assert at.success and "Right" in at.success[0].value
    at.number_input(key="answer_delta_out").set_value(-COURSE.delta_out).run()
    assert not at.success and "sign" in at.error[0].value and "step 8" in at.error[0].value
    [show] = [b for b in at.button if b.label == "Show me step 8"]
    show.click().run()
    assert at.slider(key="step").value == 8
    assert "Step 8 is now open" in at.toast[0].value


def test_quiz_spots_a_missing_learning_rate():
    at = open_page("worked_example.py", {"quiz": "dv1"})
    at.number_input(key="answer_dv1").set_value(COURSE.dv1 / COURSE.lr).run()
    assert "learning rate" in at.error[0].value and "step 9" in at.error[0].value


def test_training_applies_updates_exactly_as_core():
    # At the last step the table's first row shows the starting E and y_hat too.
    at = open_page("worked_example.py", {"n": "5", "step": "14"})
    table = ui_tables(at)[0]
    run = train(5)
    assert len(table) == 6
    assert list(table["E"]) == [f"{e:.6g}" for e in run.errors]
    assert table["w₁₁"].iloc[-1] == f"{run.final.w11:.6g}"
    errors = charts(at)[1]
    assert errors["data"][0]["y"] == list(run.errors)
    [one] = [b for b in at.button if b.label.startswith("Apply one update")]
    one.click().run()
    assert at.number_input(key="w11").value == COURSE.updated("w11")
    assert at.number_input(key="v2").value == COURSE.updated("v2")
    assert f"from {fmt(run.errors[0])} to {fmt(run.errors[1])}" in at.toast[0].value
    # The page now starts from the updated weights: its first error is core's E after one.
    assert ui_tables(at)[0]["E"].iloc[0] == f"{run.errors[1]:.6g}"


# --- update sizes ---------------------------------------------------------------------
# The tables' column headers as the page shows them, and core's names for them.
UPDATE_NAMES = {
    "layer": "layer",
    "which": "label",
    "distance from the output": "distance",
    "mean |update|": "mean_abs_update",
    "÷ output layer": "ratio_to_output",
    "log₁₀ mean |update|": "log10_mean_abs_update",
    "÷ layer one closer": "shrink_per_layer",
}


def update_table(at: AppTest, index: int) -> pd.DataFrame:
    """The update-sizes page's table number index (0: the course's, 1: the deeper one),
    as text, with core's column names."""
    return ui_tables(at)[index].rename(columns=UPDATE_NAMES)


def shown(values: pd.Series, spec: str) -> list[str]:
    """values as the update-sizes tables print them (spec: the column's printf format)."""
    return [spec % v for v in values]


def test_update_sizes_shows_core_tables_for_the_course_and_a_deeper_network():
    at = open_page("update_sizes.py")
    course = update_size_table(None, lr=0.5)
    table = update_table(at, 0)
    assert list(table["mean_abs_update"]) == shown(course["mean_abs_update"], "%.3e")
    text = "\n".join(m.value for m in at.markdown)
    assert f"{fmt(1 / course['shrink_per_layer'].iloc[1])}× smaller" in text  # about 11.6
    assert f"{fmt(COURSE.dv1 / COURSE.dw11)}× smaller" in text  # about 7.7

    spec = NetworkSpec(sizes=(32,) * 11 + (1,), activation="sigmoid", init="xavier")
    deep = update_size_table(spec, lr=0.5, batch=32, seed=0)
    assert list(update_table(at, 1)["log10_mean_abs_update"]) == shown(
        deep["log10_mean_abs_update"], "%.2f"
    )
    metric = {m.label: m.value for m in at.metric}
    assert (
        metric["Measured, one step back"] == f"{fmt(1 / deep['shrink_per_layer'].iloc[1])}× smaller"
    )
    assert len(at.get("download_button")) == 1


def test_update_sizes_tables_show_core_numbers_in_their_formats():
    """ui.table: each number in its column's format, a missing value as a dash, headers
    with Markdown's characters escaped, and the columns' help in one caption."""
    at = open_page("update_sizes.py")
    course = update_size_table(None, lr=0.5)
    table = ui_tables(at)[0]
    # One layer numbering everywhere (1 = next to the input); the article's distance from
    # the output is its own, named column.
    assert list(table.columns) == [
        "layer", "which", "distance from the output", "mean |update|", "÷ output layer",
        "log₁₀ mean |update|", "÷ layer one closer",
    ]  # fmt: skip
    assert list(table["layer"]) == ["2", "1"] and list(table["distance from the output"]) == [
        "1",
        "2",
    ]
    assert list(table["mean |update|"]) == [f"{v:.3e}" for v in course["mean_abs_update"]]
    assert list(table["÷ layer one closer"]) == ["—", f"{course['shrink_per_layer'].iloc[1]:.3g}"]
    assert "mean \\|update\\|" in next(m.value for m in at.main.markdown if m.value[:2] == "| ")
    notes = [c.value for c in at.caption if c.value.startswith("**layer**")]
    assert len(notes) == 1 and "**÷ layer one closer**: mean |update| divided by" in notes[0]


def test_update_sizes_follows_its_controls_and_link():
    at = open_page(
        "update_sizes.py", {"depth": "4", "act": "relu", "init": "he", "net": "residual"}
    )
    assert not at.exception and not at.warning
    deep = update_table(at, 1)
    assert list(deep["distance"]) == ["1", "2", "3", "4", "5"]
    assert list(deep["layer"]) == ["5", "4", "3", "2", "1"]
    spec = NetworkSpec(sizes=(32,) * 5 + (1,), activation="relu", init="he", residual=True)
    expected = update_size_table(spec, lr=0.5, batch=32, seed=0)
    assert list(deep["log10_mean_abs_update"]) == shown(expected["log10_mean_abs_update"], "%.2f")
    assert dict(parse_qsl(urlsplit(share_link(at)).query)) == {
        "net": "residual",
        "act": "ReLU",
        "init": "he",
        "depth": "4",
    }  # fmt: skip  (the link's older "relu" comes back as the label a student reads)
    at.number_input(key="depth").set_value(500).run()
    assert at.number_input(key="depth").value == 4
    assert "whole number from 1 to 200" in warnings(at)


@pytest.mark.parametrize("value", ["-3", "1e9", "abc", "<script>x</script>", "nan", "2.5"])
def test_update_sizes_survives_nonsense_links(value):
    keys = ("depth", "width", "batch", "seed", "lr", "act", "init", "net")
    at = open_page("update_sizes.py", dict.fromkeys(keys, value))
    assert not at.exception
    assert 1 <= at.number_input(key="depth").value <= 200
    assert at.selectbox(key="act").value in ("sigmoid", "tanh", "relu", "leaky_relu")
    assert len(ui_tables(at)) == 2
    assert 0 < at.number_input(key="lr").value <= 10


def test_a_value_accepted_on_one_page_is_not_the_fallback_where_it_is_not_allowed():
    """The vanishing lab allows depth 361; Update sizes binds the same key and allows at
    most 200. Carried over, it used to be refused back to itself forever (one session
    then held the server's lock in a rerun loop). Update sizes now starts from its own
    default."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    at.switch_page("app_pages/vanishing_lab.py")
    at.query_params = {"depth": "361"}
    at.run()
    assert at.number_input(key="depth").value == 361
    at.switch_page("app_pages/home.py").run()
    at.switch_page("app_pages/update_sizes.py").run()
    assert not at.exception
    depth = at.number_input(key="depth")
    # AppTest keeps the query across switch_page (a browser's sidebar link drops it), so
    # the page may say that the link's 361 is not allowed; never that someone typed it.
    assert depth.value == 10 and not [w.value for w in at.warning if "typed" in w.value]


@pytest.mark.parametrize("info", PAGES, ids=lambda p: p.url_path)
def test_every_chart_with_a_toolbar_leaves_room_for_it(info: PageInfo) -> None:
    """On a touch screen plotly shows its vertical toolbar all the time, at the figure's
    right edge: a chart that shows the toolbar keeps that strip as its right margin, so
    the toolbar never covers the last bars or the ends of the lines."""
    at = open_page(info.file)
    assert not at.exception
    for chart in at.get("plotly_chart"):
        config = json.loads(chart.proto.config or "{}")
        margin = json.loads(chart.proto.spec)["layout"].get("margin", {})
        if config.get("displayModeBar", True) is not False:
            assert margin.get("r", 80) >= TOOLBAR_WIDTH, (info.url_path, chart.proto.id)


def _in_order(node) -> list:
    """Every element under node, depth first, in the order the page draws them."""
    children = getattr(node, "children", None)
    if not children:
        return [node]
    return [leaf for key in sorted(children) for leaf in _in_order(children[key])]


@pytest.mark.parametrize("info", PAGES, ids=lambda p: p.url_path)
def test_every_chart_is_followed_by_one_line_of_its_numbers(info: PageInfo) -> None:
    """dashboard.ui.chart: a screen reader cannot read a chart, so the line right after
    it says what it shows, in numbers (the browser test checks the drawn page too)."""
    at = open_page(info.file)
    elements = _in_order(at.main)
    for i, element in enumerate(elements):
        if element.type != "plotly_chart":
            continue
        after = elements[i + 1]
        assert after.type == "caption", (info.url_path, element.proto.id)
        assert after.value.startswith(f"**{SUMMARY_LEAD}** "), after.value
        assert any(c.isdigit() for c in after.value), after.value
