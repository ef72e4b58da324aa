"""Depth experiments: how the blame fades or explodes on its way to the input, measured.

Three experiments, each one pure function returning tables ready to plot:

- ``gradient_profile`` / ``variant_profiles``: per-layer size of the backward signal,
  the weight gradient and the update, plus forward health (activation RMS, saturated
  and dead units), for several networks and seeds at initialization.
  ``summarize_profile`` turns it into median and 10-90% bands per layer,
  ``per_layer_factor_measured`` and ``first_layer_ratio`` into single numbers.
- ``update_size_table``: mean |update| by distance from the output, for the course's
  2-2-1 network or any deeper one.
- ``train_variants``: minibatch SGD on a toy data set, several networks side by side.

Conventions. ``layer`` counts weight layers from the input (1 = the first hidden
layer, depth + 1 = the output layer); ``distance`` counts from the output (1 = the
output layer), so distance = n_layers + 1 - layer.

The backward signal of a profile comes from the cross-entropy of the output logit z_L
against random 0/1 targets, so dL/dz_L = (sigmoid(z_L) - y) / N: a real loss (update
sizes mean something) that depends on no trained task. Not the course's squared error:
that would multiply in the output sigmoid's slope, which rounds to exactly 0 in float64
once the output saturates (|z_L| > ~745, e.g. an unscaled residual net at init) and
would then hide every hidden layer, the very thing a profile measures. Ratios between
layers do not depend on this choice (every layer's gradient carries the same delta_L).
Inputs are standard normal. The network's seed fixes its weights; inputs and targets
for seed s are drawn from ``np.random.default_rng(s + input_seed_offset)``, so every
network compared under the same seed sees the same batch (a paired comparison).

Deep profiles never underflow: the backward signal is divided by its RMS at every
layer and the log10 of the scale is carried along (``core.network.backward_layers``).
Backprop is linear in the signal, so this is exact; a depth-1000 sigmoid network
reports about -600 at the input end where float64 would have given 0.

Limits. Every call the UI can make is bounded so that it finishes in about
``MAX_SECONDS`` on a 2-core machine and holds at most ``MAX_MEMORY_BYTES``: depth,
width, batch, seeds, steps and samples have maxima, and a cost model
(``estimate_profile_seconds``, ``estimate_training_seconds``: seconds of one core of
the reference machine, fitted to measured CPU times; bench/bench.py prints estimate
beside measurement) refuses combinations that are each allowed but too big together.
Past any limit: ValueError naming the limit and what is allowed.

Run ``python -m core.experiments --help`` for the command line (CSV out).
"""

from __future__ import annotations

import argparse
import itertools
import math
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import pandas as pd

from core.activations import get_activation, sigmoid
from core.datasets import DATASETS, make_dataset
from core.layers import activation_backward
from core.losses import LOSSES, binary_cross_entropy, squared_error
from core.network import (
    LayerParams,
    NetworkSpec,
    backward_layers,
    backward_scaled,
    forward_unchecked,
    init_params,
)
from core.worked_example import worked_example

# ------------------------------------------------------------------------ limits

MAX_DEPTH = 1000  # hidden layers
MAX_WIDTH = 1024  # units in any layer (inputs included)
MAX_BATCH = 512
MAX_SEEDS = 20
MAX_SEED = 2**32 - 1
MAX_TRAIN_STEPS = 5000
MAX_TRAIN_SAMPLES = 2000
MIN_TRAIN_SAMPLES = 8
MAX_NOISE = 2.0
MIN_GRID, MAX_GRID = 10, 200
MAX_LR = 1000.0
MAX_SECONDS = 4.0  # estimated compute time of one call on the reference 2-core machine
MAX_MEMORY_BYTES = 1_000_000_000  # estimated peak of one call (Community Cloud has ~2.7 GB)

# Cost model: seconds of ONE core of the reference machine (2-core VM, OpenBLAS), fitted
# to CPU times measured with OPENBLAS_NUM_THREADS=1 over sizes from width 8 to 1024 and
# batch 8 to 512 (within about 15%, erring high). An idle 2-core machine finishes sooner
# (BLAS splits the products); a busy one takes about this long. bench/bench.py prints the
# estimate beside the measured time. Per weight layer of fan_in x fan_out with a batch of
# N rows, one forward + backward costs about
#     fan_in * fan_out * (3 N * _S_MAC + _S_WEIGHT) + N * fan_out * _S_ENTRY + _S_LAYER.
_S_MAC = 1 / 27e9  # s per multiply-add in the three matrix products (BLAS)
_S_WEIGHT = 2.5e-9  # s per weight: reading dW for its norms, scaling the drawn weights
_S_DRAW = 8.5e-9  # s per weight drawn from the normal distribution (once per seed and shape)
_S_ENTRY = 10.5e-9  # s per activation entry: phi, phi', batchnorm, norms, saturation counts
_S_LAYER = 35e-6  # s of Python per layer and pass
_S_CALL = 0.03  # s per call: building the tables
_S_UPDATE = 3e-9  # s per parameter for one SGD update (training)
_S_TRAIN_LAYER = 25e-6  # s of Python per layer and training step (no profile statistics)

INPUT_SEED_OFFSET = 1_000_003  # inputs of seed s come from default_rng(s + offset)
BATCH_SEED_OFFSET = 2_000_003  # minibatch order of train_variants(seed=s)

# ---------------------------------------------------------------------- variants

VARIANTS: tuple[str, ...] = ("plain_sigmoid", "plain_relu", "residual", "batchnorm")
VARIANT_LABELS: dict[str, str] = {
    "plain_sigmoid": "Plain sigmoid",
    "plain_relu": "Plain ReLU",
    "residual": "Residual",
    "batchnorm": "Batch norm",
}
RESIDUAL_SCALES: tuple[str, ...] = ("1", "1/sqrt(depth)")
_RELU_LIKE = ("relu", "leaky_relu")

METRICS: tuple[str, ...] = (
    "log10_delta_rms",
    "log10_grad_w",
    "log10_update",
    "act_rms",
    "saturated_frac",
    "dead_frac",
)
PROFILE_COLUMNS: tuple[str, ...] = ("variant", "seed", "layer", "distance", *METRICS)
SATURATION_MARGIN = 0.01  # a sigmoid/tanh unit within this of its limits counts as saturated
# |z| beyond these puts sigmoid(z) or tanh(z) within 0.01 of a limit (both are monotone).
_SATURATION_Z = {
    "sigmoid": math.log((1 - SATURATION_MARGIN) / SATURATION_MARGIN),
    "tanh": math.atanh(1 - SATURATION_MARGIN),
}


# ------------------------------------------------------------------ validation


def _is_int(value: object) -> bool:
    return isinstance(value, int | np.integer) and not isinstance(value, bool)


def check_int(name: str, value: object, low: int, high: int, limit: str = "") -> int:
    """value if it is a whole number in [low, high], else ValueError naming the bound
    (limit: the constant behind high, e.g. "MAX_DEPTH"). Shared by core.lab and core.myths."""
    if not _is_int(value) or not low <= value <= high:
        where = f" ({limit})" if limit else ""
        raise ValueError(
            f"{name} must be a whole number from {low} to {high}{where}; got {value!r}"
        )
    return int(value)


def check_float(name: str, value: object, low: float, high: float, low_open: bool) -> float:
    """value as a float if it is a finite number in [low, high] ((low, high] when
    low_open), else ValueError saying what is allowed."""
    ok = (
        isinstance(value, int | float | np.integer | np.floating)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and (value > low if low_open else value >= low)
        and value <= high
    )
    if not ok:
        bracket = "(" if low_open else "["
        raise ValueError(f"{name} must be a number in {bracket}{low:g}, {high:g}]; got {value!r}")
    return float(value)


def _check_seeds(seeds: Sequence[int]) -> tuple[int, ...]:
    if isinstance(seeds, str | bytes) or not isinstance(seeds, Sequence):
        raise ValueError(f"seeds must be a sequence of whole numbers; got {seeds!r}")
    if not 1 <= len(seeds) <= MAX_SEEDS:
        raise ValueError(f"seeds must hold 1 to {MAX_SEEDS} seeds (MAX_SEEDS); got {len(seeds)}")
    out = tuple(check_int("each seed", s, 0, MAX_SEED) for s in seeds)
    if len(set(out)) != len(out):
        raise ValueError(f"seeds must all differ; got {list(out)}")
    return out


def _check_spec_size(name: str, spec: object) -> NetworkSpec:
    if not isinstance(spec, NetworkSpec):
        raise ValueError(f"network {name!r} must be a NetworkSpec; got {type(spec).__name__}")
    depth = spec.n_layers - 1
    if depth > MAX_DEPTH:
        raise ValueError(
            f"network {name!r} has {depth} hidden layers; the limit is {MAX_DEPTH} (MAX_DEPTH)"
        )
    widest = max(spec.sizes)
    if widest > MAX_WIDTH:
        raise ValueError(
            f"network {name!r} has a layer of {widest} units; the limit is {MAX_WIDTH} (MAX_WIDTH)"
        )
    return spec


def _check_specs(specs: Mapping[str, NetworkSpec]) -> dict[str, NetworkSpec]:
    if not isinstance(specs, Mapping) or len(specs) == 0:
        raise ValueError("specs must be a non-empty mapping from a name to a NetworkSpec")
    out = {}
    for name, spec in specs.items():
        if not isinstance(name, str) or not name:
            raise ValueError(f"network names must be non-empty strings; got {name!r}")
        out[name] = _check_spec_size(name, spec)
    return out


def _label(name: str) -> str:
    return VARIANT_LABELS.get(name, name)


# ------------------------------------------------------------------ cost model


def _layer_shapes(spec: NetworkSpec) -> list[tuple[int, int]]:
    return list(itertools.pairwise(spec.sizes))


def _pass_seconds(spec: NetworkSpec, rows: int) -> float:
    """Estimated time of one forward + backward pass over `rows` samples."""
    return sum(
        fi * fo * (3 * rows * _S_MAC + _S_WEIGHT) + rows * fo * _S_ENTRY + _S_LAYER
        for fi, fo in _layer_shapes(spec)
    )


def _n_weights(sizes: tuple[int, ...]) -> int:
    return sum(fi * fo for fi, fo in itertools.pairwise(sizes))


def estimate_profile_seconds(specs: Mapping[str, NetworkSpec], batch: int, n_seeds: int) -> float:
    """Estimated time of gradient_profile(specs, batch, seeds) with n_seeds seeds, in
    seconds of one core of the reference machine (see the cost model at the top)."""
    distinct = {spec.sizes for spec in specs.values()}  # weights are drawn once per shape
    draws = sum(_n_weights(s) for s in distinct) * _S_DRAW
    return _S_CALL + n_seeds * (draws + sum(_pass_seconds(s, batch) for s in specs.values()))


def estimate_profile_bytes(specs: Mapping[str, NetworkSpec], batch: int) -> int:
    """Estimated peak memory of gradient_profile: drawn and scaled weights for every
    distinct shape, and the largest network's forward cache (pre-activations, outputs,
    the layer input of a skip, batchnorm's normalized values) plus one layer's
    gradient, 8 bytes a number."""
    distinct = {spec.sizes for spec in specs.values()}
    weights = sum(2 * _n_weights(s) for s in distinct)
    largest = 0
    for spec in specs.values():
        cache = 0
        for i, (_, fo) in enumerate(_layer_shapes(spec)):
            per_row = 2 + spec.has_skip(i) + spec.has_batchnorm(i)
            cache += per_row * batch * fo
        largest = max(largest, cache + max(fi * fo for fi, fo in _layer_shapes(spec)))
    return 8 * (weights + largest)


def too_big_message(what: str, seconds: float, nbytes: int, hint: str) -> str | None:
    """Why a call estimated at seconds and nbytes is refused (MAX_SECONDS or
    MAX_MEMORY_BYTES), starting with what and ending with hint; None if it fits."""
    if seconds > MAX_SECONDS:
        return (
            f"{what} is too big: it would take about {seconds:.1f} s of computing, and the "
            f"limit is {MAX_SECONDS:g} s (MAX_SECONDS). {hint}"
        )
    if nbytes > MAX_MEMORY_BYTES:
        return (
            f"{what} is too big: it would need about {nbytes / 1e9:.2f} GB of memory, and "
            f"the limit is {MAX_MEMORY_BYTES / 1e9:g} GB (MAX_MEMORY_BYTES). {hint}"
        )
    return None


def largest_depth(
    width: int,
    batch: int,
    n_seeds: int,
    variants: Sequence[str] = VARIANTS,
    *,
    n_in: int | None = None,
) -> int:
    """The deepest variant comparison (hidden layers, at most MAX_DEPTH) that fits the
    time and memory limits at this width, batch and number of seeds (0 if none does)."""

    def fits(depth: int) -> bool:
        specs = {v: variant_spec(v, depth, width, n_in=n_in) for v in variants}
        return (
            estimate_profile_seconds(specs, batch, n_seeds) <= MAX_SECONDS
            and estimate_profile_bytes(specs, batch) <= MAX_MEMORY_BYTES
        )

    if not fits(1):
        return 0
    lo, hi = 1, MAX_DEPTH
    if fits(hi):
        return hi
    while hi - lo > 1:  # cost grows with depth: bisect for the last depth that fits
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if fits(mid) else (lo, mid)
    return lo


# ---------------------------------------------------------------------- variants


def residual_scale_value(residual_scale: str, depth: int) -> float:
    """The branch scale a residual_scale choice stands for: "1" or 1/sqrt(depth)."""
    if residual_scale == "1":
        return 1.0
    if residual_scale == "1/sqrt(depth)":
        return 1.0 / math.sqrt(depth)
    raise ValueError(
        f"residual_scale must be one of {', '.join(RESIDUAL_SCALES)}; got {residual_scale!r}"
    )


def variant_spec(
    variant: str,
    depth: int,
    width: int,
    *,
    n_in: int | None = None,
    activation: str = "sigmoid",
    init: str | float | None = None,
    residual_scale: str = "1",
) -> NetworkSpec:
    """One of the labs' named networks: `depth` hidden layers of `width` units, then one
    sigmoid output unit. Biases are on (and start at 0).

    plain_sigmoid  sigmoid hidden layers, Xavier init          (the course's network)
    plain_relu     ReLU hidden layers, He init
    residual       h_l = h_{l-1} + s * phi(z_l) on every hidden layer whose input has
                   the same width (all of them when n_in == width); phi = `activation`,
                   s = 1 or 1/sqrt(depth) (`residual_scale`)
    batchnorm      z_l = BN(h_{l-1} W_l + b_l), then phi = `activation`

    `activation` is used by residual and batchnorm only; the plain variants are named by
    theirs. `init` None means each variant's default: Xavier for plain_sigmoid, He for
    plain_relu, and for residual and batchnorm He when the activation is ReLU-like
    (relu, leaky_relu) and Xavier otherwise. A given init ("xavier", "he", "lecun" or a
    number sigma_w^2) applies to any variant. `residual_scale` matters for residual only.
    n_in (inputs) defaults to width, so that the first hidden layer can carry a skip too.
    Limits: depth 1..MAX_DEPTH, width and n_in 1..MAX_WIDTH.
    """
    if variant not in VARIANTS:
        raise ValueError(f"variant must be one of {', '.join(VARIANTS)}; got {variant!r}")
    depth = check_int("depth", depth, 1, MAX_DEPTH, "MAX_DEPTH")
    width = check_int("width", width, 1, MAX_WIDTH, "MAX_WIDTH")
    n_in = width if n_in is None else check_int("n_in", n_in, 1, MAX_WIDTH, "MAX_WIDTH")
    get_activation(activation)
    scale = residual_scale_value(residual_scale, depth)
    act = {"plain_sigmoid": "sigmoid", "plain_relu": "relu"}.get(variant, activation)
    if init is None:
        init = "he" if act in _RELU_LIKE else "xavier"
    residual = variant == "residual"
    if residual and n_in != width and depth < 2:
        raise ValueError(
            "a residual network needs a hidden layer whose input has its width: use n_in = "
            f"width or depth >= 2 (got n_in={n_in}, width={width}, depth={depth})"
        )
    return NetworkSpec(
        sizes=(n_in, *([width] * depth), 1),
        activation=act,
        output_activation="sigmoid",
        init=init,
        bias=True,
        residual=residual,
        residual_scale=scale if residual else 1.0,
        batchnorm=variant == "batchnorm",
    )


def variant_label(
    variant: str,
    activation: str = "sigmoid",
    residual_scale: str = "1",
    init: str | float | None = None,
) -> str:
    """A legend label naming what varies, e.g. "Plain ReLU (He)" or
    "Residual (sigmoid, Xavier, branch × 1/√depth)"; arguments as for variant_spec."""
    spec = variant_spec(
        variant, 2, 2, activation=activation, init=init, residual_scale=residual_scale
    )
    init_name = {"xavier": "Xavier", "he": "He", "lecun": "LeCun"}.get(
        spec.init, f"σw² = {spec.init:g}" if isinstance(spec.init, float) else spec.init
    )
    parts = [init_name] if variant.startswith("plain") else [spec.activation, init_name]
    if variant == "residual" and residual_scale != "1":
        parts.append("branch × 1/√depth")
    return f"{_label(variant)} ({', '.join(parts)})"


# ------------------------------------------------------------------- profiles


@dataclass(frozen=True)
class ProfileIssue:
    """Something a profile could not measure, with a message the UI can show as is.

    kind: "forward_overflow" (activations left float64's range; layer = the first layer
    with inf or nan, and this seed has no backward values), "backward_overflow" (a
    gradient left float64's range at `layer`), or "zero_gradient" (the backward signal
    is exactly zero at `layer` and possibly below: no unit there passes any gradient
    for the batch, dead ReLUs or fully saturated units, so its weights get no update).
    """

    variant: str
    seed: int
    kind: str
    layer: int
    message: str


@dataclass(frozen=True, eq=False)
class ProfileResult:
    """Output of gradient_profile.

    frame: one row per (variant, seed, layer), columns PROFILE_COLUMNS:
      variant, seed, layer (1 = next to the input), distance (1 = output layer),
      log10_delta_rms   log10 of the per-sample backward signal: sqrt(mean over the batch
                        of sum over units of (dL/dz)^2), z the layer's pre-activation
      log10_grad_w      log10 ||dL/dW||_F
      log10_update      log10 (lr * mean |dL/dW|), the mean size of one SGD step
      act_rms           RMS of the layer's output h (after the skip, if any)
      saturated_frac    share of (sample, unit) outputs of a sigmoid/tanh layer within
                        0.01 of their limits (0 for activations that cannot saturate)
      dead_frac         share of a ReLU layer's units that output 0 for every sample of
                        the batch, so pass no gradient back (0 for other activations)
    Values that could not be measured (see issues) are NaN.
    issues: what went wrong where, in order of variant and seed.
    """

    frame: pd.DataFrame
    issues: tuple[ProfileIssue, ...]
    specs: dict[str, NetworkSpec]
    batch: int
    seeds: tuple[int, ...]
    lr: float

    @property
    def variants(self) -> tuple[str, ...]:
        return tuple(self.specs)

    def messages(self, variant: str | None = None) -> list[str]:
        """Issue messages, all or for one variant."""
        return [i.message for i in self.issues if variant is None or i.variant == variant]


def _sum_squares_log10(a: np.ndarray) -> float:
    """log10 of sum(a^2), robust to over- and underflow of the squares.

    -inf when a is all zeros, nan when a holds inf or nan.
    """
    total = float(np.vdot(a, a))
    if 0.0 < total < math.inf:
        return math.log10(total)
    if math.isnan(total):
        return math.nan
    if total == math.inf and not np.isfinite(a).all():
        return math.nan
    biggest = float(np.max(np.abs(a)))
    if biggest == 0.0:
        return -math.inf
    scaled = a / biggest  # rare path: entries beyond 1e154 or below 1e-154
    return math.log10(float(np.vdot(scaled, scaled))) + 2 * math.log10(biggest)


def _draw_normals(
    sizes: tuple[int, ...], seed: int, out: list[np.ndarray] | None = None
) -> list[np.ndarray]:
    """The standard normal draws init_params(spec, seed) scales, for any spec of these
    sizes; written into `out` (arrays of the right shapes) when given."""
    rng = np.random.default_rng(seed)
    if out is None:
        return [rng.standard_normal((fi, fo)) for fi, fo in itertools.pairwise(sizes)]
    for buffer in out:
        rng.standard_normal(out=buffer)
    return out


def _params_from_normals(
    spec: NetworkSpec, normals: list[np.ndarray], out: list[np.ndarray] | None = None
) -> list[LayerParams]:
    """Exactly init_params(spec, seed) given _draw_normals(spec.sizes, seed).

    Drawing once per shape lets every network of that shape share the draws, and the
    weights are written into `out` when given: fresh memory is slow to touch (page
    faults cost more than the arithmetic on a VM), and the draws dominate the cost of a
    profile at small batches.
    """
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


def _profile_inputs(
    spec: NetworkSpec, batch: int, seed: int, offset: int
) -> tuple[np.ndarray, np.ndarray]:
    """Standard normal inputs (batch, n_in) and random 0/1 targets (batch, n_out)."""
    rng = np.random.default_rng(seed + offset)
    x = rng.standard_normal((batch, spec.sizes[0]))
    y = rng.integers(0, 2, size=(batch, spec.sizes[-1])).astype(np.float64)
    return x, y


def _profile_one(
    spec: NetworkSpec,
    params: list[LayerParams],
    x: np.ndarray,
    y: np.ndarray,
    lr: float,
) -> tuple[dict[str, np.ndarray], list[tuple[str, int]]]:
    """Per-layer metrics (arrays of length n_layers, input side first) and problems found
    as (kind, 1-based layer)."""
    n_layers = spec.n_layers
    out = {m: np.full(n_layers, np.nan) for m in METRICS}
    problems: list[tuple[str, int]] = []
    _, cache = forward_unchecked(params, spec, x)
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        for i, lc in enumerate(cache.layers):
            z, _, act = lc.act
            log_sq_h = _sum_squares_log10(lc.out)
            if not math.isfinite(log_sq_h) and not np.isfinite(lc.out).all():
                problems.append(("forward_overflow", i + 1))
                return out, problems
            if math.isnan(_sum_squares_log10(z)):  # sigmoid(inf) is finite, but z is not
                problems.append(("forward_overflow", i + 1))
                return out, problems
            out["act_rms"][i] = 10 ** (0.5 * (log_sq_h - math.log10(lc.out.size)))
            width = z.shape[1]
            if act.name in _SATURATION_Z:
                out["saturated_frac"][i] = (
                    np.count_nonzero(np.abs(z) > _SATURATION_Z[act.name]) / z.size
                )
            else:
                out["saturated_frac"][i] = 0.0
            if act.name == "relu":
                out["dead_frac"][i] = np.count_nonzero(z.max(axis=0) <= 0.0) / width
            else:
                out["dead_frac"][i] = 0.0

        _, delta_out = binary_cross_entropy(cache.layers[-1].act[0], y)
        log_lr = math.log10(lr)
        batch = x.shape[0]
        for i, grads, scale, _ in backward_layers(params, spec, cache, delta_out, rescale=True):
            log_delta = 0.5 * (_sum_squares_log10(grads.delta) - math.log10(batch))
            log_gw = 0.5 * _sum_squares_log10(grads.W)
            # dL/dW is ours alone (the backward pass made it and nothing else holds it):
            # take |.| in place rather than allocate a weight-sized temporary.
            abs_gw = np.abs(grads.W, out=grads.W)
            mean_abs = float(abs_gw.sum()) / abs_gw.size
            log_mean_abs = math.log10(mean_abs) if 0 < mean_abs < math.inf else math.nan
            if log_delta == -math.inf or mean_abs == 0.0:
                problems.append(("zero_gradient", i + 1))
                continue
            if not (math.isfinite(log_delta) and math.isfinite(log_gw) and mean_abs < math.inf):
                problems.append(("backward_overflow", i + 1))
                continue
            out["log10_delta_rms"][i] = log_delta + scale
            out["log10_grad_w"][i] = log_gw + scale
            out["log10_update"][i] = log_lr + log_mean_abs + scale
    return out, problems


def _issue(name: str, seed: int, n_layers: int, kind: str, layers: list[int]) -> ProfileIssue:
    who = f"{_label(name)}, seed {seed}"
    first = layers[0]
    if kind == "forward_overflow":
        text = (
            f"{who}: the forward pass overflowed at layer {first} of {n_layers} (activations "
            "grew past float64's largest number, about 1e308), so this seed has no "
            "gradient values. A smaller init or residual branch scale keeps it in range."
        )
    elif kind == "backward_overflow":
        text = (
            f"{who}: the gradient of the weights overflowed float64 at {len(layers)} "
            f"layer(s), the first (from the output) at layer {first}; those values are "
            "left blank."
        )
    else:
        text = (
            f"{who}: the backward signal is exactly zero at {len(layers)} layer(s), the "
            f"first (from the output) at layer {first}: no unit there passes any gradient "
            "for this batch (dead ReLUs or fully saturated units), so those weights get "
            "no update at all."
        )
    return ProfileIssue(variant=name, seed=seed, kind=kind, layer=first, message=text)


def gradient_profile(
    specs: Mapping[str, NetworkSpec],
    batch: int = 64,
    seeds: Sequence[int] = (0, 1, 2),
    lr: float = 0.1,
    input_seed_offset: int = INPUT_SEED_OFFSET,
) -> ProfileResult:
    """Per-layer backward-signal profile of each named network, for every seed.

    specs: name -> NetworkSpec (e.g. from variant_spec); each at most MAX_DEPTH hidden
    layers and MAX_WIDTH units a layer. batch: 1..MAX_BATCH rows of standard normal
    input (2.. for batchnorm). seeds: 1..MAX_SEEDS distinct whole numbers; seed s
    initializes every network with init_params(spec, s), and draws inputs and 0/1
    targets from default_rng(s + input_seed_offset), shared by all networks.
    lr: the learning rate that turns a gradient into an update (log10_update).
    The whole call must fit MAX_SECONDS and MAX_MEMORY_BYTES (estimate_profile_seconds).
    See ProfileResult for the columns and the module docstring for the loss used.
    """
    specs = _check_specs(specs)
    batch = check_int("batch", batch, 1, MAX_BATCH, "MAX_BATCH")
    seeds = _check_seeds(seeds)
    lr = check_float("lr (learning rate)", lr, 0.0, MAX_LR, low_open=True)
    input_seed_offset = check_int("input_seed_offset", input_seed_offset, 1, MAX_SEED)
    if batch < 2 and any(s.batchnorm for s in specs.values()):
        raise ValueError("batch must be at least 2 when a network uses batchnorm")
    message = too_big_message(
        "This profile",
        estimate_profile_seconds(specs, batch, len(seeds)),
        estimate_profile_bytes(specs, batch),
        "Use fewer layers, narrower layers, a smaller batch or fewer seeds.",
    )
    if message:
        raise ValueError(message)

    columns: dict[str, list[np.ndarray]] = {c: [] for c in PROFILE_COLUMNS}
    issues: dict[str, list[ProfileIssue]] = {name: [] for name in specs}
    # One buffer of draws and one of weights per distinct shape, refilled for every seed
    # and network; each network's results are reduced to numbers before the next one.
    shapes = {spec.sizes: None for spec in specs.values()}
    draws = {sizes: _draw_normals(sizes, seeds[0]) for sizes in shapes}
    weights = {sizes: [np.empty_like(z) for z in draws[sizes]] for sizes in shapes}
    for k, seed in enumerate(seeds):
        for sizes in shapes:
            if k > 0:
                _draw_normals(sizes, seed, out=draws[sizes])
        for name, spec in specs.items():
            params = _params_from_normals(spec, draws[spec.sizes], out=weights[spec.sizes])
            x, y = _profile_inputs(spec, batch, seed, input_seed_offset)
            metrics, problems = _profile_one(spec, params, x, y, lr)
            n_layers = spec.n_layers
            layers = np.arange(1, n_layers + 1)
            columns["variant"].append(np.full(n_layers, name, dtype=object))
            columns["seed"].append(np.full(n_layers, seed))
            columns["layer"].append(layers)
            columns["distance"].append(n_layers + 1 - layers)
            for m in METRICS:
                columns[m].append(metrics[m])
            for kind in ("forward_overflow", "backward_overflow", "zero_gradient"):
                # nearest the output first (a forward overflow has a single layer)
                hit = sorted({layer for what, layer in problems if what == kind}, reverse=True)
                if hit:
                    issues[name].append(_issue(name, seed, n_layers, kind, hit))
    frame = pd.DataFrame({c: np.concatenate(v) for c, v in columns.items()})
    frame["variant"] = frame["variant"].astype(str)
    return ProfileResult(
        frame=frame,
        issues=tuple(i for name in specs for i in issues[name]),
        specs=specs,
        batch=batch,
        seeds=seeds,
        lr=lr,
    )


def variant_profiles(
    depth: int = 50,
    width: int = 128,
    batch: int = 64,
    seeds: tuple[int, ...] = (0, 1, 2),
    activation: str = "sigmoid",
    init: str | float | None = None,
    residual_scale: str = "1",
    variants: tuple[str, ...] = VARIANTS,
    lr: float = 0.1,
) -> ProfileResult:
    """gradient_profile of the named variants (see variant_spec), keyed by variant name.

    Every argument is small and hashable, so a UI can cache on them. When the call is too
    big the ValueError says how deep it may go at these settings (largest_depth).
    """
    if isinstance(variants, str) or not variants or len(set(variants)) != len(variants):
        raise ValueError(f"variants must be distinct names from {', '.join(VARIANTS)}")
    specs = {
        v: variant_spec(
            v, depth, width, activation=activation, init=init, residual_scale=residual_scale
        )
        for v in variants
    }
    seeds = _check_seeds(seeds)
    batch = check_int("batch", batch, 1, MAX_BATCH, "MAX_BATCH")
    seconds = estimate_profile_seconds(specs, batch, len(seeds))
    nbytes = estimate_profile_bytes(specs, batch)
    if too_big_message("", seconds, nbytes, ""):
        deepest = largest_depth(width, batch, len(seeds), variants)
        hint = (
            f"At width {width}, batch {batch}, {len(seeds)} seed(s) and {len(variants)} "
            f"variant(s) the depth can be at most {deepest}."
            if deepest
            else "Lower the width, the batch or the number of seeds."
        )
        raise ValueError(too_big_message("This comparison", seconds, nbytes, hint))
    return gradient_profile(specs, batch=batch, seeds=seeds, lr=lr)


def _frame_of(data: pd.DataFrame | ProfileResult) -> pd.DataFrame:
    frame = data.frame if isinstance(data, ProfileResult) else data
    if not isinstance(frame, pd.DataFrame):
        raise ValueError("expected a ProfileResult or a DataFrame from gradient_profile")
    return frame


def summarize_profile(frame: pd.DataFrame | ProfileResult) -> pd.DataFrame:
    """Median and 10-90% band over seeds, per (variant, layer, distance).

    Columns: variant, layer, distance, n_seeds (seeds with a finite log10_delta_rms), and
    for each metric m in METRICS: m_median, m_p10, m_p90. NaN values (see
    ProfileResult.issues) are left out of the statistics. Variants keep their order;
    layers run from the input (1) to the output.
    """
    frame = _frame_of(frame)
    missing = [c for c in PROFILE_COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(f"frame lacks the profile columns {missing}")
    keys = ["variant", "layer", "distance"]
    grouped = frame.groupby(keys, sort=False)[list(METRICS)]
    median = grouped.median()
    p10 = grouped.quantile(0.1)
    p90 = grouped.quantile(0.9)
    parts = {"n_seeds": frame.groupby(keys, sort=False)["log10_delta_rms"].count()}
    for m in METRICS:
        parts[f"{m}_median"] = median[m]
        parts[f"{m}_p10"] = p10[m]
        parts[f"{m}_p90"] = p90[m]
    summary = pd.DataFrame(parts).reset_index()
    order = {v: k for k, v in enumerate(dict.fromkeys(frame["variant"]))}
    summary = summary.sort_values(
        ["variant", "layer"], key=lambda c: c.map(order) if c.name == "variant" else c
    )
    return summary.reset_index(drop=True)


def _series_by_variant(
    data: pd.DataFrame | ProfileResult, metric: str
) -> dict[str, list[pd.DataFrame]]:
    """Per variant, a list of (layer, value) frames: one per seed for a tidy frame,
    one (the median) for a summary."""
    frame = _frame_of(data)
    if metric not in METRICS:
        raise ValueError(f"metric must be one of {', '.join(METRICS)}; got {metric!r}")
    if f"{metric}_median" in frame.columns:
        value, by = f"{metric}_median", ["variant"]
    elif metric in frame.columns and "seed" in frame.columns:
        value, by = metric, ["variant", "seed"]
    else:
        raise ValueError(f"frame has neither {metric!r} per seed nor {metric}_median")
    out: dict[str, list[pd.DataFrame]] = {}
    for key, group in frame.groupby(by, sort=False):
        variant = key[0] if isinstance(key, tuple) else key
        part = group[["layer", value]].rename(columns={value: "value"}).sort_values("layer")
        out.setdefault(str(variant), []).append(part)
    return out


def per_layer_factor_measured(
    data: pd.DataFrame | ProfileResult, metric: str = "log10_delta_rms", skip: int = 5
) -> dict[str, float]:
    """Measured per-layer ratio ||delta_l|| / ||delta_{l+1}|| of each variant.

    The least-squares slope of log10(metric) against the layer index over the interior
    hidden layers, as a factor 10**(-slope): below 1 the signal shrinks toward the input,
    above 1 it grows. For a tidy frame the slope is fitted per seed and averaged (a
    geometric mean of the seeds' factors); for a summary the medians are fitted.

    `skip` hidden layers are left out at each end, and the output layer always: next to
    the input the forward signal has not yet settled to its fixed-point variance q*
    (standard normal inputs start elsewhere), and next to the output the backward signal
    starts from a single unit, so its direction needs a few layers to spread over the
    width. Mean-field theory describes the settled middle. With few layers skip shrinks
    so that at least two layers remain; NaN when fewer than two measured layers remain.
    """
    skip = check_int("skip", skip, 0, MAX_DEPTH)
    result = {}
    for variant, parts in _series_by_variant(data, metric).items():
        slopes = []
        for part in parts:
            depth = int(part["layer"].max()) - 1  # hidden layers; the last row is the output
            k = min(skip, max(0, (depth - 2) // 2))
            inner = part[(part["layer"] >= 1 + k) & (part["layer"] <= depth - k)]
            inner = inner[np.isfinite(inner["value"])]
            if len(inner) >= 2:
                slopes.append(np.polyfit(inner["layer"], inner["value"], 1)[0])
        result[variant] = float(10.0 ** (-np.mean(slopes))) if slopes else math.nan
    return result


class LayerRatio(NamedTuple):
    """A ratio of two layers' values, in log10 and as a plain factor (which can underflow
    to 0 or overflow to inf where the log10 stays exact)."""

    log10: float
    factor: float


def _power10(log10: float) -> float:
    if math.isnan(log10):
        return math.nan
    if log10 > 308.25:
        return math.inf
    return 10.0**log10


def first_layer_ratio(
    data: pd.DataFrame | ProfileResult,
    metric: str = "log10_delta_rms",
    reference: str = "output",
) -> dict[str, LayerRatio]:
    """What reaches the first layer: metric at layer 1 relative to the output layer
    (reference="output") or to the last hidden layer (reference="last_hidden").

    For a tidy frame the log10 ratio is averaged over the seeds that have both values;
    for a summary the medians are used. NaN when no seed has both.
    """
    if reference not in ("output", "last_hidden"):
        raise ValueError(f"reference must be 'output' or 'last_hidden'; got {reference!r}")
    result = {}
    for variant, parts in _series_by_variant(data, metric).items():
        logs = []
        for part in parts:
            values = dict(zip(part["layer"], part["value"], strict=True))
            top = max(values) - (reference == "last_hidden")
            diff = values.get(1, math.nan) - values.get(top, math.nan)
            if math.isfinite(diff):
                logs.append(diff)
        log10 = float(np.mean(logs)) if logs else math.nan
        result[variant] = LayerRatio(log10=log10, factor=_power10(log10))
    return result


# ----------------------------------------------------------------- update sizes


def update_size_table(
    spec: NetworkSpec | None = None, *, lr: float = 0.5, batch: int = 64, seed: int = 0
) -> pd.DataFrame:
    """Mean |update| of each weight layer by distance from the output.

    Columns: distance (1 = output layer), layer (1 = next to the input), label,
    mean_abs_update, ratio_to_output (mean_abs_update / the output layer's),
    log10_mean_abs_update, shrink_per_layer (mean_abs_update / that of the layer one
    step closer to the output; NaN for the output layer).

    spec=None: the course's 2-2-1 network on its one example (core.worked_example at
    learning rate lr); distance 1 are v1, v2 and distance 2 the four w's. batch and seed
    play no part there: the course fixes its single example and weights.
    A spec: init_params(spec, seed), a batch of standard normal inputs and 0/1 targets
    (as gradient_profile draws them for this seed), the profiles' cross-entropy loss
    (see the module docstring; ratios between layers do not depend on it), and
    lr * mean |dL/dW| per layer, computed with the rescaled backward pass so that deep
    networks keep exact log10 values (mean_abs_update may then underflow to 0).
    """
    lr = check_float("lr (learning rate)", lr, 0.0, MAX_LR, low_open=True)
    if spec is None:
        step = worked_example(lr=lr)
        out_mean = (abs(step.dv1) + abs(step.dv2)) / 2
        hid_mean = (abs(step.dw11) + abs(step.dw12) + abs(step.dw21) + abs(step.dw22)) / 4
        logs = np.log10([out_mean, hid_mean])
        labels = ["output layer (v1, v2)", "hidden layer (w11, w12, w21, w22)"]
        layers = [2, 1]
    else:
        spec = _check_spec_size("spec", spec)
        batch = check_int("batch", batch, 2 if spec.batchnorm else 1, MAX_BATCH, "MAX_BATCH")
        seed = check_int("seed", seed, 0, MAX_SEED)
        message = too_big_message(
            "This table",
            estimate_profile_seconds({"spec": spec}, batch, 1),
            estimate_profile_bytes({"spec": spec}, batch),
            "Use fewer or narrower layers, or a smaller batch.",
        )
        if message:
            raise ValueError(message)
        params = init_params(spec, seed)
        x, y = _profile_inputs(spec, batch, seed, INPUT_SEED_OFFSET)
        metrics, problems = _profile_one(spec, params, x, y, lr)
        if problems and problems[0][0] == "forward_overflow":
            raise ValueError(
                f"the forward pass of this network overflows float64 at layer "
                f"{problems[0][1]}; use a smaller init"
            )
        logs = metrics["log10_update"][::-1]  # output layer first
        n_layers = spec.n_layers
        layers = list(range(n_layers, 0, -1))
        labels = ["output layer"] + [f"hidden layer {k}" for k in layers[1:]]
    logs = np.asarray(logs, dtype=np.float64)
    with np.errstate(under="ignore", over="ignore"):
        shrink = np.concatenate([[np.nan], 10.0 ** np.diff(logs)])
        return pd.DataFrame(
            {
                "distance": np.arange(1, len(logs) + 1),
                "layer": layers,
                "label": labels,
                "mean_abs_update": 10.0**logs,
                "ratio_to_output": 10.0 ** (logs - logs[0]),
                "log10_mean_abs_update": logs,
                "shrink_per_layer": shrink,
            }
        )


# ------------------------------------------------------------------ training


@dataclass(frozen=True, eq=False)
class VariantRun:
    """One network's training run.

    history: step (updates done so far), loss and accuracy on the whole training set.
    grad_norms: step, layer, distance, log10_grad_norm = log10 ||dL/dW||_F of the
    minibatch gradient at that step, the one the next update uses (NaN where it is not
    finite or is 0).
    grid_prob: (grid_size, grid_size) predicted probability of class 1 after training,
    grid_prob[i, j] at (grid_x[j], grid_y[i]); None if training diverged.
    diverged_at: the step at which the loss became inf or nan, or None.
    message: one sentence on how the run ended, for the UI.
    """

    history: pd.DataFrame
    grad_norms: pd.DataFrame
    grid_prob: np.ndarray | None
    diverged_at: int | None
    message: str


@dataclass(frozen=True, eq=False)
class TrainingResult:
    """Output of train_variants: one VariantRun per network, the data and the grid axes."""

    runs: dict[str, VariantRun]
    X: np.ndarray  # (n_samples, 2) training inputs
    y: np.ndarray  # (n_samples, 1) labels 0/1
    grid_x: np.ndarray  # (grid_size,)
    grid_y: np.ndarray  # (grid_size,)
    dataset: str
    loss: str

    def history_frame(self) -> pd.DataFrame:
        """Every run's history in one table with a variant column."""
        return pd.concat(
            [r.history.assign(variant=name) for name, r in self.runs.items()], ignore_index=True
        )

    def grad_norm_frame(self) -> pd.DataFrame:
        """Every run's gradient norms in one table with a variant column."""
        return pd.concat(
            [r.grad_norms.assign(variant=name) for name, r in self.runs.items()],
            ignore_index=True,
        )


def _predict(
    params: list[LayerParams],
    spec: NetworkSpec,
    x: np.ndarray,
    bn_stats: list[tuple[np.ndarray, np.ndarray]] | None = None,
) -> tuple[np.ndarray, np.ndarray, list[tuple[np.ndarray, np.ndarray]]]:
    """Output logits z_L, y_hat and batchnorm statistics, inference style.

    Same math as forward_unchecked, except that batchnorm layers normalize with the given
    per-unit (mean, variance) when bn_stats is given (a trained network evaluated on new
    points, such as a plotting grid, uses its training data's statistics, not the grid's).
    Without bn_stats each layer uses x's own statistics and returns them.
    """
    act = get_activation(spec.activation)
    out_act = get_activation(spec.output_activation)
    h = x
    stats: list[tuple[np.ndarray, np.ndarray]] = []
    z = x
    for i, p in enumerate(params):
        z = h @ p.W
        if p.b is not None:
            z += p.b
        if spec.has_batchnorm(i):
            if bn_stats is None:
                mu = z.mean(axis=0)
                var = np.mean((z - mu) ** 2, axis=0)
            else:
                mu, var = bn_stats[len(stats)]
            stats.append((mu, var))
            z = (z - mu) * (1.0 / np.sqrt(var + spec.bn_eps)) * p.gamma + p.beta
        phi = (out_act if spec.is_output(i) else act).forward(z)
        h = h + spec.residual_scale * phi if spec.has_skip(i) else phi
    return z, h, stats


def _loss_delta(
    spec: NetworkSpec, y_hat: np.ndarray, cache, y: np.ndarray, loss: str
) -> tuple[float, np.ndarray, np.ndarray]:
    """Loss value, delta_out = dL/dz_L, and the predicted probability of class 1."""
    logits = cache.layers[-1].act[0]
    if loss == "bce":
        value, delta_out = binary_cross_entropy(logits, y)
        return value, delta_out, sigmoid(logits)
    value, dy_hat = squared_error(y_hat, y)
    return value, activation_backward(dy_hat, cache.layers[-1].act), y_hat


def _check_training_spec(name: str, spec: NetworkSpec) -> None:
    if spec.sizes[0] != 2 or spec.sizes[-1] != 1:
        raise ValueError(
            f"network {name!r} must take 2 inputs and give 1 output for a 2-D data set; "
            f"its sizes are {spec.sizes} (variant_spec(..., n_in=2) builds one)"
        )


def estimate_training_seconds(
    specs: Mapping[str, NetworkSpec],
    steps: int,
    batch: int,
    n_samples: int,
    record_every: int,
    grid_size: int,
) -> float:
    """Estimated time of train_variants on one core of the reference machine (see the
    cost model at the top of the module): every step a pass over the batch and an
    update, every record a pass over the whole training set, and the final grid."""
    records = steps // record_every + 2

    def step(spec: NetworkSpec, rows: int) -> float:  # forward, backward, update
        return sum(
            fi * fo * (3 * rows * _S_MAC + _S_UPDATE) + rows * fo * _S_ENTRY + _S_TRAIN_LAYER
            for fi, fo in _layer_shapes(spec)
        )

    def forward(spec: NetworkSpec, rows: int) -> float:
        return sum(
            fi * fo * rows * _S_MAC + rows * fo * _S_ENTRY / 2 + _S_TRAIN_LAYER / 2
            for fi, fo in _layer_shapes(spec)
        )

    total = _S_CALL
    for spec in specs.values():
        total += (steps + 1) * step(spec, batch) + records * forward(spec, n_samples)
        total += forward(spec, grid_size * grid_size) + forward(spec, n_samples)
    return total


def train_variants(
    specs: Mapping[str, NetworkSpec],
    dataset: str = "moons",
    *,
    n_samples: int = 400,
    noise: float = 0.2,
    steps: int = 500,
    lr: float = 0.5,
    batch: int = 32,
    seed: int = 0,
    record_every: int | None = None,
    loss: str = "bce",
    grid_size: int = 60,
    progress: Callable[[float, str], None] | None = None,
) -> TrainingResult:
    """Minibatch SGD on a 2-D toy data set, for several networks side by side.

    Every network sees the same data (make_dataset(dataset, n_samples, noise, seed)),
    starts from init_params(spec, seed) and takes the same minibatches in the same
    order (reshuffled each epoch; an epoch's last incomplete batch is skipped so that
    every step uses `batch` rows). Each step is w <- w - lr * dL/dw on every parameter.
    loss: "bce" (cross-entropy on the output logit) or "squared_error" (the course's E).

    Every record_every steps (default: about 100 records over the run), and at step 0
    and the last step, the loss and accuracy on the whole training set and the per-layer
    norms of that step's minibatch gradient are recorded. Batchnorm layers evaluate the
    whole set with its own statistics, and the final grid (grid_size x grid_size points
    covering the data with a margin of 0.5) with those same statistics. If the loss
    becomes inf or nan the network stops there, diverged_at says the step and its grid
    is None; the others go on.
    progress(fraction_done, text) is called after every record, if given.

    Limits: 1..MAX_TRAIN_STEPS steps, MIN..MAX_TRAIN_SAMPLES samples, batch up to
    min(MAX_BATCH, n_samples), lr in (0, MAX_LR], noise in [0, MAX_NOISE], grid_size in
    MIN_GRID..MAX_GRID, networks of 2 inputs and 1 output within MAX_DEPTH / MAX_WIDTH,
    and the whole call within MAX_SECONDS (estimate_training_seconds).
    """
    specs = _check_specs(specs)
    for name, spec in specs.items():
        _check_training_spec(name, spec)
    if dataset not in DATASETS:
        raise ValueError(f"dataset must be one of {', '.join(DATASETS)}; got {dataset!r}")
    n_samples = check_int(
        "n_samples", n_samples, MIN_TRAIN_SAMPLES, MAX_TRAIN_SAMPLES, "MAX_TRAIN_SAMPLES"
    )
    noise = check_float("noise", noise, 0.0, MAX_NOISE, low_open=False)
    steps = check_int("steps", steps, 1, MAX_TRAIN_STEPS, "MAX_TRAIN_STEPS")
    lr = check_float("lr (learning rate)", lr, 0.0, MAX_LR, low_open=True)
    low_batch = 2 if any(s.batchnorm for s in specs.values()) else 1
    batch = check_int("batch", batch, low_batch, min(MAX_BATCH, n_samples), "MAX_BATCH")
    seed = check_int("seed", seed, 0, MAX_SEED)
    if record_every is None:
        record_every = max(1, steps // 100)
    record_every = check_int("record_every", record_every, 1, steps)
    if loss not in LOSSES:
        raise ValueError(f"loss must be one of {', '.join(LOSSES)}; got {loss!r}")
    grid_size = check_int("grid_size", grid_size, MIN_GRID, MAX_GRID, "MAX_GRID")
    if progress is not None and not callable(progress):
        raise ValueError("progress must be a function (fraction, text) or None")
    message = too_big_message(
        "This training run",
        estimate_training_seconds(specs, steps, batch, n_samples, record_every, grid_size),
        max(estimate_profile_bytes({n: s}, max(batch, n_samples)) for n, s in specs.items()),
        "Use fewer steps, fewer or narrower layers, fewer networks or a smaller batch.",
    )
    if message:
        raise ValueError(message)

    X, Y = make_dataset(dataset, n_samples, noise, seed)
    order = _minibatch_order(n_samples, batch, steps + 1, seed)
    lo, hi = X.min(axis=0) - 0.5, X.max(axis=0) + 0.5
    grid_x = np.linspace(lo[0], hi[0], grid_size)
    grid_y = np.linspace(lo[1], hi[1], grid_size)
    gx, gy = np.meshgrid(grid_x, grid_y)
    grid_points = np.column_stack([gx.ravel(), gy.ravel()])

    runs = {}
    for k, (name, spec) in enumerate(specs.items()):

        def report(step: int, k: int = k, name: str = name) -> None:
            if progress is not None:
                done = (k + step / steps) / len(specs)
                progress(done, f"{_label(name)}: step {step} of {steps}")

        runs[name] = _train_one(
            name,
            spec,
            (X, Y),
            order,
            seed=seed,
            lr=lr,
            loss=loss,
            record_every=record_every,
            grid_points=grid_points,
            grid_size=grid_size,
            report=report,
        )
    if progress is not None:
        progress(1.0, "done")
    return TrainingResult(
        runs=runs, X=X, y=Y, grid_x=grid_x, grid_y=grid_y, dataset=dataset, loss=loss
    )


def _minibatch_order(n_samples: int, batch: int, steps: int, seed: int) -> np.ndarray:
    """(steps, batch) row indices: epochs of a fresh permutation, cut into whole batches."""
    rng = np.random.default_rng(seed + BATCH_SEED_OFFSET)
    per_epoch = n_samples // batch
    epochs = -(-steps // per_epoch)
    rows = [rng.permutation(n_samples)[: per_epoch * batch] for _ in range(epochs)]
    return np.concatenate(rows).reshape(-1, batch)[:steps]


def _train_one(
    name: str,
    spec: NetworkSpec,
    data: tuple[np.ndarray, np.ndarray],
    order: np.ndarray,
    *,
    seed: int,
    lr: float,
    loss: str,
    record_every: int,
    grid_points: np.ndarray,
    grid_size: int,
    report: Callable[[int], None],
) -> VariantRun:
    X, Y = data
    steps = len(order) - 1  # order has a batch for the gradient at the final step too
    params = init_params(spec, seed)  # fresh arrays, ours alone: updated in place below
    history: list[tuple[int, float, float]] = []
    norms: list[np.ndarray] = []
    record_steps: list[int] = []
    diverged_at = None
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        for step in range(steps + 1):
            rows = order[step]
            y_hat, cache = forward_unchecked(params, spec, X[rows])
            value, delta_out, _ = _loss_delta(spec, y_hat, cache, Y[rows], loss)
            if not math.isfinite(value):
                diverged_at = step
                break
            grads = backward_scaled(params, spec, cache, delta_out, rescale=False).grads
            if step % record_every == 0 or step == steps:
                y_all, cache_all = forward_unchecked(params, spec, X)
                whole, _, prob = _loss_delta(spec, y_all, cache_all, Y, loss)
                if not math.isfinite(whole):
                    diverged_at = step
                    break
                accuracy = float(np.mean((prob > 0.5) == (Y > 0.5)))
                history.append((step, whole, accuracy))
                norms.append(np.array([0.5 * _sum_squares_log10(g.W) for g in grads]))
                record_steps.append(step)
                report(step)
            if step == steps:
                break
            for p, g in zip(params, grads, strict=True):
                for field in ("W", "b", "gamma", "beta"):
                    value_p, value_g = getattr(p, field), getattr(g, field)
                    if value_p is not None:
                        value_g *= lr  # the gradient is a fresh array nobody else holds
                        value_p -= value_g
    n_layers = spec.n_layers
    layers = np.arange(1, n_layers + 1)
    norm_values = np.concatenate(norms) if norms else np.empty(0)
    grad_norms = pd.DataFrame(
        {
            "step": np.repeat(np.array(record_steps, dtype=np.int64), n_layers),
            "layer": np.tile(layers, len(record_steps)),
            "distance": np.tile(n_layers + 1 - layers, len(record_steps)),
            "log10_grad_norm": np.where(np.isfinite(norm_values), norm_values, np.nan),
        }
    )
    frame = pd.DataFrame(history, columns=["step", "loss", "accuracy"])
    frame["step"] = frame["step"].astype(np.int64)
    if diverged_at is not None:
        message = (
            f"{_label(name)} diverged at step {diverged_at}: the loss became too large "
            "for float64 (inf or nan), so training stopped there. A smaller learning "
            "rate usually helps."
        )
        return VariantRun(frame, grad_norms, None, diverged_at, message)
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        # A network with huge weights may overflow on grid points far from the data;
        # sigmoid maps +-inf to 1 and 0, and a nan stays nan (shown as a gap).
        _, _, stats = _predict(params, spec, X)
        logits, y_grid, _ = _predict(params, spec, grid_points, stats)
        prob = sigmoid(logits) if loss == "bce" else y_grid
    final = history[-1]
    message = (
        f"{_label(name)}: after {steps} steps the training loss is {final[1]:.3g} and "
        f"{final[2]:.0%} of the points are classified correctly."
    )
    return VariantRun(frame, grad_norms, prob.reshape(grid_size, grid_size), None, message)


# ------------------------------------------------------------------------- CLI


def _parse_seeds(text: str) -> tuple[int, ...]:
    try:
        return tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"seeds must be whole numbers separated by commas, e.g. 0,1,2; got {text!r}"
        ) from None


def _parse_init(text: str) -> str | float:
    try:
        return float(text)
    except ValueError:
        return text


def _parse_scale(text: str) -> str:
    if text in RESIDUAL_SCALES:
        return text
    try:
        float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"residual scale must be 1, 1/sqrt(depth) or a number; got {text!r}"
        ) from None
    return text


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m core.experiments",
        description=(
            "Depth experiments as CSV: per-layer gradient profiles, the labs' variant "
            "comparison, and update sizes by distance from the output. Rows go to stdout "
            "(or --out FILE); problems such as overflow are reported on stderr."
        ),
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def common(p: argparse.ArgumentParser, seeds: bool = True) -> None:
        p.add_argument("--depth", type=int, default=50, help="hidden layers (default 50)")
        p.add_argument("--width", type=int, default=128, help="units per hidden layer")
        p.add_argument("--batch", type=int, default=64, help="rows of input (default 64)")
        if seeds:
            p.add_argument(
                "--seeds", type=_parse_seeds, default=(0, 1, 2), help="e.g. 0,1,2 (default)"
            )
        p.add_argument(
            "--init",
            type=_parse_init,
            default=None,
            help="xavier, he, lecun or a number sigma_w^2 (default: per network)",
        )
        p.add_argument("--out", default=None, help="write the CSV here instead of stdout")

    profile = sub.add_parser(
        "profile",
        help="one network's per-layer profile, one row per (seed, layer)",
        description="Per-layer gradient profile of one plain, residual or batchnorm network.",
    )
    common(profile)
    profile.add_argument("--activation", default="sigmoid", help="hidden activation")
    profile.add_argument("--residual", action="store_true", help="add identity skips")
    profile.add_argument(
        "--residual-scale",
        type=_parse_scale,
        default="1",
        help="branch scale: 1, 1/sqrt(depth) or a number",
    )
    profile.add_argument("--batchnorm", action="store_true", help="batch-normalize")
    profile.add_argument("--lr", type=float, default=0.1, help="for log10_update")
    profile.add_argument("--summary", action="store_true", help="median and 10-90%% band")

    compare = sub.add_parser(
        "compare",
        help="the labs' named variants side by side (median and band per layer)",
        description="Profiles of plain sigmoid, plain ReLU, residual and batchnorm networks.",
    )
    common(compare)
    compare.add_argument(
        "--activation", default="sigmoid", help="activation of residual and batchnorm"
    )
    compare.add_argument(
        "--residual-scale", choices=RESIDUAL_SCALES, default="1", help="residual branch scale"
    )
    compare.add_argument(
        "--variants",
        default=",".join(VARIANTS),
        help=f"comma-separated subset of {','.join(VARIANTS)}",
    )
    compare.add_argument("--tidy", action="store_true", help="one row per (variant, seed, layer)")
    compare.add_argument("--lr", type=float, default=0.1, help="for log10_update")

    updates = sub.add_parser(
        "updates",
        help="mean |update| by distance from the output",
        description=(
            "Update sizes by distance from the output: the course's 2-2-1 network by "
            "default, or a plain network given --depth (and --width, --activation, --init)."
        ),
    )
    updates.add_argument("--depth", type=int, default=None, help="hidden layers of a plain net")
    updates.add_argument("--width", type=int, default=64, help="units per hidden layer")
    updates.add_argument("--activation", default="sigmoid", help="hidden activation")
    updates.add_argument("--init", type=_parse_init, default="xavier", help="weight init")
    updates.add_argument("--batch", type=int, default=64, help="rows of input")
    updates.add_argument("--seed", type=int, default=0, help="weights and data seed")
    updates.add_argument("--lr", type=float, default=0.5, help="learning rate (course: 0.5)")
    updates.add_argument("--out", default=None, help="write the CSV here instead of stdout")
    return parser


def _run(args: argparse.Namespace) -> tuple[pd.DataFrame, list[str]]:
    if args.command == "updates":
        spec = None
        if args.depth is not None:
            depth = check_int("--depth", args.depth, 1, MAX_DEPTH, "MAX_DEPTH")
            width = check_int("--width", args.width, 1, MAX_WIDTH, "MAX_WIDTH")
            spec = NetworkSpec(
                sizes=(width, *([width] * depth), 1), activation=args.activation, init=args.init
            )
        return update_size_table(spec, lr=args.lr, batch=args.batch, seed=args.seed), []
    if args.command == "compare":
        variants = tuple(v.strip() for v in args.variants.split(",") if v.strip())
        result = variant_profiles(
            args.depth,
            args.width,
            args.batch,
            args.seeds,
            args.activation,
            args.init,
            args.residual_scale,
            variants,
            lr=args.lr,
        )
        frame = result.frame if args.tidy else summarize_profile(result)
        return frame, result.messages()
    depth = check_int("--depth", args.depth, 1, MAX_DEPTH, "MAX_DEPTH")
    if args.residual_scale in RESIDUAL_SCALES:
        scale = residual_scale_value(args.residual_scale, depth)
    else:
        scale = float(args.residual_scale)
    init = args.init
    if init is None:
        init = "he" if args.activation in _RELU_LIKE else "xavier"
    width = check_int("--width", args.width, 1, MAX_WIDTH, "MAX_WIDTH")
    spec = NetworkSpec(
        sizes=(width, *([width] * depth), 1),
        activation=args.activation,
        init=init,
        residual=args.residual,
        residual_scale=scale,
        batchnorm=args.batchnorm,
    )
    result = gradient_profile({"network": spec}, args.batch, args.seeds, args.lr)
    frame = summarize_profile(result) if args.summary else result.frame
    return frame, result.messages()


def main(argv: Sequence[str] | None = None) -> int:
    """Command line entry point (see --help); returns the exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        frame, messages = _run(args)
    except ValueError as error:
        parser.error(str(error))  # exits with status 2 and the message on stderr
    for text in messages:
        print(text, file=sys.stderr)
    csv = frame.to_csv(index=False, float_format="%.8g")
    if args.out:
        with open(args.out, "w", encoding="utf-8") as handle:
            handle.write(csv)
    else:
        sys.stdout.write(csv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
