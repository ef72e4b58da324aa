"""Backprop against central finite differences, over every combination the engine offers."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, seed, settings
from hypothesis import strategies as st

from core.activations import ACTIVATIONS, get_activation
from core.gradcheck import (
    RESOLUTION,
    check_network,
    gradients_agree,
    numerical_gradient,
    relative_error,
)
from core.layers import batchnorm_backward, batchnorm_forward
from core.losses import LOSSES
from core.network import NetworkSpec, backward, forward, init_params

TOLERANCE = 1e-7
KINKED = ("relu", "leaky_relu")
WORST: dict[str, float] = {"worst": 0.0}  # read by test_report_worst_error

COMBOS = list(
    itertools.product(
        ACTIVATIONS, (False, True), (False, True), (False, True), LOSSES, ("sigmoid", "linear")
    )
)


def _pre_activations(params, spec, x):
    _, cache = forward(params, spec, x)
    return [lc.act[0] for lc in cache.layers]


def _every_parameter_matters(params: list, rng: np.random.Generator) -> list:
    """Nonzero biases, gammas and betas (init gives 0, 1, 0), so that every parameter
    really matters to the check."""
    return [
        type(p)(
            W=p.W,
            b=None if p.b is None else rng.normal(0, 0.5, p.b.shape),
            gamma=None if p.gamma is None else rng.uniform(0.5, 1.5, p.gamma.shape),
            beta=None if p.beta is None else rng.normal(0, 0.5, p.beta.shape),
        )
        for p in params
    ]


def _off_kink(z: np.ndarray, margin: float) -> bool:
    """No entry within margin of the kink at 0, exact zeros aside: in a residual block the
    activation receives h_{l-1} itself, whose exact zeros come from a ReLU that is off
    upstream (its own input is checked too), and stay zero under any small nudge."""
    moving = np.abs(z[z != 0.0])
    return moving.size == 0 or float(np.min(moving)) > margin


@st.composite
def shapes(draw, residual: bool, batchnorm: bool):
    # Batchnorm makes a unit blind to the scale of its incoming weights, so a unit fed by
    # a single weight has an (eps-sized) zero gradient there: give such units >= 2 inputs.
    low = 2 if batchnorm else 1
    n_in = draw(st.integers(low, 3))
    width = draw(st.integers(low, 4))
    depth = draw(st.integers(2 if residual else 1, 3))  # a skip needs two equal widths
    n_out = draw(st.integers(1, 2))
    # With a batch of 2, batchnorm maps each unit to +-1 whatever the input, so its input
    # gradient is eps-sized and finite differences see only rounding: start at 3.
    batch = draw(st.integers(3 if batchnorm else 2, 5))
    hidden = [width] * depth if residual else [draw(st.integers(low, 4)) for _ in range(depth)]
    return (n_in, *hidden, n_out), batch, draw(st.integers(0, 2**16))


@pytest.mark.parametrize(
    "activation,residual,batchnorm,bias,loss,output",
    COMBOS,
    ids=["-".join(map(str, c)) for c in COMBOS],
)
def test_network_gradients_match_finite_differences(
    activation, residual, batchnorm, bias, loss, output
):
    @seed(20261128)
    @settings(
        max_examples=4,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow],
    )
    @given(shapes(residual, batchnorm))
    def check(drawn):
        sizes, batch, s = drawn
        spec = NetworkSpec(
            sizes=sizes,
            activation=activation,
            output_activation=output,
            init="xavier",
            bias=bias,
            residual=residual,
            residual_scale=0.7,
            batchnorm=batchnorm,
        )
        rng = np.random.default_rng(s)
        params = _every_parameter_matters(init_params(spec, seed=s), rng)
        x = rng.normal(0, 1, (batch, sizes[0]))
        y = rng.uniform(0, 1, (batch, sizes[-1]))
        if activation in KINKED:
            zs = _pre_activations(params, spec, x)[:-1]
            assume(all(_off_kink(z, 1e-3) for z in zs))
        report = check_network(params, spec, x, y, loss)
        for name, (err, analytic, numeric) in report.items():
            assert gradients_agree(analytic, numeric, TOLERANCE), (
                f"{name}: ours {analytic} vs numeric {numeric} (rel {err:.2e})"
            )
            if (
                np.max(np.abs(analytic)) > RESOLUTION / TOLERANCE
            ):  # where relative error is meaningful
                WORST["worst"] = max(WORST["worst"], err)

    check()


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("batchnorm", [False, True])
def test_backward_with_random_upstream_gradient(activation, batchnorm):
    """f = sum(G * y_hat) with a random G, so dy_hat = G (never all ones)."""
    rng = np.random.default_rng(11)
    spec = NetworkSpec(
        sizes=(3, 4, 4, 2),
        activation=activation,
        output_activation="linear",
        residual=True,
        batchnorm=batchnorm,
    )
    params = init_params(spec, seed=3)
    x = rng.normal(0, 1, (4, 3))
    if activation in KINKED:
        z = _pre_activations(params, spec, x)[:-1]
        assert all(_off_kink(zz, 1e-4) for zz in z), "choose another seed: a unit is at the kink"
    G = rng.normal(0, 1, (4, 2))
    _, cache = forward(params, spec, x)
    grads = backward(params, spec, cache, G)
    for i, p in enumerate(params):

        def f(W, i=i, p=p):
            ps = list(params)
            ps[i] = type(p)(W=W, b=p.b, gamma=p.gamma, beta=p.beta)
            return float(np.sum(G * forward(ps, spec, x)[0]))

        numeric = numerical_gradient(f, p.W)
        assert gradients_agree(grads[i].W, numeric, TOLERANCE), (
            f"W{i + 1}: ours {grads[i].W} vs numeric {numeric} "
            f"(rel {relative_error(grads[i].W, numeric):.2e})"
        )


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("batchnorm", [False, True])
@pytest.mark.parametrize("bias", [False, True])
@pytest.mark.parametrize("scale", [1.0, 0.3])
def test_pre_activation_residual_block(activation, batchnorm, bias, scale):
    """The block of DESIGN.md, by hand, and every parameter's gradient by finite
    differences: u = BN(h) or h, z = phi(u) W + b, h_next = h + s z."""
    rng = np.random.default_rng(5)
    spec = NetworkSpec(
        sizes=(4, 4, 4, 2),  # n_in = width: every hidden layer is a residual block
        activation=activation,
        output_activation="linear",
        bias=bias,
        residual=True,
        residual_scale=scale,
        batchnorm=batchnorm,
    )
    params = _every_parameter_matters(init_params(spec, seed=7), rng)
    x = rng.normal(0, 1, (5, 4))
    act = get_activation(activation)
    h = x
    for p in params[:2]:
        u = batchnorm_forward(h, p.gamma, p.beta, spec.bn_eps)[0] if batchnorm else h
        h = h + scale * (act.forward(u) @ p.W + (p.b if bias else 0.0))
    y_hat, cache = forward(params, spec, x)
    np.testing.assert_allclose(cache.layers[1].out, h, rtol=1e-12)
    np.testing.assert_allclose(y_hat, h @ params[2].W + (params[2].b if bias else 0.0))
    if activation in KINKED:
        assert all(_off_kink(z, 1e-4) for z in _pre_activations(params, spec, x)[:-1])
    report = check_network(params, spec, x, rng.uniform(0, 1, (5, 2)), "squared_error")
    expected = {"x", "W1", "W2", "W3"} | ({"b1", "b2", "b3"} if bias else set())
    expected |= {"gamma1", "beta1", "gamma2", "beta2"} if batchnorm else set()
    assert set(report) == expected  # every parameter of the block is checked
    for name, (err, analytic, numeric) in report.items():
        WORST["worst"] = max(WORST["worst"], err)
        assert gradients_agree(analytic, numeric, TOLERANCE), (
            f"{name}: ours {analytic} vs numeric {numeric} (rel {err:.2e})"
        )


def test_batchnorm_gradients_with_shifted_inputs():
    """Inputs far from zero mean (5 randn + 12) and a random upstream gradient."""
    rng = np.random.default_rng(0)
    x = 5 * rng.standard_normal((6, 4)) + 12
    gamma, beta = rng.normal(1, 0.3, 4), rng.normal(0, 1, 4)
    dout = rng.standard_normal((6, 4))
    _, cache = batchnorm_forward(x, gamma, beta, 1e-5)
    dx, dgamma, dbeta = batchnorm_backward(dout, cache)

    def f_x(v):
        return float(np.sum(dout * batchnorm_forward(v, gamma, beta, 1e-5)[0]))

    for name, ours, numeric in (
        ("x", dx, numerical_gradient(f_x, x)),
        (
            "gamma",
            dgamma,
            numerical_gradient(
                lambda g: float(np.sum(dout * batchnorm_forward(x, g, beta, 1e-5)[0])), gamma
            ),
        ),
        (
            "beta",
            dbeta,
            numerical_gradient(
                lambda b: float(np.sum(dout * batchnorm_forward(x, gamma, b, 1e-5)[0])), beta
            ),
        ),
    ):
        err = relative_error(ours, numeric)
        WORST["worst"] = max(WORST["worst"], err)
        assert err < TOLERANCE, f"{name}: ours {ours} vs numeric {numeric}"
    # The gradient through the batch statistics must not cancel to nothing.
    assert np.linalg.norm(dx) > 0.1 * np.linalg.norm(dout * gamma / x.std(axis=0))
    # dx sums to zero over the batch (shifting every sample equally changes nothing).
    np.testing.assert_allclose(dx.sum(axis=0), 0.0, atol=1e-12)


def test_report_worst_error():
    """Runs last in this module: the worst relative error seen must be below tolerance."""
    print(f"\nworst relative error in gradient checks: {WORST['worst']:.3e}")
    assert WORST["worst"] < TOLERANCE
