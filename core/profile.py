"""Per-layer profiles of fresh networks: how big the blame is at every layer.

``gradient_profile(specs, batch, seeds, lr)`` measures, for each named network and
seed at initialization, the size of the backward signal, the weight gradient and the
update at every layer, plus forward health (activation RMS, saturated and off units).
``variant_profiles`` does it for the labs' named networks (core.variants).

Conventions. ``layer`` counts weight layers from the input (1 = the first hidden
layer, depth + 1 = the output layer); ``distance`` counts from the output (1 = the
output layer), so distance = n_layers + 1 - layer.

The backward signal comes from the cross-entropy of the output logit z_L against
random 0/1 targets, so dL/dz_L = (sigmoid(z_L) - y) / N: a real loss (update sizes mean
something) that depends on no trained task. Not the course's squared error: that would
multiply in the output sigmoid's slope, which rounds to exactly 0 in float64 once the
output saturates (|z_L| > ~745, e.g. an unscaled residual net at init) and would then
hide every hidden layer, the very thing a profile measures. Ratios between layers do
not depend on this choice (every layer's gradient carries the same delta_L). Inputs are
standard normal. The network's seed fixes its weights; inputs and targets for seed s
are drawn from ``np.random.default_rng(s + input_seed_offset)``, so every network
compared under the same seed sees the same batch (a paired comparison).

Deep profiles never underflow: the backward signal is divided by its RMS at every
layer and the log10 of the scale is carried along (``core.network.backward_layers``).
Backprop is linear in the signal, so this is exact; a depth-1000 sigmoid network
reports about -600 at the input end where float64 would have given 0.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.activations import get_activation
from core.limits import (
    MAX_BATCH,
    MAX_LR,
    MAX_SEED,
    Refused,
    check_float,
    check_int,
    check_seeds,
    check_specs,
    estimate_profile_bytes,
    estimate_profile_seconds,
    largest_fitting,
    profile_fits,
    too_big_message,
)
from core.logspace import log10_sum_squares
from core.network import (
    LayerParams,
    NetworkSpec,
    backward_layers,
    draw_normals,
    forward_unchecked,
    output_loss,
    params_from_normals,
)
from core.variants import VARIANTS, short_label, variant_spec

INPUT_SEED_OFFSET = 1_000_003  # inputs of seed s come from default_rng(s + offset)
METRICS: tuple[str, ...] = (
    "log10_delta_rms",
    "log10_grad_w",
    "log10_update",
    "act_rms",
    "saturated_frac",
    "dead_frac",
    "similarity",
)
PROFILE_COLUMNS: tuple[str, ...] = ("variant", "seed", "layer", "distance", *METRICS)
ISSUE_KINDS: tuple[str, ...] = ("forward_overflow", "backward_overflow", "zero_gradient")


@dataclass(frozen=True)
class ProfileIssue:
    """Something a profile could not measure, with a message the UI can show as is.

    kind: "forward_overflow" (activations left float64's range; layer = the first layer
    with inf or nan, and this seed has no backward values), "backward_overflow" (a
    gradient left float64's range at `layer`), or "zero_gradient" (the backward signal
    is exactly zero at `layer` and possibly below: no unit there passes any gradient
    for the batch, units off or fully saturated, so its weights get no update).
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
      saturated_frac    share of (sample, unit) outputs of a saturating layer (sigmoid,
                        tanh) within 0.01 of their limits (0 where it cannot saturate)
      dead_frac         share of a layer's units that output 0 for every sample of the
                        batch, so pass no gradient back (0 where units cannot be off)
      similarity        how alike two different inputs look at this layer: the mean over
                        pairs of samples of the cosine of their pre-activations z_l (in a
                        residual layer, of the stream h_l); 1 means the layer can no
                        longer tell inputs apart (NaN for a batch of one)
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


def profile_inputs(
    spec: NetworkSpec, batch: int, seed: int, offset: int = INPUT_SEED_OFFSET
) -> tuple[np.ndarray, np.ndarray]:
    """Standard normal inputs (batch, n_in) and random 0/1 targets (batch, n_out)."""
    rng = np.random.default_rng(seed + offset)
    x = rng.standard_normal((batch, spec.sizes[0]))
    y = rng.integers(0, 2, size=(batch, spec.sizes[-1])).astype(np.float64)
    return x, y


_SAFE_SQUARES = (1e-250, 1e250)  # row norms^2 whose squares lost nothing to the range


def mean_pair_cosine(r: np.ndarray) -> float:
    """Mean cosine similarity over all pairs of rows of r (N, M), without the N x N
    Gram matrix: with unit rows n_i, sum_{i != j} n_i . n_j = ||sum_i n_i||^2 - N.
    Rows of zeros (no direction) are left out; NaN with fewer than two rows left.

    A profile calls it for every layer. Usually every row's squared norm is a normal
    float, and sum_i n_i is one matrix-vector product; rows of zeros, huge or tiny rows
    (a layer that overflowed or faded) take the careful path, scaled by max |r| per row.
    """
    squares = np.einsum("ij,ij->i", r, r)
    n = len(squares)
    if n >= 2 and _SAFE_SQUARES[0] < squares.min() and squares.max() < _SAFE_SQUARES[1]:
        total = np.divide(1.0, np.sqrt(squares, out=squares), out=squares) @ r
        return float((total @ total - n) / (n * (n - 1)))
    biggest = np.maximum(r.max(axis=1), np.negative(r.min(axis=1)))
    keep = (biggest > 0) & np.isfinite(biggest)
    n = int(np.count_nonzero(keep))
    if n < 2:
        return math.nan
    if n < len(keep):
        r, biggest = r[keep], biggest[keep]
    unit = np.divide(r, biggest[:, None])  # no overflow in the squares below
    np.divide(unit, np.sqrt(np.einsum("ij,ij->i", unit, unit))[:, None], out=unit)
    total = unit.sum(axis=0)
    return float((total @ total - n) / (n * (n - 1)))


def _forward_health(cache, out: dict[str, np.ndarray], problems: list[tuple[str, int]]) -> bool:
    """Fill act_rms, saturated_frac and dead_frac per layer; False (and a problem noted)
    at the first layer whose forward values left float64's range."""
    for i, lc in enumerate(cache.layers):
        z, _, act = lc.act
        log_sq_h = log10_sum_squares(lc.out)
        if not math.isfinite(log_sq_h) and not np.isfinite(lc.out).all():
            problems.append(("forward_overflow", i + 1))
            return False
        if math.isnan(log10_sum_squares(z)):  # sigmoid(inf) is finite, but z is not
            problems.append(("forward_overflow", i + 1))
            return False
        out["act_rms"][i] = 10 ** (0.5 * (log_sq_h - math.log10(lc.out.size)))
        saturated = 0.0
        if act.saturation_z is not None:  # |z| > s, without a temporary |z|
            limit = act.saturation_z
            saturated = (np.count_nonzero(z > limit) + np.count_nonzero(z < -limit)) / z.size
        out["saturated_frac"][i] = saturated
        dead = 0.0
        if act.can_be_off:
            dead = np.count_nonzero(z.max(axis=0) <= 0.0) / z.shape[1]
        out["dead_frac"][i] = dead
        out["similarity"][i] = mean_pair_cosine(lc.out if lc.skip else z)
    return True


def profile_one(
    spec: NetworkSpec,
    params: list[LayerParams],
    x: np.ndarray,
    y: np.ndarray,
    lr: float,
) -> tuple[dict[str, np.ndarray], list[tuple[str, int]]]:
    """Per-layer metrics (arrays of length n_layers, input side first) and problems found
    as (kind, 1-based layer)."""
    out = {m: np.full(spec.n_layers, np.nan) for m in METRICS}
    problems: list[tuple[str, int]] = []
    y_hat, cache = forward_unchecked(params, spec, x)
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        if not _forward_health(cache, out, problems):
            return out, problems
        delta_out = output_loss(y_hat, cache, y, "bce").delta_out
        log_lr = math.log10(lr)
        batch = x.shape[0]
        for i, grads, scale, _ in backward_layers(params, spec, cache, delta_out, rescale=True):
            log_delta = 0.5 * (log10_sum_squares(grads.delta) - math.log10(batch))
            log_gw = 0.5 * log10_sum_squares(grads.W)
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
    who = f"{short_label(name)}, seed {seed}"
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
            "for this batch (units off or fully saturated), so those weights get "
            "no update at all."
        )
    return ProfileIssue(variant=name, seed=seed, kind=kind, layer=first, message=text)


def _check_profile_call(
    specs: Mapping[str, NetworkSpec], batch: int, seeds: Sequence[int], lr: float
) -> tuple[dict[str, NetworkSpec], int, tuple[int, ...], float]:
    specs = check_specs(specs)
    batch = check_int("batch", batch, 1, MAX_BATCH, "MAX_BATCH")
    seeds = check_seeds(seeds)
    lr = check_float("lr (learning rate)", lr, 0.0, MAX_LR, low_open=True)
    if batch < 2 and any(s.batchnorm for s in specs.values()):
        raise Refused("batch must be at least 2 when a network uses batchnorm")
    message = too_big_message(
        "This profile",
        estimate_profile_seconds(specs, batch, len(seeds)),
        estimate_profile_bytes(specs, batch),
        "Use fewer layers, narrower layers, a smaller batch or fewer seeds.",
    )
    if message:
        raise Refused(message)
    return specs, batch, seeds, lr


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
    The whole call must fit MAX_SECONDS and MAX_MEMORY_BYTES (core.limits).
    See ProfileResult for the columns and the module docstring for the loss used.
    """
    specs, batch, seeds, lr = _check_profile_call(specs, batch, seeds, lr)
    input_seed_offset = check_int("input_seed_offset", input_seed_offset, 1, MAX_SEED)
    columns: dict[str, list[np.ndarray]] = {c: [] for c in PROFILE_COLUMNS}
    issues: dict[str, list[ProfileIssue]] = {name: [] for name in specs}
    # One buffer of draws and one of weights per distinct shape, refilled for every seed
    # and network; each network's results are reduced to numbers before the next one.
    shapes = {spec.sizes: None for spec in specs.values()}
    draws = {sizes: draw_normals(sizes, seeds[0]) for sizes in shapes}
    weights = {sizes: [np.empty_like(z) for z in draws[sizes]] for sizes in shapes}
    for k, seed in enumerate(seeds):
        for sizes in shapes:
            if k > 0:
                draw_normals(sizes, seed, out=draws[sizes])
        for name, spec in specs.items():
            params = params_from_normals(spec, draws[spec.sizes], out=weights[spec.sizes])
            x, y = profile_inputs(spec, batch, seed, input_seed_offset)
            metrics, problems = profile_one(spec, params, x, y, lr)
            n_layers = spec.n_layers
            layers = np.arange(1, n_layers + 1)
            columns["variant"].append(np.full(n_layers, name, dtype=object))
            columns["seed"].append(np.full(n_layers, seed))
            columns["layer"].append(layers)
            columns["distance"].append(n_layers + 1 - layers)
            for m in METRICS:
                columns[m].append(metrics[m])
            for kind in ISSUE_KINDS:
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


def merge_profiles(
    parts: Sequence[ProfileResult], specs: Mapping[str, NetworkSpec]
) -> ProfileResult:
    """One ProfileResult from results of gradient_profile for parts of `specs` (the same
    batch, seeds and lr; every network in exactly one part), equal to the one call on all
    of `specs`: each network's numbers do not depend on the others measured beside it
    (its weights and inputs come from its own sizes and the seed). Rows and issues in
    the one call's order: by seed, then by network in the order of `specs`."""
    if not parts:
        raise ValueError("need at least one part")
    first = parts[0]
    names = [n for part in parts for n in part.specs]
    if sorted(names) != sorted(specs) or len(set(names)) != len(names):
        raise ValueError(f"the parts measure {names}, not each of {list(specs)} once")
    if any((p.batch, p.seeds, p.lr) != (first.batch, first.seeds, first.lr) for p in parts):
        raise ValueError("the parts were measured with different batches, seeds or lr")
    order = {name: k for k, name in enumerate(specs)}
    seed_order = {seed: k for k, seed in enumerate(first.seeds)}
    frame = pd.concat([p.frame for p in parts], ignore_index=True)
    key = frame["seed"].map(seed_order) * len(order) + frame["variant"].map(order)
    frame = frame.iloc[np.argsort(key.to_numpy(), kind="stable")].reset_index(drop=True)
    issues = sorted((i for p in parts for i in p.issues), key=lambda i: order[i.variant])
    return ProfileResult(
        frame=frame,
        issues=tuple(issues),
        specs=dict(specs),
        batch=first.batch,
        seeds=first.seeds,
        lr=first.lr,
    )


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
        return profile_fits(specs, batch, n_seeds)

    return largest_fitting(fits)


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
    """gradient_profile of the named variants (see core.variants), keyed by name.

    Every argument is small and hashable, so a UI can cache on them. When the call is too
    big, Refused says how deep it may go at these settings (largest_depth).
    """
    if isinstance(variants, str) or not variants or len(set(variants)) != len(variants):
        raise Refused(f"variants must be distinct names from {', '.join(VARIANTS)}")
    get_activation(activation)
    specs = {
        v: variant_spec(
            v, depth, width, activation=activation, init=init, residual_scale=residual_scale
        )
        for v in variants
    }
    seeds = check_seeds(seeds)
    batch = check_int("batch", batch, 1, MAX_BATCH, "MAX_BATCH")
    if not profile_fits(specs, batch, len(seeds)):
        deepest = largest_depth(width, batch, len(seeds), variants)
        hint = (
            f"At width {width}, batch {batch}, {len(seeds)} seed(s) and {len(variants)} "
            f"variant(s) the depth can be at most {deepest}."
            if deepest
            else "Lower the width, the batch or the number of seeds."
        )
        seconds = estimate_profile_seconds(specs, batch, len(seeds))
        nbytes = estimate_profile_bytes(specs, batch)
        raise Refused(too_big_message("This comparison", seconds, nbytes, hint))
    return gradient_profile(specs, batch=batch, seeds=seeds, lr=lr)
