"""Activation functions, each beside its derivative, gathered in one registry by name.

Every activation is a pair of pure functions on float64 arrays:

    forward(z) -> h                 same shape as z
    derivative(z, h) -> dh/dz       same shape; h = forward(z) is passed in so that
                                    the backward pass never recomputes the forward one;
                                    a new array, which the backward pass multiplies
                                    its incoming gradient into (no temporary)

and the facts about it that the rest of the app needs, so that nothing else keeps a
table keyed by an activation's name: the label a student reads, the initialization it
is usually paired with, where it saturates, whether its units can be switched off, and
what mean-field theory can say about it (see ``Activation``).

Look them up with ``get_activation(name)``; the valid names are ``ACTIVATIONS``, and
the ones the labs offer are ``offered()``. ``register`` adds one (tests use it to prove
that a new activation reaches every page with no other file edited).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

LEAKY_SLOPE = 0.01


SATURATION_MARGIN = 0.01  # an output within this of its activation's limits is saturated


@dataclass(frozen=True)
class Activation:
    """A named activation: ``forward(z)`` and ``derivative(z, h)`` with h = forward(z),
    and its facts.

    label: how a student reads its name ("ReLU").
    default_init: the initialization it is paired with when none is chosen ("xavier"
      for the squashing ones, Glorot & Bengio 2010; "he" for the rectifiers, He et al.
      2015).
    saturation_z: for a bounded activation, the |z| beyond which its output lies within
      SATURATION_MARGIN of a limit (it is monotone); None where it cannot saturate.
    negative_slope: for a piecewise-linear activation phi(z) = z (z > 0), a z (z <= 0),
      the slope a on the negative side (relu 0, leaky_relu 0.01, linear 1); None for a
      curved one. Mean-field theory has closed forms for these (see ``square_gain``),
      and units with a = 0 can be off (output 0, no gradient) for a whole batch.
    bounded: |phi| <= 1 everywhere, so that theory can average it by quadrature.
    offered: the labs list it among their choices (linear is in the engine for tests
      and the batchnorm theory, not a network anyone would study here).
    """

    name: str
    forward: Callable[[np.ndarray], np.ndarray]
    derivative: Callable[[np.ndarray, np.ndarray], np.ndarray]
    label: str
    default_init: str
    saturation_z: float | None = None
    negative_slope: float | None = None
    bounded: bool = False
    offered: bool = True

    @property
    def saturates(self) -> bool:
        """True where the derivative goes to 0 at both ends (sigmoid, tanh)."""
        return self.saturation_z is not None

    @property
    def can_be_off(self) -> bool:
        """True if a unit can output exactly 0 and pass no gradient (ReLU)."""
        return self.negative_slope == 0.0

    @property
    def square_gain(self) -> float | None:
        """g with E[phi(x)^2] = g E[x^2] and E[phi'(x)^2] = g for a centred Gaussian x:
        (1 + a^2) / 2 for a piecewise-linear activation, None otherwise."""
        a = self.negative_slope
        return None if a is None else 0.5 * (1.0 + a * a)


def sigmoid(z: np.ndarray) -> np.ndarray:
    """sigma(z) = 1 / (1 + e^-z), exact in float64 for any finite z.

    exp is only ever taken of -|z| <= 0, so it cannot overflow (no warning, no inf,
    even for |z| = 1e300), and small outputs keep their full relative precision:
    1 / (1 + e) for z >= 0 and e / (1 + e) for z < 0, with e = e^-|z|. Computed in the
    result's own array with two temporaries. A Python float gives a float, by the same
    formula in math: the worked example's training loop calls this thousands of times on
    single numbers, where numpy's overhead per call (3.5 us) is fifty times the arithmetic.
    """
    if type(z) is float:
        e = math.exp(-abs(z))
        return 1.0 / (1.0 + e) if z >= 0 else e / (1.0 + e)
    z = np.asarray(z, dtype=np.float64)
    out = _exp_minus_abs(z)
    denominator = np.add(out, 1.0)
    # The numerator, 1 for z >= 0 and e for z < 0, is max(e, [z >= 0]) since 0 <= e <= 1
    # (a masked copy would be exact too, but numpy's masked loops are 3x slower).
    positive = np.greater_equal(z, 0.0, out=np.empty(z.shape))
    np.maximum(out, positive, out=out)
    return np.divide(out, denominator, out=out)


def _exp_minus_abs(z: np.ndarray) -> np.ndarray:
    """e^-|z| in a new array (of z's shape, even 0-d), computed in place."""
    out = np.abs(z, out=np.empty(np.shape(z)))
    np.negative(out, out=out)
    return np.exp(out, out=out)


def sigmoid_derivative(z: np.ndarray, h: np.ndarray) -> np.ndarray:
    """sigma'(z) = sigma(z)(1 - sigma(z)) = e^-|z| / (1 + e^-|z|)^2, at most 1/4 (at z = 0).

    Written in e^-|z| rather than h(1 - h) so that saturated units keep a tiny but
    exact derivative instead of the 0 that 1 - h would round to. A Python float gives
    a float (see sigmoid).
    """
    if type(z) is float:
        e = math.exp(-abs(z))
        return e / (1.0 + e) ** 2
    e = _exp_minus_abs(z)
    square = np.add(e, 1.0, out=np.empty_like(e))
    np.multiply(square, square, out=square)
    return np.divide(e, square, out=e)


def tanh(z: np.ndarray) -> np.ndarray:
    """tanh(z) = (e^z - e^-z) / (e^z + e^-z)."""
    return np.tanh(z)


def tanh_derivative(z: np.ndarray, h: np.ndarray) -> np.ndarray:
    """tanh'(z) = 1 - tanh(z)^2, at most 1 (at z = 0)."""
    out = np.multiply(h, h)
    return np.subtract(1.0, out, out=out)


def relu(z: np.ndarray) -> np.ndarray:
    """relu(z) = max(z, 0)."""
    return np.maximum(z, 0.0)


def relu_derivative(z: np.ndarray, h: np.ndarray) -> np.ndarray:
    """relu'(z) = 1 for z > 0, else 0 (we take 0 at the kink z = 0)."""
    return np.greater(z, 0.0, out=np.empty(np.shape(z)))


def leaky_relu(z: np.ndarray) -> np.ndarray:
    """leaky_relu(z) = z for z > 0, else 0.01 z."""
    return np.where(z > 0, z, LEAKY_SLOPE * z)


def leaky_relu_derivative(z: np.ndarray, h: np.ndarray) -> np.ndarray:
    """leaky_relu'(z) = 1 for z > 0, else 0.01."""
    return np.where(z > 0, 1.0, LEAKY_SLOPE)


def linear(z: np.ndarray) -> np.ndarray:
    """linear(z) = z (the identity: no squashing at all)."""
    return np.asarray(z, dtype=np.float64)


def linear_derivative(z: np.ndarray, h: np.ndarray) -> np.ndarray:
    """linear'(z) = 1."""
    return np.ones_like(z)


REGISTRY: dict[str, Activation] = {
    a.name: a
    for a in (
        Activation(
            "sigmoid",
            sigmoid,
            sigmoid_derivative,
            label="sigmoid",
            default_init="xavier",
            # sigma(z) = 1 - m at z = log((1 - m) / m); symmetric about 0
            saturation_z=math.log((1 - SATURATION_MARGIN) / SATURATION_MARGIN),
            bounded=True,
        ),
        Activation(
            "tanh",
            tanh,
            tanh_derivative,
            label="tanh",
            default_init="xavier",
            saturation_z=math.atanh(1 - SATURATION_MARGIN),
            bounded=True,
        ),
        Activation(
            "relu", relu, relu_derivative, label="ReLU", default_init="he", negative_slope=0.0
        ),
        Activation(
            "leaky_relu",
            leaky_relu,
            leaky_relu_derivative,
            label="leaky ReLU",
            default_init="he",
            negative_slope=LEAKY_SLOPE,
        ),
        Activation(
            "linear",
            linear,
            linear_derivative,
            label="linear",
            default_init="xavier",
            negative_slope=1.0,
            offered=False,
        ),
    )
}
# The names at import time. Code that must see activations registered later (the
# pages' choices) calls names() or offered() instead.
ACTIVATIONS: tuple[str, ...] = tuple(REGISTRY)


def names() -> tuple[str, ...]:
    """Every registered activation's name, in registration order."""
    return tuple(REGISTRY)


def offered() -> tuple[str, ...]:
    """The activations the labs offer, in registration order."""
    return tuple(name for name, a in REGISTRY.items() if a.offered)


def offered_labels() -> dict[str, str]:
    """name -> label of every activation the labs offer, in registration order."""
    return {name: a.label for name, a in REGISTRY.items() if a.offered}


def label(name: str) -> str:
    """The name a student reads ("ReLU" for "relu"); the name itself if unregistered."""
    entry = REGISTRY.get(name)
    return entry.label if entry is not None else name


def register(activation: Activation) -> None:
    """Add an activation to the registry (ValueError if the name is taken)."""
    if not isinstance(activation, Activation):
        raise ValueError(f"register takes an Activation; got {type(activation).__name__}")
    if activation.name in REGISTRY:
        raise ValueError(f"an activation called {activation.name!r} is registered already")
    REGISTRY[activation.name] = activation


def unregister(name: str) -> None:
    """Remove an activation added with register (tests clean up with it)."""
    REGISTRY.pop(name, None)


def get_activation(name: str, argument: str = "activation") -> Activation:
    """The registered activation called ``name``; ValueError naming ``argument`` otherwise."""
    try:
        return REGISTRY[name]
    except (KeyError, TypeError):
        raise ValueError(f"{argument} must be one of {', '.join(REGISTRY)}; got {name!r}") from None
