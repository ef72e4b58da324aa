"""The predictions of the step-through: at the steps that matter, the student commits to a
number, a sign or a comparison before the page shows it, and the answer comes with
feedback that names the likely mistake (shared/LESSON.md, "wrong answer to expect").

Keyed by the id of the stage that asks (one prediction per stage at most). A prediction
hides what it asks about until it is answered: hides holds WorkedStep fields and the
names of content.worked_numbers.Shown ("slope_b", ...). Questions and feedback read the
pass through a Shown, so a number hidden elsewhere (the quiz's) stays hidden in them too;
answers are judged on the exact numbers (shown.step). No Streamlit here.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from core.worked_example import ChainRule, WorkedStep
from dashboard.content.worked_example import sigmoid_slope
from dashboard.content.worked_feedback import diagnose, sign_rule
from dashboard.content.worked_numbers import (
    Shown,
    article_value,
    decimals_of,
    label,
    matches,
    plain,
    within_tolerance,
)
from dashboard.plots.format import fmt, fmt_signed, parse

SKIPPED = "skipped"  # the answer of a student who asked to see the number straight away
COMPARE = "Compare your working with the formula for this step, next to or under the diagram."


@dataclass(frozen=True)
class Feedback:
    """right: None when the student skipped the prediction. text: Markdown."""

    right: bool | None
    text: str


@dataclass(frozen=True)
class Prediction:
    """One question asked before a reveal.

    quantity: the WorkedStep field a number prediction asks for (None: a choice).
    choices: (id, what the student reads) for a choice; empty for a number.
    judge: (answer, pass, chain rules) -> the feedback, the number revealed in it.
    """

    id: str
    question: Callable[[Shown], str]
    hides: tuple[str, ...]
    judge: Callable[[object, Shown, Mapping[str, ChainRule]], Feedback]
    quantity: str | None = None
    choices: tuple[tuple[str, str], ...] = ()


def _article_note(name: str, s: WorkedStep) -> str:
    printed = article_value(name, s)
    if printed is None or float(printed) == parse(fmt(getattr(s, name))):
        return ""
    return f" The article rounds it to {printed}."


def _judge_number(quantity: str) -> Callable[[object, Shown, Mapping], Feedback]:
    def judge(answer: object, shown_pass: Shown, chains: Mapping[str, ChainRule]) -> Feedback:
        s = shown_pass.step
        exact = getattr(s, quantity)
        shown = f"{label(quantity)} = {fmt(exact)}.{_article_note(quantity, s)}"
        if answer == SKIPPED:
            return Feedback(None, shown)
        value = float(answer)
        if matches(value, exact, decimals_of(quantity)):
            close = "" if within_tolerance(value, exact) else " (at the article's precision)"
            return Feedback(True, f"Right{close}: {shown}")
        hint = diagnose(quantity, value, s, chains) or COMPARE
        return Feedback(False, f"Not quite: {shown} You said {fmt(value)}. {hint}")

    return judge


def _grows(value: float) -> str:
    return "grow" if value > 0 else ("shrink" if value < 0 else "same")


def _judge_update_sign(answer: object, shown_pass: Shown, chains: Mapping) -> Feedback:
    s = shown_pass.step
    way = {"grow": "grows", "shrink": "shrinks", "same": "stays the same"}[_grows(s.dv1)]
    shown = f"Δv₁ = {fmt_signed(s.dv1)}, so v₁ {way}."
    if answer == SKIPPED:
        return Feedback(None, shown)
    if answer == _grows(s.dv1):
        return Feedback(True, f"Right: {shown} {sign_rule('dv1', s)}")
    return Feedback(False, f"Not quite: {shown} {sign_rule('dv1', s)}")


def _bigger(s: WorkedStep) -> str:
    """Which hidden neuron takes the larger share of the blame: "1", "2" or "same"."""
    one, two = abs(s.delta1), abs(s.delta2)
    if math.isclose(one, two, rel_tol=1e-9, abs_tol=1e-300):
        return "same"
    return "1" if one > two else "2"


def _why_bigger(s: WorkedStep, chains: Mapping[str, ChainRule]) -> str:
    """What decided it: the weights to the output, the slopes, or both (no delta in it)."""
    win = _bigger(s)
    if win == "same":
        return "δ_out · v · σ′(a) comes out the same for both neurons."
    lose = "2" if win == "1" else "1"
    v_win, v_lose = abs(getattr(s, f"v{win}")), abs(getattr(s, f"v{lose}"))
    slope_win, slope_lose = (sigmoid_slope(chains, f"a_{k}") for k in (win, lose))
    weights = f"|{label('v' + win)}| = {fmt(v_win)} against {fmt(v_lose)}"
    slopes = f"σ′({label('a' + win)}) = {fmt(slope_win)} against {fmt(slope_lose)}"
    if v_win > v_lose and slope_win > slope_lose:
        return f"Its weight to the output ({weights}) and its slope ({slopes}) are both larger."
    if v_win > v_lose:
        return (
            f"Its connection to the output is stronger ({weights}), which outweighs its "
            f"flatter slope ({slopes})."
        )
    return (
        f"Its slope is steeper ({slopes}), which outweighs its weaker connection to the "
        f"output ({weights})."
    )


def _judge_bigger(answer: object, shown_pass: Shown, chains: Mapping[str, ChainRule]) -> Feedback:
    s = shown_pass.step
    win = _bigger(s)
    who = "Both take the same share" if win == "same" else f"Hidden neuron {win} takes more"
    shown = f"δ₂ = {fmt(s.delta2)} against δ₁ = {plain(shown_pass.delta1)}. {who}."
    if answer == SKIPPED:
        return Feedback(None, f"{shown} {_why_bigger(s, chains)}")
    if answer == win:
        return Feedback(True, f"Right: {shown} {_why_bigger(s, chains)}")
    if answer in ("1", "2") and getattr(s, f"h{answer}") > getattr(s, f"h{3 - int(answer)}"):
        hint = (
            f"Hidden neuron {answer} has the larger output h, but blame does not follow h: "
            "δⱼ = δ_out · vⱼ · σ′(aⱼ), the weight to the output and the neuron's slope."
        )
        return Feedback(False, f"Not quite: {shown} {hint} {_why_bigger(s, chains)}")
    return Feedback(
        False,
        f"Not quite: {shown} δ_out is the same for both, so the weights v and the slopes "
        f"σ′(a) decide. {_why_bigger(s, chains)}",
    )


PREDICTIONS: dict[str, Prediction] = {
    "y_hat": Prediction(
        "y_hat",
        lambda s: (
            f"**Predict first.** b = {plain(s.b)}. What will the network's answer ŷ = σ(b) be? "
            "Three decimals are plenty."
        ),
        hides=("y_hat",),
        judge=_judge_number("y_hat"),
        quantity="y_hat",
    ),
    "delta_out": Prediction(
        "delta_out",
        lambda s: (
            f"**Predict first.** With y = {fmt(s.y)} and ŷ = {plain(s.y_hat)}, what is δ_out? "
            "(The recipe is next to or under the diagram; work out the slope yourself.)"
        ),
        hides=("delta_out", "slope_b"),
        judge=_judge_number("delta_out"),
        quantity="delta_out",
    ),
    "dv": Prediction(
        "update_sign",
        lambda s: (
            "**Predict first.** The course updates v₁ ← v₁ + Δv₁ with Δv₁ = η · δ_out · h₁. "
            "Will v₁ grow or shrink?"
        ),
        hides=("dv1", "dv2"),
        judge=_judge_update_sign,
        choices=(("grow", "v₁ grows"), ("shrink", "v₁ shrinks"), ("same", "v₁ stays the same")),
    ),
    "delta2": Prediction(
        "bigger_blame",
        lambda s: (
            f"**Predict first.** δ₁ = {plain(s.delta1)}. Which hidden neuron takes the larger "
            "share of the blame (the larger δ in size)?"
        ),
        hides=("delta2", "slope_a2"),
        judge=_judge_bigger,
        choices=(("1", "hidden neuron 1"), ("2", "hidden neuron 2"), ("same", "the same")),
    ),
    "dw_into_h1": Prediction(
        "dw11",
        lambda s: "**Predict first.** What will the update Δw₁₁ be?",
        hides=("dw11", "dw21"),
        judge=_judge_number("dw11"),
        quantity="dw11",
    ),
}
