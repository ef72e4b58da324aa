"""core.trainer: the training loop's engine gives bit for bit what core.network's
forward, output_loss, backward and sgd_step give, step after step, for every kind of
layer the networks have, and keeps the caller's arrays out of its updates."""

from __future__ import annotations

import numpy as np
import pytest

from core.network import (
    NetworkSpec,
    backward_scaled,
    forward_unchecked,
    init_params,
    output_loss,
    sgd_step,
)
from core.trainer import Trainer

FIELDS = ("W", "b", "gamma", "beta")

SPECS = {
    "plain sigmoid": NetworkSpec((2, 7, 7, 7, 1), "sigmoid"),
    "plain tanh": NetworkSpec((2, 7, 7, 1), "tanh"),
    "plain relu, no bias": NetworkSpec((2, 7, 7, 1), "relu", init="he", bias=False),
    "plain linear": NetworkSpec((2, 5, 5, 1), "linear"),
    "leaky relu, linear output": NetworkSpec(
        (2, 6, 6, 1), "leaky_relu", output_activation="linear", init="he"
    ),
    "residual": NetworkSpec((2, 7, 7, 7, 1), "tanh", residual=True),
    "residual, scaled": NetworkSpec(
        (2, 7, 7, 7, 1), "relu", init="he", residual=True, residual_scale=0.5
    ),
    "residual, linear": NetworkSpec((2, 6, 6, 1), "linear", residual=True),
    "batchnorm": NetworkSpec((2, 7, 7, 7, 1), "tanh", batchnorm=True),
    "residual and batchnorm": NetworkSpec(
        (3, 6, 6, 6, 1), "relu", init="he", residual=True, batchnorm=True
    ),
}


def _generic_step(params, spec, x, y, loss, lr):
    """One step the way core.network does it: the reference."""
    y_hat, cache = forward_unchecked(params, spec, x)
    out = output_loss(y_hat, cache, y, loss)
    grads = backward_scaled(params, spec, cache, out.delta_out, rescale=False).grads
    unscaled = [
        [None if getattr(g, f) is None else getattr(g, f).copy() for f in FIELDS] for g in grads
    ]
    sgd_step(params, grads, lr, in_place=True)
    return out, unscaled


@pytest.mark.parametrize("loss", ["bce", "squared_error"])
@pytest.mark.parametrize("kind", list(SPECS))
def test_steps_are_bit_for_bit_core_networks(kind, loss):
    spec = SPECS[kind]
    rng = np.random.default_rng(5)
    reference = init_params(spec, 11)
    trainer = Trainer(spec, init_params(spec, 11))
    for step, rows in enumerate((16, 16, 9, 16, 2)):  # a new batch size now and then
        x = rng.standard_normal((rows, spec.sizes[0]))
        y = (rng.random((rows, 1)) > 0.5).astype(float)
        want, want_grads = _generic_step(reference, spec, x, y, loss, 0.3)
        got = trainer.loss_and_grads(x, y, loss)
        assert got.value == want.value, (kind, step)
        assert np.array_equal(got.delta_out, want.delta_out)
        assert np.array_equal(got.prob, want.prob)
        for g, fields in zip(trainer.grads, want_grads, strict=True):
            for f, expected in zip(FIELDS, fields, strict=True):
                value = getattr(g, f)
                assert (value is None) == (expected is None), (kind, f)
                if expected is not None:
                    assert np.array_equal(value, expected), (kind, step, f)
        trainer.sgd_step(0.3)
        for p, q in zip(trainer.params, reference, strict=True):
            for f in FIELDS:
                a, b = getattr(p, f), getattr(q, f)
                assert (a is None and b is None) or np.array_equal(a, b), (kind, step, f)


def test_the_callers_arrays_are_copied_and_left_alone():
    spec = SPECS["batchnorm"]
    given = init_params(spec, 2)
    before = [
        [None if getattr(p, f) is None else getattr(p, f).copy() for f in FIELDS] for p in given
    ]
    trainer = Trainer(spec, given)
    x = np.random.default_rng(0).standard_normal((8, 2))
    trainer.loss_and_grads(x, np.ones((8, 1)), "bce")
    trainer.sgd_step(1.0)
    moved = False
    for p, q, old in zip(given, trainer.params, before, strict=True):
        for f, kept in zip(FIELDS, old, strict=True):
            if kept is None:
                assert getattr(p, f) is None and getattr(q, f) is None
                continue
            assert np.array_equal(getattr(p, f), kept)
            assert not np.shares_memory(getattr(p, f), getattr(q, f))
            moved |= not np.array_equal(getattr(q, f), kept)
    assert moved  # the trainer's own copy took the step


def test_a_loss_that_is_not_finite_leaves_the_gradients_as_they_were():
    spec = SPECS["plain tanh"]
    params = init_params(spec, 4)
    trainer = Trainer(spec, params)
    x, y = np.random.default_rng(1).standard_normal((6, 2)), np.ones((6, 1))
    first = trainer.loss_and_grads(x, y, "squared_error")
    assert np.isfinite(first.value)
    kept = [g.W.copy() for g in trainer.grads]
    trainer.params[0].W[0, 0] = np.nan
    with np.errstate(invalid="ignore"):
        second = trainer.loss_and_grads(x, y, "squared_error")
    assert np.isnan(second.value)
    assert all(np.array_equal(g.W, k) for g, k in zip(trainer.grads, kept, strict=True))
