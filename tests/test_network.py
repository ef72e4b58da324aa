"""The network's contract: shapes, initialization, validation and purity."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from core.activations import ACTIVATIONS, get_activation, sigmoid
from core.losses import binary_cross_entropy, squared_error
from core.network import NetworkSpec, backward, forward, init_params, loss_and_grads, sgd_step


def test_sigmoid_is_finite_and_silent_for_huge_inputs():
    z = np.array([-1e300, -800.0, -40.0, 0.0, 40.0, 800.0, 1e300])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        out = sigmoid(z)
        d = get_activation("sigmoid").derivative(z, out)
    assert np.all(np.isfinite(out)) and np.all(np.isfinite(d))
    assert out[0] == 0.0 and out[-1] == 1.0 and out[3] == 0.5
    assert 0 < out[2] < 1e-17  # full relative precision on the small side
    assert d[3] == 0.25


def test_sigmoid_of_one_float_is_the_arrays_number():
    z = np.array([-1e300, -800.0, -40.0, -0.7, 0.0, 5e-324, 0.4, 40.0, 800.0, 1e300])
    act = get_activation("sigmoid")
    out, d = sigmoid(z), act.derivative(z, sigmoid(z))
    for k, value in enumerate(z.tolist()):
        one = sigmoid(value)
        assert type(one) is float and one == out[k], (value, one, out[k])
        slope = act.derivative(value, one)
        assert type(slope) is float and slope == d[k], (value, slope, d[k])


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_activation_derivatives_match_finite_differences(name):
    act = get_activation(name)
    z = np.array([-3.0, -0.7, 0.4, 2.5])  # away from the ReLU kink
    h = 1e-6
    numeric = (act.forward(z + h) - act.forward(z - h)) / (2 * h)
    np.testing.assert_allclose(act.derivative(z, act.forward(z)), numeric, rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize(
    "init,var", [("xavier", 2 / (300 + 200)), ("he", 2 / 300), ("lecun", 1 / 300), (1.5, 1.5 / 300)]
)
def test_init_variances(init, var):
    spec = NetworkSpec(sizes=(300, 200, 1), init=init)
    W = init_params(spec, seed=1)[0].W
    assert W.dtype == np.float64
    assert abs(W.var() / var - 1) < 0.03


def test_init_is_seeded_and_pure():
    spec = NetworkSpec(sizes=(3, 5, 5, 2), batchnorm=True, residual=True)
    a, b, c = init_params(spec, 4), init_params(spec, 4), init_params(spec, 5)
    assert all(np.array_equal(p.W, q.W) for p, q in zip(a, b, strict=True))
    assert not np.array_equal(a[0].W, c[0].W)
    assert a[0].gamma is not None and a[-1].gamma is None  # no batchnorm on the output layer
    assert np.all(a[0].b == 0) and np.all(a[0].gamma == 1) and np.all(a[0].beta == 0)


def test_residual_layers_and_shapes():
    spec = NetworkSpec(sizes=(2, 4, 4, 4, 1), residual=True, residual_scale=0.5)
    assert [spec.has_skip(i) for i in range(4)] == [False, True, True, False]
    params = init_params(spec, 0)
    x = np.random.default_rng(0).normal(size=(5, 2))
    y_hat, cache = forward(params, spec, x)
    assert y_hat.shape == (5, 1)
    # The pre-activation block (DESIGN.md): h_2 = h_1 + s * (phi(h_1) W_2 + b_2)
    h1, h2 = cache.layers[0].out, cache.layers[1].out
    np.testing.assert_array_equal(cache.layers[1].act[0], h1)  # phi receives h_1 itself
    branch = sigmoid(h1) @ params[1].W + params[1].b
    np.testing.assert_allclose(h2, h1 + 0.5 * branch, atol=1e-15)
    grads = backward(params, spec, cache, np.random.default_rng(1).normal(size=(5, 1)))
    for p, g, n in zip(params, grads, spec.sizes[1:], strict=True):
        assert g.W.shape == p.W.shape and g.b.shape == p.b.shape and g.delta.shape == (5, n)


def test_forward_and_backward_do_not_modify_their_inputs():
    spec = NetworkSpec(sizes=(3, 4, 4, 2), batchnorm=True, residual=True)
    params = init_params(spec, 0)
    x = np.random.default_rng(0).normal(size=(4, 3))
    before = [p.W.copy() for p in params], x.copy()
    res = loss_and_grads(params, spec, x, np.zeros((4, 2)), "bce")
    sgd_step(params, res.grads, 0.1)
    assert all(np.array_equal(p.W, w) for p, w in zip(params, before[0], strict=True))
    assert np.array_equal(x, before[1])


def test_sgd_step_moves_against_the_gradient_and_lowers_the_loss():
    spec = NetworkSpec(sizes=(2, 6, 1), activation="tanh")
    rng = np.random.default_rng(3)
    x, y = rng.normal(size=(8, 2)), rng.uniform(size=(8, 1))
    params = init_params(spec, 0)
    res = loss_and_grads(params, spec, x, y)
    new = sgd_step(params, res.grads, 0.05)
    np.testing.assert_allclose(new[0].W, params[0].W - 0.05 * res.grads[0].W)
    assert loss_and_grads(new, spec, x, y).loss < res.loss


def test_losses():
    y_hat = np.array([[0.2], [0.9]])
    y = np.array([[0.0], [1.0]])
    value, grad = squared_error(y_hat, y)
    assert value == pytest.approx((0.5 * 0.04 + 0.5 * 0.01) / 2)
    np.testing.assert_allclose(grad, (y_hat - y) / 2)
    # cross-entropy stays exact where sigma(z) rounds to 0 or 1
    z = np.array([[800.0], [-800.0]])
    value, grad = binary_cross_entropy(z, np.array([[0.0], [1.0]]))
    assert value == pytest.approx(800.0) and np.all(np.isfinite(grad))
    np.testing.assert_allclose(grad, [[0.5], [-0.5]])


@pytest.mark.parametrize(
    "make,word",
    [
        (lambda: NetworkSpec(sizes=(2,)), "sizes"),
        (lambda: NetworkSpec(sizes=(2, 0, 1)), "sizes"),
        (lambda: NetworkSpec(sizes=(2, 2.5, 1)), "sizes"),
        (lambda: NetworkSpec(sizes=(2, 3, 1), activation="swish"), "activation"),
        (lambda: NetworkSpec(sizes=(2, 3, 1), output_activation="softmax"), "output_activation"),
        (lambda: NetworkSpec(sizes=(2, 3, 1), init="glorot"), "init"),
        (lambda: NetworkSpec(sizes=(2, 3, 1), init=-1.0), "init"),
        (lambda: NetworkSpec(sizes=(2, 3, 1), init=float("nan")), "init"),
        (lambda: NetworkSpec(sizes=(2, 3, 4, 1), residual=True), "residual"),
        (
            lambda: NetworkSpec(sizes=(2, 3, 3, 1), residual=True, residual_scale=float("inf")),
            "residual_scale",
        ),
        (lambda: init_params(NetworkSpec(sizes=(2, 3, 1)), seed=-1), "seed"),
    ],
)
def test_bad_specs_are_refused(make, word):
    with pytest.raises(ValueError, match=word):
        make()


def test_bad_arrays_are_refused():
    spec = NetworkSpec(sizes=(2, 3, 1))
    params = init_params(spec, 0)
    good = np.zeros((4, 2))
    with pytest.raises(ValueError, match=r"x must have shape"):
        forward(params, spec, np.zeros((4, 3)))
    with pytest.raises(ValueError, match="x must be finite"):
        forward(params, spec, np.array([[np.nan, 0.0]]))
    bad = [type(params[0])(W=params[0].W.copy(), b=params[0].b), params[1]]
    bad[0].W[0, 0] = np.inf
    with pytest.raises(ValueError, match=r"params\[0\].W must be finite"):
        forward(bad, spec, good)
    with pytest.raises(ValueError, match=r"params\[1\].W must be an array of shape"):
        forward([params[0], type(params[1])(W=np.zeros((2, 1)), b=params[1].b)], spec, good)
    with pytest.raises(ValueError, match="params must have 2 layers"):
        forward(params[:1], spec, good)
    _, cache = forward(params, spec, good)
    with pytest.raises(ValueError, match="dy_hat must have the shape"):
        backward(params, spec, cache, np.zeros((4, 2)))
    with pytest.raises(ValueError, match="lr"):
        sgd_step(params, loss_and_grads(params, spec, good, np.zeros((4, 1))).grads, -0.1)
    with pytest.raises(ValueError, match="loss must be one of"):
        loss_and_grads(params, spec, good, np.zeros((4, 1)), "hinge")
    with pytest.raises(ValueError, match="y must have the shape"):
        loss_and_grads(params, spec, good, np.zeros((3, 1)))


@pytest.mark.parametrize("field", ["W", "b", "gamma", "beta"])
@pytest.mark.parametrize("bad_value", [np.nan, np.inf, -np.inf])
def test_a_bad_value_in_any_layer_is_named_and_huge_finite_weights_pass(field, bad_value):
    # forward checks each layer's values by one sum of squares (core.spec.check_finite);
    # an inf or nan anywhere must still be found and named, and weights whose squares
    # overflow that sum are finite, so they must pass.
    spec = NetworkSpec(sizes=(3, 4, 4, 4, 1), batchnorm=True)
    params = init_params(spec, 0)
    x = np.random.default_rng(0).normal(size=(5, 3))
    arrays = [{f: getattr(p, f).copy() for f in ("W", "b", "gamma", "beta")} for p in params[:-1]]
    arrays[2][field][1] = bad_value  # the last hidden layer, after two layers computed
    bad = [type(p)(**a) for p, a in zip(params, arrays, strict=False)] + params[-1:]
    with pytest.raises(ValueError, match=rf"params\[2\]\.{field} must be finite"):
        forward(bad, spec, x)
    huge = [
        type(params[0])(
            W=params[0].W * 1e200, b=params[0].b, gamma=params[0].gamma, beta=params[0].beta
        ),
        *params[1:],
    ]
    with np.errstate(over="ignore", invalid="ignore"):
        y_hat, _ = forward(huge, spec, x)  # may overflow later on: allowed, not refused
    assert y_hat.shape == (5, 1)


def test_core_imports_neither_streamlit_nor_plotly():
    code = (
        "import sys, pkgutil, importlib, core;"
        "[importlib.import_module('core.' + m.name) for m in pkgutil.iter_modules(core.__path__)];"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('streamlit', 'plotly')];"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
