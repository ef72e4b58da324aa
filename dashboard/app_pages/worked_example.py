"""Worked example: the course's 2-2-1 network, every number on screen, with your own inputs.

URL keys: x1 x2 y lr w11 w12 w21 w22 v1 v2 (the numbers), step (step-through),
weight (chain rule), quiz (try it yourself), n (training steps).
The step-through's stages, the update rules and the quiz are content, keyed by id, in
dashboard/content/worked_example.py; this page lays them out.
"""

from __future__ import annotations

from dataclasses import dataclass

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
    ChainRule,
    TrainingRun,
    WorkedStep,
    chain_rule,
    train,
    worked_example,
)
from dashboard import ui
from dashboard.content.worked_example import (
    LAST_STEP,
    QUIZ,
    QUIZ_ABS_TOL,
    QUIZ_REL_TOL,
    STEP_LABEL,
    UPDATE_RULES,
    Stage,
    quiz_verdict,
    stage_at,
    step_of,
)
from dashboard.plots.format import fmt, latex_factor, latex_number
from dashboard.plots.network import BACKWARD, error_curve_figure, network_figure
from dashboard.plots.summaries import error_curve_summary, network_summary

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
    """Everything this page shows, from one core call."""

    step: WorkedStep
    chains: dict[str, ChainRule]
    run: TrainingRun | None
    run_error: str | None


@st.cache_data(max_entries=256, show_spinner=False)
def _from_core(
    numbers: tuple[float, ...], n_steps: int
) -> tuple[WorkedStep, dict[str, ChainRule], TrainingRun | None, str | None]:
    """The one core call: the pass, every weight's chain rule, n_steps of training.

    Returns core's own (picklable) types; a class defined in a page script is not.
    """
    x1, x2, y, lr, w11, w12, w21, w22, v1, v2 = numbers
    args = ((x1, x2), ((w11, w12), (w21, w22)), (v1, v2), y, lr)
    step = worked_example(*args)
    chains = {name: chain_rule(step, name) for name in WEIGHT_NAMES}
    try:
        return step, chains, train(n_steps, *args), None
    except Refused as exc:  # weights ran past core's limits during training
        return step, chains, None, str(exc)


def compute(numbers: tuple[float, ...], n_steps: int) -> Lesson:
    return Lesson(*_from_core(numbers, n_steps))


# --- what the buttons do --------------------------------------------------------------
def _go_to_step(index: int) -> None:
    ui.set_values({"step": index})


_TOAST = "_worked_example_toast"


def _jump(index: int) -> None:
    """From the quiz, far below: open that step in the step-through and say where it is."""
    ui.set_values({"step": index})
    st.session_state[_TOAST] = f"Step {index} is now open under “Step by step”, near the top."


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
    """The stage's heading, and Back and Next."""
    st.subheader(f"Step {step_index} of {LAST_STEP}. {stage.title}")
    with st.container(horizontal=True, gap="small"):
        st.button(
            "Back",
            on_click=_go_to_step,
            args=(max(step_index - 1, 0),),
            disabled=step_index == 0,
            icon=":material/chevron_left:",
        )
        st.button(
            "Next",
            on_click=_go_to_step,
            args=(min(step_index + 1, LAST_STEP),),
            disabled=step_index == LAST_STEP,
            icon=":material/chevron_right:",
        )


def diagram_caption(stage: Stage) -> str:
    return ("Orange marks what this step uses. " if stage.highlight else "") + (
        "Each wire's width is proportional to the size of its update."
        if stage.view == BACKWARD
        else "The numbers at the nodes are the neurons' sums and outputs."
    )


def show_stage(stage: Stage, lesson: Lesson) -> None:
    for formula in stage.formulas(lesson.step, lesson.chains):
        st.latex(formula)
    st.markdown(stage.text)


def show_chain_rule(chain: ChainRule) -> None:
    """One weight's gradient as the product of its local factors, beside a finite difference."""
    weight, name = chain.weight, UPDATE_RULES[chain.weight].symbol
    st.markdown(
        f"How much does the error change when **{weight}** changes a little? Follow the "
        "weight's path to the error and multiply the local slope of every link on the way."
    )
    for factor in chain.factors:
        st.latex(rf"{factor.symbol} = {latex_number(factor.value)}")
        st.caption(factor.meaning)
    factor_texts = [latex_factor(f.value) for f in chain.factors]
    # Three factors a line, so the product fits a phone's width.
    lines = [r" \cdot ".join(factor_texts[i : i + 3]) for i in range(0, len(factor_texts), 3)]
    product = r" \\ &\quad \cdot ".join(lines)
    st.latex(
        rf"\begin{{aligned}} \frac{{\partial E}}{{\partial {name}}} &= {product} \\ "
        rf"&= {latex_number(chain.product)} \end{{aligned}}"
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
        st.info(
            f"Both numbers are below {RESOLUTION:g}, the smallest slope a finite difference "
            "can see with its nudge of 0.00001, so their relative error says nothing here. "
            "Almost no blame reaches this weight: an input on its path is zero, or a sigmoid "
            "on its path is saturated (flat), which multiplies the chain by nearly 0.",
            icon=":material/info:",
        )


def show_update_rules(s: WorkedStep, weight: str) -> None:
    """The course's w <- w + eta delta x beside gradient descent's w <- w - eta dE/dw."""
    st.header("Two ways to write the same update")
    rule = UPDATE_RULES[weight]
    name = rule.symbol
    course_col, descent_col = st.columns(2)
    with course_col.container(border=True):
        st.markdown("**The course:** add the update")
        st.latex(rf"{name} \leftarrow {name} + \eta\,{rule.delta}\,{rule.source}")
        st.latex(
            rf"= {latex_factor(s.weight(weight))} + {latex_factor(s.lr)} \cdot "
            rf"{latex_factor(rule.delta_value(s))} \cdot {latex_factor(rule.source_value(s))} "
            rf"= {latex_number(s.updated(weight), 6)}"
        )
    with descent_col.container(border=True):
        st.markdown("**Gradient descent:** step against the slope")
        st.latex(rf"{name} \leftarrow {name} - \eta\,\frac{{\partial E}}{{\partial {name}}}")
        st.latex(
            rf"= {latex_factor(s.weight(weight))} - {latex_factor(s.lr)} \cdot "
            rf"{latex_factor(s.gradient(weight))} = {latex_number(s.updated(weight), 6)}"
        )
    st.markdown(
        "They are the same rule written twice. δ starts from (y − ŷ), and (y − ŷ) is "
        "*minus* the slope of the error, ∂E/∂ŷ = −(y − ŷ). So η·δ·(input) is exactly "
        "−η·∂E/∂w: the course folds the minus sign into δ and adds, gradient descent "
        f"keeps it outside and subtracts. Pick another weight in the chain-rule section "
        f"to compare; both land on {fmt(s.updated(weight), 6)} for {weight}."
    )


def show_quiz(step: WorkedStep, quantity: str) -> None:
    """Ask for one quantity; judge the answer and point to the stage that computes it."""
    question = QUIZ[quantity]
    where = step_of(question.stage)
    exact = getattr(step, quantity)
    st.markdown(
        f"Compute ${question.symbol}$ for the numbers at the top of the page. It counts as "
        f"right when it is within {QUIZ_REL_TOL:.0%} of the exact value (or within "
        f"{QUIZ_ABS_TOL:g}, whichever is larger), so rounding to three digits along "
        "the way is fine."
    )
    answer = st.number_input(
        f"Your value for {question.label}",
        value=None,
        format="%g",
        step=0.001,
        key=f"answer_{quantity}",
        placeholder="e.g. 0.05",
        width=FIELD_WIDTH + 80,
    )
    if answer is not None:
        right, hint = quiz_verdict(answer, exact, step.lr)
        if right:
            st.success(f"Right: {question.label} = {fmt(exact, 6)}.", icon=":material/check:")
        else:
            st.error(f"Not yet. {hint} It is computed in step {where}.", icon=":material/close:")
            st.button(
                f"Show me step {where}",
                on_click=_jump,
                args=(where,),
                icon=":material/arrow_upward:",
                help="Moves the step-through at the top of the page to that step.",
            )
    if st.toggle("Reveal the exact value", key=f"reveal_{quantity}"):
        st.latex(rf"{question.symbol} = {latex_number(exact, 6)}")


def training_buttons(step: WorkedStep, run: TrainingRun | None, n_steps: int) -> None:
    """Put one update, or all n_steps of them, into the fields at the top."""
    st.markdown(
        "Each update makes the network a little less wrong on this one example. Apply one "
        "update to the numbers at the top, or see where many updates lead."
    )
    one_col, all_col = st.columns(2)
    one_col.button(
        "Apply one update to the numbers above",
        on_click=_apply,
        args=(
            {w: step.updated(w) for w in WEIGHT_NAMES},
            "Applied one update to the weights at the top"
            + (
                f": the error went from {fmt(run.errors[0])} to {fmt(run.errors[1])}."
                if run
                else "."
            ),
        ),
        icon=":material/play_arrow:",
        width="stretch",
        disabled=any(step.updated(w) not in VALUE_RANGE for w in WEIGHT_NAMES),
        help="Disabled when a weight would leave the range -10 to 10.",
    )
    if run is not None:
        final = run.final
        all_col.button(
            f"Apply all {n_steps} updates to the numbers above",
            on_click=_apply,
            args=(
                {w: final.weight(w) for w in WEIGHT_NAMES},
                f"Applied {n_steps} updates to the weights at the top: the error went from "
                f"{fmt(run.errors[0])} to {fmt(run.errors[-1])}.",
            ),
            icon=":material/fast_forward:",
            width="stretch",
            disabled=any(final.weight(w) not in VALUE_RANGE for w in WEIGHT_NAMES),
            help="Disabled when a weight would leave the range -10 to 10.",
        )


def training_summary(step: WorkedStep, run: TrainingRun, n_steps: int) -> None:
    """Where n_steps updates led, and the weights after each one."""
    st.markdown(
        f"After {n_steps} updates the error went from {fmt(run.errors[0])} to "
        f"{fmt(run.errors[-1])} and the prediction from {fmt(step.y_hat)} to "
        f"{fmt(run.final.y_hat)} (target {fmt(step.y)})."
    )
    rows = [*run.steps, run.final]
    table = pd.DataFrame(
        [{"updates applied": k, "E": r.E, "ŷ": r.y_hat} | r.as_dict() for k, r in enumerate(rows)]
    )[["updates applied", "E", "ŷ", *WEIGHT_NAMES]]
    st.markdown("**The weights after each update**")
    ui.table(
        table,
        {c: st.column_config.NumberColumn(format="%.6g") for c in table},
        height=360 if len(table) > 9 else None,
    )


def show_unrounded(step: WorkedStep) -> None:
    numbers = step.as_dict()
    ui.table(
        pd.DataFrame({"quantity": list(numbers), "value": list(numbers.values())}),
        {"value": st.column_config.NumberColumn(format="%.15g")},
    )


# --- page: controls ---------------------------------------------------------------------
ui.page_header(
    "Worked example: one network, every number",
    "The course's network with two inputs, two hidden neurons and one output. Change any "
    "number below and everything on the page follows; the formulas show your numbers.",
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
    st.header("Step by step")
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
    st.header("The chain rule for one weight")
    weight = controls.choice(
        "Weight",
        "weight",
        WEIGHT_NAMES,
        "w11",
        help="Which weight's gradient ∂E/∂w to break into its local factors.",
    )
with quiz_box:
    st.header("Try it yourself")
    quantity = controls.choice(
        "Quantity to compute",
        "quiz",
        list(QUIZ),
        "delta_out",
        help="delta = δ, d = Δ: dw12 is Δw₁₂. Work it out on paper from the numbers above, "
        "then type your answer.",
    )
with train_box:
    st.header("Training on this one example")
    n_steps = controls.integer(
        "Updates to run",
        "n",
        DEFAULT_STEPS,
        STEPS_RANGE,
        help="How many rounds of forward pass, backward pass and update to apply.",
        width=FIELD_WIDTH + 40,
    )
    apply_box = st.container()  # the Apply buttons, above the curve
    curve_box = st.container()

# --- the one core call ------------------------------------------------------------------
values = controls.values
lesson = compute(tuple(values[k] for k in COURSE), n_steps)
step, run = lesson.step, lesson.run

# --- figures ----------------------------------------------------------------------------
ui.chart(
    network_figure(step, stage.view, stage.highlight),
    summary=network_summary(step, stage.view),
    config={"displayModeBar": False},
    key="diagram",
    where=picture,
)
picture.caption(diagram_caption(stage))
if run is None:
    curve_box.error(f"Training stopped: {lesson.run_error}", icon=":material/error:")
else:
    ui.chart(
        error_curve_figure(run.errors),
        summary=error_curve_summary(run.errors),
        key="errors",
        where=curve_box,
    )

# --- text -------------------------------------------------------------------------------
with words:
    show_stage(stage, lesson)
with chain_box:
    show_chain_rule(lesson.chains[weight])
with rules_box:
    show_update_rules(step, weight)
with quiz_box:
    show_quiz(step, quantity)
with apply_box:
    training_buttons(step, run, n_steps)
if run is not None:
    with train_box:
        training_summary(step, run, n_steps)
with st.expander("Every number of the current pass, unrounded"):
    show_unrounded(step)

controls.share_box()
