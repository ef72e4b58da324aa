"""Profiles reduced to what a chart or a sentence needs.

- ``summarize_profile``: median and 10-90% band over the seeds, per network and layer;
- ``per_layer_factor_measured``: the factor by which a quantity changes per layer,
  fitted over the middle layers (below 1 it shrinks toward the input);
- ``first_layer_ratio``: what reaches layer 1, relative to the output layer, in log10.

Each takes a ProfileResult (core.profile), its tidy frame, or a summary.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
import pandas as pd

from core.limits import MAX_DEPTH, check_int
from core.logspace import power10
from core.profile import METRICS, PROFILE_COLUMNS, ProfileResult


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
        result[variant] = LayerRatio(log10=log10, factor=power10(log10))
    return result
