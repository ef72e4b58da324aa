"""The course's 2-2-1 example: its printed numbers, a closed form, and the general engine."""

from __future__ import annotations

import math

import numpy as np
import pytest

from core.network import backward, forward, loss_and_grads
from core.worked_example import (
    COURSE_LR,
    COURSE_V,
    COURSE_W,
    COURSE_X,
    COURSE_Y,
    TRAJECTORY_COLUMNS,
    WEIGHT_NAMES,
    as_network,
    chain_rule,
    train,
    trajectory,
    worked_example,
)

# The values the course prints, with the number of decimals it prints them to.
COURSE_NUMBERS = {
    "a1": (0.26, 2),
    "h1": (0.565, 3),
    "a2": (0.30, 2),
    "h2": (0.574, 3),
    "b": (0.569, 3),
    "y_hat": (0.638, 3),
    "E": (0.065, 3),
    "delta_out": (0.083, 3),
    "dv1": (0.024, 3),
    "dv2": (0.024, 3),
    "delta1": (0.012, 3),
    "delta2": (0.008, 3),
    "dw11": (0.003, 3),
}


@pytest.mark.parametrize("name", COURSE_NUMBERS)
def test_reproduces_the_course_numbers(name):
    value, decimals = COURSE_NUMBERS[name]
    ours = getattr(worked_example(), name)
    assert abs(ours - value) <= 0.5 * 10**-decimals + 1e-12, f"{name}: ours {ours}, course {value}"


def _closed_form(x, w, v, y, lr):
    """Written out independently of the engine, straight from the course's formulas."""
    s = lambda z: 1 / (1 + math.exp(-z))  # noqa: E731
    a = [w[0][j] * x[0] + w[1][j] * x[1] for j in range(2)]
    h = [s(aj) for aj in a]
    b = v[0] * h[0] + v[1] * h[1]
    yh = s(b)
    d_out = (y - yh) * yh * (1 - yh)
    d = [d_out * v[j] * h[j] * (1 - h[j]) for j in range(2)]
    out = {
        "a1": a[0],
        "a2": a[1],
        "h1": h[0],
        "h2": h[1],
        "b": b,
        "y_hat": yh,
        "E": 0.5 * (y - yh) ** 2,
        "delta_out": d_out,
        "delta1": d[0],
        "delta2": d[1],
        "dv1": lr * d_out * h[0],
        "dv2": lr * d_out * h[1],
    }
    for i in range(2):
        for j in range(2):
            out[f"dw{i + 1}{j + 1}"] = lr * d[j] * x[i]
    return out


@pytest.mark.parametrize(
    "args",
    [
        (COURSE_X, COURSE_W, COURSE_V, COURSE_Y, COURSE_LR),
        ((1.0, -2.0), ((0.7, -0.1), (0.3, 0.9)), (-1.2, 0.8), 0.0, 0.1),
        ((-0.4, 0.9), ((-1.5, 2.0), (0.25, -0.6)), (2.5, -0.3), 0.7, 2.0),
    ],
)
def test_matches_closed_form(args):
    step = worked_example(*args)
    for name, expected in _closed_form(*args).items():
        assert abs(getattr(step, name) - expected) < 1e-12, (
            f"{name}: {getattr(step, name)} vs {expected}"
        )


@pytest.mark.parametrize(
    "args",
    [
        (COURSE_X, COURSE_W, COURSE_V, COURSE_Y, COURSE_LR),
        ((1.0, -2.0), ((0.7, -0.1), (0.3, 0.9)), (-1.2, 0.8), 0.0, 0.1),
    ],
)
def test_agrees_with_the_general_engine(args):
    step = worked_example(*args)
    spec, params, x, y = as_network(step)
    result = loss_and_grads(params, spec, x, y, "squared_error")
    assert abs(result.y_hat[0, 0] - step.y_hat) < 1e-12
    assert abs(result.loss - step.E) < 1e-12
    # Delta = -eta dE/dweight: the course's updates are gradient descent steps.
    dW1, dW2 = result.grads[0].W, result.grads[1].W
    for i in range(2):
        for j in range(2):
            assert abs(-step.lr * dW1[i, j] - step.update(f"w{i + 1}{j + 1}")) < 1e-12
        assert abs(-step.lr * dW2[i, 0] - step.update(f"v{i + 1}")) < 1e-12
    # delta as the engine defines it (dL/dz) is minus the course's delta.
    assert abs(result.grads[1].delta[0, 0] + step.delta_out) < 1e-12
    assert abs(result.grads[0].delta[0, 0] + step.delta1) < 1e-12
    assert abs(result.grads[0].delta[0, 1] + step.delta2) < 1e-12
    # and backward() from dy_hat gives the same
    y_hat, cache = forward(params, spec, x)
    grads = backward(params, spec, cache, y_hat - y)
    np.testing.assert_allclose(grads[0].W, dW1, rtol=0, atol=1e-15)


def test_course_observations_hold():
    s = worked_example()
    assert s.delta1 > s.delta2  # because v1 = 0.6 > v2 = 0.4
    assert 7.6 < s.dv1 / s.dw11 < 7.7  # not the "about 10x" of the slides
    mean_v = (abs(s.dv1) + abs(s.dv2)) / 2
    mean_w = sum(abs(s.update(n)) for n in ("w11", "w12", "w21", "w22")) / 4
    assert 11.5 < mean_v / mean_w < 11.7


@pytest.mark.parametrize("name", WEIGHT_NAMES)
def test_chain_rule_product_matches_gradient_and_finite_difference(name):
    s = worked_example()
    rule = chain_rule(s, name)
    assert abs(rule.product - s.gradient(name)) < 1e-14
    assert rule.relative_error < 1e-7
    assert len(rule.factors) == (3 if name.startswith("v") else 5)


def test_training_reduces_the_error_and_records_each_step():
    run = train(20)
    assert len(run.errors) == 21 and len(run.steps) == 20
    assert all(b < a for a, b in zip(run.errors, run.errors[1:], strict=False))
    one = worked_example()
    assert run.errors[1] == worked_example(one.x, one.updated_w, one.updated_v, one.y, one.lr).E


def test_trajectory_holds_error_prediction_and_weights_after_each_update():
    run = train(7)
    table = trajectory(run)
    assert table.shape == (8, len(TRAJECTORY_COLUMNS)) and table.dtype == np.float64
    column = {name: table[:, k] for k, name in enumerate(TRAJECTORY_COLUMNS)}
    assert list(column["E"]) == list(run.errors)
    passes = (*run.steps, run.final)
    assert list(column["y_hat"]) == [s.y_hat for s in passes]
    for w in WEIGHT_NAMES:
        assert list(column[w]) == [s.weight(w) for s in passes], w
    assert trajectory(train(0)).shape == (1, len(TRAJECTORY_COLUMNS))


@pytest.mark.parametrize(
    "kwargs,word",
    [
        ({"lr": -0.1}, "lr"),
        ({"lr": 0.0}, "lr"),
        ({"lr": float("nan")}, "lr"),
        ({"x": (float("inf"), 0.0)}, "x1"),
        ({"w": ((1e308, 0), (0, 0))}, "w11"),
        ({"v": (0.1,)}, "v must be"),
        ({"y": "one"}, "y"),
    ],
)
def test_bad_input_is_refused_with_a_named_argument(kwargs, word):
    with pytest.raises(ValueError, match=word):
        worked_example(**kwargs)


def test_bad_weight_name_and_step_count():
    with pytest.raises(ValueError, match="weight must be one of"):
        chain_rule(worked_example(), "w33")
    with pytest.raises(ValueError, match="n_steps"):
        train(-1)
