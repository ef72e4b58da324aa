"""How fast this machine is compared with the one core.limits' cost model was fitted on.

The cost model (core.limits) counts a call's work in seconds of one core of a reference
machine. Another machine is faster or slower, and not by one factor for everything:
BLAS's matrix products follow the vector units and caches, the rest (numpy's
elementwise loops and the Python around every layer) the interpreter's single-core
speed. Each factor is measured by timing a small reference workload here and dividing
by the same workload's time on the reference machine. What is timed is the calling
thread's CPU time, best of a few runs: other busy processes and the server's other
threads change it little, where wall time would swing with them.

The factors are measured once per process, on first use (a few tens of milliseconds),
unless the environment variable BACKPROP_COST_SCALE gives them: "1.3" for both, or
"1.1,1.6" for the products and the rest. The app's server measures them and starts its
worker processes with the variable set to its own (dashboard.gate), so that the
process that decides what is admitted and the one that computes agree. Tests set it
for limits that do not depend on the machine; set_cost_scale changes it in-process.
"""

from __future__ import annotations

import logging
import math
import os
import threading
import time
from dataclasses import dataclass

import numpy as np

from core.network import NetworkSpec, backward_scaled, forward_unchecked, init_params

COST_SCALE_ENV = "BACKPROP_COST_SCALE"
_LOG = logging.getLogger(__name__)
# The reference workloads' CPU times on the reference machine (bench/fit_costs.py
# measures them beside the calls the cost model is fitted to).
REFERENCE_PRODUCTS_SECONDS = 0.789e-3
REFERENCE_LAYERS_SECONDS = 1.350e-3
RUNS = 7  # best of: the least disturbed run
MIN_SCALE, MAX_SCALE = 0.05, 20.0  # a measured or given factor outside these is an error

# Products below OpenBLAS's threading threshold (m n k <= 4 * 65536), so that all the
# work is on the calling thread whatever OPENBLAS_NUM_THREADS says.
_PRODUCT_SHAPES = ((32, 96), (96, 64))
_PRODUCTS = 100
_LAYERS_SPEC = NetworkSpec(sizes=(16,) * 21)  # 20 sigmoid layers of 16: per-layer overhead
_LAYERS_BATCH, _LAYERS_PASSES = 16, 3


@dataclass(frozen=True)
class CostScale:
    """This machine's time for the cost model's work, as a multiple of the reference
    machine's: `products` for the matrix products, `rest` for everything else.
    source: "measured", "environment" or "set"."""

    products: float
    rest: float
    source: str

    def as_env(self) -> str:
        """The value of BACKPROP_COST_SCALE that gives exactly these factors."""
        return f"{self.products!r},{self.rest!r}"


def parse(text: str) -> tuple[float, float]:
    """(products, rest) from "x" or "x,y"; ValueError for anything else."""
    parts = [p.strip() for p in text.split(",")]
    if len(parts) not in (1, 2):
        raise ValueError(f"{COST_SCALE_ENV} must be one number or two separated by a comma")
    try:
        values = [float(p) for p in parts]
    except ValueError:
        raise ValueError(f"{COST_SCALE_ENV} must be numbers; got {text!r}") from None
    if not all(math.isfinite(v) and MIN_SCALE <= v <= MAX_SCALE for v in values):
        raise ValueError(
            f"{COST_SCALE_ENV} factors must lie in [{MIN_SCALE:g}, {MAX_SCALE:g}]; got {text!r}"
        )
    return values[0], values[-1]


def _best_thread_seconds(fn, runs: int = RUNS) -> float:
    fn()  # warm: first-call costs (imports, page faults) are not the machine's speed
    best = math.inf
    for _ in range(runs):
        start = time.thread_time()
        fn()
        best = min(best, time.thread_time() - start)
    return best


def time_products() -> float:
    """CPU seconds of the reference products on this thread (best of RUNS)."""
    rng = np.random.default_rng(0)
    a, b = (rng.standard_normal(shape) for shape in _PRODUCT_SHAPES)
    out = np.empty((a.shape[0], b.shape[1]))

    def products() -> None:
        for _ in range(_PRODUCTS):
            np.matmul(a, b, out=out)

    return _best_thread_seconds(products)


def time_layers() -> float:
    """CPU seconds of the reference forward and backward passes (best of RUNS)."""
    params = init_params(_LAYERS_SPEC, 0)
    x = np.random.default_rng(1).standard_normal((_LAYERS_BATCH, _LAYERS_SPEC.sizes[0]))
    delta = np.random.default_rng(2).standard_normal((_LAYERS_BATCH, _LAYERS_SPEC.sizes[-1]))

    def passes() -> None:
        for _ in range(_LAYERS_PASSES):
            _, cache = forward_unchecked(params, _LAYERS_SPEC, x)
            backward_scaled(params, _LAYERS_SPEC, cache, delta, rescale=True)

    return _best_thread_seconds(passes)


def measure() -> CostScale:
    """Time both reference workloads here and compare them with the reference machine.
    A factor outside [MIN_SCALE, MAX_SCALE] is taken as that bound, with a warning in
    the log: no machine the app runs on is 20 times faster or slower, a disturbed
    measurement (a profiler attached) might be."""
    factors = []
    for name, seconds, reference in (
        ("products", time_products(), REFERENCE_PRODUCTS_SECONDS),
        ("rest", time_layers(), REFERENCE_LAYERS_SECONDS),
    ):
        factor = seconds / reference
        if not MIN_SCALE <= factor <= MAX_SCALE:
            _LOG.warning(
                "cost model: this machine measured %.3g times the reference machine's time "
                "for the %s; using %g (set %s to choose)",
                factor,
                name,
                min(max(factor, MIN_SCALE), MAX_SCALE),
                COST_SCALE_ENV,
            )
            factor = min(max(factor, MIN_SCALE), MAX_SCALE)
        factors.append(factor)
    return CostScale(*factors, "measured")


_lock = threading.Lock()
_current: CostScale | None = None


def cost_scale() -> CostScale:
    """This process's factors: set_cost_scale's, else BACKPROP_COST_SCALE's, else
    measured on first use (once per process, whichever thread asks first)."""
    global _current
    with _lock:
        if _current is None:
            text = os.environ.get(COST_SCALE_ENV, "").strip()
            _current = CostScale(*parse(text), "environment") if text else measure()
        return _current


def set_cost_scale(products: float | None, rest: float | None = None) -> None:
    """Use these factors from now on (rest defaults to products); None forgets them, so
    that the next cost_scale() reads the environment or measures again."""
    global _current
    with _lock:
        if products is None:
            _current = None
        else:
            text = f"{products}" if rest is None else f"{products},{rest}"
            _current = CostScale(*parse(text), "set")


def lowest(readings: list[CostScale]) -> CostScale:
    """The lowest products and the lowest rest of several readings: the machine's speed
    when the host left it alone (a slow spell only ever reads higher)."""
    if not readings:
        raise ValueError("lowest needs at least one reading")
    return CostScale(min(r.products for r in readings), min(r.rest for r in readings), "measured")
