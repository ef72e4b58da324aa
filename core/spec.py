"""What a network is: its spec, its parameters, and how they start.

``NetworkSpec`` names everything that defines a network (sizes, activations, init,
bias, residual skips, batchnorm); ``init_params(spec, seed)`` draws its parameters.
core.network runs it (forward, backward).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, fields

import numpy as np

from core.activations import get_activation

INITS: tuple[str, ...] = ("xavier", "he", "lecun")
MODES: tuple[str, ...] = ("train", "eval")  # batchnorm's: this batch's statistics, or given


def is_number(value: object) -> bool:
    return isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool)


@dataclass(frozen=True)
class NetworkSpec:
    """Everything that defines a network's shape and behaviour (hashable, so cacheable).

    sizes: (n_in, hidden..., n_out), each >= 1. init: "xavier" (Var W = 2/(fan_in +
    fan_out)), "he" (2/fan_in), "lecun" (1/fan_in) or a float sigma_w^2 (Var W =
    sigma_w^2/fan_in). Residual skips go on hidden layers with fan_in == fan_out,
    as pre-activation blocks h + s (phi(BN(h)) W + b) (core.network); batchnorm on
    every hidden layer. The output layer has neither.
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
        if not all(is_number(s) and float(s).is_integer() and s >= 1 for s in sizes):
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
        elif is_number(self.init) and math.isfinite(self.init) and self.init > 0:
            object.__setattr__(self, "init", float(self.init))
        else:
            raise ValueError(
                f"init must be one of {', '.join(INITS)} or a finite number sigma_w^2 > 0; "
                f"got {self.init!r}"
            )
        for name in ("bias", "residual", "batchnorm"):
            if not isinstance(getattr(self, name), bool | np.bool_):
                raise ValueError(f"{name} must be True or False; got {getattr(self, name)!r}")
        if not (is_number(self.residual_scale) and math.isfinite(self.residual_scale)):
            raise ValueError(f"residual_scale must be a finite number; got {self.residual_scale!r}")
        if self.residual_scale <= 0:
            raise ValueError(f"residual_scale must be > 0; got {self.residual_scale!r}")
        if not (is_number(self.bn_eps) and math.isfinite(self.bn_eps) and self.bn_eps > 0):
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


def draw_normals(
    sizes: tuple[int, ...], seed: int, out: list[np.ndarray] | None = None
) -> list[np.ndarray]:
    """The standard normal draws that init_params(spec, seed) scales, for any spec of
    these sizes: one (fan_in, fan_out) array per layer, written into `out` (arrays of
    those shapes) when given. Every network of one shape can share one set of draws."""
    rng = np.random.default_rng(seed)
    if out is None:
        return [rng.standard_normal((fi, fo)) for fi, fo in itertools.pairwise(sizes)]
    for buffer in out:
        rng.standard_normal(out=buffer)
    return out


def params_from_normals(
    spec: NetworkSpec, normals: list[np.ndarray], out: list[np.ndarray] | None = None
) -> list[LayerParams]:
    """The spec's parameters from draw_normals(spec.sizes, seed): weights scaled to the
    spec's variance (written into `out` when given: fresh memory is slow to touch on a
    VM, and a profile reuses one buffer per shape), zero biases, gamma = 1, beta = 0."""
    params = []
    for i, z in enumerate(normals):
        fo = spec.sizes[i + 1]
        bn = spec.has_batchnorm(i)
        scale = math.sqrt(spec.weight_variance(i))
        params.append(
            LayerParams(
                W=z * scale if out is None else np.multiply(z, scale, out=out[i]),
                b=np.zeros(fo) if spec.bias else None,
                gamma=np.ones(fo) if bn else None,
                beta=np.zeros(fo) if bn else None,
            )
        )
    return params


def init_params(spec: NetworkSpec, seed: int) -> list[LayerParams]:
    """Gaussian weights with the spec's variance, zero biases, gamma = 1, beta = 0.

    Seeded: the same (spec, seed) always gives the same parameters.
    """
    if not (is_number(seed) and float(seed).is_integer() and seed >= 0):
        raise ValueError(f"seed must be a whole number >= 0; got {seed!r}")
    return params_from_normals(spec, draw_normals(spec.sizes, int(seed)))


def check_params(params: list[LayerParams], spec: NetworkSpec) -> None:
    """ValueError unless params have the spec's layers, shapes and finite values."""
    check_shapes(params, spec)
    for i, p in enumerate(params):
        check_finite(i, p)


def check_shapes(params: list[LayerParams], spec: NetworkSpec) -> None:
    """ValueError unless params have the spec's layers and shapes (values not read)."""
    if len(params) != spec.n_layers:
        raise ValueError(
            f"params must have {spec.n_layers} layers for sizes {spec.sizes}; got {len(params)}"
        )
    for i, p in enumerate(params):
        fan_in, fan_out = spec.sizes[i], spec.sizes[i + 1]
        bn = spec.has_batchnorm(i)
        expected = {
            "W": (fan_in, fan_out),
            "b": (fan_out,) if spec.bias else None,
            "gamma": (fan_out,) if bn else None,
            "beta": (fan_out,) if bn else None,
        }
        for name, shape in expected.items():
            value = getattr(p, name)
            where = f"params[{i}].{name}"
            if shape is None:
                if value is not None:
                    raise ValueError(f"{where} must be None for this spec")
            elif not isinstance(value, np.ndarray) or value.shape != shape:
                got = getattr(value, "shape", type(value).__name__)
                raise ValueError(f"{where} must be an array of shape {shape}; got {got}")


# A LayerParams' arrays by name, in its fields' order (a LayerParams(*arrays) takes them so).
PARAM_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(LayerParams))


def check_finite(i: int, p: LayerParams) -> None:
    """ValueError naming the first of layer i's arrays that holds inf or nan.

    One sum of squares per array: it is finite unless it overflows (then each array is
    looked at itself: huge but finite weights are allowed), and any inf or nan makes it
    inf or nan. np.vdot reads each array once, with no temporary; forward calls this
    just before layer i's product, which then finds W in the cache.
    """
    arrays = [a for a in (p.W, p.b, p.gamma, p.beta) if a is not None]
    with np.errstate(over="ignore", invalid="ignore"):
        if math.isfinite(sum(float(np.vdot(a, a)) for a in arrays)):
            return
    for name in PARAM_FIELDS:
        value = getattr(p, name)
        if value is not None and not np.isfinite(value).all():
            raise ValueError(f"params[{i}].{name} must be finite (no nan or inf)")


def check_input(x: np.ndarray, spec: NetworkSpec, mode: str = "train") -> np.ndarray:
    """x as a float64 (N, n_in) array; ValueError for a wrong shape or non-finite values,
    or a batch of one for batchnorm in mode "train"."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}; got {mode!r}")
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 2 or x.shape[1] != spec.sizes[0] or x.shape[0] < 1:
        raise ValueError(f"x must have shape (batch >= 1, {spec.sizes[0]}); got {x.shape}")
    if spec.batchnorm and mode == "train" and x.shape[0] < 2:
        raise ValueError("x needs a batch of at least 2 samples when batchnorm is on")
    if not np.all(np.isfinite(x)):
        raise ValueError("x must be finite (no nan or inf)")
    return x
