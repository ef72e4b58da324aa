"""The lesson's stops on the article's small network: from the factory analogy to the key
observation (stops keyed by id; dashboard/content/lesson.py puts them in order).

Every number in these texts is a {name} filled by course_words(facts) from core's
worked example (core.lesson.course_numbers); no number is written here.
"""

from __future__ import annotations

from dashboard.content.lesson_facts import Facts
from dashboard.content.lesson_model import Choice, Picture, Question, Stop
from dashboard.content.lesson_words import (
    NOT_HERE,
    aligned,
    closest,
    course_words,
    sign_word,
    worked,
)
from dashboard.content.worked_example import step_of
from dashboard.plots.format import fmt, latex_factor, latex_number
from dashboard.plots.network import FORWARD, network_figure


# --- answers, each computed from core's numbers ----------------------------------------
def _largest_blame(f: Facts) -> str:
    grads = {n: abs(g) for n, g in f.course.gradients.items()}
    if max(grads.values()) < 2 * min(grads.values()):
        return "equal"
    top = max(grads, key=grads.__getitem__)
    return "output" if top.startswith("v") else "hidden"


# --- pictures -----------------------------------------------------------------------
def _forward_picture(f: Facts) -> Picture:
    s = f.course.step
    return Picture(
        network_figure(s, FORWARD),
        f"The forward pass: a₁ = {fmt(s.a1)}, h₁ = {fmt(s.h1)}, a₂ = {fmt(s.a2)}, "
        f"h₂ = {fmt(s.h2)}, b = {fmt(s.b)}, ŷ = {fmt(s.y_hat)}; target y = {fmt(s.y)}, "
        f"error E = {fmt(s.E)}.",
    )


# --- formulas -----------------------------------------------------------------------
def _hidden_sum(f: Facts) -> tuple[str, ...]:
    s, n, x = f.course.step, latex_number, latex_factor
    return (
        aligned(
            "a_1",
            r"w_{11}\,x_1 + w_{21}\,x_2",
            rf"{x(s.w11)} \cdot {x(s.x1)} + {x(s.w21)} \cdot {x(s.x2)}",
            n(s.a1),
        ),
        aligned(r"h_1", r"\sigma(a_1)", rf"\frac{{1}}{{1 + e^{{-{x(s.a1)}}}}}", n(s.h1)),
    )


def _output_blame(f: Facts) -> tuple[str, ...]:
    c, n, x = f.course, latex_number, latex_factor
    s = c.step
    return (
        aligned(
            r"\delta_{\text{out}}",
            r"(y - \hat y)\,\sigma'(b)",
            rf"({x(s.y)} - {x(s.y_hat)}) \cdot {x(c.slope_b)}",
            n(s.delta_out),
        ),
    )


# --- the stops ----------------------------------------------------------------------
FACTORY = Stop(
    id="factory",
    section="The Factory Analogy",
    title="Who is to blame?",
    intro=(
        "The article opens on an assembly line: worker A prepares the material, worker B "
        "assembles it, and an inspector at the end finds a defect. The inspector asks the "
        "nearest worker first, then traces what is left of the fault back to the one "
        "before. A network does the same with its error E: every weight gets a share of "
        "the blame, starting next to the output.\n\n"
        "The article's network has six weights: w₁₁, w₁₂, w₂₁, w₂₂ between the inputs and "
        "the hidden neurons, and v₁, v₂ between the hidden neurons and the output. Nudge one "
        "of them a tiny bit and the error changes; how much it changes per unit of nudge, "
        "∂E/∂w, is that weight's share of the blame."
    ),
    numbers=course_words,
    questions=(
        Question(
            id="factory_largest_share",
            text="Which weights, nudged a little, change the error E the most?",
            choices=(
                Choice(
                    "hidden",
                    "The hidden weights w: they come first, everything depends on them",
                    "The hidden weights reach the error only through v₁ or v₂ and two "
                    "sigmoid slopes, so their effect arrives scaled down. The inspector asks "
                    "the worker nearest the output first for a reason: that is where the "
                    "blame is largest.",
                ),
                Choice(
                    "output",
                    "The output weights v: they sit next to the error",
                    "",
                ),
                Choice(
                    "equal",
                    "All six about the same: every weight took part",
                    "They all took part, but not equally: the largest share is {spread} times "
                    "the smallest.",
                ),
            ),
            answer=_largest_blame,
            right="Right: the output weights, next to the error, have the largest shares.",
        ),
    ),
    reveal=(
        "How much E changes per unit of nudge: {g_vmin} and {g_vmax} for the two output "
        "weights v, "
        "between {g_wmin} and {g_wmax} for the hidden weights w, each of which reaches the "
        "error only through a v and two sigmoid slopes. Which of the two output weights "
        "gets more, and by how much every weight moves, you work out in the next stops."
    ),
    do="See every update on the worked example, where the backward pass ends.",
    link=worked("Worked example: every update", step=str(step_of("new_weights"))),
)

NETWORK = Stop(
    id="network",
    section="The Network Structure",
    title="Find the weights",
    intro=(
        "Two inputs x₁, x₂, two hidden neurons h₁, h₂ and one output ŷ, joined by wires "
        "that each carry a weight; there are no biases (no extra number added to a neuron's "
        "sum). The article names a weight by the "
        "two ends of its wire: wᵢⱼ runs from input i to hidden neuron j, and vⱼ from hidden "
        "neuron j to the output."
    ),
    numbers=course_words,
    do=(
        "Find the six arrows in the article's network diagram (under “The Network "
        "Structure”) and read each weight's two indices."
    ),
    do_first=True,
    questions=(
        Question(
            id="network_x2_to_h1",
            text="Which weight carries x₂ into h₁?",
            choices=(
                Choice(
                    "w11",
                    "w₁₁",
                    "w₁₁ does end at h₁, but it starts at x₁: the first index is the input.",
                ),
                Choice(
                    "w12",
                    "w₁₂",
                    "w₁₂ runs from x₁ to h₂: the first index names the input, the second the "
                    "hidden neuron.",
                ),
                Choice("w21", "w₂₁", NOT_HERE),
                Choice(
                    "w22",
                    "w₂₂",
                    "w₂₂ starts at x₂ but ends at h₂: the second index is the hidden neuron.",
                ),
            ),
            answer=lambda f: f.course.x2_to_h1,
            right=(
                "Right: {wire} = {wire_value}. First index the input (2), second the hidden "
                "neuron (1)."
            ),
        ),
    ),
    reveal=(
        "So hidden neuron 1 collects a₁ = w₁₁x₁ + w₂₁x₂ and hidden neuron 2 collects "
        "a₂ = w₁₂x₁ + w₂₂x₂. The article's weights: w₁₁ = {w11}, w₂₁ = {w21}, "
        "w₁₂ = {w12}, w₂₂ = {w22}, v₁ = {v1}, v₂ = {v2}."
    ),
    link=worked("Worked example: the six wires", step=str(step_of("start"))),
)

FORWARD_HIDDEN = Stop(
    id="forward_hidden",
    section="Step 1: The Forward Pass (with the numbers of “A Concrete Example”)",
    title="Forward: a hidden neuron adds up",
    intro=(
        "In the forward pass each hidden neuron adds up its inputs, each one multiplied by "
        "the weight on its wire (aⱼ = Σᵢ wᵢⱼxᵢ), then squashes the sum with the sigmoid: "
        "hⱼ = σ(aⱼ). The article's inputs are x₁ = {x1} and x₂ = {x2}; its weights, "
        "given at the previous stop, are w₁₁ = {w11}, w₂₁ = {w21}, w₁₂ = {w12} and "
        "w₂₂ = {w22}."
    ),
    numbers=course_words,
    do="Work out a₁ on paper before you pick.",
    do_first=True,
    questions=(
        Question(
            id="forward_a1",
            text="What is a₁, the sum that hidden neuron 1 collects?",
            choices=(
                Choice(
                    "unweighted",
                    "{a1_unweighted}",
                    "That adds the weights w₁₁ + w₂₁ alone: each weight multiplies the input "
                    "on its wire, w₁₁·x₁ + w₂₁·x₂.",
                ),
                Choice(
                    "swapped",
                    "{a1_swapped}",
                    "That sum used w₁₂, which feeds h₂. a₁ collects the wires that end at h₁: "
                    "w₁₁ from x₁ and w₂₁ from x₂.",
                ),
                Choice("sum", "{a1}", NOT_HERE),
                Choice(
                    "squashed",
                    "{h1}",
                    "That is h₁ = σ(a₁), the sum after the sigmoid has squashed it. a₁ is the "
                    "sum itself.",
                ),
            ),
            answer=lambda f: closest(
                {
                    "unweighted": f.course.a1_unweighted,
                    "swapped": f.course.a1_swapped,
                    "sum": f.course.step.a1,
                    "squashed": f.course.step.h1,
                },
                f.course.step.a1,
            ),
            right="Right: a₁ = {w11}·{x1} + {w21}·{x2} = {a1}.",
        ),
    ),
    reveal=(
        "Then h₁ = σ(a₁) = {h1}: a little above one half, because a₁ is a little above 0. "
        "Hidden neuron 2 gets a₂ = {a2} and h₂ = {h2} the same way."
    ),
    formulas=_hidden_sum,
    link=worked("Worked example: a₁ step by step", step=str(step_of("a1"))),
)

FORWARD_OUTPUT = Stop(
    id="forward_output",
    section="Step 1: The Forward Pass (output and error)",
    title="Forward: the prediction and its error",
    intro=(
        "The output neuron does the same with the hidden outputs: b = v₁h₁ + v₂h₂, then "
        "ŷ = σ(b). The error compares the prediction with the target y: E = ½(y − ŷ)². "
        "Here the target is y = {y}."
    ),
    numbers=course_words,
    questions=(
        Question(
            id="forward_y_hat",
            text="Before computing it: will the prediction ŷ come out above or below the "
            "target y = {y}?",
            choices=(
                Choice(
                    "above",
                    "Above the target",
                    "A sigmoid's output always lies strictly between 0 and 1, so ŷ can come "
                    "close to a target of {y} but never pass it.",
                ),
                Choice("below", "Below the target", NOT_HERE),
                Choice(
                    "equal",
                    "Exactly on it: the network is already right",
                    "The sigmoid only approaches 1 as its input grows without end; it never "
                    "outputs exactly 1, so there is always some error to hand out.",
                ),
            ),
            answer=lambda f: (
                "below"
                if f.course.step.y_hat < f.course.step.y
                else "above"
                if f.course.step.y_hat > f.course.step.y
                else "equal"
            ),
            right="Right: ŷ = {y_hat}, below the target {y}. The network must learn to push it up.",
        ),
    ),
    reveal=(
        "b = {v1}·{h1} + {v2}·{h2} = {b}, so ŷ = σ({b}) = {y_hat} and "
        "E = ½({y} − {y_hat})² = {E}. The diagram shows every number of the forward pass."
    ),
    rounding="The article rounds the error to E ≈ {E_article}; unrounded it is {E}.",
    picture=_forward_picture,
    link=worked("Worked example: the forward pass", step=str(step_of("E"))),
)

OUTPUT_BLAME = Stop(
    id="output_blame",
    section="Step 2: The Backward Pass, Output Layer: Direct Blame",
    title="Backward: blame at the output",
    intro=(
        "Now the error travels back. At the output, the blame combines how wrong the "
        "prediction is with how sensitive the output neuron is: δ_out = (y − ŷ)·σ′(b), "
        "where σ′(b) = σ(b)(1 − σ(b)) is the sigmoid's slope at b."
    ),
    numbers=course_words,
    questions=(
        Question(
            id="output_blame_sign",
            text="Is δ_out positive, negative or zero?",
            choices=(
                Choice(
                    "negative",
                    "Negative: it measures an error",
                    "δ_out carries the sign of (y − ŷ), and here y > ŷ; the slope σ′(b) is "
                    "never negative. A positive δ_out means “make ŷ bigger”.",
                ),
                Choice(
                    "zero",
                    "Zero: the sigmoid's slope is too flat to matter",
                    "σ′(b) is small but not zero: {slope_b}. A sigmoid's slope is at most "
                    "{peak}, at 0, and never exactly 0.",
                ),
                Choice("positive", "Positive", NOT_HERE),
            ),
            answer=lambda f: sign_word(f.course.step.delta_out),
            right="Right: δ_out = {delta_out}, positive because y > ŷ and a sigmoid's slope "
            "is positive.",
        ),
    ),
    reveal=(
        "The article adds its updates, w ← w + Δw, with Δ = η·δ·(the input on the wire): a "
        "positive δ_out pushes ŷ up. Many books write w ← w − η·∂E/∂w instead. It is the "
        "same step: ∂E/∂ŷ = −(y − ŷ) = {error_slope}, so δ already holds the minus sign."
    ),
    rounding="The article prints δ_out ≈ {delta_out_article}; unrounded it is {delta_out}.",
    formulas=_output_blame,
    link=worked("Worked example: δ_out", step=str(step_of("delta_out"))),
)
