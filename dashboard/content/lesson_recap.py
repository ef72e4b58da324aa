"""The lesson's last stop: the article's five key takeaways, each with a live number, and
a self-check of five questions, one per takeaway (keyed by id).

Its numbers come from the cheap measurements only (the course's network, the deeper
network's update sizes, theory), so that a link straight to the last stop opens fast.
"""

from __future__ import annotations

from core.lesson import LR_BOOST
from core.worked_example import WEIGHT_NAMES
from dashboard.content.lesson_deep import deep_words
from dashboard.content.lesson_facts import Facts
from dashboard.content.lesson_model import Choice, Numbers, Question, Stop, Takeaway
from dashboard.content.lesson_words import NOT_HERE, closest
from dashboard.plots.format import fmt, fmt_power

# The chain-rule question's choices: how many local slopes.
COUNTS: dict[str, int] = {"two": 2, "three": 3, "five": 5}


def recap_words(f: Facts) -> Numbers:
    c = f.course
    return {
        **deep_words(f),
        "v1_doubled": fmt(c.doubled_v1.v1),
        "v1_chain_count": str(len(c.chain_v1.factors)),
        "boosted_first": fmt_power(f.deep.boosted_first_log10),
        "boost": fmt(LR_BOOST),
    }


def _who_moves(f: Facts) -> str:
    s = f.course.step
    moved = {n for n in WEIGHT_NAMES if s.update(n) != 0}
    if moved == set(WEIGHT_NAMES):
        return "all"
    return "output_only" if moved == {"v1", "v2"} else "worst_only"


def _change(new: float, old: float, words: tuple[str, str, str]) -> str:
    """words[0] if new > old, words[1] if new < old, words[2] if equal (to 1e-9)."""
    if abs(new - old) <= 1e-9 * max(abs(new), abs(old)):
        return words[2]
    return words[0] if new > old else words[1]


TAKEAWAYS: tuple[Takeaway, ...] = (
    Takeaway(
        "blame",
        "Backpropagation hands the blame for an error back through the network, so that "
        "every weight learns which way to move, and how far.",
        "One update on the article's example lowers the error from {E} to {error_after_one}.",
    ),
    Takeaway(
        "chain_rule",
        "It is the chain rule: multiply the local slopes along a weight's path to the error.",
        "∂E/∂w₁₁ is a product of {chain_count} local slopes, {chain_product}; a finite "
        "difference gives {chain_fd}.",
    ),
    Takeaway(
        "strength",
        "A hidden neuron with a stronger wire to the output gets more of the blame, and the "
        "weights into it bigger updates.",
        "δ₁ = {delta1} is larger than δ₂ = {delta2}, as v₁ = {v1} is larger than v₂ = {v2}.",
    ),
    Takeaway(
        "vanishing",
        "In deep sigmoid networks the blame shrinks layer after layer, until the first "
        "layers hardly learn.",
        "With {deep_depth} sigmoid layers, layer 1's update is {deep_first} of the output layer's.",
    ),
    Takeaway(
        "fixes",
        "ReLU with suitable starting weights, residual connections and batch normalization "
        "change how the blame travels, and deep networks began to learn.",
        "Mean-field theory, per layer: sigmoid with Xavier's weights {sigmoid_xavier}, ReLU "
        "with He's {relu_he}.",
    ),
)

SELF_CHECK: tuple[Question, ...] = (
    Question(
        id="check_blame",
        text="1. After one backward pass on the article's example, which weights change?",
        choices=(
            Choice(
                "output_only",
                "Only v₁ and v₂, the wires next to the error",
                "The blame travels on past the output weights: every hidden weight gets its "
                "share too (Δw₁₁ = {dw11}).",
            ),
            Choice("all", "All six, each by its share of the blame", NOT_HERE),
            Choice(
                "worst_only",
                "Only the one weight most to blame",
                "Every weight that helped make the output gets an update in proportion to "
                "its share; none is left out.",
            ),
        ),
        answer=_who_moves,
        right="Right: all six move, each by the learning rate times its share of the blame.",
    ),
    Question(
        id="check_chain",
        text="2. ∂E/∂v₁ is a product of how many local slopes?",
        choices=(
            Choice(
                "two",
                "Two",
                "Count the links from v₁ to E: v₁ → b, b → ŷ, ŷ → E.",
            ),
            Choice("three", "Three", NOT_HERE),
            Choice(
                "five",
                "Five",
                "Five is w₁₁'s count, whose path also runs through a hidden neuron. v₁'s "
                "path is shorter: v₁ → b → ŷ → E.",
            ),
        ),
        answer=lambda f: closest(
            {k: float(n) for k, n in COUNTS.items()}, len(f.course.chain_v1.factors)
        ),
        right="Right: {v1_chain_count}: ∂E/∂ŷ · ∂ŷ/∂b · ∂b/∂v₁.",
    ),
    Question(
        id="check_strength",
        text="3. Double v₁ (to {v1_doubled}) and keep everything else. What happens to δ₁, "
        "hidden neuron 1's blame?",
        choices=(
            Choice("grows", "It grows", NOT_HERE),
            Choice(
                "shrinks",
                "It shrinks",
                "ŷ gets closer to the target, so δ_out shrinks a little; but δ₁ = δ_out·v₁·σ′(a₁) "
                "gains the full doubling of v₁.",
            ),
            Choice(
                "same",
                "It stays the same: δ₁ depends on neuron 1's own inputs",
                "Blame comes from the output side: δ₁ = δ_out·v₁·σ′(a₁) carries v₁ itself.",
            ),
        ),
        answer=lambda f: _change(
            f.course.doubled_v1.delta1, f.course.step.delta1, ("grows", "shrinks", "same")
        ),
        right="Right: the stronger wire to the output brings neuron 1 more blame.",
    ),
    Question(
        id="check_vanishing",
        text="4. What is the largest slope a sigmoid neuron can have?",
        choices=(
            Choice(
                "value",
                "{sigmoid_at_zero}",
                "{sigmoid_at_zero} is σ(0), the sigmoid's output at 0, not its slope; the "
                "slope there is σ(0)(1 − σ(0)) = {peak}. (The article's {article_power_name} "
                "may come from the same mix-up.)",
            ),
            Choice("slope", "{peak}", NOT_HERE),
            Choice(
                "one",
                "{relu_slope}",
                "{relu_slope} is ReLU's slope for a positive sum; the sigmoid is flatter "
                "everywhere.",
            ),
        ),
        answer=lambda f: closest(
            {
                "value": f.theory.sigmoid_at_zero,
                "slope": f.theory.sigmoid_peak,
                "one": f.theory.relu_slope,
            },
            f.theory.sigmoid_peak,
        ),
        right="Right: {peak}, at a sum of 0, so every sigmoid layer multiplies the blame by "
        "{peak} or less, unless its weights make up for it.",
    ),
    Question(
        id="check_fixes",
        text="5. Make the learning rate {boost} times larger in the {deep_depth}-layer "
        "sigmoid network. Layer 1's update, compared with the output layer's…",
        choices=(
            Choice(
                "closer",
                "catches up: bigger steps help the far layers most",
                "The learning rate multiplies every layer's update alike, so the ratio stays "
                "{deep_first}. Only a change in how the blame travels (ReLU with He's "
                "weights, skip connections) closes the gap.",
            ),
            Choice("same", "stays just as far behind", NOT_HERE),
            Choice(
                "further",
                "falls further behind",
                "The learning rate multiplies every layer's update alike, so the ratio does "
                "not move: {deep_first}.",
            ),
        ),
        answer=lambda f: _change(
            f.deep.boosted_first_log10, f.deep.first_log10, ("closer", "further", "same")
        ),
        right="Right: every update grows {boost} times, so layer 1's is still "
        "{boosted_first} of the output layer's. The learning rate is not a fix for vanishing "
        "gradients.",
    ),
)

TAKEAWAYS_STOP = Stop(
    id="takeaways",
    section="Key Takeaways",
    title="Recap and self-check",
    intro=(
        "The article ends with five takeaways. Here they are in short, each with one of "
        "your numbers, and then five questions to check yourself."
    ),
    numbers=recap_words,
    recap=TAKEAWAYS,
    questions=SELF_CHECK,
    reveal="",
    terms=("initialization", "variance", "sigma_w2", "he", "xavier"),
)
