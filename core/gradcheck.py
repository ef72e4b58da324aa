"""Finite-difference gradient checks: the independent witness for backprop.

Central differences in float64 with h = 1e-5 agree with an exact gradient to about
1e-10 in absolute terms; a relative error above 1e-7 on a gradient larger than that
means a bug, not rounding (``gradients_agree``).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from core.network import LayerParams, NetworkSpec, loss_and_grads
from core.spec import PARAM_FIELDS

DEFAULT_STEP = 1e-5
# Below this absolute size a finite difference with h = 1e-5 sees only rounding
# (about 1e-16 * |f| / h per evaluation), so smaller disagreements are not evidence.
RESOLUTION = 1e-10


def numerical_gradient(
    f: Callable[[np.ndarray], float], x: np.ndarray, h: float = DEFAULT_STEP
) -> np.ndarray:
    """df/dx by central differences, one element at a time.  x (any shape) -> same shape.

    Uses the two central differences at h and 2h combined (Richardson):
        f' = [8 (f(x+h) - f(x-h)) - (f(x+2h) - f(x-2h))] / 12h,   error O(h^4),
    so curvature (large in batchnorm with a small batch) does not pass for a bug.
    f is called with a perturbed float64 copy of x; x itself is never modified.
    """
    if not (np.isfinite(h) and h > 0):
        raise ValueError(f"h (finite-difference step) must be a finite number > 0; got {h!r}")
    x = np.array(x, dtype=np.float64)  # our own copy to perturb
    grad = np.zeros_like(x)
    flat, gflat = x.reshape(-1), grad.reshape(-1)

    def at(k: int, value: float) -> float:
        flat[k] = value
        return f(x)

    for k in range(flat.size):
        old = flat[k]
        d1 = at(k, old + h) - at(k, old - h)
        d2 = at(k, old + 2 * h) - at(k, old - 2 * h)
        flat[k] = old
        gflat[k] = (8.0 * d1 - d2) / (12.0 * h)
    return grad


def relative_error(analytic: np.ndarray | float, numeric: np.ndarray | float) -> float:
    """|a - n| / max(|a| + |n|, 1e-8) with |.| the largest absolute entry of the array.

    Taken over the whole array rather than entry by entry: an entry a million times
    smaller than its neighbours carries the finite difference's rounding error
    (about 1e-16 * f / h) at full size, so an entrywise ratio would flag rounding as
    a bug. The floor keeps two near-zero arrays from reading as a large error.
    """
    a = np.asarray(analytic, dtype=np.float64)
    n = np.asarray(numeric, dtype=np.float64)
    if a.shape != n.shape:
        raise ValueError(f"analytic {a.shape} and numeric {n.shape} must have the same shape")
    if a.size == 0:
        return 0.0
    scale = max(float(np.max(np.abs(a))) + float(np.max(np.abs(n))), 1e-8)
    return float(np.max(np.abs(a - n))) / scale


def gradients_agree(
    analytic: np.ndarray | float, numeric: np.ndarray | float, rtol: float = 1e-7
) -> bool:
    """relative_error < rtol, or both differ by less than finite differences can resolve."""
    diff = np.max(np.abs(np.asarray(analytic, float) - np.asarray(numeric, float)), initial=0.0)
    return relative_error(analytic, numeric) < rtol or float(diff) < RESOLUTION


def _replace(params: list[LayerParams], i: int, name: str, value: np.ndarray) -> list:
    """A copy of params with layer i's parameter `name` set to value."""
    fields = {k: getattr(params[i], k) for k in PARAM_FIELDS}
    fields[name] = value
    return [*params[:i], LayerParams(**fields), *params[i + 1 :]]


def check_network(
    params: list[LayerParams],
    spec: NetworkSpec,
    x: np.ndarray,
    y: np.ndarray,
    loss: str = "squared_error",
    h: float = DEFAULT_STEP,
) -> dict[str, tuple[float, np.ndarray, np.ndarray]]:
    """Backprop against finite differences for every parameter and for the input.

    Returns {name: (relative error, analytic, numeric)} with names "W1", "b1",
    "gamma1", "beta1", ... (layer 1 next to the input) and "x". Each evaluation is a
    full forward pass, so keep the network small.
    """
    exact = loss_and_grads(params, spec, x, y, loss)
    report: dict[str, tuple[float, np.ndarray, np.ndarray]] = {}
    for i, (p, g) in enumerate(zip(params, exact.grads, strict=True)):
        for name in PARAM_FIELDS:
            value = getattr(p, name)
            if value is None:
                continue

            def f(v: np.ndarray, i: int = i, name: str = name) -> float:
                return loss_and_grads(_replace(params, i, name, v), spec, x, y, loss).loss

            numeric = numerical_gradient(f, value, h)
            analytic = getattr(g, name)
            report[f"{name}{i + 1}"] = (relative_error(analytic, numeric), analytic, numeric)
    numeric_x = numerical_gradient(lambda v: loss_and_grads(params, spec, v, y, loss).loss, x, h)
    report["x"] = (relative_error(exact.dx, numeric_x), exact.dx, numeric_x)
    return report
