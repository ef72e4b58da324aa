"""What theory predicts for the backward signal of a deep network at initialization.

Mean-field signal propagation (Poole et al. 2016; Schoenholz et al. 2017) for a plain
fully connected network with W_ij ~ N(0, sigma_w2 / fan_in), b_i ~ N(0, sigma_b2) and
a wide hidden layer. With z ~ N(0, 1):

    length map    q_l  = sigma_w2 * E[phi(sqrt(q_{l-1}) z)^2] + sigma_b2
    fixed point   q*   = length_map(q*)
    chi_1              = sigma_w2 * E[phi'(sqrt(q*) z)^2]

chi_1 is the factor by which the mean squared backward signal ||delta||^2 changes per
layer, so the ratio of delta norms of neighbouring layers is sqrt(chi_1): below 1 the
gradient vanishes toward the input, above 1 it explodes, at 1 it is "critical".

Also here: the plain sigmoid bound (sigma' <= 1/4 per layer, sigma_w / 4 with weights),
the weight variance each named initialization implies, and the per-layer gradient
explosion rate of a batch-normalized network (Yang et al., ICLR 2019).

Everything is float64 numpy and deterministic; expectations use Gauss-Hermite
quadrature except where a closed form is exact. What theory can say about an
activation comes from its registry entry (core.activations): piecewise-linear ones
have closed forms, bounded ones are averaged by quadrature, and for any other (an
unbounded curved activation, where quadrature of the length map need not converge)
every prediction is refused with core.limits.Refused rather than a wrong number.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import lru_cache

import numpy as np

from core.activations import Activation, get_activation
from core.limits import Refused
from core.network import INITS


def _phi(activation: str, x: np.ndarray) -> np.ndarray:
    """The activation phi(x), elementwise (from the engine's registry)."""
    return get_activation(activation).forward(x)


def _dphi(activation: str, x: np.ndarray) -> np.ndarray:
    """The derivative phi'(x), elementwise (0 or the leak at the kink x = 0)."""
    act = get_activation(activation)
    return act.derivative(x, act.forward(x))


def can_predict(activation: str) -> bool:
    """True if mean-field theory has a prediction for this activation: a closed form
    (piecewise linear) or a convergent quadrature (bounded)."""
    act = get_activation(activation)
    return act.square_gain is not None or act.bounded


def _check_activation(activation: str) -> Activation:
    """The registry entry, or Refused where theory has no prediction for it."""
    act = get_activation(activation)
    if act.square_gain is None and not act.bounded:
        raise Refused(
            f"activation {act.label}: mean-field theory has no prediction for it here. It "
            "is neither piecewise linear (closed forms) nor bounded (where averaging by "
            "quadrature is reliable), so no number is given rather than a wrong one"
        )
    return act


def _check_positive(name: str, value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise ValueError(f"{name} must be a finite number > 0, got {value!r}")
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be a finite number > 0, got {value!r}")
    return float(value)


def _check_nonnegative(name: str, value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")
    if not (math.isfinite(value) and value >= 0):
        raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")
    return float(value)


def _check_int(name: str, value: int, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


@lru_cache(maxsize=8)
def _hermite_rule(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Probabilists' Gauss-Hermite nodes and weights, each of shape (n,), read-only.

    Cached because the fixed-point iteration asks for the same rule many times.
    """
    nodes, weights = np.polynomial.hermite_e.hermegauss(n)
    nodes.flags.writeable = False
    weights.flags.writeable = False
    return nodes, weights


def gauss_hermite_expectation(
    f: Callable[[np.ndarray], np.ndarray], q: float, n: int = 101
) -> float:
    """E_{z ~ N(0,1)}[f(sqrt(q) z)] by n-point Gauss-Hermite quadrature.

    With the probabilists' nodes x_k and weights w_k (weight function e^{-x^2/2},
    numpy.polynomial.hermite_e.hermegauss, sum_k w_k = sqrt(2 pi)):

        E[f(sqrt(q) z)] ~= sum_k w_k f(sqrt(q) x_k) / sqrt(2 pi)

    exact when f(sqrt(q) x) is a polynomial in x of degree <= 2n - 1, and very accurate
    for smooth f. f receives a float64 array of shape (n,) and must return shape (n,).
    q is a variance (finite, >= 0); n is the number of nodes (>= 1).
    """
    q = _check_nonnegative("q", q)
    n = _check_int("n", n, 1)
    nodes, weights = _hermite_rule(n)
    values = np.asarray(f(math.sqrt(q) * nodes), dtype=np.float64)
    if values.shape != nodes.shape:
        raise ValueError(f"f must map shape {nodes.shape} to the same shape, got {values.shape}")
    return float(weights @ values / math.sqrt(2.0 * math.pi))


def length_map(q: float, activation: str, sigma_w2: float, sigma_b2: float = 0.0) -> float:
    """One step of the length map: q_next = sigma_w2 * E[phi(sqrt(q) z)^2] + sigma_b2.

    q is the variance of a pre-activation in one layer, q_next the variance in the next.
    Exact for relu (E = q/2), leaky_relu (E = q (1 + a^2)/2) and linear (E = q);
    quadrature for sigmoid and tanh.
    """
    act = _check_activation(activation)
    q = _check_nonnegative("q", q)
    sigma_w2 = _check_positive("sigma_w2", sigma_w2)
    sigma_b2 = _check_nonnegative("sigma_b2", sigma_b2)
    if act.square_gain is not None:
        mean_square = act.square_gain * q
    else:
        mean_square = gauss_hermite_expectation(lambda x: _phi(activation, x) ** 2, q)
    return sigma_w2 * mean_square + sigma_b2


@lru_cache(maxsize=32)
def _slope_at_origin_if_largest(act: Activation) -> float | None:
    """phi'(0) for a bounded activation with phi(0) = 0 and |phi(x)| < phi'(0) |x| for
    every x != 0 (checked on a grid out to |x| = 50, where bounded activations are flat);
    None otherwise."""
    if not act.bounded:
        return None
    zero = np.zeros(1)
    if act.forward(zero)[0] != 0.0:
        return None
    slope = float(act.derivative(zero, act.forward(zero))[0])
    x = np.concatenate([-np.geomspace(50.0, 1e-3, 400), np.geomspace(1e-3, 50.0, 400)])
    if slope > 0 and np.all(np.abs(act.forward(x)) < slope * np.abs(x)):
        return slope
    return None


def fixed_point_q(
    activation: str,
    sigma_w2: float,
    sigma_b2: float = 0.0,
    q0: float = 1.0,
    tol: float = 1e-13,
    max_iter: int = 1000,
) -> float:
    """The fixed point q* = length_map(q*) reached by iterating the map from q0.

    The map is increasing in q, so the iterates move monotonically to the nearest
    stable fixed point. What is returned:

    - relu, leaky_relu, linear: the map is the straight line q -> g q + sigma_b2 with
      g = sigma_w2 * c (c = 1/2, (1 + a^2)/2, 1), solved in closed form:
        g < 1:                      q* = sigma_b2 / (1 - g)  (0 when sigma_b2 = 0);
        g = 1 and sigma_b2 = 0:     every q is fixed, the signal keeps its length; q0;
        otherwise (g > 1, or g = 1 with sigma_b2 > 0): the length grows without
                                    bound; inf.
      (chi_1 of these activations does not depend on q*.)
    - a bounded activation through the origin whose slope is largest there (tanh), with
      sigma_b2 = 0 and sigma_w2 phi'(0)^2 <= 1: 0.0, since phi(x)^2 < phi'(0)^2 x^2
      makes the map shrink every q > 0 toward 0 (at the boundary only like 1/l, too
      slow to iterate).
    - other bounded activations (sigmoid, tanh otherwise): iterate until
      |q_next - q| <= tol * max(1, q). If that takes more than max_iter steps (close to
      a critical point convergence is slow),
      finish by bisection between the last iterate and 0 (moving down) or the bound
      sigma_w2 + sigma_b2 (moving up), which brackets q* because the map is increasing.

    Never loops forever; q0 (finite, > 0), tol (> 0) and max_iter (>= 1) are checked.
    """
    act = _check_activation(activation)
    sigma_w2 = _check_positive("sigma_w2", sigma_w2)
    sigma_b2 = _check_nonnegative("sigma_b2", sigma_b2)
    q0 = _check_positive("q0", q0)
    tol = _check_positive("tol", tol)
    max_iter = _check_int("max_iter", max_iter, 1)

    if act.square_gain is not None:
        gain = sigma_w2 * act.square_gain
        if gain < 1.0:
            return sigma_b2 / (1.0 - gain)
        if gain == 1.0 and sigma_b2 == 0.0:
            return q0
        return math.inf
    slope0 = _slope_at_origin_if_largest(act)
    if slope0 is not None and sigma_b2 == 0.0 and sigma_w2 * slope0**2 <= 1.0:
        return 0.0

    q = q0
    for _ in range(max_iter):
        q_next = length_map(q, activation, sigma_w2, sigma_b2)
        if abs(q_next - q) <= tol * max(1.0, q):
            return q_next
        q_prev, q = q, q_next
    # Bisection on g(q) = length_map(q) - q, keeping g(lo) >= 0 > g(hi).
    if q < q_prev:
        lo, hi = 0.0, q
    else:
        lo, hi = q, sigma_w2 + sigma_b2
    for _ in range(2000):
        mid = 0.5 * (lo + hi)
        if not lo < mid < hi:
            break
        if length_map(mid, activation, sigma_w2, sigma_b2) >= mid:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def chi_1(activation: str, sigma_w2: float, sigma_b2: float = 0.0) -> float:
    """chi_1 = sigma_w2 * E[phi'(sqrt(q*) z)^2], the per-layer factor of ||delta||^2.

    Exact for relu (sigma_w2 / 2), leaky_relu (sigma_w2 (1 + a^2) / 2, a = 0.01) and
    linear (sigma_w2), whatever q*; quadrature at q* = fixed_point_q(...) for sigmoid
    and tanh.
    """
    act = _check_activation(activation)
    sigma_w2 = _check_positive("sigma_w2", sigma_w2)
    sigma_b2 = _check_nonnegative("sigma_b2", sigma_b2)
    if act.square_gain is not None:
        return sigma_w2 * act.square_gain
    q_star = fixed_point_q(activation, sigma_w2, sigma_b2)
    return sigma_w2 * gauss_hermite_expectation(lambda x: _dphi(activation, x) ** 2, q_star)


def per_layer_factor(activation: str, sigma_w2: float, sigma_b2: float = 0.0) -> float:
    """sqrt(chi_1): predicted ||delta_l|| / ||delta_{l+1}|| (RMS norms) for one layer."""
    return math.sqrt(chi_1(activation, sigma_w2, sigma_b2))


def predicted_profile(
    activation: str, sigma_w2: float, depth: int, sigma_b2: float = 0.0
) -> np.ndarray:
    """log10 of the backward-signal norm of layers 1..depth relative to layer `depth`.

    Returns shape (depth,); entry l - 1 (layer l) is (depth - l) * log10(sqrt(chi_1)),
    so the last layer is 0 and layer 1 is (depth - 1) * log10(sqrt(chi_1)). Kept in
    log10 because sqrt(chi_1)^(depth - 1) underflows float64 for deep sigmoid nets.
    depth must be an integer >= 1.
    """
    depth = _check_int("depth", depth, 1)
    log_factor = math.log10(per_layer_factor(activation, sigma_w2, sigma_b2))
    layers = np.arange(1, depth + 1, dtype=np.float64)
    return (depth - layers) * log_factor


def sigmoid_bound_log10(n_layers: int) -> float:
    """log10(0.25^n) = n log10(1/4), the plain sigmoid bound over n layers.

    sigma' <= 1/4, so ignoring the weights n sigmoid layers shrink the backward signal
    by at least 0.25^n (0.25^100 = 6.2e-61). Returned in log10 because 0.25^n itself
    underflows to 0 in float64 beyond n ~ 537. n_layers: integer >= 0.
    """
    n_layers = _check_int("n_layers", n_layers, 0)
    return n_layers * math.log10(0.25)


def sigmoid_weighted_bound_log10(n_layers: int, sigma_w: float) -> float:
    """log10((sigma_w / 4)^n) = n log10(sigma_w / 4), the sigmoid bound with weights.

    Each layer multiplies the backward signal by sigma' (<= 1/4) and by weights of
    scale sigma_w, so about sigma_w / 4 per layer. n_layers: integer >= 0;
    sigma_w: finite, > 0.
    """
    n_layers = _check_int("n_layers", n_layers, 0)
    sigma_w = _check_positive("sigma_w", sigma_w)
    return n_layers * math.log10(sigma_w / 4.0)


def init_sigma_w2(init: str | float, fan_in: int, fan_out: int) -> float:
    """The sigma_w2 in Var W = sigma_w2 / fan_in that an initialization implies.

    "xavier" (Glorot & Bengio 2010): Var W = 2 / (fan_in + fan_out), so
                                     sigma_w2 = 2 fan_in / (fan_in + fan_out);
    "he" (He et al. 2015):           Var W = 2 / fan_in, sigma_w2 = 2;
    "lecun":                         Var W = 1 / fan_in, sigma_w2 = 1;
    a number:                        taken as sigma_w2 itself (finite, > 0).
    fan_in, fan_out: integers >= 1.
    """
    fan_in = _check_int("fan_in", fan_in, 1)
    fan_out = _check_int("fan_out", fan_out, 1)
    if isinstance(init, str):
        if init == "xavier":
            return 2.0 * fan_in / (fan_in + fan_out)
        if init == "he":
            return 2.0
        if init == "lecun":
            return 1.0
        raise ValueError(f"init must be one of {INITS} or a finite number > 0, got {init!r}")
    if isinstance(init, bool) or not isinstance(init, int | float | np.integer | np.floating):
        raise ValueError(f"init must be one of {INITS} or a finite number > 0, got {init!r}")
    return _check_positive("init", init)


def _arccos_kernel_j1(c: float) -> float:
    """J1(c) = (sqrt(1 - c^2) + (pi - arccos c) c) / pi, so that for a centred Gaussian
    pair with variance s and correlation c, E[relu(u) relu(v)] = s J1(c) / 2."""
    return (math.sqrt(1.0 - c * c) + (math.pi - math.acos(c)) * c) / math.pi


def has_batchnorm_rate(activation: str) -> bool:
    """True if batchnorm_rate has a closed form for this activation (ReLU, identity)."""
    return get_activation(activation).negative_slope in (0.0, 1.0)


def batchnorm_rate(activation: str, batch_size: int) -> float:
    """Per-layer growth factor of ||grad||^2 toward the input in a deep batch-normalized net.

    Network (at initialization, infinitely wide): x_l = h_{l-1} W_l, z_l = BN(x_l) with
    training-mode batch statistics (mean and biased variance over the batch of B
    inputs, no affine part, eps -> 0), h_l = phi(z_l). BN removes the scale of W, so
    the rate depends on phi and B only (Yang et al., ICLR 2019, "A Mean Field Theory of
    Batch Normalization"). The ratio of gradient norms per layer is sqrt(rate).

    linear:  (B - 2) / (B - 3)
    relu:    with c = -1/(B - 1), J1 the arccos kernel (see _arccos_kernel_j1) and
             p = (pi - arccos c) / (2 pi) (chance two batch entries are both > 0),

                 B (B - 3) + 2 + (B - 1) (2 p + J1(c))
                 -------------------------------------
                     (B - 1) (B - 3) (1 - J1(c))

             which tends to pi / (pi - 1) ~ 1.4669 as B -> infinity.

    Where it comes from: per neuron, BN's Jacobian on the B-vector is
    (sqrt(B) / ||G x||) (G - z z^T / B), G = I - 11^T / B, a projection that also
    removes the direction of z. At the forward fixed point z / sqrt(B) is uniform on
    the unit sphere orthogonal to 1 and ||G x||^2 = a chi^2_{B-1} with
    a = (1 - J1(c)) / 2 for relu (a = B / (B - 1) for linear), so
    E[B / ||G x||^2] = B / (a (B - 3)). Assuming, as mean-field theory does, that the
    backward weights are independent of the forward ones, the gradient covariance
    proportional to G is reproduced each layer with the factor above. It needs
    E[1 / chi^2_{B-1}] finite, so batch_size must be an integer >= 4.
    activation: the identity (linear) or ReLU, i.e. a piecewise-linear activation with
    negative-side slope 1 or 0 (core.activations); Refused for any other.
    """
    act = get_activation(activation)
    if not has_batchnorm_rate(activation):
        raise Refused(
            f"activation {act.label}: Yang et al.'s batchnorm rate has a closed form here for "
            "ReLU and the identity only"
        )
    b = _check_int("batch_size", batch_size, 4)
    if act.negative_slope == 1.0:  # the identity
        return (b - 2) / (b - 3)
    c = -1.0 / (b - 1)
    j1 = _arccos_kernel_j1(c)
    both_positive = (math.pi - math.acos(c)) / (2.0 * math.pi)
    numerator = b * (b - 3) + 2 + (b - 1) * (2.0 * both_positive + j1)
    return numerator / ((b - 1) * (b - 3) * (1.0 - j1))
