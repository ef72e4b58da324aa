"""The glossary: every technical word the app uses that the article never taught, each
in one plain sentence built from the article's own vocabulary (weight, input, hidden
neuron, output, error, blame, error signal, update, layer, slope, learning rate, ...).

Terms are keyed by a stable id (never renamed: pages and the lesson refer to them by
it). Render them with dashboard.glossary (a popover, a tooltip, the glossary page).
"""

from __future__ import annotations

from dataclasses import dataclass

from core.activations import LEAKY_SLOPE, SATURATION_MARGIN


@dataclass(frozen=True)
class Term:
    """id: stable key; name: the word as the app writes it; definition: one sentence;
    group: the glossary page's section."""

    id: str
    name: str
    definition: str
    group: str


START = "Starting weights"
MEASURE = "Measuring the blame"
TRAIN = "Training"
NETWORKS = "Networks and activations"
THEORY = "Theory of deep networks"
GROUPS: tuple[str, ...] = (START, MEASURE, NETWORKS, TRAIN, THEORY)

TERMS: tuple[Term, ...] = (
    # --- starting weights -------------------------------------------------------------
    Term(
        "initialization",
        "initialization",
        "How the weights are set before any learning: at random, small, and scaled to the "
        "layer's width, so that the neurons start out different from one another.",
        START,
    ),
    Term(
        "xavier",
        "Xavier initialization",
        "Starting weights whose spread shrinks as layers get wider (variance 2 divided by "
        "the wires in plus the wires out; Glorot & Bengio, 2010), made for sigmoid and tanh "
        "layers; between two equally wide layers that is a variance of 1 divided by the width.",
        START,
    ),
    Term(
        "he",
        "He initialization",
        "Starting weights with σw² = 2 (He et al., 2015), twice the usual spread, which makes "
        "up for ReLU passing nothing back from the half of its inputs that are negative.",
        START,
    ),
    Term(
        "lecun",
        "LeCun initialization",
        "Starting weights with σw² = 1, that is a variance of 1 divided by the number of "
        "wires coming into the neuron.",
        START,
    ),
    Term(
        "sigma_w2",
        "σw²",
        "The spread of the starting weights, stated so that it does not depend on the "
        "layer's width: each weight is drawn at random with variance σw² divided by the "
        "number of wires coming into its neuron (σw is its square root; this σ has nothing "
        "to do with the sigmoid σ, it "
        "is the usual letter for a spread).",
        START,
    ),
    Term(
        "fan_in",
        "fan-in",
        "The number of wires coming into a neuron, that is the width of the layer before "
        "it; the fan-out is the number of wires going out.",
        START,
    ),
    Term(
        "variance",
        "variance",
        "How spread out a set of numbers is: the average squared distance from their mean "
        "(its square root is the standard deviation).",
        START,
    ),
    Term(
        "seed",
        "seed",
        "The number that starts the computer's random choices: the same seed always gives "
        "the same random weights and data, so a shared link shows the same numbers.",
        START,
    ),
    # --- measuring --------------------------------------------------------------------
    Term(
        "batch",
        "batch",
        "A group of examples pushed through the network together; their errors, and so "
        "their blame, are averaged before the weights are updated.",
        MEASURE,
    ),
    Term(
        "rms",
        "RMS",
        "Root mean square: square a set of numbers, average the squares, take the square "
        "root; a typical size of the numbers that ignores their signs.",
        MEASURE,
    ),
    Term(
        "log_scale",
        "log scale",
        "An axis on which every step of the same length is the same factor (usually ten), "
        "so that a tenth and a hundred-millionth fit on one chart.",
        MEASURE,
    ),
    Term(
        "median_band",
        "median and 10–90% band",
        "With several random networks (seeds), the line is the middle value and the shaded "
        "band covers all of them but the lowest and the highest tenth.",
        MEASURE,
    ),
    Term(
        "finite_difference",
        "finite difference",
        "A check of the chain rule without calculus: nudge one weight up and down by a tiny "
        "amount, rerun the forward pass, and divide the change in the error by the nudge.",
        MEASURE,
    ),
    Term(
        "relative_error",
        "relative error",
        "How far apart two numbers are compared with their size, |a − b| ÷ (|a| + |b|): the "
        "closer to 0, the more digits they share.",
        MEASURE,
    ),
    Term(
        "overflow",
        "overflow and underflow",
        "A number too large, or too close to zero, for the computer's 64-bit numbers; the "
        "app then keeps such sizes as powers of ten instead.",
        MEASURE,
    ),
    # --- networks and activations -------------------------------------------------------
    Term(
        "saturated",
        "saturated",
        "A sigmoid (or tanh) neuron whose sum is far from zero: its output is pinned within "
        f"{SATURATION_MARGIN:g} of a limit and its slope is almost zero, so it passes "
        "almost no blame back.",
        NETWORKS,
    ),
    Term(
        "dead_relu",
        "dead (off) ReLU unit",
        "A ReLU neuron whose sum is negative for every example of a batch: it outputs 0 "
        "and passes no blame back.",
        NETWORKS,
    ),
    Term(
        "tanh",
        "tanh",
        "An S-shaped activation like the sigmoid but centred on zero: its outputs lie "
        "between −1 and 1 and its slope is at most 1.",
        NETWORKS,
    ),
    Term(
        "leaky_relu",
        "leaky ReLU",
        f"ReLU with a small slope ({LEAKY_SLOPE:g}) instead of 0 for negative sums, so that "
        "a unit always passes a little blame back.",
        NETWORKS,
    ),
    Term(
        "branch_scale",
        "residual branch scale",
        "The factor (1, or 1/√depth) that multiplies a residual layer's own contribution "
        "before it is added to the skip connection; smaller branches keep a deep residual "
        "network's signal from growing.",
        NETWORKS,
    ),
    Term(
        "batchnorm_statistics",
        "batch normalization's statistics",
        "The mean and spread of each neuron's sum over the current batch: batch "
        "normalization subtracts the mean and divides by the spread, so with small "
        "batches both are noisy.",
        NETWORKS,
    ),
    Term(
        "bias",
        "bias",
        "A number a neuron adds to its weighted sum before squashing it, learned like a "
        "weight; the article's network has none.",
        NETWORKS,
    ),
    # --- training -----------------------------------------------------------------------
    Term(
        "gradient",
        "gradient",
        "How much the error changes per unit change of a weight (∂E/∂w), for all the "
        "weights at once; minus the learning rate times it is the update.",
        TRAIN,
    ),
    Term(
        "gradient_descent",
        "gradient descent",
        "Learning by updates: move every weight a little in the direction that lowers the "
        "error (w ← w − η·∂E/∂w, the article's rule), and repeat.",
        TRAIN,
    ),
    Term(
        "loss",
        "loss",
        "The number training makes smaller: the network's error over its examples; the "
        "article's E = ½(y − ŷ)² is one loss.",
        TRAIN,
    ),
    Term(
        "cross_entropy",
        "cross-entropy",
        "A loss for yes-or-no outputs that punishes confident wrong answers much harder "
        "than the squared error; its error signal at the output is simply ŷ − y, with no "
        "sigmoid slope to shrink it.",
        TRAIN,
    ),
    Term(
        "accuracy",
        "accuracy",
        "The share of examples the network puts in the right class; with two equally "
        "large classes, guessing gets about half.",
        TRAIN,
    ),
    Term(
        "diverge",
        "diverge",
        "Training blows up: with too large a learning rate the updates overshoot, and the "
        "error grows until it is too big to compute.",
        TRAIN,
    ),
    Term(
        "decision_boundary",
        "decision boundary",
        "The line where a trained network's answer switches from one class to the other.",
        TRAIN,
    ),
    # --- theory -------------------------------------------------------------------------
    Term(
        "mean_field",
        "mean field",
        "A way to predict how the typical size of the signals changes from layer to layer "
        "in a very wide network with random weights, by averaging over the randomness "
        "instead of following every neuron.",
        THEORY,
    ),
    Term(
        "chi_1",
        "χ₁",
        "Mean-field theory's factor by which the squared size of the backward error "
        "signal changes from one layer to the next: below 1 the blame vanishes, above 1 "
        "it explodes.",
        THEORY,
    ),
    Term(
        "edge_of_chaos",
        "edge of chaos",
        "Starting weights chosen so that χ₁ = 1: the error signal neither fades nor grows "
        "from layer to layer, and different inputs stay different.",
        THEORY,
    ),
    Term(
        "yang_rate",
        "Yang et al.",
        "Greg Yang and co-authors (ICLR 2019), who worked out with mean-field theory that "
        "at the start batch normalization makes the blame grow toward the input of a deep "
        "plain network by a fixed factor per layer, larger for smaller batches: the lab's "
        "grey dashed line for batch norm is their rate.",
        THEORY,
    ),
    Term(
        "input_correlation",
        "correlation between inputs",
        "How alike two inputs look to a layer (1: the same up to size, 0: unrelated); in a "
        "deep plain sigmoid network it creeps toward 1, so the last layers can no longer "
        "tell the inputs apart.",
        THEORY,
    ),
)
GLOSSARY: dict[str, Term] = {t.id: t for t in TERMS}
# The words of the vanishing-gradient lab's controls and captions that the article does
# not teach, in an order where each definition uses only words defined before it.
VANISHING_LAB_TERMS: tuple[str, ...] = (
    "variance", "fan_in", "sigma_w2", "xavier", "he", "lecun", "rms", "mean_field", "chi_1",
    "edge_of_chaos", "yang_rate",
)  # fmt: skip


def term(term_id: str) -> Term:
    """The term with this id."""
    if term_id not in GLOSSARY:
        raise KeyError(f"no glossary term {term_id!r}; terms are {', '.join(GLOSSARY)}")
    return GLOSSARY[term_id]
