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
from dashboard.content.worked_numbers import D_OUT, NAMES
from dashboard.plots.format import latex_factor, latex_number
from dashboard.plots.network import BACKWARD, FORWARD

# A stage belongs to one part of the walk. FORWARD and BACKWARD are also the views of
# plots.network_figure, which is what the stages of each part show.
OVERVIEW = "overview"
PARTS = (OVERVIEW, FORWARD, BACKWARD)

f, n = latex_factor, latex_number  # short, so that a formula's code reads like the formula

# A stage's LaTeX for one pass; the chain rules give the sigmoid slopes (sigmoid_slope).
Formulas = Callable[[WorkedStep, Mapping[str, ChainRule]], tuple[str, ...]]


@dataclass(frozen=True)
class Stage:
    """One stage of the step-through.

    highlight: the diagram's nodes and edges the stage uses (plots.network_figure's names).
    formulas: its LaTeX, one derivation per entry, with the numbers of the pass.
    """

    id: str
    title: str
    part: str
    highlight: frozenset[str]
    formulas: Formulas
    text: str

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

    def delta_value(self, step: WorkedStep) -> float:
        return getattr(step, self.delta_of)

    def source_value(self, step: WorkedStep) -> float:
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


def _sum(*terms: tuple[float, float]) -> str:
    """weight · input + ..., with the pass's numbers."""
    return " + ".join(rf"{f(weight)} \cdot {f(signal)}" for weight, signal in terms)


def _squash(lhs: str, of: str, value: float, result: float) -> str:
    return derive(lhs, rf"\sigma({of})", rf"\frac{{1}}{{1 + e^{{-{f(value)}}}}}", n(result))


def update_formula(s: WorkedStep, weight: str) -> str:
    """Δweight = η · delta · source, with the pass's numbers."""
    rule = UPDATE_RULES[weight]
    return derive(
        rf"\Delta {rule.symbol}",
        rf"\eta\,{rule.delta}\,{rule.source}",
        rf"{f(s.lr)} \cdot {f(rule.delta_value(s))} \cdot {f(rule.source_value(s))}",
        n(s.update(weight)),
    )


def new_weights_formula(s: WorkedStep) -> str:
    """Every weight with its update added: the weights of the next round."""
    rows = (
        rf"{UPDATE_RULES[w].symbol} &\leftarrow {f(s.weight(w))} + {f(s.update(w))} "
        rf"= {n(s.updated(w), 6)}"
        for w in WEIGHT_NAMES
    )
    return r"\begin{aligned} " + r" \\ ".join(rows) + r" \end{aligned}"


# The step-through, in the order the slider walks it (see the module docstring).
STAGES: tuple[Stage, ...] = (
    Stage(
        "start",
        "The network and its numbers",
        OVERVIEW,
        frozenset(),
        lambda s, c: (
            r"\sigma(z) = \frac{1}{1 + e^{-z}}",
            r"\sigma'(z) = \sigma(z)\,(1 - \sigma(z))",
        ),
        "Two inputs feed two hidden neurons, and both hidden neurons feed one output "
        "neuron. Each neuron adds up what arrives, every signal scaled by the weight on "
        "its wire, and squashes the sum with the sigmoid σ. Press Next (or move the "
        "slider) to fill in the numbers one at a time.",
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
    ),
    Stage(
        "h1",
        "Forward: hidden neuron 1 squashes the sum",
        FORWARD,
        frozenset({"h1"}),
        lambda s, c: (_squash("h_1", "a_1", s.a1, s.h1),),
        "The sigmoid turns any sum into a number between 0 and 1: that is the neuron's output h₁.",
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
    ),
    Stage(
        "h2",
        "Forward: hidden neuron 2 squashes the sum",
        FORWARD,
        frozenset({"h2"}),
        lambda s, c: (_squash("h_2", "a_2", s.a2, s.h2),),
        "Hidden neuron 2's output h₂, again between 0 and 1.",
    ),
    Stage(
        "b",
        "Forward: the output neuron adds up the hidden outputs",
        FORWARD,
        frozenset({"h1", "h2", "v1", "v2", "out"}),
        lambda s, c: (derive("b", r"v_1 h_1 + v_2 h_2", _sum((s.v1, s.h1), (s.v2, s.h2)), n(s.b)),),
        "The output neuron treats the hidden outputs exactly as the hidden neurons "
        "treated the inputs.",
    ),
    Stage(
        "y_hat",
        "Forward: the prediction",
        FORWARD,
        frozenset({"out"}),
        lambda s, c: (_squash(r"\hat y", "b", s.b, s.y_hat),),
        "This is the network's answer, ŷ.",
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
        "Squaring makes every miss count as positive; the half only tidies up the "
        "derivative.",
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
                rf"({f(s.y)} - {f(s.y_hat)}) \cdot {f(sigmoid_slope(c, 'b'))}",
                n(s.delta_out),
            ),
        ),
        "Now run the network backwards. The output neuron's share of the blame is the "
        "miss (y − ŷ) times how strongly its sum b moves ŷ, the slope σ'(b). Its sign "
        "says which way the output should move.",
    ),
    Stage(
        "dv",
        "Backward: updates for the output weights",
        BACKWARD,
        frozenset({"out", "v1", "v2", "h1", "h2"}),
        lambda s, c: (update_formula(s, "v1"), update_formula(s, "v2")),
        "A weight is blamed in proportion to the signal that travelled along it: the "
        "output's blame times the hidden output on that wire, scaled by the learning "
        "rate η.",
    ),
    Stage(
        "delta1",
        "Backward: blame for hidden neuron 1",
        BACKWARD,
        frozenset({"out", "v1", "h1"}),
        lambda s, c: (
            derive(
                r"\delta_1",
                rf"{D_OUT}\,v_1\,\sigma'(a_1)",
                rf"{D_OUT}\,v_1\,h_1 (1 - h_1)",
                rf"{f(s.delta_out)} \cdot {f(s.v1)} \cdot {f(sigmoid_slope(c, 'a_1'))}",
                n(s.delta1),
            ),
        ),
        "The blame flows back along the wire v₁ that carried hidden neuron 1's output, "
        "and is scaled once more by that neuron's own slope σ'(a₁).",
    ),
    Stage(
        "delta2",
        "Backward: blame for hidden neuron 2",
        BACKWARD,
        frozenset({"out", "v2", "h2"}),
        lambda s, c: (
            derive(
                r"\delta_2",
                rf"{D_OUT}\,v_2\,\sigma'(a_2)",
                rf"{D_OUT}\,v_2\,h_2 (1 - h_2)",
                rf"{f(s.delta_out)} \cdot {f(s.v2)} \cdot {f(sigmoid_slope(c, 'a_2'))}",
                n(s.delta2),
            ),
        ),
        "Compare with δ₁: the neuron wired to the output by the larger weight takes the "
        "larger share, unless its slope is much flatter. A sigmoid's slope is never more "
        "than 0.25, so every hidden layer shrinks the blame it passes on.",
    ),
    Stage(
        "dw_into_h1",
        "Backward: updates for the weights into hidden neuron 1",
        BACKWARD,
        frozenset({"h1", "w11", "w21", "x1", "x2"}),
        lambda s, c: (update_formula(s, "w11"), update_formula(s, "w21")),
        "Same rule one layer further back: the blame of the neuron a wire feeds, times "
        "the input that travelled along it, times η.",
    ),
    Stage(
        "dw_into_h2",
        "Backward: updates for the weights into hidden neuron 2",
        BACKWARD,
        frozenset({"h2", "w12", "w22", "x1", "x2"}),
        lambda s, c: (update_formula(s, "w12"), update_formula(s, "w22")),
        "Compare the widths of the wires in the picture: the updates near the input "
        "are smaller than those near the output.",
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
