"""The numbers the guided lesson ("Follow the article") asks about and reveals.

Each function measures one thing with fixed, small settings and returns a frozen
dataclass of plain numbers; the lesson's questions read them to know the right answer
and its reveals show them. Every call is bounded: the course's network is instant, the
deeper network and the theory take milliseconds, the training run about a second.

- course_numbers(): the course's 2-2-1 network (core.worked_example) and every number
  its stops ask about: each weight's gradient, the chain rules of w11 and v1, what a
  swapped index or a forgotten input would give, the same network with a stronger v2
  or a doubled v1, the error after one update, and the update ratios of the article's
  key observation.
- deep_updates(setup): update sizes of a plain sigmoid network 10 layers deep, the
  update-sizes page's default view (DEEP), also at a ten times larger learning rate.
- theory_numbers(): the sigmoid's value and largest slope, ReLU's slope, the article's
  0.5^100 beside the bound 0.25^100, and mean-field factors per layer (core.theory).
- slope_curves(): sigma'(z) and ReLU'(z) on a grid, for the slope picture.
- training_outcome(setup): final accuracy of the four networks trained the way the
  training lab trains them (TRAINING: the training lab's default view).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from core import theory
from core.activations import get_activation
from core.myths import COURSE_BASE, COURSE_CLAIM
from core.network import NetworkSpec
from core.training import train_variants
from core.updates import update_size_table
from core.variants import VARIANTS, variant_spec
from core.worked_example import (
    WEIGHT_NAMES,
    ChainRule,
    WorkedStep,
    chain_rule,
    train,
    worked_example,
)

ARTICLE_DECIMALS = 3  # the article prints its worked example to three decimals
V2_STRONG = 0.9  # "make v2 the stronger wire": above v1 = 0.6, well inside (-10, 10)
LR_BOOST = 10.0  # "raise the learning rate tenfold"
ARTICLE_DEPTH = 100  # the article's deep network: "a 100-layer network"
# Two balanced classes: guessing gets half right. A network that ends at 75% or more
# has learned something; the plain sigmoid network of the training lab stays at 50%.
LEARNED_ACCURACY = 0.75


def article_rounding(value: float) -> float:
    """value as the article prints it: rounded to ARTICLE_DECIMALS decimals."""
    return round(value, ARTICLE_DECIMALS)


def _with_weight(step: WorkedStep, name: str, value: float) -> WorkedStep:
    """The same pass with one weight set to value."""
    weights = {n: step.weight(n) for n in WEIGHT_NAMES}
    weights[name] = value
    w = ((weights["w11"], weights["w12"]), (weights["w21"], weights["w22"]))
    return worked_example(step.x, w, (weights["v1"], weights["v2"]), step.y, step.lr)


def wire(source: int, target: int) -> str:
    """The name of the weight on the wire from input `source` to hidden neuron `target`
    (1-based), found by asking the forward pass rather than by reading the names: with
    input `source` at 1 and the other at 0, it is the one weight whose unit nudge moves
    a_target by 1 and the other hidden sum not at all."""
    x = tuple(1.0 if i == source else 0.0 for i in (1, 2))
    base = worked_example(x=x)
    for name in WEIGHT_NAMES:
        if not name.startswith("w"):
            continue
        nudged = _with_weight(base, name, base.weight(name) + 1.0)
        moved = (nudged.a1 - base.a1, nudged.a2 - base.a2)
        if math.isclose(moved[target - 1], 1.0) and moved[2 - target] == 0.0:
            return name
    raise LookupError(f"no weight runs from input {source} to hidden neuron {target}")


@dataclass(frozen=True)
class CourseNumbers:
    """The course's network at the course's numbers, and its variations.

    step: the forward and backward pass. gradients: dE/dw by weight name.
    error_slope: dE/dy_hat = -(y - y_hat), the first link of every chain.
    slope_b, slope_a1, slope_a2: sigma' at b, a1, a2. chain_w11, chain_v1: core's
    chain rules. x2_to_h1: the weight on the wire from x2 to h1 (wire(2, 1)).
    a1_swapped: a1 with w_ij read the other way round (w12 instead of w21);
    a1_unweighted: w11 + w21, the weights added without their inputs.
    strong: the pass with v2 = V2_STRONG; doubled_v1: the pass with v1 doubled.
    error_after_one: E after one update. single_ratio: dv1 / dw11; rounded_ratio: the
    same with both rounded as the article prints them; mean_ratio: mean |dv| / mean |dw|
    (core.updates.update_size_table). claim: the article's "10x smaller".
    """

    step: WorkedStep
    gradients: dict[str, float]
    error_slope: float
    slope_b: float
    slope_a1: float
    slope_a2: float
    chain_w11: ChainRule
    chain_v1: ChainRule
    x2_to_h1: str
    a1_swapped: float
    a1_unweighted: float
    strong: WorkedStep
    doubled_v1: WorkedStep
    error_after_one: float
    single_ratio: float
    rounded_ratio: float
    mean_ratio: float
    claim: float


def _slope(z: float) -> float:
    act = get_activation("sigmoid")
    zs = np.array([z], dtype=np.float64)
    return float(act.derivative(zs, act.forward(zs))[0])


def course_numbers() -> CourseNumbers:
    """Every number of the course's network that the lesson's first stops use."""
    step = worked_example()
    (w11, w12), (w21, w22) = step.w
    swapped = worked_example(step.x, ((w11, w21), (w12, w22)), step.v, step.y, step.lr)
    unweighted = worked_example((1.0, 1.0), step.w, step.v, step.y, step.lr)
    table = update_size_table(None, lr=step.lr)
    return CourseNumbers(
        step=step,
        gradients={name: step.gradient(name) for name in WEIGHT_NAMES},
        error_slope=-(step.y - step.y_hat),
        slope_b=_slope(step.b),
        slope_a1=_slope(step.a1),
        slope_a2=_slope(step.a2),
        chain_w11=chain_rule(step, "w11"),
        chain_v1=chain_rule(step, "v1"),
        x2_to_h1=wire(2, 1),
        a1_swapped=swapped.a1,
        a1_unweighted=unweighted.a1,
        strong=_with_weight(step, "v2", V2_STRONG),
        doubled_v1=_with_weight(step, "v1", 2 * step.v1),
        error_after_one=train(1).errors[1],
        single_ratio=step.dv1 / step.dw11,
        rounded_ratio=article_rounding(step.dv1) / article_rounding(step.dw11),
        mean_ratio=1.0 / float(table["shrink_per_layer"].iloc[1]),
        claim=COURSE_CLAIM,
    )


@dataclass(frozen=True)
class DeepSetup:
    """A plain network at initialization, as the update-sizes page builds it."""

    depth: int = 10
    width: int = 32
    activation: str = "sigmoid"
    init: str = "xavier"
    lr: float = 0.5
    batch: int = 32
    seed: int = 0

    def spec(self) -> NetworkSpec:
        return NetworkSpec(
            sizes=(self.width, *([self.width] * self.depth), 1),
            activation=self.activation,
            output_activation="sigmoid",
            init=self.init,
        )


DEEP = DeepSetup()


@dataclass(frozen=True)
class DeepUpdates:
    """Mean |update| by layer of DeepSetup's network (core.updates.update_size_table).

    output_update: the output layer's; first_update: layer 1's (may underflow to 0, the
    log10 values stay exact); first_log10: log10(layer 1 / output layer); typical_shrink:
    the median factor from one layer to the next toward the input (< 1: shrinks);
    boosted_first_log10: first_log10 at LR_BOOST times the learning rate.
    """

    setup: DeepSetup
    output_update: float
    first_update: float
    first_log10: float
    typical_shrink: float
    boosted_first_log10: float


def _first_log10(table: pd.DataFrame) -> float:
    logs = table["log10_mean_abs_update"]
    return float(logs.iloc[-1] - logs.iloc[0])


def deep_updates(setup: DeepSetup = DEEP) -> DeepUpdates:
    """Update sizes of setup's network, at its learning rate and LR_BOOST times it."""
    spec = setup.spec()
    table = update_size_table(spec, lr=setup.lr, batch=setup.batch, seed=setup.seed)
    boosted = update_size_table(spec, lr=setup.lr * LR_BOOST, batch=setup.batch, seed=setup.seed)
    return DeepUpdates(
        setup=setup,
        output_update=float(table["mean_abs_update"].iloc[0]),
        first_update=float(table["mean_abs_update"].iloc[-1]),
        first_log10=_first_log10(table),
        typical_shrink=float(table["shrink_per_layer"].iloc[1:].median()),
        boosted_first_log10=_first_log10(boosted),
    )


@dataclass(frozen=True)
class TheoryNumbers:
    """sigmoid_at_zero: sigma(0); sigmoid_peak: sigma'(0), the largest slope a sigmoid
    has; relu_slope: ReLU's slope for a positive input. Over `depth` layers (log10):
    article_log10 = 0.5^depth (the article's arithmetic), bound_log10 = sigma'(0)^depth.
    Mean-field factors per layer of the backward signal: sigmoid between equal layers
    with Xavier's weights, ReLU with He's and with LeCun's (core.theory)."""

    sigmoid_at_zero: float
    sigmoid_peak: float
    relu_slope: float
    depth: int
    article_base: float
    article_log10: float
    bound_log10: float
    sigmoid_xavier: float
    relu_he: float
    relu_lecun: float
    lecun_sigma_w2: float


def theory_numbers(depth: int = ARTICLE_DEPTH) -> TheoryNumbers:
    sigmoid, relu = get_activation("sigmoid"), get_activation("relu")
    zero, one = np.zeros(1), np.ones(1)
    xavier = theory.init_sigma_w2("xavier", DEEP.width, DEEP.width)
    lecun = theory.init_sigma_w2("lecun", DEEP.width, DEEP.width)
    return TheoryNumbers(
        sigmoid_at_zero=float(sigmoid.forward(zero)[0]),
        sigmoid_peak=float(sigmoid.derivative(zero, sigmoid.forward(zero))[0]),
        relu_slope=float(relu.derivative(one, relu.forward(one))[0]),
        depth=depth,
        article_base=COURSE_BASE,
        article_log10=depth * math.log10(COURSE_BASE),
        bound_log10=theory.sigmoid_bound_log10(depth),
        sigmoid_xavier=theory.per_layer_factor("sigmoid", xavier),
        relu_he=theory.per_layer_factor("relu", theory.init_sigma_w2("he", 1, 1)),
        relu_lecun=theory.per_layer_factor("relu", lecun),
        lecun_sigma_w2=lecun,
    )


def slope_curves(z_max: float = 6.0, points: int = 241) -> pd.DataFrame:
    """Columns z, sigmoid (sigma'(z)), relu (ReLU'(z)) on points evenly spaced over
    [-z_max, z_max] (an odd count puts one at z = 0), from the activation registry."""
    z = np.linspace(-z_max, z_max, points)
    columns = {"z": z}
    for name in ("sigmoid", "relu"):
        act = get_activation(name)
        columns[name] = act.derivative(z, act.forward(z))
    return pd.DataFrame(columns)


@dataclass(frozen=True)
class TrainingSetup:
    """Four networks trained side by side, as the training lab trains them."""

    dataset: str = "moons"
    activation: str = "sigmoid"  # of the residual and batchnorm networks
    loss: str = "bce"
    depth: int = 6
    width: int = 16
    lr: float = 0.5
    steps: int = 500
    batch: int = 32
    n_samples: int = 400
    noise: float = 0.2
    seed: int = 0


TRAINING = TrainingSetup()


@dataclass(frozen=True)
class TrainingOutcome:
    """accuracy: each network's share of training points classified right at the end."""

    setup: TrainingSetup
    accuracy: dict[str, float]

    def learned(self, name: str) -> bool:
        return self.accuracy[name] >= LEARNED_ACCURACY

    @property
    def worst(self) -> str:
        return min(self.accuracy, key=self.accuracy.__getitem__)


def training_outcome(setup: TrainingSetup = TRAINING) -> TrainingOutcome:
    """Train the four variants (core.training.train_variants) and keep their accuracy."""
    s = setup
    specs = {
        v: variant_spec(v, s.depth, s.width, n_in=2, activation=s.activation) for v in VARIANTS
    }
    result = train_variants(
        specs,
        s.dataset,
        n_samples=s.n_samples,
        noise=s.noise,
        steps=s.steps,
        lr=s.lr,
        batch=s.batch,
        seed=s.seed,
        loss=s.loss,
    )
    accuracy = {
        name: float(run.history["accuracy"].iloc[-1]) if len(run.history) else math.nan
        for name, run in result.runs.items()
    }
    return TrainingOutcome(setup=setup, accuracy=accuracy)
