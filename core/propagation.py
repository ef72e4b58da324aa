"""Mean-field predictions layer by layer: how big the signal is going forward and coming
back at every layer of a wide network at initialization, and how alike two inputs look.

core.theory gives the settled per-layer factor of a plain network (sqrt(chi_1) at the
fixed point q*). Here the same theory is followed layer by layer from the input, which
also covers what has no fixed point: residual networks, whose forward variance grows at
every layer, and the update size, which is what came forward times what came back
(dL/dW_l = in_l^T delta_l). Every layer's weights: W_ij ~ N(0, sigma_w2 / fan_in),
biases 0 (the engine's init). Inputs: each unit of variance q0 (standard normal: 1).

Plain layer l:    z_l = h_{l-1} W_l,  h_l = phi(z_l),  in_l = h_{l-1}
    q_l = sigma_w2 E[phi(u)^2], u ~ N(0, q_{l-1})          (q_1 = sigma_w2 q0)
    ||delta_l||^2 / ||delta_{l+1}||^2 = sigma_w2 E[phi'(u)^2], u ~ N(0, q_l)
Residual layer l (pre-activation block, branch scale s): in_l = phi(h_{l-1})
    q_l = q_{l-1} + s^2 sigma_w2 E[phi(u)^2], u ~ N(0, q_{l-1})   (q_0 = q0)
    ||delta_{l-1}||^2 / ||delta_l||^2 = 1 + s^2 sigma_w2 E[phi'(u)^2], u ~ N(0, q_{l-1})
Correlation map of a plain net (Poole et al. 2016, Schoenholz et al. 2017): two inputs
whose pre-activations have variance q and correlation c give, one layer up,
    c' = sigma_w2 E[phi(u_a) phi(u_b)] / q'
with (u_a, u_b) Gaussian of variance q and correlation c. Below the edge of chaos
(chi_1 < 1, "ordered") c -> 1: every input ends up looking the same.

Expectations: closed forms for piecewise-linear activations, Gauss-Hermite quadrature
for bounded ones; any other activation is Refused (core.theory).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from core import theory
from core.theory import _check_activation, _check_int, _check_positive, _hermite_rule

PAIR_NODES = 40  # Gauss-Hermite nodes per dimension for the correlation map


def mean_square(activation: str, q: float) -> float:
    """E[phi(u)^2] for u ~ N(0, q)."""
    act = _check_activation(activation)
    if act.square_gain is not None:
        return act.square_gain * q
    nodes, weights = _hermite_rule(101)
    values = act.forward(math.sqrt(q) * nodes) ** 2
    return float(weights @ values / math.sqrt(2.0 * math.pi))


def mean_square_slope(activation: str, q: float) -> float:
    """E[phi'(u)^2] for u ~ N(0, q)."""
    act = _check_activation(activation)
    if act.square_gain is not None:
        return act.square_gain
    nodes, weights = _hermite_rule(101)
    u = math.sqrt(q) * nodes
    values = act.derivative(u, act.forward(u)) ** 2
    return float(weights @ values / math.sqrt(2.0 * math.pi))


@dataclass(frozen=True)
class PredictedProfile:
    """Per hidden layer l = 1..depth (index l - 1), in log10, relative to layer `depth`:
    signal (||delta_l||), update (RMS of in_l times ||delta_l||), and forward (RMS of
    h_l); q: the variance of each unit of h_0 .. h_depth (plain: z_1 .. z_depth's after
    q0) as the recursion gave it (inf once it overflows)."""

    signal: np.ndarray
    update: np.ndarray
    forward: np.ndarray
    q: np.ndarray


def _relative(values: np.ndarray) -> np.ndarray:
    return values - values[-1]


def _signal_from_steps(steps: np.ndarray) -> np.ndarray:
    """log10 ||delta_l|| relative to layer depth, from steps[l - 1] = ||delta_l||^2 /
    ||delta_{l+1}||^2 for l = 1 .. depth - 1: a sum over the layers above."""
    halves = 0.5 * np.log10(steps)
    return np.concatenate([np.cumsum(halves[::-1])[::-1], [0.0]])


def _log10_mean_square(activation: str, log10_q: float) -> float:
    """log10 E[phi(u)^2] for u ~ N(0, 10**log10_q): in log space for the piecewise-linear
    activations, whose variance can grow past float64's range; bounded ones cannot."""
    act = _check_activation(activation)
    if act.square_gain is not None:
        return math.log10(act.square_gain) + log10_q
    return math.log10(mean_square(activation, 10.0**log10_q))


def _slope_step(activation: str, log10_q: float) -> float:
    """E[phi'(u)^2] for u ~ N(0, 10**log10_q) (no q needed for piecewise-linear ones)."""
    act = _check_activation(activation)
    if act.square_gain is not None:
        return act.square_gain
    return mean_square_slope(activation, 10.0**log10_q)


def plain_profile(
    activation: str, sigma_w2: float, depth: int, q0: float = 1.0
) -> PredictedProfile:
    """The layer-by-layer prediction for a plain network of `depth` hidden layers."""
    _check_activation(activation)
    sigma_w2 = _check_positive("sigma_w2", sigma_w2)
    depth = _check_int("depth", depth, 1)
    log_sw2 = math.log10(sigma_w2)
    log_q = np.empty(depth)  # log10 of the variance of z_l, at index l - 1
    log_q[0] = log_sw2 + math.log10(q0)
    for k in range(1, depth):
        log_q[k] = log_sw2 + _log10_mean_square(activation, log_q[k - 1])
    log_out = np.array([_log10_mean_square(activation, v) for v in log_q])  # E[h_l^2]
    steps = np.array([sigma_w2 * _slope_step(activation, v) for v in log_q[:-1]])
    signal = _signal_from_steps(steps)
    log_in = np.concatenate([[math.log10(q0)], log_out[:-1]])  # in_l = h_{l-1}, h_0 = x
    return PredictedProfile(
        signal=signal,
        update=_relative(signal + 0.5 * log_in),
        forward=_relative(0.5 * log_out),
        q=10.0 ** np.minimum(log_q, 308.0),
    )


def residual_profile(
    activation: str, sigma_w2: float, scale: float, depth: int, q0: float = 1.0
) -> PredictedProfile:
    """The layer-by-layer prediction for a network of `depth` residual blocks."""
    act = _check_activation(activation)
    sigma_w2 = _check_positive("sigma_w2", sigma_w2)
    scale = _check_positive("scale", scale)
    depth = _check_int("depth", depth, 1)
    gain = scale * scale * sigma_w2
    log_q = np.empty(depth + 1)  # log10 of the variance of h_l, index l; h_0 the input
    log_q[0] = math.log10(q0)
    for k in range(1, depth + 1):
        if act.square_gain is not None:  # q grows by the same factor at every layer
            log_q[k] = log_q[k - 1] + math.log10(1.0 + gain * act.square_gain)
        else:
            q = 10.0 ** log_q[k - 1]
            log_q[k] = math.log10(q + gain * mean_square(activation, q))
    log_branch_in = np.array([_log10_mean_square(activation, v) for v in log_q[:-1]])
    # delta_l / delta_{l+1} crosses block l + 1, whose input h_l has variance q[l]
    steps = np.array([1.0 + gain * _slope_step(activation, v) for v in log_q[1:-1]])
    signal = _signal_from_steps(steps)
    return PredictedProfile(
        signal=signal,
        update=_relative(signal + 0.5 * log_branch_in),
        forward=_relative(0.5 * log_q[1:]),
        q=10.0 ** np.minimum(log_q, 308.0),
    )


def correlation_map(
    activation: str, sigma_w2: float, q1: float, c1: float, depth: int
) -> np.ndarray:
    """c_1 .. c_depth: the mean-field correlation of two inputs' pre-activations at each
    layer of a plain network, starting from variance q1 and correlation c1 at layer 1.

    Piecewise-linear activations phi(x) = x (x > 0), a x (x <= 0) use the arccos kernel
    (Cho & Saul 2009): with J1 as in core.theory, c' = ((1 + a^2) J1(c) - 2 a J1(-c)) /
    (1 + a^2), whatever q; others a PAIR_NODES^2-point Gauss-Hermite rule."""
    act = _check_activation(activation)
    sigma_w2 = _check_positive("sigma_w2", sigma_w2)
    depth = _check_int("depth", depth, 1)
    if not -1.0 <= c1 <= 1.0:
        raise ValueError(f"c1 must be a correlation in [-1, 1]; got {c1!r}")
    nodes, weights = _hermite_rule(PAIR_NODES)
    z1, z2 = np.meshgrid(nodes, nodes, indexing="ij")
    w = np.outer(weights, weights) / (2.0 * math.pi)
    c = np.empty(depth)
    c[0], q = c1, q1
    a = act.negative_slope
    for k in range(1, depth):
        cc = min(max(c[k - 1], -1.0), 1.0)
        if a is not None:  # piecewise linear: the arccos kernel, exact (no kink smeared)
            j1, j1_minus = theory._arccos_kernel_j1(cc), theory._arccos_kernel_j1(-cc)
            c[k] = ((1 + a * a) * j1 - 2 * a * j1_minus) / (1 + a * a)
            continue
        ua = math.sqrt(q) * z1
        ub = math.sqrt(q) * (cc * z1 + math.sqrt(max(0.0, 1.0 - cc * cc)) * z2)
        cross = float(np.sum(w * act.forward(ua) * act.forward(ub)))
        q_next = sigma_w2 * mean_square(activation, q)
        c[k] = sigma_w2 * cross / q_next if q_next > 0 else 1.0
        q = q_next
    return c
