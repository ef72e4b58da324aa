"""Worked example: the course's 2-2-1 network, every number on screen, with your own inputs.

URL keys: x1 x2 y lr w11 w12 w21 w22 v1 v2 (the numbers), step (step-through),
weight (chain rule), quiz (try it yourself), n (training steps); section (a link's
landing, dropped once used: dashboard/landing.py).
The step-through's stages, the update rules and the quiz are content, keyed by id, in
dashboard/content/; what is revealed when, the predictions and the quiz's widgets are in
dashboard/worked_lesson.py, the training section in dashboard/worked_training.py.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import streamlit as st

from core.gradcheck import RESOLUTION
from core.limits import Refused
from core.worked_example import (
    COURSE_LR,
    COURSE_V,
    COURSE_W,
    COURSE_X,
    COURSE_Y,
    WEIGHT_NAMES,
    ChainFactor,
    ChainRule,
    WorkedStep,
    chain_rule,
    train,
    trajectory,
    worked_example,
)
from dashboard import landing, ui, worked_lesson, worked_training
from dashboard.content.worked_example import (
    ANCHORS,
    CHAIN_RULE_ANCHOR,
    LAST_STEP,
    QUIZ,
    QUIZ_ANCHOR,
    RULES_ANCHOR,
    SECTIONS,
    STEP_LABEL,
    STEPS_ANCHOR,
    TRAINING_ANCHOR,
    UPDATE_RULES,
    Stage,
    stage_at,
    step_of,
)
from dashboard.content.worked_numbers import (
    UNKNOWN,
    Shown,
    article_rounded,
    f,
    label,
    n,
    plain,
)
from dashboard.plots.format import fmt
from dashboard.plots.network import BACKWARD, network_figure
from dashboard.plots.summaries import network_summary

# --- what the controls allow ----------------------------------------------------------
# Far narrower than core's limits: beyond +-10 the sigmoids are flat and nothing is
# left to see.
VALUE_RANGE = ui.Allowed(-10.0, 10.0)
TARGET_RANGE = ui.Allowed(0.0, 1.0)  # a sigmoid output can only approach 0..1
LR_RANGE = ui.Allowed(0.0, 10.0, lo_open=True)
STEPS_RANGE = ui.Allowed(1, 2000, integer=True)
DEFAULT_STEPS = 20
FIELD_WIDTH = 138  # pixels: two fields side by side on a phone
# The course's numbers, by URL key.
COURSE: dict[str, float] = {
    "x1": COURSE_X[0],
    "x2": COURSE_X[1],
    "y": COURSE_Y,
    "lr": COURSE_LR,
    "w11": COURSE_W[0][0],
    "w12": COURSE_W[0][1],
    "w21": COURSE_W[1][0],
    "w22": COURSE_W[1][1],
    "v1": COURSE_V[0],
    "v2": COURSE_V[1],
}
LABELS: dict[str, str] = {
    "x1": "x₁ (input 1)",
    "x2": "x₂ (input 2)",
    "y": "y (target)",
    "lr": "η (learning rate)",
    "w11": "w₁₁ (x₁ → h₁)",
    "w12": "w₁₂ (x₁ → h₂)",
    "w21": "w₂₁ (x₂ → h₁)",
    "w22": "w₂₂ (x₂ → h₂)",
    "v1": "v₁ (h₁ → ŷ)",
    "v2": "v₂ (h₂ → ŷ)",
}


@dataclass(frozen=True)
class Lesson:
    """Everything this page shows, from one core call. table: the training run, one row
    per update (worked_training.frame), or None with run_error saying why."""

    step: WorkedStep
    chains: dict[str, ChainRule]
    table: pd.DataFrame | None
    run_error: str | None


@st.cache_data(max_entries=256, show_spinner=False)
def _from_core(
    numbers: tuple[float, ...], n_steps: int
) -> tuple[WorkedStep, dict[str, ChainRule], np.ndarray | None, str | None]:
    """The one core call: the pass, every weight's chain rule, n_steps of training.

    Returns core's own (picklable) types, and the run as one compact array: the cache
    unpickles what it returns on every rerun, and 2,000 WorkedSteps took 12 ms.
    """
    x1, x2, y, lr, w11, w12, w21, w22, v1, v2 = numbers
    args = ((x1, x2), ((w11, w12), (w21, w22)), (v1, v2), y, lr)
    step = worked_example(*args)
    chains = {name: chain_rule(step, name) for name in WEIGHT_NAMES}
    try:
        return step, chains, trajectory(train(n_steps, *args)), None
    except Refused as exc:  # weights ran past core's limits during training
        return step, chains, None, str(exc)


def compute(numbers: tuple[float, ...], n_steps: int) -> Lesson:
    step, chains, rows, error = _from_core(numbers, n_steps)
    return Lesson(step, chains, None if rows is None else worked_training.frame(rows), error)


# --- what the buttons do --------------------------------------------------------------
def _go_to_step(index: int) -> None:
    ui.set_values({"step": index})


_TOAST = "_worked_example_toast"


def _jump(index: int) -> None:
    """From the quiz, far below: open that step in the step-through, go there, say so."""
    ui.set_values({"step": index})
    landing.request(STEPS_ANCHOR)
    st.session_state[_TOAST] = (
        f"Step {index} is now open: work it out there, then back to “Try it yourself”."
    )


def _apply(weights: dict[str, float], message: str) -> None:
    """Put trained weights into the fields at the top and say so (the button may be far
    down the page, out of sight of the fields)."""
    ui.set_values(weights)
    st.session_state[_TOAST] = message


# --- the page's parts, each written where the caller's `with` puts it ----------------
def number_fields(controls: ui.Controls) -> None:
    """The ten numbers of the network, and a way back to the course's."""
    # Horizontal containers wrap: a group a row on a laptop, two fields a row on a phone.
    for group in (("x1", "x2", "y", "lr"), WEIGHT_NAMES[:4], WEIGHT_NAMES[4:]):
        row = st.container(horizontal=True, gap="small")
        for key in group:
            allowed = {"y": TARGET_RANGE, "lr": LR_RANGE}.get(key, VALUE_RANGE)
            controls.number(LABELS[key], key, COURSE[key], allowed, where=row, width=FIELD_WIDTH)
    st.caption(
        "Index convention: **wᵢⱼ is the weight from input i to hidden neuron j**, so "
        "a₁ = w₁₁x₁ + w₂₁x₂ and a₂ = w₁₂x₁ + w₂₂x₂; vⱼ connects hidden neuron j to the output."
    )
    st.button(
        "Back to the course's numbers",
        on_click=ui.set_values,
        args=(COURSE,),
        icon=":material/restart_alt:",
    )


def step_navigation(step_index: int, stage: Stage) -> None:
    """The stage's heading, and Back and Next (keyed, so that a button keeps the keyboard
    focus while the page redraws around it: Enter, Enter, ... walks the steps)."""
    # No anchor link on this heading: the keyboard goes slider, Back, Next, prediction.
    st.subheader(f"Step {step_index} of {LAST_STEP}. {stage.title}", anchor=False)
    with st.container(horizontal=True, gap="small"):
        st.button(
            "Back",
            key="step_back",
            on_click=_go_to_step,
            args=(max(step_index - 1, 0),),
            disabled=step_index == 0,
            icon=":material/chevron_left:",
        )
        st.button(
            "Next",
            key=worked_lesson.NEXT_KEY,
            on_click=_go_to_step,
            args=(min(step_index + 1, LAST_STEP),),
            disabled=step_index == LAST_STEP,
            icon=":material/chevron_right:",
        )


def diagram_caption(stage: Stage) -> str:
    return (
        ("Orange marks what this step uses. " if stage.highlight else "")
        + (
            "Each wire's width is proportional to the size of its update."
            if stage.view == BACKWARD
            else "The numbers at the nodes are the neurons' sums and outputs."
        )
        + " A ? is a number still to come, or one to predict first."
    )


def show_stage(stage: Stage, shown: Shown, chains: dict[str, ChainRule], quiz: str) -> None:
    """The stage's formulas and text; once its numbers are shown, the article's rounding
    of them and the sentences about them."""
    for formula in stage.formulas(shown, chains):
        st.latex(formula)
    st.markdown(stage.text)
    step, hidden = shown.step, shown.hidden
    if any(name in hidden for name in stage.computes):
        if quiz in stage.computes and quiz in hidden:
            st.caption(
                f"{label(quiz)} stays ? while “Try it yourself” below asks for it: answer "
                "it there, or turn on “Reveal the exact value”."
            )
        return
    for name in stage.computes:
        if printed := article_rounded(name, step):
            exact = fmt(getattr(step, name))
            st.caption(f"The article prints {label(name)} ≈ {printed}; exactly, it is {exact}.")
    for remark in stage.remarks(step):
        st.markdown(remark)


def _factor_hidden(factor: ChainFactor, hidden: frozenset[str]) -> bool:
    """Is this chain-rule factor a number the student has not been shown? The error's
    slope −(y − ŷ) gives ŷ away; the sigmoid slopes and the hidden outputs are numbers of
    the walk. The weights v and the inputs x are given."""
    symbol = factor.symbol
    if symbol.startswith(r"\frac{\partial E}{\partial \hat y}"):
        return "y_hat" in hidden
    names = {r"\sigma'(b)": "slope_b", r"\sigma'(a_1)": "slope_a1", r"\sigma'(a_2)": "slope_a2"}
    names |= {"h_1": "h1", "h_2": "h2"}
    return any(symbol.endswith("= " + ours) and name in hidden for ours, name in names.items())


def show_chain_rule(chain: ChainRule, hidden: frozenset[str], step_index: int) -> None:
    """One weight's gradient as the product of its local factors, beside a finite difference."""
    weight, name = label(chain.weight), UPDATE_RULES[chain.weight].symbol
    st.markdown(
        f"How much does the error change when **{weight}** changes a little? That rate is "
        f"written ∂E/∂{weight}, read “the slope of E with respect to {weight}”; the curly "
        "∂ says that every other weight is held still. The chain rule finds it: follow the "
        "weight's path to the error and multiply the local slope of every link on the way "
        "(the article's local gradients)."
    )
    values = [UNKNOWN if _factor_hidden(x, hidden) else x.value for x in chain.factors]
    for factor, value in zip(chain.factors, values, strict=True):
        st.latex(rf"{factor.symbol} = {n(value)}")
        st.caption(factor.meaning)
    secret = "grad_" + chain.weight in hidden or any(v is UNKNOWN for v in values)
    factor_texts = [f(v) for v in values]
    # Three factors a line, so the product fits a phone's width.
    lines = [r" \cdot ".join(factor_texts[i : i + 3]) for i in range(0, len(factor_texts), 3)]
    product = r" \\ &\quad \cdot ".join(lines)
    st.latex(
        rf"\begin{{aligned}} \frac{{\partial E}}{{\partial {name}}} &= {product} \\ "
        rf"&= {n(UNKNOWN if secret else chain.product)} \end{{aligned}}"
    )
    if secret:
        st.caption(
            "A ? is a number the step-through above has not reached yet, or one that a "
            "prediction or “Try it yourself” is asking you for right now."
        )
        if step_index < LAST_STEP:
            st.button(
                "Go to the last step: every number shown",
                key="chain_all",
                on_click=_go_to_step,
                args=(LAST_STEP,),
                icon=":material/last_page:",
                help="Moves the step-through above to its last step, which shows every number.",
            )
        return
    chain_check(chain)


def chain_check(chain: ChainRule) -> None:
    """The product beside a finite difference, and what their agreement means."""
    st.markdown(
        "A check that needs no calculus: nudge the weight up and down by 0.00001, rerun the "
        "forward pass, and divide the change in E by the change in the weight. That estimate "
        "is called a *finite difference*. The *relative error* says how far apart the two "
        "answers are, as a fraction of their size: 1e-9 means they agree to about nine digits."
    )
    a, b, c = st.columns(3)
    a.metric("Chain rule (product)", fmt(chain.product, 6))
    b.metric(
        "Finite difference",
        fmt(chain.finite_difference, 6),
        help="Nudge the weight up and down by 0.00001, rerun the forward pass, divide the "
        "change in E by the nudge: no calculus, only the forward pass.",
    )
    c.metric(
        "Relative error",
        fmt(chain.relative_error, 2),
        help="|product − finite difference| / (|product| + |finite difference|).",
    )
    if max(abs(chain.product), abs(chain.finite_difference)) < RESOLUTION:
        smallest = min(chain.factors, key=lambda x: abs(x.value))
        st.info(
            f"Both numbers are below {RESOLUTION:g}, the smallest slope a finite difference "
            "can see with its nudge of 0.00001, so their relative error says nothing here. "
            f"Almost no blame reaches this weight: its smallest factor is "
            f"${smallest.symbol} = {n(smallest.value)}$. {_why_tiny(smallest)}",
            icon=":material/info:",
        )


def _why_tiny(factor: ChainFactor) -> str:
    """Why a chain-rule factor can be almost zero, in words."""
    if "\\sigma'" in factor.symbol:
        return (
            "That sigmoid is *saturated*: its sum is so far from 0 that its output is stuck "
            "near 0 or 1, where the curve is flat, so its slope is almost 0."
        )
    if factor.symbol.startswith(r"\frac{\partial E}{\partial \hat y}"):
        return "The prediction is (almost) exactly the target: there is hardly any miss."
    return "A number on the weight's path is (almost) zero."


def show_update_rules(shown: Shown, weight: str) -> None:
    """The course's w <- w + eta delta x beside gradient descent's w <- w - eta dE/dw."""
    st.header(SECTIONS[RULES_ANCHOR], anchor=RULES_ANCHOR)
    rule = UPDATE_RULES[weight]
    name, s = rule.symbol, shown
    st.markdown(
        "Textbooks usually write the update as *gradient descent*: take the slope of the "
        "error with respect to the weight, ∂E/∂w (as in the chain rule above), and step the "
        "other way, downhill, by η times it."
    )
    course_col, descent_col = st.columns(2)
    with course_col.container(border=True):
        st.markdown("**The course:** add the update")
        st.latex(rf"{name} \leftarrow {name} + \eta\,{rule.delta}\,{rule.source}")
        st.latex(
            rf"= {f(s.weight(weight))} + {f(s.lr)} \cdot "
            rf"{f(rule.delta_value(s))} \cdot {f(rule.source_value(s))} "
            rf"= {n(s.updated(weight), 6)}"
        )
    with descent_col.container(border=True):
        st.markdown("**Gradient descent:** step against the slope")
        st.latex(rf"{name} \leftarrow {name} - \eta\,\frac{{\partial E}}{{\partial {name}}}")
        st.latex(
            rf"= {f(s.weight(weight))} - {f(s.lr)} \cdot "
            rf"{f(s.gradient(weight))} = {n(s.updated(weight), 6)}"
        )
    st.markdown(
        "They are the same rule written twice. δ starts from (y − ŷ), and (y − ŷ) is "
        "*minus* the slope of the error, ∂E/∂ŷ = −(y − ŷ). So η·δ·(input) is exactly "
        "−η·∂E/∂w: the course folds the minus sign into δ and adds, gradient descent "
        "keeps it outside and subtracts. Pick another weight in the chain-rule section "
        "to compare; "
        + (
            f"both land on the same new {label(weight)}, still a ? here."
            if s.updated(weight) is UNKNOWN
            else f"both land on {plain(s.updated(weight), 6)} for {label(weight)}."
        )
    )


def show_unrounded(step: WorkedStep, hidden: frozenset[str]) -> None:
    numbers = step.as_dict()
    ui.table(
        pd.DataFrame(
            {
                "quantity": [label(k) for k in numbers],
                "value": ["?" if k in hidden else f"{v:.15g}" for k, v in numbers.items()],
            }
        )
    )


# --- page: controls ---------------------------------------------------------------------
ui.page_header(
    "Worked example: one network, every number",
    "The course's network with two inputs, two hidden neurons and one output. Change any "
    "number below and everything on the page follows; the formulas show your numbers.",
)
st.markdown(
    "On this page: " + " · ".join(f"[{title}](#{anchor})" for anchor, title in SECTIONS.items())
)
controls = ui.Controls()
if _TOAST in st.session_state:
    st.toast(st.session_state.pop(_TOAST), icon=":material/check_circle:")
numbers_box = st.container(border=True)
walk_box = st.container()
chain_box = st.container()
rules_box = st.container()
quiz_box = st.container()
train_box = st.container()

with numbers_box:
    number_fields(controls)
with walk_box:
    st.header(SECTIONS[STEPS_ANCHOR], anchor=STEPS_ANCHOR)
    step_index = controls.slider(
        STEP_LABEL,
        "step",
        step_of("start"),
        0,
        LAST_STEP,
        help="Each step adds one computation and lights up the parts of the network it uses.",
    )
    stage = stage_at(step_index)
    step_navigation(step_index, stage)
    picture, words = st.columns([3, 2])
with chain_box:
    st.header(SECTIONS[CHAIN_RULE_ANCHOR], anchor=CHAIN_RULE_ANCHOR)
    weight = controls.choice(
        "Weight",
        "weight",
        WEIGHT_NAMES,
        "w11",
        labels={w: label(w) for w in WEIGHT_NAMES},
        help="Which weight to follow back to the error.",
    )
with quiz_box:
    st.header(SECTIONS[QUIZ_ANCHOR], anchor=QUIZ_ANCHOR)
    quantity = controls.choice(
        "Quantity to compute",
        "quiz",
        list(QUIZ),
        "delta_out",
        labels={q: question.label for q, question in QUIZ.items()},
        help="Work it out on paper from the numbers above, then type your answer.",
    )
with train_box:
    st.header(SECTIONS[TRAINING_ANCHOR], anchor=TRAINING_ANCHOR)
    n_steps = controls.integer(
        "Updates to run",
        "n",
        DEFAULT_STEPS,
        STEPS_RANGE,
        help="How many rounds of forward pass, backward pass and update to apply.",
        width=FIELD_WIDTH + 40,
    )
    apply_box = st.container()  # the Apply buttons, above the curve

# --- the one core call ------------------------------------------------------------------
values = controls.values
numbers = tuple(values[k] for k in COURSE)
lesson = compute(numbers, n_steps)
step = lesson.step
# One number at a time, on the whole page: what the walk has not reached, what the
# current step's prediction waits for and what the quiz asks for read "?".
hidden = worked_lesson.hidden(step_index, quantity, step, lesson.chains, numbers)
shown = Shown(step, hidden)

# --- figures ----------------------------------------------------------------------------
ui.chart(
    network_figure(step, stage.view, stage.highlight, worked_lesson.EVERY_NUMBER - hidden),
    summary=network_summary(step, stage.view, worked_lesson.EVERY_NUMBER - hidden),
    config={"displayModeBar": False},
    key="diagram",
    where=picture,
)
picture.caption(diagram_caption(stage))

# --- text -------------------------------------------------------------------------------
with words:
    show_stage(stage, shown, lesson.chains, quantity)
    # The prediction's own answer is what its feedback reveals.
    asked = Shown(step, hidden - worked_lesson.waiting(stage, numbers))
    worked_lesson.ask(stage, asked, lesson.chains, numbers)
with chain_box:
    show_chain_rule(lesson.chains[weight], hidden, step_index)
with rules_box:
    show_update_rules(shown, weight)
with quiz_box:
    worked_lesson.show_quiz(step, lesson.chains, quantity, numbers, step_index, _jump)
with apply_box:
    worked_training.buttons(step, lesson.table, _apply, VALUE_RANGE, shown)
with train_box:
    if lesson.table is None:
        st.error(f"Training stopped: {lesson.run_error}", icon=":material/error:")
    else:
        worked_training.summary(lesson.table, shown, step.y, controls)
with st.expander("Every number of the current pass, unrounded"):
    show_unrounded(step, hidden)

controls.share_box()
landing.land(ANCHORS)
