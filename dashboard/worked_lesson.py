"""The worked example as a lesson: which numbers the student has been shown, the
predictions asked before a reveal, and the quiz ("Try it yourself") with what it hides.

A number appears at the step that computes it (the step is in the URL, key `step`); at
a step with a prediction it waits until the student has answered or asked to see it.
Answers are kept per session (st.session_state), never in the URL, and per set of
numbers: a prediction made for other numbers is asked again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

import streamlit as st

from core.worked_example import ChainRule, WorkedStep
from dashboard import landing, ui
from dashboard.content.worked_example import QUIZ, STAGES, Stage, step_of
from dashboard.content.worked_feedback import quiz_verdict
from dashboard.content.worked_numbers import (
    ARTICLE_DECIMALS,
    QUIZ_REL_TOL,
    Shown,
    article_value,
)
from dashboard.content.worked_predictions import PREDICTIONS, SKIPPED, Prediction
from dashboard.plots.format import fmt, latex_number

_ANSWERS = "_worked_predictions"  # (prediction id, the numbers) -> the student's answer
NEXT_KEY = "step_next"  # the step-through's Next button
GUESS_WIDTH = 218  # pixels: a number field beside nothing else, narrow enough for a phone

Numbers = tuple[float, ...]


def answer(prediction: Prediction, numbers: Numbers) -> object | None:
    """The student's answer to a prediction for these numbers (SKIPPED if they asked to
    see the number straight away), or None."""
    return st.session_state.get(_ANSWERS, {}).get((prediction.id, numbers))


def _record(prediction_id: str, numbers: Numbers, value: object) -> None:
    st.session_state.setdefault(_ANSWERS, {})[(prediction_id, numbers)] = value
    # The question's buttons go away with it: the keyboard goes on from Next.
    landing.focus(NEXT_KEY)


def _record_typed(prediction_id: str, numbers: Numbers, key: str) -> None:
    typed = st.session_state.get(key)
    if typed is not None:  # an empty field checks nothing: the question stays
        _record(prediction_id, numbers, float(typed))


# Numbers a stage shows besides what it computes: the slope it works out, and for an
# update the weight after it and the weight's slope ∂E/∂w (either gives the update away).
_SLOPE_OF = {"delta_out": "slope_b", "delta1": "slope_a1", "delta2": "slope_a2"}


def _with_giveaways(names: Iterable[str]) -> frozenset[str]:
    """names, and what gives each away in one step: an update's weight after it and its
    slope ∂E/∂w; the slope a delta's step works out."""
    out = set(names)
    for name in names:
        if name in _SLOPE_OF:
            out.add(_SLOPE_OF[name])
        elif name.startswith("d") and not name.startswith("delta"):  # dv1 ... dw22
            weight = name.removeprefix("d")
            out |= {"new_" + weight, "grad_" + weight}
    return frozenset(out)


def _shows(stage: Stage) -> frozenset[str]:
    return _with_giveaways(stage.computes)


EVERY_NUMBER = frozenset().union(*(_shows(s) for s in STAGES))


def reached(step_index: int) -> frozenset[str]:
    """Every number the stages up to step_index show: what the walk has reached."""
    return frozenset().union(*(_shows(s) for s in STAGES[: step_index + 1]))


def hidden(
    step_index: int,
    quantity: str,
    step: WorkedStep,
    chains: Mapping[str, ChainRule],
    numbers: Numbers,
) -> frozenset[str]:
    """What the page shows as ? everywhere: what the walk has not reached yet, what the
    current step's prediction is waiting for, and what the quiz asks for."""
    return (
        (EVERY_NUMBER - reached(step_index))
        | waiting(STAGES[step_index], numbers)
        | quiz_hides(quantity, step, chains, numbers, step_index)
    )


def waiting(stage: Stage, numbers: Numbers) -> frozenset[str]:
    """What the stage's prediction keeps hidden until it is answered (else nothing)."""
    prediction = PREDICTIONS.get(stage.id)
    if prediction is None or answer(prediction, numbers) is not None:
        return frozenset()
    return _with_giveaways(prediction.hides)


def predicted(quantity: str, numbers: Numbers) -> bool:
    """Has the student answered a prediction that reveals this number (these numbers)?"""
    return any(quantity in p.hides and answer(p, numbers) is not None for p in PREDICTIONS.values())


def ask(stage: Stage, shown: Shown, chains: Mapping[str, ChainRule], numbers: Numbers) -> None:
    """The stage's prediction: the question until it is answered, then the feedback."""
    prediction = PREDICTIONS.get(stage.id)
    if prediction is None:
        return
    given = answer(prediction, numbers)
    if given is None:
        _question(prediction, shown, numbers)
        return
    feedback = prediction.judge(given, shown, chains)
    if feedback.right:
        st.success(feedback.text, icon=":material/check:")
    elif feedback.right is None:
        st.info(feedback.text, icon=":material/visibility:")
    else:
        st.info(feedback.text, icon=":material/lightbulb:")


def _question(prediction: Prediction, shown: Shown, numbers: Numbers) -> None:
    """A number field and a Check button (Enter checks too), or one button per choice;
    and a way to skip. Each is a button or a field: Tab reaches it, Enter presses it."""
    if prediction.quantity:
        with st.form(f"predict_{prediction.id}", border=True):
            st.markdown(prediction.question(shown))
            key = f"guess_{prediction.id}"
            st.number_input(
                "Your prediction",
                value=None,
                format="%g",
                step=0.001,
                key=key,
                placeholder="type a number",
                width=GUESS_WIDTH,
            )
            st.form_submit_button(
                "Check my prediction",
                on_click=_record_typed,
                args=(prediction.id, numbers, key),
                icon=":material/check:",
            )
    else:
        with st.container(border=True):
            st.markdown(prediction.question(shown))
            with st.container(horizontal=True, gap="small"):
                for choice, text in prediction.choices:
                    st.button(
                        text,
                        key=f"choose_{prediction.id}_{choice}",
                        on_click=_record,
                        args=(prediction.id, numbers, choice),
                    )
    st.button(
        "Just show me the number",
        key=f"skip_{prediction.id}",
        on_click=_record,
        args=(prediction.id, numbers, SKIPPED),
        type="tertiary",
        icon=":material/visibility:",
    )


# --- try it yourself ---------------------------------------------------------------------
def _answer_key(quantity: str) -> str:
    return f"answer_{quantity}"


def _reveal_key(quantity: str) -> str:
    return f"reveal_{quantity}"


def quiz_hides(
    quantity: str,
    step: WorkedStep,
    chains: Mapping[str, ChainRule],
    numbers: Numbers,
    step_index: int,
) -> frozenset[str]:
    """What the quiz keeps hidden at the step that computes its quantity, until it is
    answered right, revealed, or seen in a prediction: the number and what gives it away
    in one step (for an update, the weight after it and its slope ∂E/∂w).

    Only there: before that step the walk hides the number anyway, and after it the
    number is an input of what the steps show (δ_out of every later delta), so hiding
    it would leave those formulas unreadable. The quiz offers a way back instead."""
    if step_index != step_of(QUIZ[quantity].stage):
        return frozenset()
    typed = st.session_state.get(_answer_key(quantity))
    if (
        st.session_state.get(_reveal_key(quantity))
        or predicted(quantity, numbers)
        or (typed is not None and quiz_verdict(quantity, typed, step, chains)[0])
    ):
        return frozenset()
    return _with_giveaways((quantity,)) - {_SLOPE_OF.get(quantity)}


def _where_it_shows(quantity: str, step_index: int, numbers: Numbers) -> None:
    """Where the step-through stands against the quiz's number, and a way to work it
    out unseen when the walk has gone past it."""
    question = QUIZ[quantity]
    where = step_of(question.stage)
    if predicted(quantity, numbers):
        st.caption(
            f"You have seen {question.label} in step {where} already: change a number at "
            "the top for a fresh try."
        )
    elif step_index < where:
        st.caption(f"The step-through above reaches {question.label} at step {where}.")
    elif step_index == where:
        st.caption(
            f"The step-through is at step {where}, where {question.label} stays ? until "
            "you answer here."
        )
    else:
        st.caption(f"The step-through above shows {question.label} from step {where} on.")
        st.button(
            f"Hide it: back to step {where - 1}",
            key="quiz_hide",
            on_click=ui.set_values,
            args=({"step": where - 1},),
            icon=":material/visibility_off:",
            help="Moves the step-through back to the step before the one that computes it.",
        )


def show_quiz(
    step: WorkedStep,
    chains: Mapping[str, ChainRule],
    quantity: str,
    numbers: Numbers,
    step_index: int,
    on_jump: Callable[[int], None],
) -> None:
    """Ask for one quantity; judge the answer and point to the stage that computes it."""
    question = QUIZ[quantity]
    where = step_of(question.stage)
    exact = getattr(step, quantity)
    st.markdown(
        f"Compute ${question.symbol}$ for the numbers at the top of the page. It counts as "
        f"right when it matches the exact value to {ARTICLE_DECIMALS} decimals, the way "
        f"the article rounds, or is within {QUIZ_REL_TOL:.0%} of it: rounding along the way "
        "is fine."
    )
    _where_it_shows(quantity, step_index, numbers)
    answer_given = st.number_input(
        f"Your value for {question.label}",
        value=None,
        format="%g",
        step=0.001,
        key=_answer_key(quantity),
        placeholder="e.g. 0.05",
        width=GUESS_WIDTH,
    )
    if answer_given is not None:
        right, hint = quiz_verdict(quantity, answer_given, step, chains)
        if right:
            printed = article_value(quantity, step)
            rounded = f" The article rounded this to {printed}." if printed else ""
            st.success(
                f"Right: {question.label} = {fmt(exact, 6)}.{rounded} {hint}".rstrip(),
                icon=":material/check:",
            )
        else:
            st.error(f"Not yet. {hint} It is computed in step {where}.", icon=":material/close:")
            st.button(
                f"Show me step {where}",
                on_click=on_jump,
                args=(where,),
                icon=":material/arrow_upward:",
                help="Opens that step in the step-through at the top of the page, and goes there.",
            )
    if st.toggle("Reveal the exact value", key=_reveal_key(quantity)):
        st.latex(rf"{question.symbol} = {latex_number(exact, 6)}")
