"""Update sizes by distance from the output: the article's own measure of who learns.

``update_size_table`` gives the mean |update| of each weight layer of the course's
2-2-1 network on its one example, or of any deeper network at initialization.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from core.limits import (
    MAX_BATCH,
    MAX_LR,
    MAX_SEED,
    Refused,
    check_float,
    check_int,
    check_spec_size,
    estimate_profile_bytes,
    estimate_profile_seconds,
    too_big_message,
)
from core.network import NetworkSpec, init_params
from core.profile import profile_inputs, profile_one
from core.worked_example import worked_example


def _course_logs(lr: float) -> tuple[np.ndarray, list[int], list[str]]:
    """log10 mean |update| of the course's output and hidden layers, their layers, labels."""
    step = worked_example(lr=lr)
    out_mean = (abs(step.dv1) + abs(step.dv2)) / 2
    hid_mean = (abs(step.dw11) + abs(step.dw12) + abs(step.dw21) + abs(step.dw22)) / 4
    labels = ["output layer (v1, v2)", "hidden layer (w11, w12, w21, w22)"]
    return np.log10([out_mean, hid_mean]), [2, 1], labels


def _network_logs(
    spec: NetworkSpec, lr: float, batch: int, seed: int
) -> tuple[np.ndarray, list[int], list[str]]:
    """The same for a network at initialization, output layer first."""
    spec = check_spec_size("spec", spec)
    batch = check_int("batch", batch, 2 if spec.batchnorm else 1, MAX_BATCH, "MAX_BATCH")
    seed = check_int("seed", seed, 0, MAX_SEED)
    message = too_big_message(
        "This table",
        estimate_profile_seconds({"spec": spec}, batch, 1),
        estimate_profile_bytes({"spec": spec}, batch),
        "Use fewer or narrower layers, or a smaller batch.",
    )
    if message:
        raise Refused(message)
    params = init_params(spec, seed)
    x, y = profile_inputs(spec, batch, seed)
    metrics, problems = profile_one(spec, params, x, y, lr)
    if problems and problems[0][0] == "forward_overflow":
        raise Refused(
            f"the forward pass of this network overflows float64 at layer "
            f"{problems[0][1]}; use a smaller init"
        )
    layers = list(range(spec.n_layers, 0, -1))
    labels = ["output layer"] + [f"hidden layer {k}" for k in layers[1:]]
    return metrics["log10_update"][::-1], layers, labels


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
    (see core.profile; ratios between layers do not depend on it), and
    lr * mean |dL/dW| per layer, computed with the rescaled backward pass so that deep
    networks keep exact log10 values (mean_abs_update may then underflow to 0).
    """
    lr = check_float("lr (learning rate)", lr, 0.0, MAX_LR, low_open=True)
    if spec is None:
        logs, layers, labels = _course_logs(lr)
    else:
        logs, layers, labels = _network_logs(spec, lr, batch, seed)
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
