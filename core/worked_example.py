"""The course's worked example: a 2-2-1 sigmoid network without biases, every number named.

    a_j = sum_i w_ij x_i        h_j = sigma(a_j)          (hidden j = 1, 2)
    b   = sum_j v_j h_j         y_hat = sigma(b)          E = 1/2 (y - y_hat)^2
    delta_out = (y - y_hat) sigma'(b)       Delta v_j  = eta delta_out h_j
    delta_j   = delta_out v_j sigma'(a_j)   Delta w_ij = eta delta_j x_i

Updates are added (w <- w + Delta w): delta_out carries the sign of (y - y_hat), so
Delta = -eta dE/dweight and the step is ordinary gradient descent.
w[i][j] is the weight from input i to hidden j (1-based in names: w12 = w[0][1]).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

import numpy as np

from core.activations import sigmoid, sigmoid_derivative
from core.gradcheck import numerical_gradient, relative_error
from core.limits import Refused
from core.network import LayerParams, NetworkSpec

COURSE_X = (0.5, 0.3)
COURSE_W = ((0.4, 0.3), (0.2, 0.5))  # w11, w12 / w21, w22
COURSE_V = (0.6, 0.4)
COURSE_Y = 1.0
COURSE_LR = 0.5

MAX_ABS_VALUE = 1e6  # inputs, weights and target beyond this are refused
MAX_LR = 1e3
MAX_STEPS = 10_000

WEIGHT_NAMES: tuple[str, ...] = ("w11", "w12", "w21", "w22", "v1", "v2")
_SUB = {1: "₁", 2: "₂"}  # indices as a student reads them in a factor's meaning


def _sig(z: float) -> float:
    return sigmoid(float(z))  # a float in, a float out: the fast path for one number


def _dsig(z: float) -> float:
    return sigmoid_derivative(float(z), 0.0)


@dataclass(frozen=True, slots=True)
class WorkedStep:
    """One forward and backward pass of the 2-2-1 network, every intermediate named."""

    x1: float
    x2: float
    w11: float
    w12: float
    w21: float
    w22: float
    v1: float
    v2: float
    y: float
    lr: float
    a1: float
    a2: float
    h1: float
    h2: float
    b: float
    y_hat: float
    E: float
    delta_out: float
    delta1: float
    delta2: float
    dv1: float
    dv2: float
    dw11: float
    dw12: float
    dw21: float
    dw22: float

    @property
    def x(self) -> tuple[float, float]:
        return (self.x1, self.x2)

    @property
    def w(self) -> tuple[tuple[float, float], tuple[float, float]]:
        return ((self.w11, self.w12), (self.w21, self.w22))

    @property
    def v(self) -> tuple[float, float]:
        return (self.v1, self.v2)

    def weight(self, name: str) -> float:
        """Current value of a weight by name (w11, w12, w21, w22, v1, v2)."""
        _check_weight_name(name)
        return getattr(self, name)

    def update(self, name: str) -> float:
        """Delta of a weight by name: the amount the course adds to it."""
        _check_weight_name(name)
        return getattr(self, "d" + name)

    def gradient(self, name: str) -> float:
        """dE/d(weight) = -Delta / eta."""
        return -self.update(name) / self.lr

    def updated(self, name: str) -> float:
        """The weight after the update: w + Delta w."""
        return self.weight(name) + self.update(name)

    @property
    def updated_w(self) -> tuple[tuple[float, float], tuple[float, float]]:
        return (
            (self.updated("w11"), self.updated("w12")),
            (self.updated("w21"), self.updated("w22")),
        )

    @property
    def updated_v(self) -> tuple[float, float]:
        return (self.updated("v1"), self.updated("v2"))

    def as_dict(self) -> dict[str, float]:
        """Every named number, in the order of the computation."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


def _check_weight_name(name: str) -> None:
    if name not in WEIGHT_NAMES:
        raise ValueError(f"weight must be one of {', '.join(WEIGHT_NAMES)}; got {name!r}")


def _check_number(name: str, value: float, limit: float = MAX_ABS_VALUE) -> float:
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number; got {value!r}") from None
    if not math.isfinite(value) or abs(value) > limit:
        raise Refused(f"{name} must be a finite number between -{limit:g} and {limit:g}")
    return value


def _check_inputs(x, w, v, y, lr) -> tuple:
    try:
        x1, x2 = x
        (w11, w12), (w21, w22) = w
        v1, v2 = v
    except (TypeError, ValueError):
        raise ValueError(
            "x must be (x1, x2), w must be ((w11, w12), (w21, w22)), v must be (v1, v2)"
        ) from None
    named = dict(x1=x1, x2=x2, w11=w11, w12=w12, w21=w21, w22=w22, v1=v1, v2=v2, y=y)
    values = {k: _check_number(k, val) for k, val in named.items()}
    lr = _check_number("lr (learning rate)", lr, MAX_LR)
    if lr <= 0:
        raise Refused(f"lr (learning rate) must be > 0 and at most {MAX_LR:g}; got {lr!r}")
    return values, lr


def worked_example(
    x: tuple[float, float] = COURSE_X,
    w: tuple[tuple[float, float], tuple[float, float]] = COURSE_W,
    v: tuple[float, float] = COURSE_V,
    y: float = COURSE_Y,
    lr: float = COURSE_LR,
) -> WorkedStep:
    """The forward pass, the error and the backward pass, defaulting to the course's numbers."""
    p, lr = _check_inputs(x, w, v, y, lr)
    return _pass(p, lr)


def _pass(p: dict[str, float], lr: float) -> WorkedStep:
    """worked_example on numbers already checked (p: x1, x2, the six weights and y)."""
    a1 = p["w11"] * p["x1"] + p["w21"] * p["x2"]
    a2 = p["w12"] * p["x1"] + p["w22"] * p["x2"]
    h1, h2 = _sig(a1), _sig(a2)
    b = p["v1"] * h1 + p["v2"] * h2
    y_hat = _sig(b)
    E = 0.5 * (p["y"] - y_hat) ** 2
    delta_out = (p["y"] - y_hat) * _dsig(b)
    delta1 = delta_out * p["v1"] * _dsig(a1)
    delta2 = delta_out * p["v2"] * _dsig(a2)
    return WorkedStep(
        **p,
        lr=lr,
        a1=a1,
        a2=a2,
        h1=h1,
        h2=h2,
        b=b,
        y_hat=y_hat,
        E=E,
        delta_out=delta_out,
        delta1=delta1,
        delta2=delta2,
        dv1=lr * delta_out * h1,
        dv2=lr * delta_out * h2,
        dw11=lr * delta1 * p["x1"],
        dw12=lr * delta2 * p["x1"],
        dw21=lr * delta1 * p["x2"],
        dw22=lr * delta2 * p["x2"],
    )


def error_at(step: WorkedStep, name: str, value: float) -> float:
    """E of the same network with one weight set to value (for finite differences)."""
    _check_weight_name(name)
    ws = {n: step.weight(n) for n in WEIGHT_NAMES}
    ws[name] = value
    w = ((ws["w11"], ws["w12"]), (ws["w21"], ws["w22"]))
    return worked_example(step.x, w, (ws["v1"], ws["v2"]), step.y, step.lr).E


@dataclass(frozen=True)
class ChainFactor:
    """One local derivative in the chain: its symbol (LaTeX), what it means, its value."""

    symbol: str
    meaning: str
    value: float


@dataclass(frozen=True)
class ChainRule:
    """dE/d(weight) as a product of local factors, beside a finite-difference estimate."""

    weight: str
    factors: tuple[ChainFactor, ...]
    product: float
    finite_difference: float
    relative_error: float


def chain_rule(step: WorkedStep, name: str) -> ChainRule:
    """The factors of dE/d(name) for the given step, their product, and a numeric check."""
    _check_weight_name(name)
    head = (
        ChainFactor(
            r"\frac{\partial E}{\partial \hat y} = -(y - \hat y)",
            "how the error changes with the output ŷ",
            -(step.y - step.y_hat),
        ),
        ChainFactor(
            r"\frac{\partial \hat y}{\partial b} = \sigma'(b)",
            "slope of the output sigmoid",
            _dsig(step.b),
        ),
    )
    if name.startswith("v"):
        j = int(name[1])
        tail = (
            ChainFactor(
                rf"\frac{{\partial b}}{{\partial v_{j}}} = h_{j}",
                f"hidden neuron {j}'s output h{_SUB[j]} reaches b through v{_SUB[j]}",
                step.h1 if j == 1 else step.h2,
            ),
        )
    else:
        i, j = int(name[1]), int(name[2])
        a_j = step.a1 if j == 1 else step.a2
        tail = (
            ChainFactor(
                rf"\frac{{\partial b}}{{\partial h_{j}}} = v_{j}",
                f"the weight from hidden neuron {j} to the output",
                step.v1 if j == 1 else step.v2,
            ),
            ChainFactor(
                rf"\frac{{\partial h_{j}}}{{\partial a_{j}}} = \sigma'(a_{j})",
                f"slope of hidden neuron {j}'s sigmoid",
                _dsig(a_j),
            ),
            ChainFactor(
                rf"\frac{{\partial a_{j}}}{{\partial w_{{{i}{j}}}}} = x_{i}",
                f"input {i} reaches a{_SUB[j]} through w{_SUB[i]}{_SUB[j]}",
                step.x1 if i == 1 else step.x2,
            ),
        )
    factors = head + tail
    product = float(np.prod([f.value for f in factors]))
    numeric = float(
        numerical_gradient(
            lambda t: error_at(step, name, float(t[0])), np.array([step.weight(name)])
        )[0]
    )
    return ChainRule(
        weight=name,
        factors=factors,
        product=product,
        finite_difference=numeric,
        relative_error=relative_error(product, numeric),
    )


@dataclass(frozen=True)
class TrainingRun:
    """n update steps: steps[k] is the pass at the weights before update k+1;
    errors[k] is E after k updates (errors[0] is the starting error)."""

    steps: tuple[WorkedStep, ...]
    errors: tuple[float, ...]
    final: WorkedStep


def train(
    n_steps: int,
    x: tuple[float, float] = COURSE_X,
    w: tuple[tuple[float, float], tuple[float, float]] = COURSE_W,
    v: tuple[float, float] = COURSE_V,
    y: float = COURSE_Y,
    lr: float = COURSE_LR,
) -> TrainingRun:
    """Apply the course's update n_steps times on the one training example."""
    if not (isinstance(n_steps, int | np.integer) and 0 <= n_steps <= MAX_STEPS):
        raise Refused(f"n_steps must be a whole number from 0 to {MAX_STEPS}; got {n_steps!r}")
    step = worked_example(x, w, v, y, lr)
    steps = []
    errors = [step.E]
    # The inputs, target and learning rate were checked once; each round checks only the
    # weights it changed (a run may carry them past core's limits), and names one only
    # when it fails. Thousands of rounds of worked_example's whole check took half the
    # run's time.
    for _ in range(int(n_steps)):
        steps.append(step)
        s = step
        new = (s.w11 + s.dw11, s.w12 + s.dw12, s.w21 + s.dw21, s.w22 + s.dw22)
        new += (s.v1 + s.dv1, s.v2 + s.dv2)  # in WEIGHT_NAMES order
        if not all(abs(value) <= MAX_ABS_VALUE for value in new):  # also false for nan
            for name, value in zip(WEIGHT_NAMES, new, strict=True):
                _check_number(name, value)
        step = _pass(dict(zip(WEIGHT_NAMES, new, strict=True), x1=s.x1, x2=s.x2, y=s.y), s.lr)
        errors.append(step.E)
    return TrainingRun(steps=tuple(steps), errors=tuple(errors), final=step)


TRAJECTORY_COLUMNS: tuple[str, ...] = ("E", "y_hat", *WEIGHT_NAMES)


def trajectory(run: TrainingRun) -> np.ndarray:
    """The run as one float64 array of shape (n_steps + 1, 8): row k holds, after k
    updates, E, y_hat and the six weights (TRAJECTORY_COLUMNS). Row 0 is the starting
    pass, the last row the final one. Compact: it pickles in microseconds where the run's
    n_steps WorkedSteps take milliseconds (a cached page stores it)."""
    passes = (*run.steps, run.final)
    return np.array(
        [[getattr(s, name) for name in TRAJECTORY_COLUMNS] for s in passes], dtype=np.float64
    ).reshape(len(passes), len(TRAJECTORY_COLUMNS))


def as_network(
    step: WorkedStep,
) -> tuple[NetworkSpec, list[LayerParams], np.ndarray, np.ndarray]:
    """The same network in the general engine's terms: (spec, params, x (1, 2), y (1, 1))."""
    spec = NetworkSpec(
        sizes=(2, 2, 1), activation="sigmoid", output_activation="sigmoid", bias=False
    )
    params = [
        LayerParams(W=np.array(step.w, dtype=np.float64), b=None),
        LayerParams(W=np.array(step.v, dtype=np.float64).reshape(2, 1), b=None),
    ]
    return spec, params, np.array([step.x], dtype=np.float64), np.array([[step.y]])
