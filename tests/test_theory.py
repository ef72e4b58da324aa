"""Tests for core.theory: mean-field predictions, bounds, inits and the batchnorm rate."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from core.activations import ACTIVATIONS
from core.theory import (
    batchnorm_rate,
    chi_1,
    fixed_point_q,
    gauss_hermite_expectation,
    init_sigma_w2,
    length_map,
    per_layer_factor,
    predicted_profile,
    sigmoid_bound_log10,
    sigmoid_weighted_bound_log10,
)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))


# ---------------------------------------------------------------- worked examples


def test_relu_he_is_critical() -> None:
    assert chi_1("relu", 2.0) == 1.0
    assert chi_1("relu", init_sigma_w2("he", 300, 100)) == 1.0


def test_sigmoid_fixed_point_and_factor_match_reference() -> None:
    q_star = fixed_point_q("sigmoid", 1.0, 0.0)
    factor = per_layer_factor("sigmoid", 1.0, 0.0)
    assert abs(q_star - 0.265) < 0.002, f"ours {q_star}, reference 0.265"
    assert abs(factor - 0.236) < 0.002, f"ours {factor}, reference 0.236"


def test_tanh_chi_1_matches_reference() -> None:
    ours = chi_1("tanh", 2.0)
    assert abs(ours - 1.106) < 0.003, f"ours {ours}, reference 1.106"


def test_piecewise_linear_chi_1_closed_forms() -> None:
    assert chi_1("relu", 1.0) == pytest.approx(0.5)
    assert chi_1("leaky_relu", 2.0) == pytest.approx(1.0 + 0.01**2)
    assert chi_1("linear", 0.7) == pytest.approx(0.7)
    # "ReLU: no more vanishing" needs He init; at sigma_w2 = 1 it shrinks by sqrt(1/2).
    assert per_layer_factor("relu", 1.0) == pytest.approx(math.sqrt(0.5))


def test_tanh_crosses_the_edge_of_chaos() -> None:
    assert chi_1("tanh", 0.5) < 1.0 < chi_1("tanh", 2.0)
    # With sigma_b2 = 0 and sigma_w2 <= 1 the length map drives q to 0, where tanh' = 1.
    assert chi_1("tanh", 0.5) == pytest.approx(0.5)


# ---------------------------------------------------------------- quadrature


@pytest.mark.parametrize(
    ("name", "f", "q"),
    [
        ("sigmoid^2", lambda x: _sigmoid(x) ** 2, 0.265),
        ("tanh^2", lambda x: np.tanh(x) ** 2, 1.7),
        ("tanh'^2", lambda x: (1.0 - np.tanh(x) ** 2) ** 2, 4.0),
        ("sigmoid'^2", lambda x: (_sigmoid(x) * (1.0 - _sigmoid(x))) ** 2, 9.0),
    ],
)
def test_quadrature_agrees_with_monte_carlo(name: str, f, q: float) -> None:
    rng = np.random.default_rng(1234)
    samples = f(math.sqrt(q) * rng.standard_normal(400_000))
    mc_mean = samples.mean()
    std_error = samples.std() / math.sqrt(samples.size)
    ours = gauss_hermite_expectation(f, q)
    assert abs(ours - mc_mean) < 5 * std_error, f"{name}: quadrature {ours}, Monte Carlo {mc_mean}"


def test_quadrature_is_exact_on_polynomials() -> None:
    # E[(sqrt(q) z)^4] = 3 q^2 and E[(sqrt(q) z)^2] = q.
    assert gauss_hermite_expectation(lambda x: x**4, 2.5, n=5) == pytest.approx(3 * 2.5**2)
    assert gauss_hermite_expectation(lambda x: x**2, 0.3) == pytest.approx(0.3)


def test_length_map_piecewise_linear_closed_forms() -> None:
    assert length_map(3.0, "relu", 2.0, 0.1) == pytest.approx(3.1)
    assert length_map(3.0, "linear", 0.5, 0.0) == pytest.approx(1.5)
    # the relu closed form agrees with quadrature (E[relu(x)^2] is smooth enough)
    quad = gauss_hermite_expectation(lambda x: np.maximum(x, 0.0) ** 2, 3.0)
    assert length_map(3.0, "relu", 1.0) == pytest.approx(quad, rel=1e-10)


# ---------------------------------------------------------------- fixed point


@pytest.mark.parametrize(
    ("activation", "sigma_w2", "sigma_b2"),
    [
        ("sigmoid", 1.0, 0.0),
        ("sigmoid", 3.0, 0.5),
        ("tanh", 2.0, 0.0),
        ("tanh", 1.0001, 0.0),  # near-critical: slow iteration, finished by bisection
        ("tanh", 1.0, 0.05),
        ("tanh", 0.5, 0.0),
        ("relu", 1.0, 0.3),
        ("leaky_relu", 1.5, 0.2),
    ],
)
def test_fixed_point_is_fixed(activation: str, sigma_w2: float, sigma_b2: float) -> None:
    q_star = fixed_point_q(activation, sigma_w2, sigma_b2)
    image = length_map(q_star, activation, sigma_w2, sigma_b2)
    assert math.isfinite(q_star)
    assert abs(image - q_star) < 1e-10, f"q* = {q_star}, length_map(q*) = {image}"


def test_fixed_point_near_critical_tanh_is_positive() -> None:
    # Above sigma_w2 = 1 the 0 fixed point is unstable; the stable one is small but > 0.
    q_star = fixed_point_q("tanh", 1.01, 0.0)
    assert 1e-4 < q_star < 0.05


def test_fixed_point_degenerate_piecewise_linear_cases() -> None:
    assert fixed_point_q("relu", 2.0, 0.0, q0=3.5) == 3.5  # the map is the identity
    assert fixed_point_q("relu", 3.0) == math.inf
    assert fixed_point_q("linear", 1.0, 0.1) == math.inf
    assert fixed_point_q("relu", 1.0) == 0.0
    assert fixed_point_q("tanh", 0.8) == 0.0


# ---------------------------------------------------------------- profile and bounds


def test_predicted_profile_shape_and_ends() -> None:
    depth = 1000
    profile = predicted_profile("sigmoid", 1.0, depth)
    expected_first = (depth - 1) * math.log10(per_layer_factor("sigmoid", 1.0))
    assert profile.shape == (depth,)
    assert profile.dtype == np.float64
    assert profile[-1] == 0.0
    assert profile[0] == pytest.approx(expected_first)
    assert np.all(np.isfinite(profile))
    assert np.all(np.diff(profile) > 0)  # vanishing: earlier layers are smaller
    np.testing.assert_array_equal(predicted_profile("relu", 2.0, 10), np.zeros(10))


def test_sigmoid_bounds() -> None:
    assert sigmoid_bound_log10(100) == pytest.approx(math.log10(0.25**100), abs=1e-10)
    assert sigmoid_bound_log10(100) == pytest.approx(math.log10(6.2e-61), abs=0.01)
    # the course's 0.5^100 = 7.9e-31 is a different (and wrong) number
    assert abs(sigmoid_bound_log10(100) - math.log10(7.9e-31)) > 29
    assert sigmoid_bound_log10(0) == 0.0
    assert sigmoid_weighted_bound_log10(100, 1.0) == pytest.approx(sigmoid_bound_log10(100))
    assert sigmoid_weighted_bound_log10(50, 4.0) == pytest.approx(0.0)
    assert sigmoid_weighted_bound_log10(3, 2.0) == pytest.approx(3 * math.log10(0.5))


# ---------------------------------------------------------------- initializations


def test_init_sigma_w2() -> None:
    assert init_sigma_w2("xavier", 100, 100) == pytest.approx(1.0)
    assert init_sigma_w2("xavier", 100, 300) == pytest.approx(0.5)
    assert init_sigma_w2("he", 7, 3) == 2.0
    assert init_sigma_w2("lecun", 7, 3) == 1.0
    assert init_sigma_w2(0.3, 7, 3) == 0.3


# ---------------------------------------------------------------- batchnorm rate


@pytest.mark.parametrize("batch_size", [4, 5, 8, 32, 1000])
def test_batchnorm_rate_linear(batch_size: int) -> None:
    expected = (batch_size - 2) / (batch_size - 3)
    assert batchnorm_rate("linear", batch_size) == pytest.approx(expected, rel=1e-14)


def test_batchnorm_rate_relu_large_batch_limit() -> None:
    limit = math.pi / (math.pi - 1.0)
    assert batchnorm_rate("relu", 10**7) == pytest.approx(limit, rel=1e-6)
    rates = [batchnorm_rate("relu", b) for b in (4, 8, 32, 128, 1024)]
    assert all(a > b > limit for a, b in itertools.pairwise(rates))
    # relu explodes faster than linear at every batch size
    assert all(batchnorm_rate("relu", b) > batchnorm_rate("linear", b) for b in (4, 8, 32))


def _measured_bn_rate(activation: str, batch_size: int, width: int, depth: int, seed: int) -> float:
    """Geometric-mean per-layer ratio of ||dL/dx_l||^2 in a random deep BN net.

    Forward: x_l = h_{l-1} W_l, z_l = (x_l - mean) / std over the batch, h_l = phi(z_l).
    Backward through BN uses the batch statistics (gradient flows through mean and
    variance): dx = (dz - mean(dz) - z mean(dz z)) / std.
    """
    rng = np.random.default_rng(seed)
    h = rng.standard_normal((batch_size, width))
    caches = []
    for _ in range(depth):
        w = rng.standard_normal((width, width)) * math.sqrt(2.0 / width)
        x = h @ w
        xc = x - x.mean(axis=0)
        inv_std = 1.0 / np.sqrt((xc**2).mean(axis=0))
        z = xc * inv_std
        h = np.maximum(z, 0.0) if activation == "relu" else z
        caches.append((w, z, inv_std))
    dh = rng.standard_normal((batch_size, width))
    sq_norms = []
    for w, z, inv_std in reversed(caches):
        dz = dh * (z > 0) if activation == "relu" else dh
        dx = inv_std * (dz - dz.mean(axis=0) - z * (dz * z).mean(axis=0))
        sq_norms.append(float(np.sum(dx**2)))
        dh = dx @ w.T
    sq_norms = np.array(sq_norms[::-1])  # index = layer, input side first
    ratios = sq_norms[:-1] / sq_norms[1:]
    # skip the layers where the signal has not yet settled into its fixed point
    return float(np.exp(np.log(ratios[10:-10]).mean()))


@pytest.mark.parametrize(("activation", "batch_size"), [("relu", 32), ("linear", 8)])
def test_batchnorm_rate_matches_monte_carlo(activation: str, batch_size: int) -> None:
    measured = _measured_bn_rate(activation, batch_size, width=512, depth=50, seed=0)
    formula = batchnorm_rate(activation, batch_size)
    assert abs(measured / formula - 1.0) < 0.03, f"measured {measured}, formula {formula}"


@pytest.mark.parametrize("batch_size", [4, 5, 8])
def test_batchnorm_rate_relu_matches_its_mean_field_expectation(batch_size: int) -> None:
    """The deep-net check above is only good to ~1% (finite width); this one checks the
    closed form's algebra to ~0.3% by sampling the infinite-width expectation directly.

    At the fixed point z / sqrt(B) is uniform on the unit sphere orthogonal to 1, and
    rate = B E[tr(P D G D)] / (a (B - 1) (B - 3)) with G = I - 11^T/B, D = diag(z > 0),
    P = G - z z^T / B and a = E[relu(z_i)^2] - E[relu(z_i) relu(z_j)], i != j.
    """
    b = batch_size
    rng = np.random.default_rng(7)
    g = rng.standard_normal((200_000, b))
    g -= g.mean(axis=1, keepdims=True)
    z = math.sqrt(b) * g / np.linalg.norm(g, axis=1, keepdims=True)
    r = np.maximum(z, 0.0)
    k = (z > 0).sum(axis=1)
    s = r.sum(axis=1)
    ss = (r**2).sum(axis=1)
    a = ss.mean() / b - (s**2 - ss).mean() / (b * (b - 1))
    trace = k - 2 * k / b + k**2 / b**2 - ss / b + s**2 / b**2  # tr(P D G D), expanded
    sampled = b * trace.mean() / (a * (b - 1) * (b - 3))
    formula = batchnorm_rate("relu", b)
    assert abs(sampled / formula - 1.0) < 0.005, f"sampled {sampled}, formula {formula}"


def test_batchnorm_monte_carlo_distinguishes_batch_sizes() -> None:
    # the check above would catch a formula that ignored B: rates at B = 8 and 32 differ
    assert batchnorm_rate("relu", 8) / batchnorm_rate("relu", 32) > 1.15


# ---------------------------------------------------------------- input validation


@pytest.mark.parametrize(
    ("call", "argument"),
    [
        (lambda: chi_1("softplus", 1.0), "activation"),
        (lambda: chi_1("tanh", 0.0), "sigma_w2"),
        (lambda: chi_1("tanh", math.nan), "sigma_w2"),
        (lambda: chi_1("tanh", 1.0, -0.1), "sigma_b2"),
        (lambda: length_map(-1.0, "tanh", 1.0), "q"),
        (lambda: fixed_point_q("tanh", 2.0, q0=0.0), "q0"),
        (lambda: fixed_point_q("tanh", 2.0, max_iter=0), "max_iter"),
        (lambda: gauss_hermite_expectation(np.tanh, 1.0, n=0), "n"),
        (lambda: predicted_profile("tanh", 1.0, 0), "depth"),
        (lambda: sigmoid_bound_log10(-1), "n_layers"),
        (lambda: sigmoid_bound_log10(2.5), "n_layers"),
        (lambda: sigmoid_weighted_bound_log10(3, 0.0), "sigma_w"),
        (lambda: init_sigma_w2("glorot_typo", 3, 3), "init"),
        (lambda: init_sigma_w2(-1.0, 3, 3), "init"),
        (lambda: init_sigma_w2(math.inf, 3, 3), "init"),
        (lambda: init_sigma_w2("he", 0, 3), "fan_in"),
        (lambda: init_sigma_w2("he", 3, 0), "fan_out"),
        (lambda: batchnorm_rate("tanh", 32), "activation"),
        (lambda: batchnorm_rate("linear", 3), "batch_size"),
        (lambda: batchnorm_rate("relu", 2), "batch_size"),
    ],
)
def test_bad_input_names_the_argument(call, argument: str) -> None:
    with pytest.raises(ValueError, match=rf"^{argument}\b"):
        call()


def test_every_activation_has_a_finite_chi_1() -> None:
    for activation in ACTIVATIONS:
        value = chi_1(activation, 1.5, 0.1)
        assert math.isfinite(value) and value > 0, f"{activation}: {value}"
