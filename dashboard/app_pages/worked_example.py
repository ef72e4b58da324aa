"""Worked example: the course's 2-2-1 network, every number on screen, with your own inputs.

URL keys: x1 x2 y lr w11 w12 w21 w22 v1 v2 (the numbers), step (step-through),
weight (chain rule), quiz (try it yourself), n (training steps).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from core.gradcheck import RESOLUTION
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
from dashboard.plots.format import fmt, latex_factor, latex_number
from dashboard.plots.network import BACKWARD, FORWARD, error_curve_figure, network_figure

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
LATEX_NAMES: dict[str, str] = {
    "w11": "w_{11}",
    "w12": "w_{12}",
    "w21": "w_{21}",
    "w22": "w_{22}",
    "v1": "v_1",
    "v2": "v_2",
}
# Try it yourself: quantity -> (how it is written, the step that computes it).
QUIZ: dict[str, tuple[str, int]] = {
    "delta_out": (r"\delta_{\text{out}}", 8),
    "dv1": (r"\Delta v_1", 9),
    "dv2": (r"\Delta v_2", 9),
    "delta1": (r"\delta_1", 10),
    "delta2": (r"\delta_2", 11),
    "dw11": (r"\Delta w_{11}", 12),
    "dw21": (r"\Delta w_{21}", 12),
    "dw12": (r"\Delta w_{12}", 13),
    "dw22": (r"\Delta w_{22}", 13),
}
QUIZ_LABELS: dict[str, str] = {
    "delta_out": "δ_out",
    "dv1": "Δv₁",
    "dv2": "Δv₂",
    "delta1": "δ₁",
    "delta2": "δ₂",
    "dw11": "Δw₁₁",
    "dw21": "Δw₂₁",
    "dw12": "Δw₁₂",
    "dw22": "Δw₂₂",
}
QUIZ_REL_TOL = 0.02
QUIZ_ABS_TOL = 1e-4


@dataclass(frozen=True)
class Lesson:
    """Everything this page shows, from one core call."""

    step: WorkedStep
    chains: dict[str, ChainRule]
    run: TrainingRun | None
    run_error: str | None


@dataclass(frozen=True)
class Stage:
    """One step of the step-through."""

    title: str
    view: str
    highlight: frozenset[str]
    formulas: tuple[str, ...]
    text: str


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
    except ValueError as exc:  # weights ran past core's limits during training
        return step, chains, None, str(exc)


def compute(numbers: tuple[float, ...], n_steps: int) -> Lesson:
    return Lesson(*_from_core(numbers, n_steps))


def derive(lhs: str, *rhs: str) -> str:
    """lhs = rhs[0] = rhs[1] = ..., one '=' per line (narrow enough for a phone)."""
    lines = r" \\ &= ".join(rhs)
    return rf"\begin{{aligned}} {lhs} &= {lines} \end{{aligned}}"


def stages(s: WorkedStep, chains: Mapping[str, ChainRule]) -> list[Stage]:
    """The step-through: forward a1 .. E, then backward delta_out .. the w updates."""
    n, f = latex_number, latex_factor
    dsig_b = chains["v1"].factors[1].value
    dsig_a1 = chains["w11"].factors[3].value
    dsig_a2 = chains["w12"].factors[3].value
    fw, bw = FORWARD, BACKWARD
    d_out = r"\delta_{\text{out}}"
    new_weights = (
        r"\begin{aligned} "
        + r" \\ ".join(
            rf"{LATEX_NAMES[w]} &\leftarrow {f(s.weight(w))} + {f(s.update(w))} "
            rf"= {n(s.updated(w), 6)}"
            for w in WEIGHT_NAMES
        )
        + r" \end{aligned}",
    )
    return [
        Stage(
            "The network and its numbers",
            fw,
            frozenset(),
            (r"\sigma(z) = \frac{1}{1 + e^{-z}}", r"\sigma'(z) = \sigma(z)\,(1 - \sigma(z))"),
            "Two inputs feed two hidden neurons, and both hidden neurons feed one output "
            "neuron. Each neuron adds up what arrives, every signal scaled by the weight on "
            "its wire, and squashes the sum with the sigmoid σ. Press Next (or move the "
            "slider) to fill in the numbers one at a time.",
        ),
        Stage(
            "Forward: hidden neuron 1 adds up its inputs",
            fw,
            frozenset({"x1", "x2", "w11", "w21", "h1"}),
            (
                derive(
                    "a_1",
                    r"w_{11} x_1 + w_{21} x_2",
                    rf"{f(s.w11)} \cdot {f(s.x1)} + {f(s.w21)} \cdot {f(s.x2)}",
                    n(s.a1),
                ),
            ),
            "Each input travels along its own wire; the weight on the wire says how much of "
            "it arrives. Hidden neuron 1 receives w₁₁ from input 1 and w₂₁ from input 2.",
        ),
        Stage(
            "Forward: hidden neuron 1 squashes the sum",
            fw,
            frozenset({"h1"}),
            (derive("h_1", r"\sigma(a_1)", rf"\frac{{1}}{{1 + e^{{-{f(s.a1)}}}}}", n(s.h1)),),
            "The sigmoid turns any sum into a number between 0 and 1: that is the neuron's "
            "output h₁.",
        ),
        Stage(
            "Forward: hidden neuron 2 adds up its inputs",
            fw,
            frozenset({"x1", "x2", "w12", "w22", "h2"}),
            (
                derive(
                    "a_2",
                    r"w_{12} x_1 + w_{22} x_2",
                    rf"{f(s.w12)} \cdot {f(s.x1)} + {f(s.w22)} \cdot {f(s.x2)}",
                    n(s.a2),
                ),
            ),
            "Same recipe, other wires: w₁₂ brings input 1 and w₂₂ brings input 2.",
        ),
        Stage(
            "Forward: hidden neuron 2 squashes the sum",
            fw,
            frozenset({"h2"}),
            (derive("h_2", r"\sigma(a_2)", rf"\frac{{1}}{{1 + e^{{-{f(s.a2)}}}}}", n(s.h2)),),
            "Hidden neuron 2's output h₂, again between 0 and 1.",
        ),
        Stage(
            "Forward: the output neuron adds up the hidden outputs",
            fw,
            frozenset({"h1", "h2", "v1", "v2", "out"}),
            (
                derive(
                    "b",
                    r"v_1 h_1 + v_2 h_2",
                    rf"{f(s.v1)} \cdot {f(s.h1)} + {f(s.v2)} \cdot {f(s.h2)}",
                    n(s.b),
                ),
            ),
            "The output neuron treats the hidden outputs exactly as the hidden neurons "
            "treated the inputs.",
        ),
        Stage(
            "Forward: the prediction",
            fw,
            frozenset({"out"}),
            (derive(r"\hat y", r"\sigma(b)", rf"\frac{{1}}{{1 + e^{{-{f(s.b)}}}}}", n(s.y_hat)),),
            "This is the network's answer, ŷ.",
        ),
        Stage(
            "Forward: how wrong is it?",
            fw,
            frozenset({"out"}),
            (
                derive(
                    "E",
                    r"\tfrac12 (y - \hat y)^2",
                    rf"\tfrac12 ({f(s.y)} - {f(s.y_hat)})^2",
                    n(s.E),
                ),
            ),
            "The error is half the squared miss between the target y and the prediction. "
            "Squaring makes every miss count as positive; the half only tidies up the "
            "derivative.",
        ),
        Stage(
            "Backward: blame at the output",
            bw,
            frozenset({"out"}),
            (
                derive(
                    d_out,
                    r"(y - \hat y)\,\sigma'(b)",
                    r"(y - \hat y)\,\hat y\,(1 - \hat y)",
                    rf"({f(s.y)} - {f(s.y_hat)}) \cdot {f(dsig_b)}",
                    n(s.delta_out),
                ),
            ),
            "Now run the network backwards. The output neuron's share of the blame is the "
            "miss (y − ŷ) times how strongly its sum b moves ŷ, the slope σ'(b). Its sign "
            "says which way the output should move.",
        ),
        Stage(
            "Backward: updates for the output weights",
            bw,
            frozenset({"out", "v1", "v2", "h1", "h2"}),
            (
                derive(
                    r"\Delta v_1",
                    rf"\eta\,{d_out}\,h_1",
                    rf"{f(s.lr)} \cdot {f(s.delta_out)} \cdot {f(s.h1)}",
                    n(s.dv1),
                ),
                derive(
                    r"\Delta v_2",
                    rf"\eta\,{d_out}\,h_2",
                    rf"{f(s.lr)} \cdot {f(s.delta_out)} \cdot {f(s.h2)}",
                    n(s.dv2),
                ),
            ),
            "A weight is blamed in proportion to the signal that travelled along it: the "
            "output's blame times the hidden output on that wire, scaled by the learning "
            "rate η.",
        ),
        Stage(
            "Backward: blame for hidden neuron 1",
            bw,
            frozenset({"out", "v1", "h1"}),
            (
                derive(
                    r"\delta_1",
                    rf"{d_out}\,v_1\,\sigma'(a_1)",
                    rf"{d_out}\,v_1\,h_1 (1 - h_1)",
                    rf"{f(s.delta_out)} \cdot {f(s.v1)} \cdot {f(dsig_a1)}",
                    n(s.delta1),
                ),
            ),
            "The blame flows back along the wire v₁ that carried hidden neuron 1's output, "
            "and is scaled once more by that neuron's own slope σ'(a₁).",
        ),
        Stage(
            "Backward: blame for hidden neuron 2",
            bw,
            frozenset({"out", "v2", "h2"}),
            (
                derive(
                    r"\delta_2",
                    rf"{d_out}\,v_2\,\sigma'(a_2)",
                    rf"{d_out}\,v_2\,h_2 (1 - h_2)",
                    rf"{f(s.delta_out)} \cdot {f(s.v2)} \cdot {f(dsig_a2)}",
                    n(s.delta2),
                ),
            ),
            "Compare with δ₁: the neuron wired to the output by the larger weight takes the "
            "larger share, unless its slope is much flatter. A sigmoid's slope is never more "
            "than 0.25, so every hidden layer shrinks the blame it passes on.",
        ),
        Stage(
            "Backward: updates for the weights into hidden neuron 1",
            bw,
            frozenset({"h1", "w11", "w21", "x1", "x2"}),
            (
                derive(
                    r"\Delta w_{11}",
                    r"\eta\,\delta_1\,x_1",
                    rf"{f(s.lr)} \cdot {f(s.delta1)} \cdot {f(s.x1)}",
                    n(s.dw11),
                ),
                derive(
                    r"\Delta w_{21}",
                    r"\eta\,\delta_1\,x_2",
                    rf"{f(s.lr)} \cdot {f(s.delta1)} \cdot {f(s.x2)}",
                    n(s.dw21),
                ),
            ),
            "Same rule one layer further back: the blame of the neuron a wire feeds, times "
            "the input that travelled along it, times η.",
        ),
        Stage(
            "Backward: updates for the weights into hidden neuron 2",
            bw,
            frozenset({"h2", "w12", "w22", "x1", "x2"}),
            (
                derive(
                    r"\Delta w_{12}",
                    r"\eta\,\delta_2\,x_1",
                    rf"{f(s.lr)} \cdot {f(s.delta2)} \cdot {f(s.x1)}",
                    n(s.dw12),
                ),
                derive(
                    r"\Delta w_{22}",
                    r"\eta\,\delta_2\,x_2",
                    rf"{f(s.lr)} \cdot {f(s.delta2)} \cdot {f(s.x2)}",
                    n(s.dw22),
                ),
            ),
            "Compare the widths of the wires in the picture: the updates near the input "
            "are smaller than those near the output.",
        ),
        Stage(
            "All together: add every update",
            bw,
            frozenset(),
            new_weights,
            "The course adds each update to its weight, w ← w + Δw. These are the weights "
            "for the next round; the training section below repeats the round many times.",
        ),
    ]


def quiz_verdict(answer: float, exact: float, lr: float) -> tuple[bool, str]:
    """(right?, what to check) for a typed answer; tolerance QUIZ_REL_TOL or QUIZ_ABS_TOL."""

    def close(a: float, b: float) -> bool:
        return abs(a - b) <= max(QUIZ_REL_TOL * abs(b), QUIZ_ABS_TOL)

    if close(answer, exact):
        return True, ""
    if close(answer, -exact):
        return False, "The size is right but the sign is not: δ carries the sign of (y − ŷ)."
    if close(answer, exact / lr):
        return False, "That is the value without the learning rate: multiply by η."
    return False, "Redo that step with the numbers shown above it."


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


# --- page ---------------------------------------------------------------------------
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

with walk_box:
    st.header("Step by step")
    step_index = controls.slider(
        "Step (0 = overview, 1–7 forward, 8–14 backward)",
        "step",
        0,
        0,
        14,
        help="Each step adds one computation and lights up the parts of the network it uses.",
    )
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

values = controls.values
lesson = compute(tuple(values[k] for k in COURSE), n_steps)
step = lesson.step
chain = lesson.chains[weight]
stage_list = stages(step, lesson.chains)
stage = stage_list[step_index]

with walk_box:
    st.subheader(f"Step {step_index} of {len(stage_list) - 1}. {stage.title}")
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
            args=(min(step_index + 1, len(stage_list) - 1),),
            disabled=step_index == len(stage_list) - 1,
            icon=":material/chevron_right:",
        )
    picture, words = st.columns([3, 2])
    picture.plotly_chart(
        network_figure(step, stage.view, stage.highlight),
        width="stretch",
        config={"displayModeBar": False},
        key="diagram",
    )
    picture.caption(
        ("Orange marks what this step uses. " if stage.highlight else "")
        + (
            "Each wire's width is proportional to the size of its update."
            if stage.view == BACKWARD
            else "The numbers at the nodes are the neurons' sums and outputs."
        )
    )
    with words:
        for formula in stage.formulas:
            st.latex(formula)
        st.markdown(stage.text)

with chain_box:
    name = LATEX_NAMES[weight]
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

with rules_box:
    st.header("Two ways to write the same update")
    s = step
    if weight.startswith("v"):
        delta, source = r"\delta_{\text{out}}", f"h_{weight[1]}"
        delta_value, source_value = s.delta_out, (s.h1 if weight == "v1" else s.h2)
    else:
        delta, source = rf"\delta_{weight[2]}", f"x_{weight[1]}"
        delta_value = s.delta1 if weight[2] == "1" else s.delta2
        source_value = s.x1 if weight[1] == "1" else s.x2
    course_col, descent_col = st.columns(2)
    with course_col.container(border=True):
        st.markdown("**The course:** add the update")
        st.latex(rf"{name} \leftarrow {name} + \eta\,{delta}\,{source}")
        st.latex(
            rf"= {latex_factor(s.weight(weight))} + {latex_factor(s.lr)} \cdot "
            rf"{latex_factor(delta_value)} \cdot {latex_factor(source_value)} "
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

with quiz_box:
    symbol, where = QUIZ[quantity]
    exact = getattr(step, quantity)
    st.markdown(
        f"Compute ${symbol}$ for the numbers at the top of the page. It counts as right "
        f"when it is within {QUIZ_REL_TOL:.0%} of the exact value (or within "
        f"{QUIZ_ABS_TOL:g}, whichever is larger), so rounding to three digits along "
        "the way is fine."
    )
    answer = st.number_input(
        f"Your value for {QUIZ_LABELS[quantity]}",
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
            st.success(
                f"Right: {QUIZ_LABELS[quantity]} = {fmt(exact, 6)}.", icon=":material/check:"
            )
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
        st.latex(rf"{symbol} = {latex_number(exact, 6)}")

with train_box:
    st.markdown(
        "Each update makes the network a little less wrong on this one example. Apply one "
        "update to the numbers at the top, or see where many updates lead."
    )
    run = lesson.run
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
    if run is None:
        st.error(f"Training stopped: {lesson.run_error}", icon=":material/error:")
    else:
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
        st.plotly_chart(error_curve_figure(run.errors), width="stretch", key="errors")
        st.markdown(
            f"After {n_steps} updates the error went from {fmt(run.errors[0])} to "
            f"{fmt(run.errors[-1])} and the prediction from {fmt(step.y_hat)} to "
            f"{fmt(final.y_hat)} (target {fmt(step.y)})."
        )
        rows = [*run.steps, final]
        table = pd.DataFrame(
            [
                {"updates applied": k, "E": r.E, "ŷ": r.y_hat} | r.as_dict()
                for k, r in enumerate(rows)
            ]
        )[["updates applied", "E", "ŷ", *WEIGHT_NAMES]]
        st.markdown("**The weights after each update**")
        ui.table(
            table,
            {c: st.column_config.NumberColumn(format="%.6g") for c in table},
            height=360 if len(table) > 9 else None,
        )

with st.expander("Every number of the current pass, unrounded"):
    ui.table(
        pd.DataFrame({"quantity": list(step.as_dict()), "value": list(step.as_dict().values())}),
        {"value": st.column_config.NumberColumn(format="%.15g")},
    )

controls.share_box()
