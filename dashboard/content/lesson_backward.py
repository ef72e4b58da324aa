"""The lesson's stops on the backward pass of the article's small network: the output
weights' updates, the hidden neurons' blame, the chain rule, the hidden weight's update
and the key observation (stops keyed by id; dashboard/content/lesson.py orders them).

Every number in these texts is a {name} filled by course_words(facts) from core.
"""

from __future__ import annotations

from core.lesson import V2_STRONG
from dashboard.content.lesson_facts import Facts
from dashboard.content.lesson_model import Choice, Link, Picture, Question, Stop
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
from dashboard.plots.network import BACKWARD, network_figure
from dashboard.ui import url_text

FACTORS_PER_LINE = 3  # a product of local slopes breaks after three, to fit a phone


# --- answers, each computed from core's numbers ----------------------------------------
def _larger(first: float, second: float, names: tuple[str, str]) -> str:
    if abs(first - second) <= 1e-12 * max(abs(first), abs(second)):
        return "equal"
    return names[0] if abs(first) > abs(second) else names[1]


def _ratio_side(f: Facts) -> str:
    c = f.course
    if abs(c.single_ratio / c.claim - 1) < 0.01:
        return "exactly"
    return "fewer" if c.single_ratio < c.claim else "more"


# --- pictures and formulas -----------------------------------------------------------
def _strong_picture(f: Facts) -> Picture:
    s = f.course.strong
    return Picture(
        network_figure(s, BACKWARD, {"h1", "h2"}),
        f"The backward pass with v₂ = {fmt(s.v2)}: δ₁ = {fmt(s.delta1)}, "
        f"δ₂ = {fmt(s.delta2)}, δ_out = {fmt(s.delta_out)}.",
    )


def _output_updates(f: Facts) -> tuple[str, ...]:
    s, n, x = f.course.step, latex_number, latex_factor
    return tuple(
        aligned(
            rf"\Delta v_{j}",
            rf"\eta\,\delta_{{\text{{out}}}}\,h_{j}",
            rf"{x(s.lr)} \cdot {x(s.delta_out)} \cdot {x(h)}",
            n(dv),
        )
        for j, h, dv in ((1, s.h1, s.dv1), (2, s.h2, s.dv2))
    )


def _chain(f: Facts) -> tuple[str, ...]:
    chain = f.course.chain_w11
    factors = [rf"{factor.symbol} = {latex_number(factor.value)}" for factor in chain.factors]
    texts = [latex_factor(factor.value) for factor in chain.factors]
    lines = [
        r" \cdot ".join(texts[i : i + FACTORS_PER_LINE])
        for i in range(0, len(texts), FACTORS_PER_LINE)
    ]
    product = r" \\ &\quad \cdot ".join(lines)
    return (
        *factors,
        aligned(r"\frac{\partial E}{\partial w_{11}}", product, latex_number(chain.product)),
    )


def _hidden_update(f: Facts) -> tuple[str, ...]:
    c, n, x = f.course, latex_number, latex_factor
    s = c.step
    return (
        aligned(
            r"\Delta w_{11}",
            r"\eta\,\delta_1\,x_1",
            rf"{x(s.lr)} \cdot {x(s.delta1)} \cdot {x(s.x1)}",
            n(s.dw11),
        ),
        aligned(
            r"\Delta w_{11}",
            r"-\eta\,\frac{\partial E}{\partial w_{11}}",
            rf"-{x(s.lr)} \cdot {x(c.gradients['w11'])}",
            n(s.dw11),
        ),
    )


# --- the stops ----------------------------------------------------------------------
OUTPUT_UPDATES = Stop(
    id="output_updates",
    section="Step 2: The Backward Pass, Output Layer: Direct Blame (updates)",
    title="Backward: the output weights' updates",
    intro=(
        "Each output weight changes by Δvⱼ = η·δ_out·hⱼ: the blame at the output, times "
        "what came in along that wire (hⱼ), times the learning rate η = {lr}."
    ),
    numbers=course_words,
    questions=(
        Question(
            id="output_updates_larger",
            text="Which output weight gets the bigger update?",
            choices=(
                Choice(
                    "v1",
                    "Δv₁: v₁ = {v1} is the stronger wire",
                    "A weight's own size does not enter its update: Δvⱼ = η·δ_out·hⱼ. What "
                    "differs is hⱼ, and h₂ = {h2} is a hair bigger than h₁ = {h1}.",
                ),
                Choice("v2", "Δv₂", NOT_HERE),
                Choice(
                    "equal",
                    "Both the same: they share δ_out",
                    "They share δ_out and η, but not hⱼ: h₁ = {h1} and h₂ = {h2} differ, so "
                    "the updates do too. Rounded to three decimals, as the article prints "
                    "them, they look equal.",
                ),
            ),
            answer=lambda f: _larger(f.course.step.dv1, f.course.step.dv2, ("v1", "v2")),
            right="Right: Δv₂ = {dv2_4} is a little bigger than Δv₁ = {dv1_4}, because h₂ > h₁.",
        ),
    ),
    reveal="Both updates are positive, so both output weights grow and ŷ moves up.",
    rounding=(
        "The article rounds both to {dv1_article}: the difference is below its third "
        "decimal. To four significant digits they are {dv1_4} and {dv2_4}."
    ),
    formulas=_output_updates,
    link=worked("Worked example: Δv₁ and Δv₂", step=str(step_of("dv"))),
)

HIDDEN_BLAME = Stop(
    id="hidden_blame",
    section="Step 2: The Backward Pass, Hidden Layer: Proportional Blame",
    title="Backward: blame for the hidden neurons",
    intro=(
        "A hidden neuron has no target of its own, so it gets a share of δ_out in "
        "proportion to its wire to the output: δⱼ = δ_out·vⱼ·σ′(aⱼ). With the article's "
        "numbers δ₁ = {delta1} and δ₂ = {delta2}: neuron 1 gets more, as v₁ = {v1} > "
        "v₂ = {v2}."
    ),
    numbers=course_words,
    questions=(
        Question(
            id="hidden_blame_strong_v2",
            text="Now make v₂ = {v2_strong}, stronger than v₁ = {v1}, and keep everything "
            "else. Which hidden neuron gets more blame?",
            choices=(
                Choice(
                    "h1",
                    "Hidden neuron 1: nothing about its own wires changed",
                    "Blame is handed out along the wires to the output: δⱼ = δ_out·vⱼ·σ′(aⱼ). "
                    "Raising v₂ raises neuron 2's share (δ_out changes a little too, for "
                    "both).",
                ),
                Choice("h2", "Hidden neuron 2", NOT_HERE),
                Choice(
                    "equal",
                    "Both the same: they share one δ_out",
                    "They share δ_out, but each share is scaled by its own wire vⱼ and its "
                    "own slope σ′(aⱼ).",
                ),
            ),
            answer=lambda f: _larger(f.course.strong.delta1, f.course.strong.delta2, ("h1", "h2")),
            right="Right: with v₂ = {v2_strong}, δ₂ = {s_delta2} overtakes δ₁ = {s_delta1}. "
            "Blame follows the wire to the output.",
        ),
    ),
    reveal=(
        "With v₂ = {v2_strong} the prediction rises to ŷ = {s_y_hat}, so δ_out shrinks to "
        "{s_delta_out}. Then δ₁ = {s_delta_out}·{v1}·{slope_a1} = {s_delta1} and "
        "δ₂ = {s_delta_out}·{v2_strong}·{slope_a2} = {s_delta2}. The slopes σ′(a₁) and "
        "σ′(a₂) stay as they were: the sums a₁, a₂ do not depend on v."
    ),
    rounding=(
        "At the article's v₂ = {v2}, it prints δ₁ ≈ {delta1_article} and "
        "δ₂ ≈ {delta2_article}; unrounded they are {delta1} and {delta2}."
    ),
    picture=_strong_picture,
    link=worked(
        f"Worked example with v₂ = {fmt(V2_STRONG)}",
        v2=url_text(V2_STRONG),
        step=str(step_of("delta2")),
    ),
)

CHAIN_RULE = Stop(
    id="chain_rule",
    section="The Chain Rule: Why It All Works",
    title="The chain rule: multiply the local slopes",
    intro=(
        "How does a weight deep inside, like w₁₁, affect the error? Follow its path to E, "
        "w₁₁ → a₁ → h₁ → b → ŷ → E, and multiply the local slope of every link on the way. "
        "Each link is a local gradient: how much one thing moves the next."
    ),
    numbers=course_words,
    questions=(
        Question(
            id="chain_rule_sign",
            text="Multiply the local slopes along w₁₁'s path. Is ∂E/∂w₁₁ positive or negative?",
            choices=(
                Choice(
                    "positive",
                    "Positive: raising w₁₁ would raise the error",
                    "The sigmoid slopes, v₁ and x₁ are all positive, but the first link is "
                    "not: ∂E/∂ŷ = −(y − ŷ) = {error_slope}, negative because ŷ is below the "
                    "target. One negative factor makes the product negative.",
                ),
                Choice("negative", "Negative: raising w₁₁ would lower the error", NOT_HERE),
                Choice(
                    "zero",
                    "Zero: w₁₁ is too far from the output to matter",
                    "Far from the output means small, not zero: every link scales the blame, "
                    "none cuts it off.",
                ),
            ),
            answer=lambda f: sign_word(f.course.chain_w11.product),
            right="Right: ∂E/∂w₁₁ = {grad_w11}, so raising w₁₁ a little lowers the error. "
            "The update goes the other way from the slope: Δw₁₁ = −η·∂E/∂w₁₁ > 0.",
        ),
    ),
    reveal=(
        "{chain_count} links, {chain_count} local slopes, and their product is "
        "∂E/∂w₁₁ = {chain_product}. A finite difference, which nudges w₁₁ by ±{nudge} and "
        "reruns only the forward pass, gives {chain_fd}: a relative error of {chain_rel}. "
        "(In a bigger network a weight has many paths to the error; the chain rule adds "
        "up one such product per path.)"
    ),
    formulas=_chain,
    link=worked("Worked example: the chain rule", weight="w11"),
    terms=("finite_difference", "relative_error"),
)

HIDDEN_UPDATE = Stop(
    id="hidden_update",
    section="A Concrete Example with Numbers (hidden weight updates)",
    title="The numbers: a hidden weight's update",
    intro=(
        "The article's example ends with the hidden weights: Δwᵢⱼ = η·δⱼ·xᵢ, the blame of "
        "hidden neuron j, times the input on the wire, times the learning rate η = {lr}. "
        "You have every piece: δ₁ = {delta1}, x₁ = {x1}."
    ),
    numbers=course_words,
    questions=(
        Question(
            id="hidden_update_dw11",
            text="What is Δw₁₁?",
            choices=(
                Choice(
                    "no_lr",
                    "{minus_grad_w11}",
                    "That is δ₁·x₁ without the learning rate: multiply by η = {lr}.",
                ),
                Choice("update", "{dw11}", NOT_HERE),
                Choice(
                    "other_input",
                    "{dw21}",
                    "That used x₂ = {x2}, the input on w₂₁'s wire (it is Δw₂₁). w₁₁ starts "
                    "at x₁ = {x1}.",
                ),
                Choice(
                    "sign",
                    "{minus_dw11}",
                    "Right size, wrong sign: δ₁ and x₁ are both positive, so the update is "
                    "positive. It is −η times the slope ∂E/∂w₁₁ = {grad_w11}.",
                ),
            ),
            answer=lambda f: closest(
                {
                    "no_lr": -f.course.gradients["w11"],
                    "update": f.course.step.dw11,
                    "other_input": f.course.step.dw21,
                    "sign": -f.course.step.dw11,
                },
                f.course.step.dw11,
            ),
            right="Right: Δw₁₁ = {lr}·{delta1}·{x1} = {dw11}.",
        ),
    ),
    reveal=(
        "The same number comes out as −η·∂E/∂w₁₁, the chain rule's slope of the previous stop. "
        "All four hidden updates: Δw₁₁ = {dw11}, Δw₂₁ = {dw21}, Δw₁₂ = {dw12}, "
        "Δw₂₂ = {dw22}."
    ),
    rounding="The article prints Δw₁₁ ≈ {dw11_article}; unrounded it is {dw11}.",
    formulas=_hidden_update,
    link=worked("Worked example: the hidden updates", step=str(step_of("dw_into_h1"))),
)

KEY_OBSERVATION = Stop(
    id="key_observation",
    section="The Key Observation",
    title="Updates shrink with distance from the output",
    intro=(
        "The article sets the output weights' update (about {dv1_article}, one layer from "
        "the error) beside the hidden weight's (about {dw11_article}, two layers away) and "
        "concludes that the hidden layer's updates are {claim}× smaller."
    ),
    numbers=course_words,
    questions=(
        Question(
            id="key_observation_ratio",
            text="With the unrounded numbers, how many times smaller is Δw₁₁ than Δv₁?",
            choices=(
                Choice(
                    "exactly",
                    "{claim}×, as the article says",
                    "{claim}× is the article's round number. With its own rounded values, "
                    "{dv1_article} ÷ {dw11_article} = {rounded_ratio}; unrounded it is "
                    "{single_ratio}.",
                ),
                Choice("fewer", "Fewer than {claim}×", NOT_HERE),
                Choice(
                    "more",
                    "More than {claim}×",
                    "For each layer as a whole, yes: the mean |Δv| is {mean_ratio}× the mean "
                    "|Δw|. For these two weights it is {single_ratio}×.",
                ),
            ),
            answer=_ratio_side,
            right="Right: Δv₁ ÷ Δw₁₁ = {dv1} ÷ {dw11} = {single_ratio}, fewer than {claim}.",
        ),
    ),
    reveal=(
        "Averaged over each layer, mean |Δv| ÷ mean |Δw| = {mean_ratio}. So “{claim}× "
        "smaller” is a fair round number for a layer as a whole, not a law for single "
        "weights; the next stop goes deeper."
    ),
    rounding="With the article's rounded numbers the ratio is {rounded_ratio}.",
    link=Link("update_sizes.py", {}, "Update sizes: the course's network"),
)
