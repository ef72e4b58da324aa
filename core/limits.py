"""Every limit a computation must respect, the validators that enforce them, and the
cost model that refuses combinations too big together.

One server may serve a whole class, so every call the UI can make is bounded: depth,
width, batch, seeds, steps and samples have maxima, and the cost model
(``estimate_profile_seconds``, ``estimate_training_seconds``) refuses combinations that
are each allowed but too big together, so that one call finishes in about
``MAX_SECONDS`` on the machine it runs on and holds at most ``MAX_MEMORY_BYTES``. The
model is fitted to CPU times measured on a reference machine (bench/fit_costs.py) and
scaled to this one by core.calibration, which times two small workloads once per
process; bench/bench.py prints estimate beside measurement.

Past any limit core raises ``Refused``, a ValueError whose message names the limit and
what is allowed. Pages catch ``Refused`` and nothing else: any other exception is a bug.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping, Sequence

import numpy as np

from core.calibration import cost_scale
from core.checkpoints import CHECKPOINT_COUNT, checkpoint_stride
from core.network import NetworkSpec

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
# Estimated compute time of one call on the machine it runs on. 3 s: a page's call at the
# limit answers in about 1.5 s when its parts compute in both worker processes (the labs),
# so a class of 20 on a 2-core server waits under 2.5 s at p95 (bench/server_load.py); the
# training lab's ideas and the four networks 1000 layers deep (one seed) still fit.
MAX_SECONDS = 3.0
MAX_MEMORY_BYTES = 600_000_000  # estimated peak of one call: the four lab networks 1000
# layers deep (width 128) need 0.53 GB; two such calls never run at once (dashboard.gate)

# Cost model: seconds of ONE core of the reference machine (a 2-core AMD EPYC VM, OpenBLAS,
# one BLAS thread), fitted by bench/fit_costs.py to CPU times of 68 profiles and training
# runs from width 8 to 1024 and batch 8 to 512, each started as a worker starts it (each
# fitted constant times 1.1: the fit is within 0.74-1.18 of every run, and the model
# should err high). Per weight layer of fan_in x fan_out with a batch of N rows, one
# forward + backward of a profile costs:
#     3 N fan_in fan_out _S_MAC                                          (the products)
#   + fan_in fan_out _S_WEIGHT + N fan_out (_S_ENTRY [+ _S_BN_ENTRY])
#   + N _S_ROW + _S_LAYER                                                (the rest)
# core.calibration scales the products and the rest each by this machine's speed. An
# idle machine whose BLAS may use two threads finishes the products sooner.
_S_MAC = 4.87e-11  # s per multiply-add in the three matrix products (BLAS)
_S_WEIGHT = 4.67e-9  # s per weight: dW's norms and mean |dW|, scaling the drawn weights
_S_DRAW = 16.2e-9  # s per weight drawn from the normal distribution (once per seed and shape)
_S_ENTRY = 15.5e-9  # s per activation entry: phi, phi', norms, saturation, similarity
_S_BN_ENTRY = 8.1e-9  # s per activation entry of a batchnorm layer, on top of _S_ENTRY
_S_ROW = 60e-9  # s per sample and layer: per-row reductions (similarity of inputs)
_S_LAYER = 56.7e-6  # s of Python per layer and pass
_S_CALL = 0.05  # s per call: the lab's summaries and theory (a bare profile fits 0)
_S_UPDATE = 8.3e-9  # s per parameter for one SGD update (training)
_S_TRAIN_ENTRY = 7.2e-9  # s per activation entry of a training step (no statistics)
_S_TRAIN_LAYER = 43.3e-6  # s of Python per layer and training step
_S_TRAIN_CALL = 0.03  # s per training call: data, tables (fitted: 0)


class Refused(ValueError):
    """A request past one of core's limits, or with a value outside what is allowed.
    The message says which limit and what is allowed; a page shows it as it is."""


# ------------------------------------------------------------------ validation


def _is_int(value: object) -> bool:
    return isinstance(value, int | np.integer) and not isinstance(value, bool)


def check_int(name: str, value: object, low: int, high: int, limit: str = "") -> int:
    """value if it is a whole number in [low, high], else Refused naming the bound
    (limit: the constant behind high, e.g. "MAX_DEPTH")."""
    if not _is_int(value) or not low <= value <= high:
        where = f" ({limit})" if limit else ""
        raise Refused(f"{name} must be a whole number from {low} to {high}{where}; got {value!r}")
    return int(value)


def check_float(name: str, value: object, low: float, high: float, low_open: bool) -> float:
    """value as a float if it is a finite number in [low, high] ((low, high] when
    low_open), else Refused saying what is allowed."""
    ok = (
        isinstance(value, int | float | np.integer | np.floating)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and (value > low if low_open else value >= low)
        and value <= high
    )
    if not ok:
        bracket = "(" if low_open else "["
        raise Refused(f"{name} must be a number in {bracket}{low:g}, {high:g}]; got {value!r}")
    return float(value)


def check_choice(name: str, value: object, allowed: Sequence[str]) -> str:
    """value if it is one of allowed, else Refused listing them."""
    if not isinstance(value, str) or value not in allowed:
        raise Refused(f"{name} must be one of {', '.join(allowed)}; got {value!r}")
    return value


def check_seeds(seeds: Sequence[int]) -> tuple[int, ...]:
    """1..MAX_SEEDS distinct whole numbers in 0..MAX_SEED, as a tuple."""
    if isinstance(seeds, str | bytes) or not isinstance(seeds, Sequence):
        raise Refused(f"seeds must be a sequence of whole numbers; got {seeds!r}")
    if not 1 <= len(seeds) <= MAX_SEEDS:
        raise Refused(f"seeds must hold 1 to {MAX_SEEDS} seeds (MAX_SEEDS); got {len(seeds)}")
    out = tuple(check_int("each seed", s, 0, MAX_SEED) for s in seeds)
    if len(set(out)) != len(out):
        raise Refused(f"seeds must all differ; got {list(out)}")
    return out


def check_spec_size(name: str, spec: object) -> NetworkSpec:
    """spec if it is a NetworkSpec within MAX_DEPTH and MAX_WIDTH."""
    if not isinstance(spec, NetworkSpec):
        raise ValueError(f"network {name!r} must be a NetworkSpec; got {type(spec).__name__}")
    depth = spec.n_layers - 1
    if depth > MAX_DEPTH:
        raise Refused(
            f"network {name!r} has {depth} hidden layers; the limit is {MAX_DEPTH} (MAX_DEPTH)"
        )
    widest = max(spec.sizes)
    if widest > MAX_WIDTH:
        raise Refused(
            f"network {name!r} has a layer of {widest} units; the limit is {MAX_WIDTH} (MAX_WIDTH)"
        )
    return spec


def check_specs(specs: Mapping[str, NetworkSpec]) -> dict[str, NetworkSpec]:
    """A non-empty name -> NetworkSpec mapping, each within the size limits, as a dict."""
    if not isinstance(specs, Mapping) or len(specs) == 0:
        raise ValueError("specs must be a non-empty mapping from a name to a NetworkSpec")
    out = {}
    for name, spec in specs.items():
        if not isinstance(name, str) or not name:
            raise ValueError(f"network names must be non-empty strings; got {name!r}")
        out[name] = check_spec_size(name, spec)
    return out


# ------------------------------------------------------------------ cost model


def _layer_shapes(spec: NetworkSpec) -> list[tuple[int, int]]:
    return list(itertools.pairwise(spec.sizes))


def _on_this_machine(products: float, rest: float) -> float:
    """Seconds on this machine of work that takes `products` seconds of matrix products
    and `rest` seconds of everything else on the reference machine."""
    scale = cost_scale()
    return products * scale.products + rest * scale.rest


def _pass_costs(spec: NetworkSpec, rows: int) -> tuple[float, float]:
    """Reference seconds (products, rest) of one profile pass over `rows` samples."""
    products = rest = 0.0
    for i, (fi, fo) in enumerate(_layer_shapes(spec)):
        products += 3 * rows * fi * fo * _S_MAC
        entry = _S_ENTRY + _S_BN_ENTRY * spec.has_batchnorm(i)
        rest += fi * fo * _S_WEIGHT + rows * (fo * entry + _S_ROW) + _S_LAYER
    return products, rest


def _n_weights(sizes: tuple[int, ...]) -> int:
    return sum(fi * fo for fi, fo in itertools.pairwise(sizes))


def estimate_profile_seconds(specs: Mapping[str, NetworkSpec], batch: int, n_seeds: int) -> float:
    """Estimated time of a gradient profile of specs at this batch with n_seeds seeds, in
    seconds on this machine (see the cost model above)."""
    distinct = {spec.sizes for spec in specs.values()}  # weights are drawn once per shape
    products, rest = 0.0, sum(_n_weights(s) for s in distinct) * _S_DRAW
    for spec in specs.values():
        p, r = _pass_costs(spec, batch)
        products, rest = products + p, rest + r
    return _on_this_machine(n_seeds * products, _S_CALL + n_seeds * rest)


def estimate_profile_bytes(specs: Mapping[str, NetworkSpec], batch: int) -> int:
    """Estimated peak memory of a gradient profile: drawn and scaled weights for every
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


def estimate_training_seconds(
    specs: Mapping[str, NetworkSpec],
    steps: int,
    batch: int,
    n_samples: int,
    record_every: int,
    grid_size: int,
) -> float:
    """Estimated time of a training run on this machine: every step a pass over the
    batch and an update, every record a forward pass over the whole training set, the
    network's spread at the start and the final grid, and every snapshot for playback
    (core.checkpoints) a pass over the training set and its grid."""
    records = steps // record_every + 2
    snaps = min(steps + 1, CHECKPOINT_COUNT)
    snap_side = -(-grid_size // checkpoint_stride(grid_size))
    forward_rows = (records + 1) * n_samples + grid_size * grid_size
    forward_rows += snaps * (n_samples + snap_side * snap_side)
    products = rest = 0.0
    for spec in specs.values():
        for fi, fo in _layer_shapes(spec):
            products += ((steps + 1) * 3 * batch + forward_rows) * fi * fo * _S_MAC
            step = fi * fo * _S_UPDATE + batch * fo * _S_TRAIN_ENTRY + _S_TRAIN_LAYER
            forward = (
                forward_rows * fo * _S_TRAIN_ENTRY + (records + 2 + 2 * snaps) * _S_TRAIN_LAYER
            )
            rest += (steps + 1) * step + forward / 2
    return _on_this_machine(products, _S_TRAIN_CALL + rest)


def _over(value: float, limit: float) -> str:
    """value, past limit, with as many decimals as it takes to read as more than limit
    ("3.02" against 3, not "3.0")."""
    digits = 1
    while round(value, digits) <= limit and digits < 4:
        digits += 1
    return f"{value:.{digits}f}"


def too_big_message(what: str, seconds: float, nbytes: int, hint: str) -> str | None:
    """Why a call estimated at seconds and nbytes is refused (past MAX_SECONDS or
    MAX_MEMORY_BYTES, in plain words: a student reads it), starting with what and ending
    with hint; None if it fits."""
    if seconds > MAX_SECONDS:
        return (
            f"{what} is too big: it would take about {_over(seconds, MAX_SECONDS)} s of "
            f"computing, and one computation may take at most {MAX_SECONDS:g} s on this "
            f"machine. {hint}"
        )
    if nbytes > MAX_MEMORY_BYTES:
        gb, limit = nbytes / 1e9, MAX_MEMORY_BYTES / 1e9
        return (
            f"{what} is too big: it would need about {_over(gb, limit)} GB of memory, and "
            f"one computation may use at most {limit:g} GB. {hint}"
        )
    return None


def profile_fits(specs: Mapping[str, NetworkSpec], batch: int, n_seeds: int) -> bool:
    """True if a profile of specs fits both MAX_SECONDS and MAX_MEMORY_BYTES."""
    return (
        estimate_profile_seconds(specs, batch, n_seeds) <= MAX_SECONDS
        and estimate_profile_bytes(specs, batch) <= MAX_MEMORY_BYTES
    )


def largest_fitting(fits: Callable[[int], bool], high: int = MAX_DEPTH) -> int:
    """The largest n in 1..high with fits(n), for a cost that grows with n (0 if not
    even fits(1)). Bisection: about log2(high) calls of fits."""
    if not fits(1):
        return 0
    if fits(high):
        return high
    lo, hi = 1, high
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if fits(mid) else (lo, mid)
    return lo
