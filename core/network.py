"""A fully connected network: its spec, its parameters, forward and backward.

Layer l (1-based, l = 1 next to the input, L = the output layer) computes

    z_l = h_{l-1} W_l + b_l              (then z_l = BN(z_l) if batchnorm, hidden only)
    h_l = phi(z_l)                       plain layer, and the output layer
    h_l = h_{l-1} + s * phi(z_l)         residual hidden layer (fan_in == fan_out)

with h_0 = x (N, n_in) and y_hat = h_L (N, n_out). Backward returns, per layer,
dL/dW, dL/db, dL/dgamma, dL/dbeta and delta_l = dL/dz_l (z after batchnorm).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from core.activations import get_activation
from core.layers import (
    activation_backward,
    activation_forward,
    affine_backward,
    affine_forward,
    batchnorm_backward,
    batchnorm_forward,
)
from core.losses import LOSSES, binary_cross_entropy, squared_error

INITS: tuple[str, ...] = ("xavier", "he", "lecun")


def _is_number(value: object) -> bool:
    return isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool)


@dataclass(frozen=True)
class NetworkSpec:
    """Everything that defines a network's shape and behaviour (hashable, so cacheable).

    sizes: (n_in, hidden..., n_out), each >= 1. init: "xavier" (Var W = 2/(fan_in +
    fan_out)), "he" (2/fan_in), "lecun" (1/fan_in) or a float sigma_w^2 (Var W =
    sigma_w^2/fan_in). Residual skips go on hidden layers with fan_in == fan_out;
    batchnorm on every hidden layer. The output layer has neither.
    """

    sizes: tuple[int, ...]
    activation: str = "sigmoid"
    output_activation: str = "sigmoid"
    init: str | float = "xavier"
    bias: bool = True
    residual: bool = False
    residual_scale: float = 1.0
    batchnorm: bool = False
    bn_eps: float = 1e-5

    def __post_init__(self) -> None:
        try:
            sizes = tuple(self.sizes)
        except TypeError:
            raise ValueError(
                f"sizes must be a sequence of layer widths; got {self.sizes!r}"
            ) from None
        if len(sizes) < 2:
            raise ValueError(f"sizes needs at least (n_in, n_out); got {sizes!r}")
        if not all(_is_number(s) and float(s).is_integer() and s >= 1 for s in sizes):
            raise ValueError(f"sizes must be whole numbers >= 1; got {sizes!r}")
        object.__setattr__(self, "sizes", tuple(int(s) for s in sizes))
        get_activation(self.activation, "activation")
        get_activation(self.output_activation, "output_activation")
        if isinstance(self.init, str):
            if self.init not in INITS:
                raise ValueError(
                    f"init must be one of {', '.join(INITS)} or a number sigma_w^2 > 0; "
                    f"got {self.init!r}"
                )
        elif _is_number(self.init) and math.isfinite(self.init) and self.init > 0:
            object.__setattr__(self, "init", float(self.init))
        else:
            raise ValueError(
                f"init must be one of {', '.join(INITS)} or a finite number sigma_w^2 > 0; "
                f"got {self.init!r}"
            )
        for name in ("bias", "residual", "batchnorm"):
            if not isinstance(getattr(self, name), bool | np.bool_):
                raise ValueError(f"{name} must be True or False; got {getattr(self, name)!r}")
        if not (_is_number(self.residual_scale) and math.isfinite(self.residual_scale)):
            raise ValueError(f"residual_scale must be a finite number; got {self.residual_scale!r}")
        if self.residual_scale <= 0:
            raise ValueError(f"residual_scale must be > 0; got {self.residual_scale!r}")
        if not (_is_number(self.bn_eps) and math.isfinite(self.bn_eps) and self.bn_eps > 0):
            raise ValueError(f"bn_eps must be a finite number > 0; got {self.bn_eps!r}")
        if self.residual and not any(self.has_skip(i) for i in range(self.n_layers)):
            raise ValueError(
                "residual=True needs a hidden layer whose fan_in equals its fan_out "
                f"(e.g. sizes (2, 8, 8, 1)); sizes {self.sizes} have none"
            )

    @property
    def n_layers(self) -> int:
        """Number of weight layers L (hidden layers + the output layer)."""
        return len(self.sizes) - 1

    def is_output(self, i: int) -> bool:
        """True for the output layer (0-based index i)."""
        return i == self.n_layers - 1

    def has_skip(self, i: int) -> bool:
        """True if layer i (0-based) carries a residual skip."""
        return self.residual and not self.is_output(i) and self.sizes[i] == self.sizes[i + 1]

    def has_batchnorm(self, i: int) -> bool:
        """True if layer i (0-based) normalizes its pre-activation."""
        return self.batchnorm and not self.is_output(i)

    def weight_variance(self, i: int) -> float:
        """Var W_ij of layer i (0-based) at initialization."""
        fan_in, fan_out = self.sizes[i], self.sizes[i + 1]
        if self.init == "xavier":
            return 2.0 / (fan_in + fan_out)
        if self.init == "he":
            return 2.0 / fan_in
        if self.init == "lecun":
            return 1.0 / fan_in
        return float(self.init) / fan_in


@dataclass(frozen=True)
class LayerParams:
    """One layer's parameters: W (fan_in, fan_out), b (fan_out,) or None,
    gamma and beta (fan_out,) for batchnorm layers, else None."""

    W: np.ndarray
    b: np.ndarray | None
    gamma: np.ndarray | None = None
    beta: np.ndarray | None = None


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
    """What one layer's forward pass keeps for the backward pass."""

    affine: tuple
    bn: tuple | None
    act: tuple  # (z, phi(z), activation)
    skip: bool
    out: np.ndarray  # h_l, the layer's output


@dataclass(frozen=True)
class ForwardCache:
    """Per-layer caches of one forward pass, input side first."""

    layers: tuple[LayerCache, ...]


def init_params(spec: NetworkSpec, seed: int) -> list[LayerParams]:
    """Gaussian weights with the spec's variance, zero biases, gamma = 1, beta = 0.

    Seeded: the same (spec, seed) always gives the same parameters.
    """
    if not (_is_number(seed) and float(seed).is_integer() and seed >= 0):
        raise ValueError(f"seed must be a whole number >= 0; got {seed!r}")
    rng = np.random.default_rng(int(seed))
    params = []
    for i in range(spec.n_layers):
        fan_in, fan_out = spec.sizes[i], spec.sizes[i + 1]
        W = rng.standard_normal((fan_in, fan_out)) * math.sqrt(spec.weight_variance(i))
        b = np.zeros(fan_out) if spec.bias else None
        bn = spec.has_batchnorm(i)
        params.append(
            LayerParams(
                W=W,
                b=b,
                gamma=np.ones(fan_out) if bn else None,
                beta=np.zeros(fan_out) if bn else None,
            )
        )
    return params


def check_params(params: list[LayerParams], spec: NetworkSpec) -> None:
    """ValueError unless params have the spec's layers, shapes and finite values."""
    if len(params) != spec.n_layers:
        raise ValueError(
            f"params must have {spec.n_layers} layers for sizes {spec.sizes}; got {len(params)}"
        )
    for i, p in enumerate(params):
        fan_in, fan_out = spec.sizes[i], spec.sizes[i + 1]
        expected = {
            "W": (fan_in, fan_out),
            "b": (fan_out,) if spec.bias else None,
            "gamma": (fan_out,) if spec.has_batchnorm(i) else None,
            "beta": (fan_out,) if spec.has_batchnorm(i) else None,
        }
        for name, shape in expected.items():
            value = getattr(p, name)
            where = f"params[{i}].{name}"
            if shape is None:
                if value is not None:
                    raise ValueError(f"{where} must be None for this spec")
                continue
            if not isinstance(value, np.ndarray) or value.shape != shape:
                got = getattr(value, "shape", type(value).__name__)
                raise ValueError(f"{where} must be an array of shape {shape}; got {got}")
            if not np.all(np.isfinite(value)):
                raise ValueError(f"{where} must be finite (no nan or inf)")


def check_input(x: np.ndarray, spec: NetworkSpec) -> np.ndarray:
    """x as a float64 (N, n_in) array; ValueError for a wrong shape or non-finite values."""
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 2 or x.shape[1] != spec.sizes[0] or x.shape[0] < 1:
        raise ValueError(f"x must have shape (batch >= 1, {spec.sizes[0]}); got {x.shape}")
    if spec.batchnorm and x.shape[0] < 2:
        raise ValueError("x needs a batch of at least 2 samples when batchnorm is on")
    if not np.all(np.isfinite(x)):
        raise ValueError("x must be finite (no nan or inf)")
    return x


def forward(
    params: list[LayerParams], spec: NetworkSpec, x: np.ndarray
) -> tuple[np.ndarray, ForwardCache]:
    """y_hat (N, n_out) and the cache for backward.  x (N, n_in).

    Inputs and parameters are validated; the math itself is not stopped if it
    overflows (a very deep residual net can): y_hat may then hold inf or nan, and the
    caller decides what to say about it.
    """
    x = check_input(x, spec)
    check_params(params, spec)
    return forward_unchecked(params, spec, x)


def forward_unchecked(
    params: list[LayerParams], spec: NetworkSpec, x: np.ndarray
) -> tuple[np.ndarray, ForwardCache]:
    """forward() without validation, for callers that validated once up front."""
    act = get_activation(spec.activation)
    out_act = get_activation(spec.output_activation)
    h = x
    caches = []
    with np.errstate(over="ignore", invalid="ignore"):
        for i, p in enumerate(params):
            z, aff = affine_forward(h, p.W, p.b)
            bn = None
            if spec.has_batchnorm(i):
                z, bn = batchnorm_forward(z, p.gamma, p.beta, spec.bn_eps)
            phi, act_cache = activation_forward(z, out_act if spec.is_output(i) else act)
            skip = spec.has_skip(i)
            if skip:  # h + s * phi with one new array instead of two
                branch = phi * spec.residual_scale if spec.residual_scale != 1.0 else phi
                h = branch + h if branch is phi else np.add(branch, h, out=branch)
            else:
                h = phi
            caches.append(LayerCache(affine=aff, bn=bn, act=act_cache, skip=skip, out=h))
    return h, ForwardCache(layers=tuple(caches))


def _check_upstream(name: str, d: np.ndarray, cache: ForwardCache) -> np.ndarray:
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
    delta = delta_out
    dh = None  # dL/dh of the current layer, for hidden layers
    for i in range(spec.n_layers - 1, -1, -1):
        lc = cache.layers[i]
        with np.errstate(over="ignore", invalid="ignore", under="ignore"):
            if dh is not None:  # hidden layer: go through phi (and the skip's branch scale)
                upstream = spec.residual_scale * dh if lc.skip else dh
                delta = activation_backward(upstream, lc.act)
            dgamma = dbeta = None
            dpre = delta
            if lc.bn is not None:
                dpre, dgamma, dbeta = batchnorm_backward(delta, lc.bn)
            dx, dW, db = affine_backward(dpre, lc.affine)
            grads = LayerGrads(W=dW, b=db, gamma=dgamma, beta=dbeta, delta=delta)
            scale = current
            dh = dx + dh if lc.skip else dx  # a fresh array either way: safe to scale in place
            if rescale and i > 0:
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
    """Loss on (x, y) and every gradient.

    loss="squared_error": the course's E = 1/2 sum_k (y_k - yhat_k)^2, batch-averaged.
    loss="bce": cross-entropy with the output layer's pre-activation z_L as the logit,
    i.e. yhat = sigma(z_L). With a sigmoid output that is the usual cross-entropy of
    y_hat; with a linear output, y_hat itself is read as the logit.
    """
    if loss not in LOSSES:
        raise ValueError(f"loss must be one of {', '.join(LOSSES)}; got {loss!r}")
    y_hat, cache = forward(params, spec, x)
    y = np.asarray(y, dtype=np.float64)
    if loss == "squared_error":
        value, dy_hat = squared_error(y_hat, y)
        delta_out = activation_backward(dy_hat, cache.layers[-1].act)
    else:
        logits = cache.layers[-1].act[0]
        value, delta_out = binary_cross_entropy(logits, y)
    back = backward_scaled(params, spec, cache, delta_out, rescale=False)
    return LossResult(loss=value, y_hat=y_hat, grads=back.grads, dx=back.dx)


def sgd_step(params: list[LayerParams], grads: list[LayerGrads], lr: float) -> list[LayerParams]:
    """New parameters p - lr * dL/dp (a pure function: params are not modified)."""
    if not (_is_number(lr) and math.isfinite(lr) and lr > 0):
        raise ValueError(f"lr (learning rate) must be a finite number > 0; got {lr!r}")
    if len(grads) != len(params):
        raise ValueError(f"grads must have {len(params)} layers; got {len(grads)}")

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
