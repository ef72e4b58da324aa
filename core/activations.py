"""Activation functions, each beside its derivative, gathered in one registry by name.

Every activation is a pair of pure functions on float64 arrays:

    forward(z) -> h                 same shape as z
    derivative(z, h) -> dh/dz       same shape; h = forward(z) is passed in so that
                                    the backward pass never recomputes the forward one

Look them up with ``get_activation(name)``; the valid names are ``ACTIVATIONS``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

LEAKY_SLOPE = 0.01


@dataclass(frozen=True)
class Activation:
    """A named activation: ``forward(z)`` and ``derivative(z, h)`` with h = forward(z)."""

    name: str
    forward: Callable[[np.ndarray], np.ndarray]
    derivative: Callable[[np.ndarray, np.ndarray], np.ndarray]
    saturates: bool  # True where the derivative goes to 0 at both ends (sigmoid, tanh)


def sigmoid(z: np.ndarray) -> np.ndarray:
    """sigma(z) = 1 / (1 + e^-z), exact in float64 for any finite z.

    exp is only ever taken of -|z| <= 0, so it cannot overflow (no warning, no inf,
    even for |z| = 1e300), and small outputs keep their full relative precision.
    """
    z = np.asarray(z, dtype=np.float64)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def sigmoid_derivative(z: np.ndarray, h: np.ndarray) -> np.ndarray:
    """sigma'(z) = sigma(z)(1 - sigma(z)) = e^-|z| / (1 + e^-|z|)^2, at most 1/4 (at z = 0).

    Written in e^-|z| rather than h(1 - h) so that saturated units keep a tiny but
    exact derivative instead of the 0 that 1 - h would round to.
    """
    e = np.exp(-np.abs(z))
    return e / (1.0 + e) ** 2


def tanh(z: np.ndarray) -> np.ndarray:
    """tanh(z) = (e^z - e^-z) / (e^z + e^-z)."""
    return np.tanh(z)


def tanh_derivative(z: np.ndarray, h: np.ndarray) -> np.ndarray:
    """tanh'(z) = 1 - tanh(z)^2, at most 1 (at z = 0)."""
    return 1.0 - h * h


def relu(z: np.ndarray) -> np.ndarray:
    """relu(z) = max(z, 0)."""
    return np.maximum(z, 0.0)


def relu_derivative(z: np.ndarray, h: np.ndarray) -> np.ndarray:
    """relu'(z) = 1 for z > 0, else 0 (we take 0 at the kink z = 0)."""
    return (z > 0).astype(np.float64)


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
        Activation("sigmoid", sigmoid, sigmoid_derivative, saturates=True),
        Activation("tanh", tanh, tanh_derivative, saturates=True),
        Activation("relu", relu, relu_derivative, saturates=False),
        Activation("leaky_relu", leaky_relu, leaky_relu_derivative, saturates=False),
        Activation("linear", linear, linear_derivative, saturates=False),
    )
}
ACTIVATIONS: tuple[str, ...] = tuple(REGISTRY)


def get_activation(name: str, argument: str = "activation") -> Activation:
    """The registered activation called ``name``; ValueError naming ``argument`` otherwise."""
    try:
        return REGISTRY[name]
    except (KeyError, TypeError):
        raise ValueError(
            f"{argument} must be one of {', '.join(ACTIVATIONS)}; got {name!r}"
        ) from None
