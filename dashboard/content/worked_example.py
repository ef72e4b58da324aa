"""The worked example's step-through, update rules and quiz as data keyed by stable ids.

A stage's id names what it computes ("a1", "delta_out", "dv", ...) and is never renamed.
Its position in STAGES is the number the page's URL carries (step=N); every such number
is derived here with step_of(id), never written down elsewhere.
tests/test_worked_example_urls.py pins the stage each step=N in use opens: a new stage
goes at the end, or old links open the wrong stage.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from core.worked_example import WEIGHT_NAMES, ChainRule, WorkedStep
from dashboard.content.worked_numbers import (
    D_OUT,
    NAMES,
    UNKNOWN,
    Shown,
    Unknown,
    f,
    label,
    n,
    sum_line,
)
from dashboard.plots.format import fmt
from dashboard.plots.network import BACKWARD, FORWARD

# A stage belongs to one part of the walk. FORWARD and BACKWARD are also the views of
# plots.network_figure, which is what the stages of each part show.
OVERVIEW = "overview"
PARTS = (OVERVIEW, FORWARD, BACKWARD)


# A stage's LaTeX for one pass (a WorkedStep, or a Shown with some numbers hidden); the
# chain rules give the sigmoid slopes (sigmoid_slope).
Formulas = Callable[[WorkedStep | Shown, Mapping[str, ChainRule]], tuple[str, ...]]
# Sentences that hold only for some numbers, chosen by comparing core's numbers.
Remarks = Callable[[WorkedStep], tuple[str, ...]]


def _no_remarks(s: WorkedStep) -> tuple[str, ...]:
    return ()


@dataclass(frozen=True)
class Stage:
    """One stage of the step-through.

    highlight: the diagram's nodes and edges the stage uses (plots.network_figure's names).
    formulas: its LaTeX, one derivation per entry, with the numbers of the pass.
    text: what the stage explains, true for any numbers.
    computes: the WorkedStep fields it computes: the numbers it reveals.
    remarks: sentences about this pass's numbers (shown once its numbers are).
    """

    id: str
    title: str
    part: str
    highlight: frozenset[str]
    formulas: Formulas
    text: str
    computes: tuple[str, ...] = ()
    remarks: Remarks = _no_remarks

    @property
    def view(self) -> str:
        """The diagram's view: the overview shows the network's forward numbers."""
        return BACKWARD if self.part == BACKWARD else FORWARD


@dataclass(frozen=True)
class UpdateRule:
    """Δweight = η · delta · source: whose blame a weight takes, and the signal it carried.

    symbol, delta, source: LaTeX; delta_of, source_of: the WorkedStep fields with their values.
    """

    symbol: str
    delta: str
    delta_of: str
    source: str
    source_of: str

    def delta_value(self, step: WorkedStep | Shown) -> float:
        return getattr(step, self.delta_of)

    def source_value(self, step: WorkedStep | Shown) -> float:
        return getattr(step, self.source_of)


# By weight name: w_ij feeds hidden neuron j from input i; v_j feeds the output from h_j.
UPDATE_RULES: dict[str, UpdateRule] = {
    "w11": UpdateRule("w_{11}", r"\delta_1", "delta1", "x_1", "x1"),
    "w12": UpdateRule("w_{12}", r"\delta_2", "delta2", "x_1", "x1"),
    "w21": UpdateRule("w_{21}", r"\delta_1", "delta1", "x_2", "x2"),
    "w22": UpdateRule("w_{22}", r"\delta_2", "delta2", "x_2", "x2"),
    "v1": UpdateRule("v_1", D_OUT, "delta_out", "h_1", "h1"),
    "v2": UpdateRule("v_2", D_OUT, "delta_out", "h_2", "h2"),
}


def derive(lhs: str, *rhs: str) -> str:
    """lhs = rhs[0] = rhs[1] = ..., one '=' per line (narrow enough for a phone)."""
    lines = r" \\ &= ".join(rhs)
    return rf"\begin{{aligned}} {lhs} &= {lines} \end{{aligned}}"


def sigmoid_slope(chains: Mapping[str, ChainRule], at: str) -> float:
    """σ'(at) for at in "b", "a_1", "a_2", as core's chain rules computed it.

    Found by the name core gives the factor (its symbol ends in "= \\sigma'(at)"), so that
    no caller counts its way through a chain's factors.
    """
    name = rf"\sigma'({at})"
    for chain in chains.values():
        for factor in chain.factors:
            if factor.symbol.endswith("= " + name):
                return factor.value
    raise LookupError(f"no chain rule has a factor {name}")


def _slope(s: WorkedStep | Shown, chains: Mapping[str, ChainRule], at: str) -> float | Unknown:
    """sigmoid_slope, or UNKNOWN while the student is still to work it out."""
    hidden = "slope_" + at.replace("_", "") in getattr(s, "hidden", ())
    return UNKNOWN if hidden else sigmoid_slope(chains, at)


def _sum(*terms: tuple[float, float]) -> str:
    """weight · input + ..., with the pass's numbers."""
    return " + ".join(rf"{f(weight)} \cdot {f(signal)}" for weight, signal in terms)


def _squash(lhs: str, of: str, value: float, result: float | Unknown) -> str:
    return derive(lhs, rf"\sigma({of})", rf"\frac{{1}}{{1 + e^{{-{f(value)}}}}}", n(result))


def update_formula(s: WorkedStep | Shown, weight: str) -> str:
    """Δweight = η · delta · source, with the pass's numbers."""
    rule = UPDATE_RULES[weight]
    return derive(
        rf"\Delta {rule.symbol}",
        rf"\eta\,{rule.delta}\,{rule.source}",
        rf"{f(s.lr)} \cdot {f(rule.delta_value(s))} \cdot {f(rule.source_value(s))}",
        n(s.update(weight)),
    )


def new_weights_formula(s: WorkedStep | Shown) -> str:
    """Every weight with its update added: the weights of the next round."""
    rows = (
        rf"{UPDATE_RULES[w].symbol} &\leftarrow {sum_line(s.weight(w), s.update(w), s.updated(w))}"
        for w in WEIGHT_NAMES
    )
    return r"\begin{aligned} " + r" \\ ".join(rows) + r" \end{aligned}"


def _hidden_delta(s: WorkedStep | Shown, c: Mapping[str, ChainRule], j: int) -> str:
    v, h, a = f"v_{j}", f"h_{j}", f"a_{j}"
    return derive(
        rf"\delta_{j}",
        rf"{D_OUT}\,{v}\,\sigma'({a})",
        rf"{D_OUT}\,{v}\,{h} (1 - {h})",
        rf"{f(s.delta_out)} \cdot {f(getattr(s, f'v{j}'))} \cdot {f(_slope(s, c, a))}",
        n(getattr(s, f"delta{j}")),
    )


def _blame_shrinks(s: WorkedStep) -> tuple[str, ...]:
    """Whether each hidden delta came out smaller than delta_out (it does unless a weight
    v makes up for the slope, which is never above 0.25)."""
    grown = [j for j in (1, 2) if abs(getattr(s, f"delta{j}")) > abs(s.delta_out)]
    if not grown:
        return (
            f"Both hidden deltas are smaller than δ_out = {fmt(s.delta_out)}: a sigmoid's "
            "slope is never above 0.25, so unless a weight v is larger than 4 in size, the "
            "blame shrinks on its way back through a layer.",
        )
    j = grown[0]
    v = label(f"v{j}")
    return (
        f"Here δ{'₁₂'[j - 1]} is larger than δ_out = {fmt(s.delta_out)} in size: the weight "
        f"{v} = {fmt(getattr(s, f'v{j}'))} is large enough to make up for the slope, which "
        "is never above 0.25.",
    )


def _near_input_vs_output(s: WorkedStep) -> tuple[str, ...]:
    """How the updates into the hidden layer compare with those out of it, for this pass."""
    size = {w: abs(s.update(w)) for w in WEIGHT_NAMES}
    largest_in = max(WEIGHT_NAMES[:4], key=size.__getitem__)
    smallest_out = min(WEIGHT_NAMES[4:], key=size.__getitem__)
    pair = (
        f"|Δ{label(largest_in)}| = {fmt(size[largest_in])}, |Δ{label(smallest_out)}| = "
        f"{fmt(size[smallest_out])}"
    )
    if size[largest_in] < size[smallest_out]:
        return (
            "Compare the widths of the wires: every update near the input is smaller than "
            f"every update near the output (the largest against the smallest: {pair}).",
        )
    return (
        "Compare the widths of the wires: with these numbers, not every update near the "
        f"input is smaller than those near the output ({pair}).",
    )


# The step-through, in the order the slider walks it (see the module docstring).
STAGES: tuple[Stage, ...] = (
    Stage(
        "start",
        "The network and its numbers",
        OVERVIEW,
        frozenset(),
        lambda s, c: (r"\sigma(z) = \frac{1}{1 + e^{-z}}",),
        "Two inputs feed two hidden neurons, and both hidden neurons feed one output "
        "neuron. Each neuron adds up what arrives, every signal scaled by the weight on "
        "its wire, and squashes the sum with the sigmoid σ, which turns any number into "
        "one between 0 and 1. The diagram shows what is given: the inputs x, the weights "
        "w and v, and the target y. Every other number is a ? for now. Press Next (or "
        "move the slider) to fill them in one at a time; at some steps you predict the "
        "number first.",
    ),
    Stage(
        "a1",
        "Forward: hidden neuron 1 adds up its inputs",
        FORWARD,
        frozenset({"x1", "x2", "w11", "w21", "h1"}),
        lambda s, c: (
            derive(
                "a_1",
                r"w_{11} x_1 + w_{21} x_2",
                _sum((s.w11, s.x1), (s.w21, s.x2)),
                n(s.a1),
            ),
        ),
        "Each input travels along its own wire; the weight on the wire says how much of "
        "it arrives. Hidden neuron 1 receives w₁₁ from input 1 and w₂₁ from input 2.",
        computes=("a1",),
    ),
    Stage(
        "h1",
        "Forward: hidden neuron 1 squashes the sum",
        FORWARD,
        frozenset({"h1"}),
        lambda s, c: (_squash("h_1", "a_1", s.a1, s.h1),),
        "The sigmoid turns any sum into a number between 0 and 1: that is the neuron's output h₁.",
        computes=("h1",),
    ),
    Stage(
        "a2",
        "Forward: hidden neuron 2 adds up its inputs",
        FORWARD,
        frozenset({"x1", "x2", "w12", "w22", "h2"}),
        lambda s, c: (
            derive(
                "a_2",
                r"w_{12} x_1 + w_{22} x_2",
                _sum((s.w12, s.x1), (s.w22, s.x2)),
                n(s.a2),
            ),
        ),
        "Same recipe, other wires: w₁₂ brings input 1 and w₂₂ brings input 2.",
        computes=("a2",),
    ),
    Stage(
        "h2",
        "Forward: hidden neuron 2 squashes the sum",
        FORWARD,
        frozenset({"h2"}),
        lambda s, c: (_squash("h_2", "a_2", s.a2, s.h2),),
        "Hidden neuron 2's output h₂, again between 0 and 1.",
        computes=("h2",),
    ),
    Stage(
        "b",
        "Forward: the output neuron adds up the hidden outputs",
        FORWARD,
        frozenset({"h1", "h2", "v1", "v2", "out"}),
        lambda s, c: (derive("b", r"v_1 h_1 + v_2 h_2", _sum((s.v1, s.h1), (s.v2, s.h2)), n(s.b)),),
        "The output neuron treats the hidden outputs exactly as the hidden neurons "
        "treated the inputs.",
        computes=("b",),
    ),
    Stage(
        "y_hat",
        "Forward: the prediction",
        FORWARD,
        frozenset({"out"}),
        lambda s, c: (_squash(r"\hat y", "b", s.b, s.y_hat),),
        "The output neuron squashes its sum too: this is the network's answer, ŷ, to "
        "compare with the target y.",
        computes=("y_hat",),
    ),
    Stage(
        "E",
        "Forward: how wrong is it?",
        FORWARD,
        frozenset({"out"}),
        lambda s, c: (
            derive(
                "E",
                r"\tfrac12 (y - \hat y)^2",
                rf"\tfrac12 ({f(s.y)} - {f(s.y_hat)})^2",
                n(s.E),
            ),
        ),
        "The error is half the squared miss between the target y and the prediction. "
        "Squaring makes every miss count as positive; the half only makes the formulas "
        "of the backward pass simpler.",
        computes=("E",),
    ),
    Stage(
        "delta_out",
        "Backward: blame at the output",
        BACKWARD,
        frozenset({"out"}),
        lambda s, c: (
            derive(
                D_OUT,
                r"(y - \hat y)\,\sigma'(b)",
                r"(y - \hat y)\,\hat y\,(1 - \hat y)",
                rf"({f(s.y)} - {f(s.y_hat)}) \cdot {f(_slope(s, c, 'b'))}",
                n(s.delta_out),
            ),
        ),
        "Now run the network backwards. The article's recipe for the output's error "
        "signal δ_out is *how wrong × how adjustable*. How wrong: the miss (y − ŷ). How "
        "adjustable: how sensitive the output neuron is to a change of its sum b, that "
        "is the slope of the sigmoid at b. The slope is written σ′(b) (“sigma prime”, "
        "the sigmoid's derivative); for the sigmoid it works out as ŷ(1 − ŷ), and it is "
        "never more than 0.25. The sign of δ_out says which way ŷ should move.",
        computes=("delta_out",),
    ),
    Stage(
        "dv",
        "Backward: updates for the output weights",
        BACKWARD,
        frozenset({"out", "v1", "v2", "h1", "h2"}),
        lambda s, c: (update_formula(s, "v1"), update_formula(s, "v2")),
        "A weight's update is the blame of the neuron it feeds (here δ_out) times the "
        "signal that travelled along it (the hidden output h), scaled by the learning "
        "rate η. The two output weights share δ_out, so the larger hidden output gets the "
        "larger update. The course then adds each update to its weight.",
        computes=("dv1", "dv2"),
    ),
    Stage(
        "delta1",
        "Backward: blame for hidden neuron 1",
        BACKWARD,
        frozenset({"out", "v1", "h1"}),
        lambda s, c: (_hidden_delta(s, c, 1),),
        "A hidden neuron has no target of its own. Its blame is the output's blame, sent "
        "back along the wire v₁ that carried its output, and scaled by its own slope "
        "σ′(a₁) = h₁(1 − h₁): the article's proportional blame.",
        computes=("delta1",),
    ),
    Stage(
        "delta2",
        "Backward: blame for hidden neuron 2",
        BACKWARD,
        frozenset({"out", "v2", "h2"}),
        lambda s, c: (_hidden_delta(s, c, 2),),
        "Same recipe for hidden neuron 2: back along v₂, scaled by its slope σ′(a₂).",
        computes=("delta2",),
        remarks=_blame_shrinks,
    ),
    Stage(
        "dw_into_h1",
        "Backward: updates for the weights into hidden neuron 1",
        BACKWARD,
        frozenset({"h1", "w11", "w21", "x1", "x2"}),
        lambda s, c: (update_formula(s, "w11"), update_formula(s, "w21")),
        "Same rule one layer further back: the blame of the neuron a wire feeds (δ₁), "
        "times the input that travelled along it, times η.",
        computes=("dw11", "dw21"),
    ),
    Stage(
        "dw_into_h2",
        "Backward: updates for the weights into hidden neuron 2",
        BACKWARD,
        frozenset({"h2", "w12", "w22", "x1", "x2"}),
        lambda s, c: (update_formula(s, "w12"), update_formula(s, "w22")),
        "And for the wires into hidden neuron 2, which take its blame δ₂.",
        computes=("dw12", "dw22"),
        remarks=_near_input_vs_output,
    ),
    Stage(
        "new_weights",
        "All together: add every update",
        BACKWARD,
        frozenset(),
        lambda s, c: (new_weights_formula(s),),
        "The course adds each update to its weight, w ← w + Δw. These are the weights "
        "for the next round; the training section below repeats the round many times.",
    ),
)
STAGE_IDS: tuple[str, ...] = tuple(stage.id for stage in STAGES)
LAST_STEP = len(STAGES) - 1


def step_of(stage_id: str) -> int:
    """The stage's number: the URL's step=N, the slider's value, "Step N" in the text."""
    if stage_id not in STAGE_IDS:
        raise KeyError(f"no stage {stage_id!r}; the stages are {', '.join(STAGE_IDS)}")
    return STAGE_IDS.index(stage_id)


def stage(stage_id: str) -> Stage:
    return STAGES[step_of(stage_id)]


def stage_at(step: int) -> Stage:
    """The stage that step=N opens (0 <= N <= LAST_STEP)."""
    if not 0 <= step <= LAST_STEP:
        raise IndexError(f"step must be from 0 to {LAST_STEP}; got {step!r}")
    return STAGES[step]


def ids_of(part: str) -> tuple[str, ...]:
    """The ids of one part's stages (OVERVIEW, FORWARD or BACKWARD), in walking order."""
    if part not in PARTS:
        raise ValueError(f"part must be one of {', '.join(PARTS)}; got {part!r}")
    return tuple(s.id for s in STAGES if s.part == part)


OVERVIEW_IDS = ids_of(OVERVIEW)
FORWARD_IDS = ids_of(FORWARD)
BACKWARD_IDS = ids_of(BACKWARD)


def steps_span(ids: tuple[str, ...]) -> str:
    """Their step numbers as the page writes them: "N" for one stage, "first–last" for a run."""
    steps = sorted(step_of(i) for i in ids)
    if not steps or steps != list(range(steps[0], steps[-1] + 1)):
        raise ValueError(f"not a run of consecutive stages: {ids}")
    return str(steps[0]) if len(steps) == 1 else f"{steps[0]}–{steps[-1]}"


# The page's sections by anchor (their headers' ids, never renamed: links land on them),
# in page order, with their headings.
STEPS_ANCHOR = "step-by-step"
CHAIN_RULE_ANCHOR = "chain-rule"
RULES_ANCHOR = "two-ways"
QUIZ_ANCHOR = "try-it-yourself"
TRAINING_ANCHOR = "training"
SECTIONS: dict[str, str] = {
    STEPS_ANCHOR: "Step by step",
    CHAIN_RULE_ANCHOR: "The chain rule for one weight",
    RULES_ANCHOR: "Two ways to write the same update",
    QUIZ_ANCHOR: "Try it yourself",
    TRAINING_ANCHOR: "Training on this one example",
}
ANCHORS = tuple(SECTIONS)

STEP_LABEL = (
    f"Step ({steps_span(OVERVIEW_IDS)} = overview, {steps_span(FORWARD_IDS)} forward, "
    f"{steps_span(BACKWARD_IDS)} backward)"
)


# --- try it yourself --------------------------------------------------------------------
@dataclass(frozen=True)
class Question:
    """A quantity to compute by hand: its symbol (LaTeX), its name in plain text, and the
    id of the stage whose formulas compute it."""

    symbol: str
    label: str
    stage: str


# Keyed by the WorkedStep field that holds the answer (the URL's older quiz=... value; the
# select box shows, and a new link carries, its label).
QUIZ: dict[str, Question] = {
    name: Question(NAMES[name][0], NAMES[name][1], stage_id)
    for name, stage_id in (
        ("delta_out", "delta_out"),
        ("dv1", "dv"),
        ("dv2", "dv"),
        ("delta1", "delta1"),
        ("delta2", "delta2"),
        ("dw11", "dw_into_h1"),
        ("dw21", "dw_into_h1"),
        ("dw12", "dw_into_h2"),
        ("dw22", "dw_into_h2"),
    )
}
