"""Forward/backward pairs for the three layer kinds, as pure functions.

Each ``*_forward`` returns ``(out, cache)``; the matching ``*_backward`` takes
``(dout, cache)``, unpacks the cache on its first line, and never recomputes the
forward pass. Shapes: N = batch size, D = fan_in, M = fan_out. Nothing here
mutates its inputs; the arithmetic runs in place in the arrays each function makes
itself (``out=``): every temporary is memory to write and read again, and on a VM a
fresh array's first touch is slow (128 kB, one 64 x 256 layer, costs about 0.1 ms of
page faults, a sixth of that layer's three matrix products).
"""

from __future__ import annotations

import numpy as np

from core.activations import Activation


def affine_forward(x: np.ndarray, W: np.ndarray, b: np.ndarray | None) -> tuple[np.ndarray, tuple]:
    """out = x W + b.  x (N, D), W (D, M), b (M,) or None -> out (N, M)."""
    out = x @ W
    if b is not None:
        out += b  # out is a fresh array, so adding in place touches nothing of the caller's
    return out, (x, W, b is not None)


def affine_backward(
    dout: np.ndarray, cache: tuple
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """dout (N, M) -> dx (N, D) = dout W^T, dW (D, M) = x^T dout, db (M,) = sum_n dout."""
    x, W, has_bias = cache
    dx = dout @ W.T
    dW = x.T @ dout
    db = dout.sum(axis=0) if has_bias else None
    return dx, dW, db


def activation_forward(z: np.ndarray, act: Activation) -> tuple[np.ndarray, tuple]:
    """h = phi(z), elementwise.  z (N, M) -> h (N, M)."""
    h = act.forward(z)
    return h, (z, h, act)


def activation_backward(dout: np.ndarray, cache: tuple) -> np.ndarray:
    """dz = dout * phi'(z), elementwise.  dout (N, M) -> dz (N, M)."""
    z, h, act = cache
    slope = act.derivative(z, h)
    # An activation's derivative returns a new array (core.activations.Activation):
    # multiply into it, unless it is not one (it is z or h, a view, another dtype...).
    if (
        type(slope) is np.ndarray
        and slope.base is None
        and slope.dtype == np.float64
        and slope.shape == dout.shape
        and slope.flags.writeable
        and slope is not z
        and slope is not h
        and slope is not dout
    ):
        return np.multiply(slope, dout, out=slope)
    return dout * slope


def batchnorm_forward(
    x: np.ndarray,
    gamma: np.ndarray,
    beta: np.ndarray,
    eps: float,
    stats: tuple[np.ndarray, np.ndarray] | None = None,
) -> tuple[np.ndarray, tuple]:
    """Batch normalization, per feature.

        mu = mean_n x,  var = mean_n (x - mu)^2,  xhat = (x - mu) / sqrt(var + eps)
        out = gamma * xhat + beta

    Training mode (stats None): mu and var are this batch's. Evaluation mode: stats =
    (mu, var) given, e.g. a training set's, so that any batch, even one row, is judged as
    that set was; batchnorm_backward does not apply then (the statistics are constants).
    x (N, M), gamma (M,), beta (M,) -> out (N, M); the cache ends with (mu, var).
    """
    n = x.shape[0]
    if stats is None:  # sum / n is np.mean's own arithmetic, without its Python layer
        mu = np.add.reduce(x, axis=0) / n
        xc = np.subtract(x, mu)
        var = np.add.reduce(np.square(xc), axis=0) / n
    else:
        mu, var = stats
        xc = np.subtract(x, mu)
    inv_std = 1.0 / np.sqrt(var + eps)
    xhat = np.multiply(xc, inv_std, out=xc)  # x - mu is not needed once xhat is made
    out = np.multiply(xhat, gamma)
    out += beta
    return out, (xhat, inv_std, gamma, (mu, var))


def batchnorm_backward(dout: np.ndarray, cache: tuple) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gradient of batchnorm_forward, flowing through the batch mean and variance.

        dgamma = sum_n dout * xhat,  dbeta = sum_n dout
        dx = inv_std * (g - mean_n g - xhat * mean_n(g * xhat)),  g = dout * gamma

    Each sample's output depends on every sample through mu and var, which is why
    dx is not simply g * inv_std. dout (N, M) -> dx (N, M), dgamma (M,), dbeta (M,).
    """
    xhat, inv_std, gamma, _ = cache
    dbeta = dout.sum(axis=0)
    scratch = np.multiply(dout, xhat)
    dgamma = scratch.sum(axis=0)
    g = np.multiply(dout, gamma)  # becomes dx, in place
    np.multiply(g, xhat, out=scratch)
    n = dout.shape[0]
    g_xhat_mean = np.add.reduce(scratch, axis=0) / n
    g_mean = np.add.reduce(g, axis=0) / n
    np.multiply(xhat, g_xhat_mean, out=scratch)
    np.subtract(g, g_mean, out=g)
    np.subtract(g, scratch, out=g)
    dx = np.multiply(g, inv_std, out=g)
    return dx, dgamma, dbeta
