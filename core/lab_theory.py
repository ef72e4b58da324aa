"""What theory predicts for each of the lab's networks, and the lines and table rows the
lab page draws from it (core.lab measures; this module predicts and compares).

Per network, a Prediction of the backward signal's factor per layer toward the input,
and of the weight update's, which also carries what came forward (dL/dW_l = in_l^T
delta_l):

- plain networks: mean field, sqrt(chi_1) at the fixed point (core.theory), and the
  update's factor from the layer-by-layer recursion (core.propagation); plain sigmoid
  also the bounds 0.25 per layer (sigma' <= 1/4, weights left out) and sigma_w / 4;
- residual networks (pre-activation blocks): the layer-by-layer recursion, whose factor
  may change with depth (the forward variance grows), drawn as a curve;
- batch-normalized networks: Yang et al.'s rate where it has a closed form (ReLU); the
  forward pass is normalized, so the update follows the signal;
- activations theory cannot predict (core.theory.can_predict): nothing, said so.

Factors are fitted over the same middle layers as the measurement (FIT_SKIP left out at
each end), so measured and predicted compare like with like.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from core import propagation, theory
from core.network import NetworkSpec
from core.summaries import first_layer_ratio, per_layer_factor_measured

FIT_SKIP = 5  # layers left out at each end when fitting a factor per layer
SAME_LINE = 0.01  # sigma_w / 4 within 1% of 0.25: one line, not two on top of each other
QUANTITIES: dict[str, str] = {  # what the lab can plot -> the profile column
    "signal": "log10_delta_rms",
    "weight_grad": "log10_grad_w",
    "update": "log10_update",
}
MODELS = ("mean_field", "mean_field_residual", "batchnorm_rate")  # not bounds


@dataclass(frozen=True)
class Prediction:
    """A predicted profile of the backward signal over the hidden layers.

    kind: "mean_field", "mean_field_residual", "batchnorm_rate", "bound_quarter" or
    "bound_sigma". factor: ||delta_l|| / ||delta_{l+1}|| per layer toward the input
    (fitted over the middle layers where it changes with depth). update_factor: the same
    for the weight update (NaN for the bounds). offsets: (depth,) log10 of the signal at
    layers 1..depth relative to layer depth. label: short legend text.
    """

    kind: str
    factor: float
    label: str
    offsets: np.ndarray
    update_factor: float = math.nan


def fitted_factor(offsets: np.ndarray, skip: int = FIT_SKIP) -> float:
    """The factor per layer toward the input of a log10 profile over layers 1..depth,
    fitted like core.summaries.per_layer_factor_measured (skip layers at each end)."""
    depth = len(offsets)
    k = min(skip, max(0, (depth - 2) // 2))
    layers = np.arange(1, depth + 1)[k : depth - k]
    values = offsets[k : depth - k]
    ok = np.isfinite(values)
    if ok.sum() < 2:
        return math.nan
    return float(10.0 ** (-np.polyfit(layers[ok], values[ok], 1)[0]))


def _constant(factor: float, depth: int) -> np.ndarray:
    return (depth - np.arange(1, depth + 1)) * math.log10(factor)


def hidden_sigma_w2(width: int, spec: NetworkSpec) -> float:
    """sigma_w^2 of a hidden-to-hidden layer (square, width x width) of this network."""
    return theory.init_sigma_w2(spec.init, width, width)


def _plain(spec: NetworkSpec, width: int, depth: int) -> list[Prediction]:
    sw2 = hidden_sigma_w2(width, spec)
    factor = theory.per_layer_factor(spec.activation, sw2)
    update = fitted_factor(propagation.plain_profile(spec.activation, sw2, depth).update)
    found = [
        Prediction(
            "mean_field",
            factor,
            f"mean field ×{factor:.3g}/layer",
            _constant(factor, depth),
            update,
        )
    ]
    if spec.activation == "sigmoid":
        sigma_w = math.sqrt(sw2)
        same = abs(sigma_w / 4 / 0.25 - 1) <= SAME_LINE
        quarter = "bound ×0.25/layer" + (" (= σw/4)" if same else "")
        found.append(Prediction("bound_quarter", 0.25, quarter, _constant(0.25, depth)))
        if not same:
            label = f"bound σw/4 = ×{sigma_w / 4:.3g}/layer"
            found.append(
                Prediction("bound_sigma", sigma_w / 4, label, _constant(sigma_w / 4, depth))
            )
    return found


def _residual(spec: NetworkSpec, width: int, depth: int) -> list[Prediction]:
    sw2 = hidden_sigma_w2(width, spec)
    profile = propagation.residual_profile(spec.activation, sw2, spec.residual_scale, depth)
    factor = fitted_factor(profile.signal)
    if not math.isfinite(factor):
        return []
    label = f"mean field ×{factor:.3g}/layer"
    update = fitted_factor(profile.update)
    return [Prediction("mean_field_residual", factor, label, profile.signal, update)]


def predictions(
    specs: dict[str, NetworkSpec], width: int, depth: int, batch: int
) -> dict[str, list[Prediction]]:
    """What theory says about each network's backward signal and update, per layer."""
    out: dict[str, list[Prediction]] = {}
    for name, spec in specs.items():
        found: list[Prediction] = []
        if not theory.can_predict(spec.activation):
            pass
        elif spec.residual and not spec.batchnorm:
            found = _residual(spec, width, depth)
        elif not spec.residual and not spec.batchnorm:
            found = _plain(spec, width, depth)
        elif not spec.residual and theory.has_batchnorm_rate(spec.activation):
            factor = math.sqrt(theory.batchnorm_rate(spec.activation, batch))
            label = f"Yang et al. ×{factor:.3g}/layer"
            offsets = _constant(factor, depth)
            found = [Prediction("batchnorm_rate", factor, label, offsets, factor)]
        out[name] = found
    return out


def theory_lines(
    depth: int, summary: pd.DataFrame, predicted: dict[str, list[Prediction]]
) -> pd.DataFrame:
    """The lines to draw over the backward signal: each prediction's offsets through its
    network's measured median at the last hidden layer (none where that is not finite)."""
    parts = []
    layers = np.arange(1, depth + 1)
    at_last = summary[summary["layer"] == depth].set_index("variant")["log10_delta_rms_median"]
    for name, found in predicted.items():
        anchor = float(at_last.get(name, math.nan))
        if not math.isfinite(anchor):
            continue
        for p in found:
            parts.append(
                pd.DataFrame(
                    {
                        "variant": name,
                        "kind": p.kind,
                        "label": p.label,
                        "factor": p.factor,
                        "layer": layers,
                        "log10_delta_rms": anchor + p.offsets,
                    }
                )
            )
    columns = ["variant", "kind", "label", "factor", "layer", "log10_delta_rms"]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)


def _model(found: list[Prediction]) -> Prediction | None:
    return next((p for p in found if p.kind in MODELS), None)


def factor_rows(
    depth: int,
    summary: pd.DataFrame,
    labels: dict[str, str],
    predicted: dict[str, list[Prediction]],
) -> pd.DataFrame:
    """One row per (network, quantity): measured and predicted factors (see LabResult)."""
    rows = []
    hidden = summary[summary["layer"] <= depth]
    inactive = hidden.groupby("variant")["inactive_frac_median"].max()
    for quantity, column in QUANTITIES.items():
        measured = per_layer_factor_measured(summary, column, skip=FIT_SKIP)
        first = first_layer_ratio(summary, column)
        for name in labels:
            model = _model(predicted[name])
            value = math.nan
            if model is not None:
                value = model.factor if quantity == "signal" else model.update_factor
            use = math.isfinite(value)
            bound = quantity == "signal" and any(p.kind == "bound_quarter" for p in predicted[name])
            factor = measured.get(name, math.nan)
            rows.append(
                {
                    "variant": name,
                    "label": labels[name],
                    "quantity": quantity,
                    "measured": factor,
                    "first_log10": first[name].log10 if name in first else math.nan,
                    "first_factor": first[name].factor if name in first else math.nan,
                    "predicted": value,
                    "predicted_kind": model.kind if use else "",
                    "agreement": factor / value if use else math.nan,
                    "predicted_log10": depth * math.log10(value) if use else math.nan,
                    "bound_log10": theory.sigmoid_bound_log10(depth) if bound else math.nan,
                    "inactive_max": float(inactive.get(name, math.nan)),
                    "steps": depth,
                }
            )
    return pd.DataFrame(rows)


def similarity_lines(
    specs: dict[str, NetworkSpec], settings, summary: pd.DataFrame
) -> pd.DataFrame:
    """Mean field's correlation map over the hidden layers of each plain network (no
    batchnorm, an activation theory can predict), from its measured median similarity
    at layer 1 and the variance standard normal inputs give layer 1 (sigma_w^2).
    Columns variant, layer, similarity."""
    parts = []
    first = summary[summary["layer"] == 1].set_index("variant")["similarity_median"]
    for name, spec in specs.items():
        c1 = float(first.get(name, math.nan))
        if spec.residual or spec.batchnorm or not theory.can_predict(spec.activation):
            continue
        if not math.isfinite(c1):
            continue
        sw2 = hidden_sigma_w2(settings.width, spec)
        c = propagation.correlation_map(spec.activation, sw2, sw2, c1, settings.depth)
        layers = np.arange(1, settings.depth + 1)
        parts.append(pd.DataFrame({"variant": name, "layer": layers, "similarity": c}))
    columns = ["variant", "layer", "similarity"]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)
