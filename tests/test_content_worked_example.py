"""dashboard/content/worked_example.py without Streamlit: stage ids and the numbers derived
from them, every stage's formulas against core, the update rules and the quiz."""

from __future__ import annotations

import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from core.worked_example import WEIGHT_NAMES, chain_rule, worked_example
from dashboard.content import worked_example as content
from dashboard.content.worked_example import (
    BACKWARD_IDS,
    FORWARD_IDS,
    LAST_STEP,
    OVERVIEW_IDS,
    QUIZ,
    STAGE_IDS,
    STAGES,
    UPDATE_RULES,
    Shown,
    sigmoid_slope,
    stage,
    stage_at,
    step_of,
    steps_span,
)
from dashboard.content.worked_feedback import quiz_verdict
from dashboard.content.worked_numbers import (
    ARTICLE_PRINTED,
    NAMES,
    QUIZ_ABS_TOL,
    UNKNOWN_TEX,
    article_rounded,
    article_value,
    decimals_of,
    is_course,
)
from dashboard.content.worked_predictions import PREDICTIONS
from dashboard.plots.format import latex_number
from dashboard.plots.network import EDGES, NODE_POSITIONS

ROOT = Path(__file__).resolve().parents[1]
# The course's numbers, and others with negatives (a minus sign inside a product gets
# parentheses) and a target below the prediction (delta changes sign).
PASSES = {
    "course": worked_example(),
    "odd": worked_example((-1.5, 2.0), ((-0.7, 1.25), (3.0, -2.0)), (-0.9, 1.7), 0.1, 0.8),
}
# What each stage computes, written out here independently of the content module: the
# WorkedStep fields whose values its formulas end on.
COMPUTES = {
    "start": (),
    "a1": ("a1",),
    "h1": ("h1",),
    "a2": ("a2",),
    "h2": ("h2",),
    "b": ("b",),
    "y_hat": ("y_hat",),
    "E": ("E",),
    "delta_out": ("delta_out",),
    "dv": ("dv1", "dv2"),
    "delta1": ("delta1",),
    "delta2": ("delta2",),
    "dw_into_h1": ("dw11", "dw21"),
    "dw_into_h2": ("dw12", "dw22"),
    "new_weights": (),
}


def chains_of(step):
    return {name: chain_rule(step, name) for name in WEIGHT_NAMES}


def rendered(stage_id: str, step) -> str:
    return "\n".join(stage(stage_id).formulas(step, chains_of(step)))


def test_content_module_does_not_need_streamlit():
    code = (
        "import sys; import dashboard.content.worked_example; assert 'streamlit' not in sys.modules"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr


# --- ids and the positions derived from them --------------------------------------------
def test_ids_are_unique_and_every_stage_is_described():
    assert len(set(STAGE_IDS)) == len(STAGES) == LAST_STEP + 1
    assert set(STAGE_IDS) == set(COMPUTES)
    for s in STAGES:
        assert s.id.isidentifier() and s.title and s.text, s.id
        assert s.part in content.PARTS, s.id
        assert s.highlight <= set(NODE_POSITIONS) | set(EDGES), s.id


def test_step_of_and_stage_at_are_inverse():
    for n in range(LAST_STEP + 1):
        assert step_of(stage_at(n).id) == n
        assert stage(stage_at(n).id) is stage_at(n)


def test_an_unknown_id_or_step_is_refused_by_name():
    with pytest.raises(KeyError, match=r"'dw'.*delta_out"):
        step_of("dw")
    for bad in (-1, LAST_STEP + 1):
        with pytest.raises(IndexError, match=f"from 0 to {LAST_STEP}"):
            stage_at(bad)
    with pytest.raises(ValueError, match="part must be one of"):
        content.ids_of("sideways")


def test_the_walk_is_overview_then_forward_then_backward():
    assert OVERVIEW_IDS + FORWARD_IDS + BACKWARD_IDS == STAGE_IDS
    assert OVERVIEW_IDS == ("start",)
    assert FORWARD_IDS[-1] == "E" and BACKWARD_IDS[0] == "delta_out"


def test_the_slider_label_counts_from_the_ids():
    forward = f"{step_of(FORWARD_IDS[0])}–{step_of(FORWARD_IDS[-1])}"
    backward = f"{step_of(BACKWARD_IDS[0])}–{step_of(BACKWARD_IDS[-1])}"
    overview = step_of("start")
    label = f"Step ({overview} = overview, {forward} forward, {backward} backward)"
    assert label == content.STEP_LABEL


def test_steps_span_writes_a_run_and_refuses_a_gap():
    assert steps_span(("start",)) == "0"
    assert steps_span(("a2", "a1", "h1")) == f"{step_of('a1')}–{step_of('a2')}"
    with pytest.raises(ValueError, match="consecutive"):
        steps_span(("a1", "a2"))
    with pytest.raises(ValueError, match="consecutive"):
        steps_span(())


def test_the_diagram_view_follows_the_part():
    assert stage("start").view == "forward"  # the overview shows the forward numbers
    assert {stage(i).view for i in FORWARD_IDS} == {"forward"}
    assert {stage(i).view for i in BACKWARD_IDS} == {"backward"}


# --- the formulas, against core -----------------------------------------------------------
@pytest.mark.parametrize("which", PASSES)
@pytest.mark.parametrize("stage_id", STAGE_IDS)
def test_every_stage_ends_on_cores_numbers(stage_id, which):
    step = PASSES[which]
    formulas = stage(stage_id).formulas(step, chains_of(step))
    assert formulas and all(isinstance(x, str) and x for x in formulas)
    text = "\n".join(formulas)
    assert text.count("{") == text.count("}"), text
    for name in COMPUTES[stage_id]:
        value = latex_number(getattr(step, name))
        assert f"&= {value} \\end{{aligned}}" in text, (stage_id, name, value, text)


def test_each_stage_reveals_what_it_computes():
    assert {s.id: s.computes for s in STAGES} == COMPUTES


@pytest.mark.parametrize("stage_id", [i for i in STAGE_IDS if COMPUTES[i]])
def test_a_hidden_number_reads_as_a_question_mark(stage_id):
    step = PASSES["course"]
    names = COMPUTES[stage_id]
    text = "\n".join(stage(stage_id).formulas(Shown(step, frozenset(names)), chains_of(step)))
    assert text.endswith(f"&= {UNKNOWN_TEX} \\end{{aligned}}"), text
    for name in names:
        assert f"&= {latex_number(getattr(step, name))} \\end" not in text, (stage_id, name)


def test_the_slope_a_prediction_asks_for_can_be_hidden_too():
    step = PASSES["course"]
    shown = Shown(step, frozenset({"delta_out", "slope_b"}))
    text = "\n".join(stage("delta_out").formulas(shown, chains_of(step)))
    hole = UNKNOWN_TEX
    assert f"- {latex_number(step.y_hat)}) \\cdot {hole} \\\\ &= {hole}" in text, text
    assert "\\hat y\\,(1 - \\hat y)" in text  # the recipe stays


def test_sigma_prime_waits_for_the_step_that_uses_it():
    start = rendered("start", PASSES["course"]) + stage("start").text
    assert "\\sigma'" not in start and "σ′" not in start
    assert "σ′(b)" in stage("delta_out").text and "slope" in stage("delta_out").text


# A pass where blame grows on its way back and the input-side updates are the larger:
# a large input, a sum near 0 (slope 0.25) and an output weight of 6.
GROWS = worked_example((8.0, 0.0), ((0.0, 0.0), (0.0, 0.0)), (6.0, 6.0), 1.0, 0.5)


def test_number_dependent_sentences_follow_cores_numbers():
    course = PASSES["course"]
    assert abs(GROWS.delta1) > abs(GROWS.delta_out) and abs(course.delta1) < abs(course.delta_out)
    [shrinks] = stage("delta2").remarks(course)
    assert "Both hidden deltas are smaller" in shrinks
    [grows] = stage("delta2").remarks(GROWS)
    assert "is larger than δ_out" in grows and "v₁ = 6" in grows
    assert abs(GROWS.dw11) > abs(GROWS.dv1)
    [near] = stage("dw_into_h2").remarks(course)
    assert "every update near the input is smaller" in near
    [not_all] = stage("dw_into_h2").remarks(GROWS)
    assert "not every update near the input is smaller" in not_all


def test_negative_factors_are_bracketed_in_products():
    assert r"&= (-0.7) \cdot (-1.5) + 3 \cdot 2 \\" in rendered("a1", PASSES["odd"])
    assert r"&= 0.4 \cdot 0.5 + 0.2 \cdot 0.3 \\" in rendered("a1", PASSES["course"])


# One line of the new weights: w &\leftarrow old + update = new (or \approx new).
SUM_LINE = re.compile(
    r"(?P<symbol>\S+) &\\leftarrow (?P<old>\S+) \+ \(?(?P<update>[^()=]+?)\)? "
    r"(?P<relation>=|\\approx) (?P<new>\S+)$"
)
TINY = worked_example((1e-6, 2.0), ((0.1234567, 1.25), (3.0, -2.0)), (-0.9, 1.7), 0.1, 1e-3)


def sum_lines(step) -> dict[str, re.Match]:
    body = rendered("new_weights", step).removeprefix(r"\begin{aligned} ")
    rows = body.removesuffix(r" \end{aligned}").split(r" \\ ")
    matches = [SUM_LINE.match(row) for row in rows]
    assert all(matches), rows
    return {m["symbol"]: m for m in matches}


@pytest.mark.parametrize("step", [*PASSES.values(), TINY], ids=[*PASSES, "tiny"])
def test_new_weights_add_up_as_shown(step):
    """A tester read "v₂ ← 0.4 + 0.024 = 0.423973": the parts must add up at the shown
    precision, and where they cannot (a tiny update, an old weight with more decimals)
    the line says ≈."""
    lines = sum_lines(step)
    for w in WEIGHT_NAMES:
        line = lines[UPDATE_RULES[w].symbol]
        new = float(line["new"])
        assert new == pytest.approx(step.updated(w), rel=5e-6), w  # 6 significant digits
        if line["relation"] == "=":
            assert Decimal(line["old"]) + Decimal(line["update"]) == Decimal(line["new"]), w
            places = max(-Decimal(x).as_tuple().exponent for x in (line["update"], line["new"]))
            assert f"{step.update(w):.{places}f}".rstrip("0").rstrip(".") == line["update"], w
        else:
            assert float(line["old"]) + step.update(w) == pytest.approx(new, rel=1e-5), w
    if step is PASSES["course"]:  # the article's numbers add up exactly, every one
        assert {m["relation"] for m in lines.values()} == {"="}
        assert lines["v_2"]["update"] == "0.023973" and lines["v_2"]["new"] == "0.423973"
    if step is TINY:
        assert lines["w_{21}"]["relation"] == r"\approx"
        assert lines["w_{21}"]["update"] == latex_number(TINY.dw21)


@pytest.mark.parametrize("which", PASSES)
def test_sigmoid_slopes_are_found_by_name(which):
    step = PASSES[which]
    chains = chains_of(step)
    for at, out in (("b", step.y_hat), ("a_1", step.h1), ("a_2", step.h2)):
        expected = out * (1 - out)  # sigma' = sigma (1 - sigma), computed here on its own
        assert sigmoid_slope(chains, at) == pytest.approx(expected, rel=1e-12, abs=1e-300), at
    with pytest.raises(LookupError, match="a_3"):
        sigmoid_slope(chains, "a_3")


@pytest.mark.parametrize("which", PASSES)
@pytest.mark.parametrize("weight", WEIGHT_NAMES)
def test_update_rules_name_the_delta_and_the_signal_core_multiplies(weight, which):
    step = PASSES[which]
    rule = UPDATE_RULES[weight]
    ours = step.lr * rule.delta_value(step) * rule.source_value(step)
    assert ours == pytest.approx(step.update(weight), rel=1e-15), (weight, ours)
    assert set(UPDATE_RULES) == set(WEIGHT_NAMES)


# --- the quiz ------------------------------------------------------------------------------
@pytest.mark.parametrize("quantity", QUIZ)
def test_each_question_points_to_the_stage_that_computes_it(quantity):
    question = QUIZ[quantity]
    assert quantity in COMPUTES[question.stage]
    step = PASSES["odd"]
    text = rendered(question.stage, step)
    assert f"\\begin{{aligned}} {question.symbol} &=" in text
    assert f"&= {latex_number(getattr(step, quantity))} \\end{{aligned}}" in text


def test_quiz_verdict_names_the_likely_slip():
    s = PASSES["course"]
    c, exact = chains_of(s), s.delta_out
    assert quiz_verdict("delta_out", 0.083, s, c) == (True, "")  # the course's rounding
    assert quiz_verdict("delta_out", exact * 1.019, s, c)[0]
    assert not quiz_verdict("delta_out", exact * 1.03, s, c)[0]
    none = worked_example((0.0, 0.3))  # x1 = 0: no blame reaches w11
    assert none.dw11 == 0 and quiz_verdict("dw11", 1e-5, none, chains_of(none))[0]
    assert "sign" in quiz_verdict("delta_out", -exact, s, c)[1]
    # An update has a learning rate in it (a δ has none: see the test below).
    assert "learning rate" in quiz_verdict("dv1", s.dv1 / s.lr, s, c)[1]
    assert "Redo" in quiz_verdict("delta_out", 7.0, s, c)[1]


# --- the article's printed numbers ---------------------------------------------------------
@pytest.mark.parametrize("name", ARTICLE_PRINTED)
def test_each_printed_number_is_cores_rounded_the_articles_way(name):
    exact = getattr(PASSES["course"], name)
    printed = ARTICLE_PRINTED[name]
    assert f"{exact:.{decimals_of(name)}f}" == printed, (name, exact, printed)


def test_the_article_is_quoted_only_for_its_own_numbers():
    course, odd = PASSES["course"], PASSES["odd"]
    assert is_course(course) and not is_course(odd)
    assert article_value("delta1", course) == "0.012" and article_value("delta1", odd) is None
    # Where the article's rounding reads differently from the exact value the page prints.
    differ = {name for name in ARTICLE_PRINTED if article_rounded(name, course)}
    assert differ == {"E", "delta_out", "dv1", "delta1", "delta2", "dw11"}
    assert not any(article_rounded(name, odd) for name in ARTICLE_PRINTED)


@pytest.mark.parametrize("quantity", [q for q in QUIZ if q in ARTICLE_PRINTED])
def test_the_quiz_accepts_the_articles_own_numbers(quantity):
    s = PASSES["course"]
    right, note = quiz_verdict(quantity, float(ARTICLE_PRINTED[quantity]), s, chains_of(s))
    assert right, (quantity, note)


def test_the_article_precision_does_not_excuse_a_wrong_sign_or_a_tiny_value():
    s = PASSES["course"]
    assert not quiz_verdict("delta1", -0.012, s, chains_of(s))[0]
    small = worked_example((0.05, 0.3))  # Δw₁₁ about 0.0003: 0.000 at three decimals
    assert 2e-4 < small.dw11 < 5e-4
    assert not quiz_verdict("dw11", -small.dw11, small, chains_of(small))[0]
    assert not quiz_verdict("dw11", 0.0, small, chains_of(small))[0]


# Every delta and update well above the quiz's absolute tolerance, all of them distinct,
# with both signs (the "odd" pass saturates the hidden neurons: its deltas are tiny).
BIG = worked_example((-1.0, 2.0), ((0.7, -0.4), (0.3, 0.6)), (-1.2, 2.5), 0.0, 0.8)


@pytest.mark.parametrize("s", [PASSES["course"], BIG], ids=["course", "big"])
@pytest.mark.parametrize("quantity", ["delta_out", "delta1", "delta2"])
def test_a_delta_is_never_told_about_the_learning_rate_it_does_not_have(quantity, s):
    assert abs(getattr(s, quantity)) > 10 * QUIZ_ABS_TOL
    exact = getattr(s, quantity)
    for wrong in (exact / s.lr, 2 * exact):  # the student tester's 2 x delta (eta = 0.5)
        right, hint = quiz_verdict(quantity, wrong, s, chains_of(s))
        assert not right and "multiply by η" not in hint, (quantity, wrong, hint)
    assert "has none" in quiz_verdict(quantity, s.lr * exact, s, chains_of(s))[1]


# Each slip written out here from the article's formulas, on the BIG pass, and a word the
# hint must contain.
B = BIG
SLIPS = [
    ("y_hat", B.b, "sum before squashing"),
    ("y_hat", 1.3, "between 0 and 1"),
    ("delta_out", B.y - B.y_hat, "miss (y − ŷ) alone"),
    ("delta_out", -B.delta_out, "sign of the miss"),
    ("delta1", B.delta_out * B.v1, "left out the slope"),
    ("delta1", B.delta2, "hidden neuron 2's blame"),
    ("delta2", -B.delta2, "times the sign of v₂ (positive)"),
    ("dv1", B.delta_out * B.h1, "without the learning rate"),
    ("dv1", B.lr * B.delta_out * B.h2, "uses h₂"),
    ("dv2", -B.dv2, "has the sign of δ_out (negative)"),
    ("dw11", B.delta1 * B.x1, "without the learning rate"),
    ("dw11", B.lr * B.delta1 * B.x2, "first index is the input"),
    ("dw11", B.lr * B.delta2 * B.x1, "second index is the hidden neuron"),
    ("dw21", B.lr * B.delta_out * B.x2, "uses δ_out"),
    ("dw22", -B.dw22, "sign is δ₂'s"),
]


@pytest.mark.parametrize(("quantity", "wrong", "words"), SLIPS)
def test_each_quantity_names_its_own_likely_slip(quantity, wrong, words):
    right, hint = quiz_verdict(quantity, wrong, BIG, chains_of(BIG))
    assert not right and words in hint, (quantity, wrong, hint)


def test_every_number_has_a_name_a_student_reads():
    assert set(NAMES) == set(PASSES["course"].as_dict())
    assert all("_" not in plain or plain == "δ_out" for _, plain in NAMES.values())


def test_predictions_point_to_the_formula_wherever_the_layout_puts_it():
    """On a phone the formula is under the diagram, not beside it (a tester's report)."""
    step = PASSES["course"]
    shown, chains = Shown(step, frozenset()), chains_of(step)
    texts = [p.question(shown) for p in PREDICTIONS.values()]
    wrong = {p.id: p.judge(12345.0, shown, chains).text for p in PREDICTIONS.values() if p.quantity}
    assert all("beside" not in t for t in (*texts, *wrong.values()))
    assert "next to or under the diagram" in wrong["delta_out"]
