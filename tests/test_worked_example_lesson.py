"""The worked example as a lesson, in AppTest: one number at a time, predictions before
the reveal with feedback that names the likely mistake, the quiz's hidden answer, the
article's rounding beside the exact value, and a training section whose size does not
grow with the number of updates.

Expected numbers come from core, formatted as the page formats them.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
from streamlit.testing.v1 import AppTest

from core.worked_example import WEIGHT_NAMES, chain_rule, train, worked_example
from dashboard.content.worked_example import LAST_STEP, STAGES, step_of
from dashboard.content.worked_numbers import ARTICLE_PRINTED, UNKNOWN_TEX, label
from dashboard.plots.format import fmt, fmt_signed, latex_number
from tests.share import ui_share_link, ui_tables

APP = str(Path(__file__).resolve().parents[1] / "dashboard" / "app.py")
TIMEOUT = 30
COURSE = worked_example()


def open_page(query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    at.switch_page("app_pages/worked_example.py")
    at.query_params = dict(query or {})
    return at.run()


def page_text(at: AppTest) -> str:
    """Everything the page writes as text: Markdown, captions, LaTeX, alerts, metrics,
    the diagram's labels and hovers, tables (chart data arrays are not text)."""
    parts = [e.value for e in (*at.markdown, *at.caption, *at.latex, *at.success, *at.info)]
    parts += [e.value for e in (*at.error, *at.warning)]
    parts += [m.value for m in at.metric]
    parts += [json.dumps(a, ensure_ascii=False) for a in diagram(at)["layout"]["annotations"]]
    parts += [t.get("hovertext", "") for t in diagram(at)["data"]]
    return "\n".join(str(p) for p in parts)


def diagram(at: AppTest) -> dict:
    return json.loads(at.get("plotly_chart")[0].proto.spec)


def labels(at: AppTest) -> list[str]:
    return [a["text"] for a in diagram(at)["layout"]["annotations"]]


def predict(at: AppTest, key: str, value: float) -> AppTest:
    at.number_input(key=f"guess_{key}").set_value(value)
    [check] = [b for b in at.button if b.label == "Check my prediction"]
    return check.click().run()


def choose(at: AppTest, text: str) -> AppTest:
    [button] = [b for b in at.button if b.label == text]
    return button.click().run()


def feedback(at: AppTest) -> str:
    return "\n".join(e.value for e in (*at.success, *at.info))


# --- one number at a time ---------------------------------------------------------------
def test_each_number_appears_at_the_step_that_computes_it_and_not_before():
    at = open_page()
    for index, stage in enumerate(STAGES):
        at.slider(key="step").set_value(index).run()
        if any(b.key and b.key.startswith("skip_") for b in at.button):
            choose(at, "Just show me the number")
        later = {name for s in STAGES[index + 1 :] for name in s.computes}
        text = page_text(at)
        for name in later:
            value = getattr(COURSE, name)
            assert f"{label(name)} = {fmt(value)}" not in text, (index, name)
            assert f"= {latex_number(value)} \\end" not in text, (index, name)
        for name in stage.computes:
            assert f"&= {latex_number(getattr(COURSE, name))}" in text, (index, name)
    assert not at.exception


def test_step_one_shows_a1_and_nothing_computed_after_it():
    at = open_page({"step": "1"})
    assert f"a<sub>1</sub> = {fmt(COURSE.a1)}<br>h<sub>1</sub> = ?" in labels(at)
    assert "b = ?<br>ŷ = ?" in labels(at) and "target y = 1<br>error E = ?" in labels(at)
    text = page_text(at)
    for value in (COURSE.h1, COURSE.y_hat, COURSE.E, COURSE.delta_out):
        assert fmt(value) not in text, value
    # The chain-rule section follows the walk, and offers the way to every number.
    assert rf"-(y - \hat y) = {UNKNOWN_TEX}" in "\n".join(e.value for e in at.latex)
    assert not at.metric and any(b.key == "chain_all" for b in at.button)


def test_the_backward_diagram_shows_only_the_blame_computed_so_far():
    at = open_page({"step": str(step_of("delta1"))})
    texts = labels(at)
    assert f"δ<sub>1</sub> = {fmt(COURSE.delta1)}" in texts
    assert "δ<sub>2</sub> = ?" in texts and "Δw<sub>11</sub> = ?" in texts
    assert f"Δv<sub>2</sub> = {fmt_signed(COURSE.dv2)}" in texts


# --- predictions ------------------------------------------------------------------------
def test_y_hat_waits_for_a_prediction_and_a_sum_not_squashed_is_named():
    at = open_page({"step": str(step_of("y_hat"))})
    assert f"b = {fmt(COURSE.b)}<br>ŷ = ?" in labels(at)
    assert fmt(COURSE.y_hat) not in page_text(at)
    predict(at, "y_hat", COURSE.b)
    assert "sum before squashing" in feedback(at) and not at.success
    assert f"ŷ = {fmt(COURSE.y_hat)}" in feedback(at)
    assert f"b = {fmt(COURSE.b)}<br>ŷ = {fmt(COURSE.y_hat)}" in labels(at)


def test_a_prediction_outside_the_sigmoids_range_is_told_why():
    at = predict(open_page({"step": str(step_of("y_hat"))}), "y_hat", 1.2)
    assert "between 0 and 1" in feedback(at) and "never reach a target of 1" in feedback(at)


def test_delta_out_the_articles_number_is_right_and_the_rounding_is_named():
    at = predict(open_page({"step": str(step_of("delta_out"))}), "delta_out", 0.083)
    assert at.success and "Right" in at.success[0].value
    assert f"The article rounds it to {ARTICLE_PRINTED['delta_out']}" in at.success[0].value


def test_a_wrong_sign_gets_the_sign_rule():
    at = predict(open_page({"step": str(step_of("delta_out"))}), "delta_out", -COURSE.delta_out)
    text = feedback(at)
    assert not at.success and "sign is not" in text and "sign of the miss y − ŷ" in text


def test_the_miss_without_the_slope_is_named():
    miss = COURSE.y - COURSE.y_hat
    at = predict(open_page({"step": str(step_of("delta_out"))}), "delta_out", miss)
    assert "multiply it by the slope σ′(b)" in feedback(at)


def test_an_update_that_shrinks_the_weight_gets_the_sign_feedback():
    at = open_page({"step": str(step_of("dv"))})
    assert "Δv<sub>1</sub> = ?" in labels(at)
    choose(at, "v₁ shrinks")
    text = feedback(at)
    assert not at.success and "Not quite" in text and "so v₁ grows" in text
    assert "has the sign of δ_out (positive)" in text and "adds its updates" in text
    assert f"Δv<sub>1</sub> = {fmt_signed(COURSE.dv1)}" in labels(at)


def test_blame_following_the_bigger_output_is_named():
    at = open_page({"step": str(step_of("delta2"))})
    assert COURSE.h2 > COURSE.h1  # the tempting answer: neuron 2, the larger output
    assert "δ<sub>2</sub> = ?" in labels(at)
    choose(at, "hidden neuron 2")
    assert "blame does not follow h" in feedback(at) and not at.success
    right = choose(open_page({"step": str(step_of("delta2"))}), "hidden neuron 1")
    assert right.success and "both larger" in right.success[0].value


@pytest.mark.parametrize(
    ("wrong", "words"),
    [
        (COURSE.lr * COURSE.delta1 * COURSE.x2, "first index is the input"),
        (COURSE.lr * COURSE.delta2 * COURSE.x1, "second index is the hidden neuron"),
        (COURSE.delta1 * COURSE.x1, "without the learning rate"),
    ],
)
def test_dw11_slips_are_named(wrong, words):
    at = predict(open_page({"step": str(step_of("dw_into_h1"))}), "dw11", wrong)
    assert words in feedback(at) and not at.success


def test_skipping_shows_the_number_without_a_verdict():
    at = choose(open_page({"step": str(step_of("y_hat"))}), "Just show me the number")
    assert not at.success and f"ŷ = {fmt(COURSE.y_hat)}" in at.info[0].value
    assert "Right" not in at.info[0].value and "Not quite" not in at.info[0].value


def test_predictions_live_in_the_session_not_in_the_link():
    at = predict(open_page({"step": str(step_of("y_hat"))}), "y_hat", 0.64)
    assert at.success
    link = ui_share_link(at)
    assert dict(parse_qsl(urlsplit(link).query)) == {"step": str(step_of("y_hat"))}
    # The same link in another session asks again.
    again = open_page(dict(parse_qsl(urlsplit(link).query)))
    assert not again.success and any(b.label == "Check my prediction" for b in again.button)
    # Other numbers: the prediction is asked again in this session too.
    at.number_input(key="v1").set_value(0.9).run()
    assert any(b.label == "Check my prediction" for b in at.button)


# --- the quiz ---------------------------------------------------------------------------
def test_the_quizs_quantity_waits_for_the_answer_at_its_own_step():
    at = open_page({"quiz": "delta1", "step": str(step_of("delta1")), "weight": "w11"})
    assert "δ<sub>1</sub> = ?" in labels(at)
    text = page_text(at)
    assert f"δ₁ = {fmt(COURSE.delta1)}" not in text and latex_number(COURSE.delta1) not in text
    assert "stays ? while “Try it yourself” below asks for it" in text
    at.number_input(key="answer_delta1").set_value(0.012).run()
    assert "The article rounded this to 0.012" in at.success[0].value
    assert f"δ<sub>1</sub> = {fmt(COURSE.delta1)}" in labels(at)


def test_past_its_step_the_quizs_number_is_an_input_and_shows_with_a_way_back():
    # Step 11 uses delta_out (the quiz's default): hiding it would leave its formula
    # unreadable, so the quiz offers to move the walk back instead.
    at = open_page({"step": str(step_of("delta2"))})
    assert f"δ<sub>out</sub> = {fmt(COURSE.delta_out)}" in labels(at)
    [back] = [b for b in at.button if b.key == "quiz_hide"]
    back.click().run()
    assert at.slider(key="step").value == step_of("delta_out") - 1
    assert fmt(COURSE.delta_out) not in page_text(at)


def test_an_update_asked_by_the_quiz_hides_the_new_weight_and_its_slope_too():
    at = open_page({"quiz": "dw12", "step": str(step_of("dw_into_h2")), "weight": "w12"})
    text = "\n".join(e.value for e in at.latex)
    assert latex_number(COURSE.dw12) not in text
    assert latex_number(COURSE.updated("w12"), 6) not in text
    assert not at.metric  # the chain rule's product is -dw12 / eta
    at.toggle(key="reveal_dw12").set_value(True).run()
    metric = {m.label: m.value for m in at.metric}
    assert metric["Chain rule (product)"] == fmt(chain_rule(COURSE, "w12").product, 6)


def test_the_quiz_shows_labels_not_code_names():
    at = open_page()
    options = ["δ_out", "Δv₁", "Δv₂", "δ₁", "δ₂", "Δw₁₁", "Δw₂₁", "Δw₁₂", "Δw₂₂"]
    assert at.selectbox(key="quiz").options == options
    assert at.selectbox(key="weight").options == [label(w) for w in WEIGHT_NAMES]


# --- the article's numbers beside the exact ones ------------------------------------------
def test_each_step_shows_the_articles_rounding_beside_the_exact_value():
    at = open_page({"step": str(step_of("E"))})
    captions = "\n".join(c.value for c in at.caption)
    assert f"The article prints E ≈ {ARTICLE_PRINTED['E']}; exactly, it is {fmt(COURSE.E)}." in (
        captions
    )
    other = open_page({"step": str(step_of("E")), "w11": "0.9"})
    assert "The article prints" not in "\n".join(c.value for c in other.caption)
    # Where the article's value reads the same as the page's, nothing is added.
    assert "The article prints" not in "\n".join(
        c.value for c in open_page({"step": str(step_of("h1"))}).caption
    )


# --- training on the one example ----------------------------------------------------------
def test_a_long_run_shows_its_ends_a_chart_of_every_update_and_a_download():
    at = open_page({"n": "2000", "step": str(LAST_STEP)})
    run = train(2000)
    table = ui_tables(at)[0]
    ends = ["0", "1", "2", "3", "…", "1997", "1998", "1999", "2000"]
    assert list(table["updates applied"]) == ends
    assert table["E"].iloc[-1] == f"{run.final.E:.6g}"
    chart = json.loads(at.get("plotly_chart")[1].proto.spec)
    assert [t["name"] for t in chart["data"]] == ["error E", "prediction ŷ", "target y"]
    # Every point drawn is core's, the first and the last among them.
    xs, ys = chart["data"][0]["x"], chart["data"][0]["y"]
    assert xs[0] == 0 and xs[-1] == 2000 and ys == [run.errors[k] for k in xs]
    assert chart["data"][1]["y"][-1] == run.final.y_hat
    [download] = at.get("download_button")
    assert "2001 rows" in download.proto.label
    assert chart["layout"]["yaxis"]["type"] == "log"  # and the page says what that means
    assert any("log scale" in c.value for c in at.caption)


def test_before_e_the_training_section_shows_a_note_and_no_table():
    at = open_page({"n": "5", "step": "1"})
    assert not any(t.columns[0] == "updates applied" for t in ui_tables(at))
    assert any("where E is computed" in i.value for i in at.info)


def test_the_training_table_waits_for_the_updates_before_showing_the_new_weights():
    """The weights after an update give the update away (after - before): a tester read
    Δw₁₁ off the table while step 12 asked for it."""

    def training_table(at: AppTest):
        return next(t for t in ui_tables(at) if t.columns[0] == "updates applied")

    before = training_table(open_page({"step": str(step_of("dw_into_h1"))}))
    assert "w₁₁" in before.columns
    assert list(before.loc[1:, "w₁₁"].unique()) in (["?"], ["?", "…"], ["…", "?"])
    assert before.loc[0, "w₁₁"] == f"{COURSE.w11:.6g}"  # the start is given, not computed
    after = training_table(open_page({"step": str(step_of("new_weights"))}))
    assert after.loc[1, "w₁₁"] == f"{COURSE.w11 + COURSE.dw11:.6g}"


# --- the training section gives nothing away ---------------------------------------------
def _printed(value: float) -> set[str]:
    """value as the page prints it anywhere: fmt's 3 significant digits, the chart
    hover's 4, the table's and the new weights' 6, the unrounded table's 15."""
    printed = {fmt(value, digits) for digits in (3, 4, 6)}  # 4: the chart's hover
    return printed | {f"{value:.6g}", f"{value:.15g}", latex_number(value)}


def _everything_written(at: AppTest) -> str:
    """page_text, and the text of buttons, downloads and toasts (their labels and helps)."""
    parts = [page_text(at)]
    parts += [f"{b.label} {b.help or ''}" for b in at.button]
    parts += [d.proto.label for d in at.get("download_button")]
    parts += [t.value for t in at.toast]
    return "\n".join(parts)


def _chart_numbers(at: AppTest) -> list[float]:
    """Every number in every chart's data and frames (the hover reads them)."""
    found: list[float] = []

    def walk(node: object) -> None:
        if isinstance(node, bool):
            return
        if isinstance(node, int | float):
            found.append(float(node))
        elif isinstance(node, dict):
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for chart in at.get("plotly_chart"):
        spec = json.loads(chart.proto.spec)
        walk(spec.get("data", []))
        walk(spec.get("frames", []))
    return found


def test_the_training_section_keeps_y_hat_and_e_until_the_step_through_shows_them():
    """A tester read E off the training chart's point at 0 updates (and worked it out
    from "46.3% lower") while the step-through still showed E = ?."""
    errors = train(20).errors
    drop = fmt(100 * abs(errors[-1] - errors[0]) / errors[0])
    secrets = {"ŷ": COURSE.y_hat, "E": COURSE.E}
    for step in range(step_of("E")):
        at = open_page({"step": str(step)})
        assert not at.exception
        text = _everything_written(at)
        for name, value in secrets.items():
            leaked = {p for p in _printed(value) if p in text}
            assert not leaked, (step, name, leaked)
            assert not any(abs(x - value) < 1e-9 for x in _chart_numbers(at)), (step, name)
        assert f"{drop}%" not in text
        assert at.get("download_button") == []
        assert any(f"Step through to step {step_of('E')}" in i.value for i in at.info)
        [go] = [b for b in at.button if b.key == "training_to_steps"]
        go.click().run()
        assert at.slider(key="step").value == step  # it lands on the step-through, as it was

    at = open_page({"step": str(step_of("E"))})
    text = _everything_written(at)
    for value in secrets.values():
        assert fmt(value) in text and f"{value:.6g}" in text
        assert any(x == value for x in _chart_numbers(at))
    assert f"{drop}%" in text
    assert not any(b.key == "training_to_steps" for b in at.button)


def test_the_apply_buttons_say_what_the_error_did_only_once_e_is_shown():
    at = open_page({"step": "0"})
    [one] = [b for b in at.button if b.label.startswith("Apply one update")]
    one.click().run()
    assert at.toast[0].value == "Applied one update to the weights at the top."
    assert not {p for p in _printed(COURSE.E) if p in at.toast[0].value}
