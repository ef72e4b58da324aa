"""A fully connected network at work: forward, backward, the loss, one SGD step.

Layer l (1-based, l = 1 next to the input, L = the output layer) computes, in a plain
layer (and the output layer, which has no batchnorm):

    z_l = h_{l-1} W_l + b_l              (then z_l = BN(z_l) if batchnorm)
    h_l = phi(z_l)

and in a residual hidden layer (residual=True and fan_in == fan_out), the
pre-activation block of He et al. 2016 ("Identity Mappings in Deep Residual
Networks"), whose branch ends in a weight layer:

    u_l = BN(h_{l-1}) if batchnorm else h_{l-1}
    z_l = phi(u_l) W_l + b_l
    h_l = h_{l-1} + s * z_l              (the skip is exactly the identity)

with h_0 = x (N, n_in) and y_hat = h_L (N, n_out). Backward returns, per layer,
dL/dW, dL/db, dL/dgamma, dL/dbeta and delta_l = dL/dz_l: the pre-activation after
batchnorm in a plain layer, the branch's output in a residual one.
The spec and the parameters are defined in core.spec (and importable from here).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from core.activations import Activation, get_activation, sigmoid
from core.layers import (
    activation_backward,
    activation_forward,
    affine_backward,
    affine_forward,
    batchnorm_backward,
    batchnorm_forward,
)
from core.losses import LOSSES, binary_cross_entropy, squared_error
from core.spec import (
    INITS,
    MODES,
    PARAM_FIELDS,
    LayerParams,
    NetworkSpec,
    check_finite,
    check_input,
    check_params,
    check_shapes,
    draw_normals,
    init_params,
    is_number,
    params_from_normals,
)

__all__ = [
    "INITS",
    "MODES",
    "BackwardResult",
    "ForwardCache",
    "LayerGrads",
    "LayerParams",
    "LossResult",
    "NetworkSpec",
    "OutputLoss",
    "backward",
    "backward_from_delta",
    "backward_layers",
    "backward_scaled",
    "check_input",
    "check_params",
    "draw_normals",
    "forward",
    "forward_unchecked",
    "init_params",
    "loss_and_grads",
    "loss_at_output",
    "output_loss",
    "params_from_normals",
    "sgd_step",
]


@dataclass(frozen=True)
class LayerGrads:
    """dL/d(each parameter), same shapes as LayerParams (None where absent), and
    delta (N, fan_out) = dL/dz for this layer's pre-activation z (after batchnorm)."""

    W: np.ndarray
    b: np.ndarray | None
    gamma: np.ndarray | None
    beta: np.ndarray | None
    delta: np.ndarray


@dataclass(frozen=True)
class LayerCache:
    """What one layer's forward pass keeps for the backward pass.

    act is (what the activation received, what it gave, the activation): (z_l, h_l) in
    a plain layer, (u_l, phi(u_l)) in a residual one (skip=True), whose order is
    batchnorm, activation, affine instead of affine, batchnorm, activation."""

    affine: tuple
    bn: tuple | None
    act: tuple
    skip: bool
    out: np.ndarray  # h_l, the layer's output


BatchStats = tuple[np.ndarray, np.ndarray]  # a batchnorm layer's per-unit (mean, variance)


@dataclass(frozen=True)
class ForwardCache:
    """What one forward pass keeps.

    layers: per-layer caches for the backward pass, input side first (mode "train");
      empty in mode "eval", which keeps nothing for a backward pass.
    logits: z_L (N, n_out), the output layer's pre-activation.
    bn_stats: the (mean, variance) each batchnorm layer normalized with, input side
      first: the batch's own in mode "train", the given ones in mode "eval".
    """

    layers: tuple[LayerCache, ...]
    logits: np.ndarray
    bn_stats: tuple[BatchStats, ...] = ()


def forward(
    params: list[LayerParams],
    spec: NetworkSpec,
    x: np.ndarray,
    mode: str = "train",
    bn_stats: tuple[BatchStats, ...] | None = None,
) -> tuple[np.ndarray, ForwardCache]:
    """y_hat (N, n_out) and the cache for backward.  x (N, n_in).

    mode "train": batchnorm layers normalize with this batch's statistics, and the cache
    keeps what backward needs. mode "eval" (CS231n's pattern): batchnorm layers use
    bn_stats (e.g. a training set's, from a "train" pass's cache.bn_stats), so that new
    points such as a plotting grid are judged as the training data was, one point as well
    as many; nothing is kept for backward. Inputs and parameters are validated; the math
    itself is not stopped if it overflows (a very deep residual net can): y_hat may then
    hold inf or nan, and the caller decides what to say about it.

    Each layer's parameters are checked for inf and nan just before that layer computes
    (core.spec.check_finite): the check then brings W into the cache for the product,
    where a check of every layer up front costs a second read of all the weights
    (bench/bench.py, section 1). A bad value raises before anything is returned.
    """
    x = check_input(x, spec, mode)
    check_shapes(params, spec)
    return _forward(params, spec, x, mode, bn_stats, check_values=True)


def forward_unchecked(
    params: list[LayerParams],
    spec: NetworkSpec,
    x: np.ndarray,
    mode: str = "train",
    bn_stats: tuple[BatchStats, ...] | None = None,
) -> tuple[np.ndarray, ForwardCache]:
    """forward() without validation, for callers that validated once up front."""
    return _forward(params, spec, x, mode, bn_stats, check_values=False)


def _forward(
    params: list[LayerParams],
    spec: NetworkSpec,
    x: np.ndarray,
    mode: str,
    bn_stats: tuple[BatchStats, ...] | None,
    check_values: bool,
) -> tuple[np.ndarray, ForwardCache]:
    train = mode == "train"
    if not train and spec.batchnorm and (bn_stats is None or len(bn_stats) != spec.n_layers - 1):
        raise ValueError("mode 'eval' needs bn_stats for every batchnorm layer")
    act = get_activation(spec.activation)
    out_act = get_activation(spec.output_activation)
    h = x
    caches = []
    stats: list[BatchStats] = []
    z = x
    with np.errstate(over="ignore", invalid="ignore"):
        for i, p in enumerate(params):
            if check_values:
                check_finite(i, p)
            given = None if train or not spec.has_batchnorm(i) else bn_stats[len(stats)]
            if spec.has_skip(i):
                lc = _residual_forward(h, p, spec, act, given)
            else:
                lc, z = _plain_forward(h, p, spec, out_act if spec.is_output(i) else act, i, given)
            if lc.bn is not None:
                stats.append(lc.bn[3])
            h = lc.out
            if train:
                caches.append(lc)
    return h, ForwardCache(layers=tuple(caches), logits=z, bn_stats=tuple(stats))


def _plain_forward(
    h: np.ndarray,
    p: LayerParams,
    spec: NetworkSpec,
    act: Activation,
    i: int,
    stats: BatchStats | None,
) -> tuple[LayerCache, np.ndarray]:
    """z = h W + b (then BN), out = phi(z); the cache and z (the logits of the output)."""
    z, aff = affine_forward(h, p.W, p.b)
    bn = None
    if spec.has_batchnorm(i):
        z, bn = batchnorm_forward(z, p.gamma, p.beta, spec.bn_eps, stats)
    out, act_cache = activation_forward(z, act)
    return LayerCache(affine=aff, bn=bn, act=act_cache, skip=False, out=out), z


def _residual_forward(
    h: np.ndarray, p: LayerParams, spec: NetworkSpec, act: Activation, stats: BatchStats | None
) -> LayerCache:
    """u = BN(h) or h, z = phi(u) W + b, out = h + s z (the pre-activation block)."""
    u, bn = h, None
    if spec.batchnorm:
        u, bn = batchnorm_forward(h, p.gamma, p.beta, spec.bn_eps, stats)
    phi, act_cache = activation_forward(u, act)
    z, aff = affine_forward(phi, p.W, p.b)  # a fresh array: safe to reuse for the sum
    if spec.residual_scale != 1.0:
        z *= spec.residual_scale
    out = np.add(z, h, out=z)
    return LayerCache(affine=aff, bn=bn, act=act_cache, skip=True, out=out)


def _check_upstream(name: str, d: np.ndarray, cache: ForwardCache) -> np.ndarray:
    if not cache.layers:
        raise ValueError("backward needs the cache of a forward pass in mode 'train'")
    d = np.asarray(d, dtype=np.float64)
    expected = cache.layers[-1].out.shape
    if d.shape != expected:
        raise ValueError(f"{name} must have the shape of y_hat {expected}; got {d.shape}")
    if not np.all(np.isfinite(d)):
        raise ValueError(f"{name} must be finite (no nan or inf)")
    return d


def backward(
    params: list[LayerParams], spec: NetworkSpec, cache: ForwardCache, dy_hat: np.ndarray
) -> list[LayerGrads]:
    """Gradients of every parameter given dL/dy_hat (N, n_out); input side first."""
    dy_hat = _check_upstream("dy_hat", dy_hat, cache)
    delta_out = activation_backward(dy_hat, cache.layers[-1].act)
    return backward_scaled(params, spec, cache, delta_out, rescale=False).grads


def backward_from_delta(
    params: list[LayerParams], spec: NetworkSpec, cache: ForwardCache, delta_out: np.ndarray
) -> list[LayerGrads]:
    """Like backward(), but starting from delta_L = dL/dz_L of the output layer."""
    delta_out = _check_upstream("delta_out", delta_out, cache)
    return backward_scaled(params, spec, cache, delta_out, rescale=False).grads


def _plain_backward(delta: np.ndarray, lc: LayerCache) -> tuple[LayerGrads, np.ndarray]:
    """A plain layer's gradients from delta = dL/dz, and dL/dh_{l-1}."""
    dgamma = dbeta = None
    dpre = delta
    if lc.bn is not None:
        dpre, dgamma, dbeta = batchnorm_backward(delta, lc.bn)
    dx, dW, db = affine_backward(dpre, lc.affine)
    return LayerGrads(W=dW, b=db, gamma=dgamma, beta=dbeta, delta=delta), dx


def _residual_backward(
    dh: np.ndarray, lc: LayerCache, scale: float
) -> tuple[LayerGrads, np.ndarray]:
    """A residual layer's gradients from dh = dL/dh_l, and dL/dh_{l-1}: the skip hands
    dh down unchanged, the branch adds what comes back through W, phi and BN. With s = 1
    delta is dh itself: nothing writes into either afterwards (du below is new)."""
    delta = dh if scale == 1.0 else scale * dh
    dphi, dW, db = affine_backward(delta, lc.affine)
    du = activation_backward(dphi, lc.act)
    dgamma = dbeta = None
    if lc.bn is not None:
        du, dgamma, dbeta = batchnorm_backward(du, lc.bn)
    du += dh  # du is fresh (made by the lines above): the sum needs no new array
    return LayerGrads(W=dW, b=db, gamma=dgamma, beta=dbeta, delta=delta), du


@dataclass(frozen=True)
class BackwardResult:
    """Output of backward_scaled: per-layer grads (in units of 10**log10_scale[l]),
    the log10 scales (L,), and the input gradient dx (N, n_in) in layer 1's units."""

    grads: list[LayerGrads]
    log10_scale: np.ndarray
    dx: np.ndarray


def backward_layers(
    params: list[LayerParams],
    spec: NetworkSpec,
    cache: ForwardCache,
    delta_out: np.ndarray,
    rescale: bool,
) -> Iterator[tuple[int, LayerGrads, float, np.ndarray]]:
    """The backward pass one layer at a time, output layer first.

    Yields (i, grads_i, log10_scale_i, dh) for i = L-1, ..., 0 (0-based layer index):
    grads_i are layer i's gradients in units of 10**log10_scale_i, and dh is the signal
    handed down, dL/dh_{i-1} (for i = 0, dL/dx in layer 0's units). A caller that only
    needs per-layer summaries can drop each layer's gradients as it goes instead of
    holding all of them (a depth-1000 profile would otherwise keep every dL/dW at once).
    With rescale=True the signal is divided by its RMS before it is handed down (see
    backward_scaled); with rescale=False every scale is 0.
    """
    current = 0.0
    dh = None  # dL/dh of the current layer, for hidden layers
    for i in range(spec.n_layers - 1, -1, -1):
        lc = cache.layers[i]
        with np.errstate(over="ignore", invalid="ignore", under="ignore"):
            if lc.skip:
                grads, dh = _residual_backward(dh, lc, spec.residual_scale)
            else:
                delta = delta_out if dh is None else activation_backward(dh, lc.act)
                grads, dh = _plain_backward(delta, lc)
            scale = current
            if rescale and i > 0:  # dh is a fresh array: safe to scale in place
                rms = math.sqrt(float(np.vdot(dh, dh)) / dh.size)
                if rms > 0 and math.isfinite(rms):
                    dh /= rms
                    current += math.log10(rms)
        yield i, grads, scale, dh


def backward_scaled(
    params: list[LayerParams],
    spec: NetworkSpec,
    cache: ForwardCache,
    delta_out: np.ndarray,
    rescale: bool,
) -> BackwardResult:
    """The backward pass, optionally renormalizing the signal at every layer.

    Returns grads, log10_scale (L,) and dx = dL/dx (N, n_in): layer l's true gradients
    are grads[l] * 10**log10_scale[l], and the true dx is dx * 10**log10_scale[0].
    Backprop is linear in the signal, so dividing it by its RMS before handing it down
    is exact; it keeps a 1000-layer sigmoid profile (true values near 1e-600) inside
    float64. With rescale=False every scale is 0.
    """
    log_scale = np.zeros(spec.n_layers)
    grads: list[LayerGrads | None] = [None] * spec.n_layers
    dx = delta_out
    for i, layer_grads, scale, passed_down in backward_layers(
        params, spec, cache, delta_out, rescale
    ):
        grads[i] = layer_grads
        log_scale[i] = scale
        dx = passed_down  # after the last layer (i = 0): dL/dx
    return BackwardResult(grads=grads, log10_scale=log_scale, dx=dx)  # type: ignore[arg-type]


@dataclass(frozen=True)
class OutputLoss:
    """A loss at the output: its value, delta_out = dL/dz_L (N, n_out), and the predicted
    probability of class 1 (sigma(z_L) for cross-entropy, y_hat for squared error)."""

    value: float
    delta_out: np.ndarray
    prob: np.ndarray


def output_loss(y_hat: np.ndarray, cache: ForwardCache, y: np.ndarray, loss: str) -> OutputLoss:
    """The one loss dispatch (training, profiles and loss_and_grads all use it).

    loss="squared_error": the course's E = 1/2 sum_k (y_k - yhat_k)^2, batch-averaged,
    whose gradient passes through the output activation's slope.
    loss="bce": cross-entropy with the output layer's pre-activation z_L as the logit,
    i.e. yhat = sigma(z_L). With a sigmoid output that is the usual cross-entropy of
    y_hat; with a linear output, y_hat itself is read as the logit.
    """
    output_act = cache.layers[-1].act if loss == "squared_error" else None
    return loss_at_output(y_hat, cache.logits, output_act, y, loss)


def loss_at_output(
    y_hat: np.ndarray,
    logits: np.ndarray,
    output_act: tuple | None,
    y: np.ndarray,
    loss: str,
) -> OutputLoss:
    """output_loss from the pieces of a forward pass it reads: y_hat, the logits z_L and
    the output activation's cache (z_L, y_hat, phi), which only squared error needs (None
    will do for cross-entropy), for a caller that keeps no ForwardCache (core.trainer)."""
    if loss not in LOSSES:
        raise ValueError(f"loss must be one of {', '.join(LOSSES)}; got {loss!r}")
    y = np.asarray(y, dtype=np.float64)
    if loss == "bce":
        value, delta_out = binary_cross_entropy(logits, y)
        return OutputLoss(value, delta_out, sigmoid(logits))
    value, dy_hat = squared_error(y_hat, y)
    return OutputLoss(value, activation_backward(dy_hat, output_act), y_hat)


@dataclass(frozen=True)
class LossResult:
    """One forward and backward pass against targets."""

    loss: float
    y_hat: np.ndarray
    grads: list[LayerGrads]
    dx: np.ndarray  # dL/dx (N, n_in)


def loss_and_grads(
    params: list[LayerParams],
    spec: NetworkSpec,
    x: np.ndarray,
    y: np.ndarray,
    loss: str = "squared_error",
) -> LossResult:
    """Loss on (x, y) and every gradient (output_loss says what each loss is)."""
    if loss not in LOSSES:
        raise ValueError(f"loss must be one of {', '.join(LOSSES)}; got {loss!r}")
    y_hat, cache = forward(params, spec, x)
    out = output_loss(y_hat, cache, y, loss)
    back = backward_scaled(params, spec, cache, out.delta_out, rescale=False)
    return LossResult(loss=out.value, y_hat=y_hat, grads=back.grads, dx=back.dx)


def sgd_step(
    params: list[LayerParams], grads: list[LayerGrads], lr: float, *, in_place: bool = False
) -> list[LayerParams]:
    """New parameters p - lr * dL/dp: a pure function, params not modified.

    in_place=True (a training loop whose parameters and gradients are its own) writes
    the step into params' arrays instead, scaling the gradients' arrays on the way, and
    returns params: no new arrays per step.
    """
    if not (is_number(lr) and math.isfinite(lr) and lr > 0):
        raise ValueError(f"lr (learning rate) must be a finite number > 0; got {lr!r}")
    if len(grads) != len(params):
        raise ValueError(f"grads must have {len(params)} layers; got {len(grads)}")
    if in_place:
        for p, g in zip(params, grads, strict=True):
            for field in PARAM_FIELDS:
                value_p, value_g = getattr(p, field), getattr(g, field)
                if value_p is not None:
                    value_g *= lr
                    value_p -= value_g
        return params

    def step(p: np.ndarray | None, g: np.ndarray | None) -> np.ndarray | None:
        return None if p is None else p - lr * g

    return [
        LayerParams(
            W=step(p.W, g.W),
            b=step(p.b, g.b),
            gamma=step(p.gamma, g.gamma),
            beta=step(p.beta, g.beta),
        )
        for p, g in zip(params, grads, strict=True)
    ]
