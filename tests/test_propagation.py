"""core.propagation: mean-field theory followed layer by layer, against closed forms."""

from __future__ import annotations

import math

import numpy as np
import pytest

from core import activations, propagation, theory
from core.limits import Refused


def _factors(log_profile: np.ndarray) -> np.ndarray:
    """Per-layer factors toward the input of a log10 profile."""
    return 10.0 ** -np.diff(log_profile)


def test_plain_settles_at_sqrt_chi_1():
    for activation, sw2 in (("sigmoid", 1.0), ("tanh", 2.0), ("relu", 2.0), ("relu", 1.0)):
        p = propagation.plain_profile(activation, sw2, 40)
        settled = _factors(p.signal)[-5:]
        assert settled == pytest.approx([theory.per_layer_factor(activation, sw2)] * 5, rel=1e-6)


def test_relu_updates_stay_level_whatever_the_weights():
    # Without biases a ReLU layer scales the forward signal by sqrt(sigma_w^2 / 2) and the
    # backward one by the same toward the input: their product, the update, is level.
    for sw2 in (0.5, 1.0, 2.0, 8.0):
        p = propagation.plain_profile("relu", sw2, 30)
        assert _factors(p.update) == pytest.approx([1.0] * 29)
        assert _factors(p.signal)[0] == pytest.approx(math.sqrt(sw2 / 2))


def test_residual_relu_he_grows_sqrt_2_in_both_passes():
    p = propagation.residual_profile("relu", 2.0, 1.0, 30)
    assert _factors(p.signal) == pytest.approx([math.sqrt(2)] * 29)
    assert 10.0 ** np.diff(p.forward) == pytest.approx([math.sqrt(2)] * 29)
    assert p.q[1:] / p.q[:-1] == pytest.approx([2.0] * 30)  # 2^L in variance
    assert _factors(p.update) == pytest.approx([1.0] * 29)


def test_a_scaled_branch_keeps_the_whole_depth_within_sqrt_e():
    depth = 100
    p = propagation.residual_profile("relu", 2.0, 1 / math.sqrt(depth), depth)
    whole = 10.0 ** p.signal[0]  # layer 1 relative to layer depth
    assert whole == pytest.approx((1 + 1 / depth) ** ((depth - 1) / 2))
    assert whole < math.sqrt(math.e)


def test_sigmoid_residual_factor_follows_the_growing_variance():
    p = propagation.residual_profile("sigmoid", 1.0, 1.0, 30)
    q = p.q
    # Each block adds sigma_w^2 E[sigmoid(u)^2] >= 1/4 of variance ...
    assert np.all(np.diff(q) >= 0.25)
    step = [1 + propagation.mean_square_slope("sigmoid", v) for v in q[1:-1]]
    assert _factors(p.signal) == pytest.approx(np.sqrt(step))
    # ... and the slope shrinks as the variance grows: the factor falls toward 1.
    assert np.all(np.diff(_factors(p.signal)) < 0)


def test_deep_relu_variance_stays_in_log_space():
    p = propagation.plain_profile("relu", 100.0, 500)  # 50^500 would overflow float64
    assert np.isfinite(p.update).all() and np.isfinite(p.signal).all()
    r = propagation.residual_profile("relu", 100.0, 1.0, 1000)
    assert np.isfinite(r.signal).all() and r.signal[0] == pytest.approx(999 * math.log10(51) / 2)


def test_correlation_map_orders_sigmoid_and_keeps_its_fixed_points():
    c = propagation.correlation_map("sigmoid", 1.0, 1.0, 0.0, 8)
    assert c[0] == 0.0 and np.all(np.diff(c) > 0) and c[-1] > 0.999999  # ordered: c -> 1
    # An odd activation keeps uncorrelated inputs uncorrelated (c = 0 is a fixed point).
    assert np.abs(propagation.correlation_map("tanh", 1.5, 1.0, 0.0, 6)).max() < 1e-12
    # Identical inputs stay identical.
    assert propagation.correlation_map("relu", 2.0, 2.0, 1.0, 6) == pytest.approx([1.0] * 6)


def test_relu_correlation_follows_the_arccos_kernel():
    c1 = 0.3
    c = propagation.correlation_map("relu", 2.0, 2.0, c1, 2)
    expected = math.sqrt(1 - c1 * c1) + (math.pi - math.acos(c1)) * c1  # Cho & Saul
    assert c[1] == pytest.approx(expected / math.pi, rel=1e-4)


def test_what_theory_cannot_predict_is_refused():
    softplus = activations.Activation(
        "softplus_test",
        lambda z: np.logaddexp(0.0, z),
        lambda z, h: 1.0 / (1.0 + np.exp(-z)),
        label="softplus",
        default_init="he",
    )
    activations.register(softplus)
    try:
        for call in (
            lambda: propagation.plain_profile("softplus_test", 1.0, 3),
            lambda: propagation.residual_profile("softplus_test", 1.0, 1.0, 3),
            lambda: propagation.correlation_map("softplus_test", 1.0, 1.0, 0.0, 3),
        ):
            with pytest.raises(Refused, match="no prediction"):
                call()
    finally:
        activations.unregister("softplus_test")
    with pytest.raises(ValueError, match="c1"):
        propagation.correlation_map("relu", 2.0, 2.0, 1.5, 3)
