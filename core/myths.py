"""Five claims of the simplified story, each measured (the "Myths and measurements" page).

One function per claim; each returns a frozen dataclass holding the claim's own numbers,
the measurement that confirms or corrects it, and booleans the page turns into words.
The networks are the lab's (core.lab.lab_specs) at the lab's default width, batch and
seeds, so that a link from a claim to the lab opens a view with the same numbers.

1. update_ratio_myth: "one layer further back, the updates are about 10x smaller";
2. power_myth: the course multiplies 0.25 per layer but evaluates 0.5^100;
3. relu_init_myth: "ReLU: no more vanishing", with and without He initialization;
4. residual_myth: unscaled residual branches make the signal grow (about 2^L in
   variance); scaling them by 1/sqrt(depth) tames it;
5. batchnorm_myth: batch normalization at initialization makes the gradient explode
   toward the input, at Yang et al.'s rate.

Factors are "per layer, toward the input": below 1 the signal shrinks on its way back,
above 1 it grows (core.summaries.per_layer_factor_measured). "What reaches layer 1" is
layer 1 relative to the output layer, kept in log10 (core.summaries.first_layer_ratio).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from core import theory
from core.lab import FIT_SKIP, MIN_BATCH, LabSettings, lab_specs
from core.limits import MAX_BATCH, check_int
from core.network import NetworkSpec
from core.profile import gradient_profile
from core.summaries import first_layer_ratio, per_layer_factor_measured, summarize_profile
from core.updates import update_size_table
from core.worked_example import worked_example

LAB = LabSettings()  # width, batch and seeds of the lab's default view
TOLERANCE = 0.05  # relative: "agrees with", "is flat" (factor within 5% of 1)
ROUND_NUMBER = 1.5  # a claimed ratio "holds" within a factor 1.5 either way
COURSE_CLAIM = 10.0  # "about 10x smaller" one layer further back
COURSE_BASE = 0.5  # the base the course's arithmetic used: 0.5^100
MIN_DEPTH, MAX_DEPTH = 3, 500  # the myths' depth inputs (3: the per-layer fit needs two layers)


def _check(name: str, value: object, low: int, high: int) -> int:
    return check_int(name, value, low, high)


def _measure(specs: dict, batch: int = LAB.batch) -> pd.DataFrame:
    """Summary (median over the lab's seeds) of the named networks."""
    result = gradient_profile(specs, batch, LAB.seeds, LAB.lr)
    return summarize_profile(result)


def _spec(variant: str, depth: int, **settings: object) -> NetworkSpec:
    return lab_specs(LabSettings(depth=depth, **settings))[variant]


def _forward_growth(summary: pd.DataFrame, name: str, depth: int, skip: int = FIT_SKIP) -> float:
    """Factor per layer by which the activations' RMS grows from the input up: the
    least-squares slope of log10(act_rms) over the hidden layers, `skip` left out at
    each end (fewer for shallow nets), as per_layer_factor_measured fits the gradient."""
    rows = summary[(summary["variant"] == name) & (summary["layer"] <= depth)]
    k = min(skip, max(0, (depth - 2) // 2))
    inner = rows[(rows["layer"] > k) & (rows["layer"] <= depth - k)]
    values = np.log10(inner["act_rms_median"].to_numpy())
    ok = np.isfinite(values)
    if ok.sum() < 2:
        return math.nan
    return float(10 ** np.polyfit(inner["layer"].to_numpy()[ok], values[ok], 1)[0])


# -------------------------------------------------------------- 1. "10x smaller"


@dataclass(frozen=True)
class UpdateRatioMyth:
    """claim: the course's factor. single_ratio: Δv1 / Δw11 on the course's example;
    mean_ratio: mean |Δv| / mean |Δw| there. deep_times: how many times smaller the
    update gets per layer in a plain sigmoid network of `depth` hidden layers (1 /
    its measured per-layer factor of the update size)."""

    claim: float
    single_ratio: float
    mean_ratio: float
    depth: int
    deep_times: float

    @property
    def holds_on_course(self) -> bool:
        return abs(math.log(self.mean_ratio / self.claim)) < math.log(ROUND_NUMBER)

    @property
    def holds_deep(self) -> bool:
        return abs(math.log(self.deep_times / self.claim)) < math.log(ROUND_NUMBER)


def update_ratio_myth(depth: int = 10) -> UpdateRatioMyth:
    """The course's "about 10x" on its own network and in a deeper sigmoid network
    (depth MIN_DEPTH..MAX_DEPTH hidden layers, the lab's width, batch and seeds)."""
    depth = _check("depth", depth, MIN_DEPTH, MAX_DEPTH)
    step = worked_example()
    table = update_size_table(None, lr=step.lr)
    summary = _measure({"plain_sigmoid": _spec("plain_sigmoid", depth)})
    factor = per_layer_factor_measured(summary, "log10_update", skip=FIT_SKIP)["plain_sigmoid"]
    return UpdateRatioMyth(
        claim=COURSE_CLAIM,
        single_ratio=step.dv1 / step.dw11,
        mean_ratio=1.0 / float(table["shrink_per_layer"].iloc[1]),
        depth=depth,
        deep_times=1.0 / factor,
    )


# -------------------------------------------------------------- 2. 0.5^100 or 0.25^100


@dataclass(frozen=True)
class PowerMyth:
    """Over `depth` layers: the course's arithmetic (0.5^depth), the sigmoid bound
    (0.25^depth), the weighted bound (sigma_w/4)^depth and mean-field theory, all in
    log10, beside the measured plain sigmoid network (Xavier: sigma_w = 1 between its
    square hidden layers): what reaches layer 1 relative to the output layer, and the
    factor per layer."""

    depth: int
    course_log10: float
    bound_log10: float
    sigma_w: float
    weighted_bound_log10: float
    mean_field_factor: float
    measured_factor: float
    measured_log10: float

    @property
    def weighted_bound_factor(self) -> float:
        """sigma_w / 4: the bound per layer with the weights counted."""
        return self.sigma_w / 4

    @property
    def decades_apart(self) -> float:
        """How many powers of ten separate 0.5^depth from 0.25^depth."""
        return self.course_log10 - self.bound_log10

    @property
    def within_bound(self) -> bool:
        """The measured shrink per layer is at least the bound's (factor <= 0.25)."""
        return self.measured_factor <= 0.25


def power_myth(depth: int = 100) -> PowerMyth:
    """0.5^depth against 0.25^depth and a measured plain sigmoid network of `depth`."""
    depth = _check("depth", depth, MIN_DEPTH, MAX_DEPTH)
    spec = _spec("plain_sigmoid", depth)
    sigma_w2 = theory.init_sigma_w2(spec.init, LAB.width, LAB.width)
    summary = _measure({"plain_sigmoid": spec})
    sigma_w = math.sqrt(sigma_w2)
    return PowerMyth(
        depth=depth,
        course_log10=depth * math.log10(COURSE_BASE),
        bound_log10=theory.sigmoid_bound_log10(depth),
        sigma_w=sigma_w,
        weighted_bound_log10=theory.sigmoid_weighted_bound_log10(depth, sigma_w),
        mean_field_factor=theory.per_layer_factor("sigmoid", sigma_w2),
        measured_factor=per_layer_factor_measured(summary, skip=FIT_SKIP)["plain_sigmoid"],
        measured_log10=first_layer_ratio(summary)["plain_sigmoid"].log10,
    )


# -------------------------------------------------------------- 3. ReLU without He


@dataclass(frozen=True)
class ReluInitMyth:
    """Plain ReLU networks of `depth` layers: He init (sigma_w^2 = 2) against
    sigma_w^2 = `sigma_w2`. Factors per layer measured and predicted (sqrt(sigma_w^2/2)),
    and what reaches layer 1 (log10, relative to the output layer)."""

    depth: int
    sigma_w2: float
    he_factor: float
    he_log10: float
    he_predicted: float
    other_factor: float
    other_log10: float
    other_predicted: float

    @property
    def other_measured(self) -> bool:
        """False when the other network's numbers left float64's range (activations that
        overflow, or shrink to exactly zero), so that it has no measured factor."""
        return math.isfinite(self.other_factor)

    @property
    def he_is_flat(self) -> bool:
        return abs(self.he_factor - 1) < TOLERANCE

    @property
    def other_vanishes(self) -> bool:
        return self.other_factor < 1 - TOLERANCE

    @property
    def other_explodes(self) -> bool:
        return self.other_factor > 1 + TOLERANCE


def relu_init_myth(depth: int = 50, sigma_w2: float = 1.0) -> ReluInitMyth:
    """Plain ReLU with He against sigma_w^2 (in (0, core.lab.MAX_SIGMA_W2])."""
    depth = _check("depth", depth, MIN_DEPTH, MAX_DEPTH)
    he = _spec("plain_relu", depth)
    other = _spec("plain_relu", depth, init="custom", sigma_w2=sigma_w2)
    summary = _measure({"he": he, "other": other})
    factor = per_layer_factor_measured(summary, skip=FIT_SKIP)
    first = first_layer_ratio(summary)
    return ReluInitMyth(
        depth=depth,
        sigma_w2=float(sigma_w2),
        he_factor=factor["he"],
        he_log10=first["he"].log10,
        he_predicted=theory.per_layer_factor("relu", 2.0),
        other_factor=factor["other"],
        other_log10=first["other"].log10,
        other_predicted=theory.per_layer_factor("relu", float(sigma_w2)),
    )


# -------------------------------------------------------------- 4. residual growth


@dataclass(frozen=True)
class ResidualMyth:
    """Residual ReLU networks (He-initialized branches) of `depth` layers, branch scale 1
    and 1/sqrt(depth). claim_factor: the "2^L in variance" estimate per layer in norm,
    sqrt(1 + s^2 sigma_w^2 / 2) = sqrt(2) at s = 1 (each branch adds as much variance as
    the skip carries, independently); scaled_claim_factor the same at s = 1/sqrt(depth).
    Factors per layer and log10 of what reaches layer 1 (relative to the output);
    forward_factor: how much the RMS of the unscaled network's activations grows per
    layer on the way up (fitted over the same middle layers)."""

    depth: int
    claim_factor: float
    scaled_claim_factor: float
    unscaled_factor: float
    unscaled_log10: float
    forward_factor: float
    scaled_factor: float
    scaled_log10: float

    @property
    def claim_log10(self) -> float:
        return self.depth * math.log10(self.claim_factor)

    @property
    def scaled_claim_log10(self) -> float:
        return self.depth * math.log10(self.scaled_claim_factor)

    @property
    def grows(self) -> bool:
        return self.unscaled_factor > 1 + TOLERANCE

    @property
    def faster_than_claim(self) -> bool:
        return self.unscaled_factor > self.claim_factor * (1 + TOLERANCE)

    @property
    def tamed(self) -> bool:
        """Scaled branches: what reaches layer 1 is within 10x of the output layer's."""
        return abs(self.scaled_log10) < 1


def residual_myth(depth: int = 50) -> ResidualMyth:
    """Unscaled against 1/sqrt(depth)-scaled residual ReLU networks."""
    depth = _check("depth", depth, MIN_DEPTH, MAX_DEPTH)
    unscaled = _spec("residual", depth, activation="relu")
    scaled = _spec("residual", depth, activation="relu", residual_scale="1/sqrt(depth)")
    summary = _measure({"unscaled": unscaled, "scaled": scaled})
    factor = per_layer_factor_measured(summary, skip=FIT_SKIP)
    first = first_layer_ratio(summary)
    chi = theory.chi_1("relu", 2.0)  # a He-initialized ReLU branch: 1
    return ResidualMyth(
        depth=depth,
        claim_factor=math.sqrt(1 + chi),
        scaled_claim_factor=math.sqrt(1 + chi / depth),
        unscaled_factor=factor["unscaled"],
        unscaled_log10=first["unscaled"].log10,
        forward_factor=_forward_growth(summary, "unscaled", depth),
        scaled_factor=factor["scaled"],
        scaled_log10=first["scaled"].log10,
    )


# -------------------------------------------------------------- 5. batchnorm explodes


@dataclass(frozen=True)
class BatchnormMyth:
    """A batch-normalized ReLU network (He) of `depth` layers at batch size `batch`, and
    a plain ReLU network (He) beside it. predicted: sqrt of Yang et al.'s rate at this
    batch (core.theory.batchnorm_rate); large_batch: its limit sqrt(pi / (pi - 1)).
    Factors per layer and log10 of what reaches layer 1 (relative to the output)."""

    depth: int
    batch: int
    predicted: float
    large_batch: float
    measured: float
    measured_log10: float
    plain_factor: float

    @property
    def predicted_log10(self) -> float:
        return self.depth * math.log10(self.predicted)

    @property
    def explodes(self) -> bool:
        return self.measured > 1 + TOLERANCE

    @property
    def agrees(self) -> bool:
        return abs(self.measured / self.predicted - 1) < TOLERANCE


def batchnorm_myth(depth: int = 50, batch: int = 16) -> BatchnormMyth:
    """Batchnorm ReLU against plain ReLU at a batch of MIN_BATCH..MAX_BATCH rows."""
    depth = _check("depth", depth, MIN_DEPTH, MAX_DEPTH)
    batch = _check("batch", batch, MIN_BATCH, MAX_BATCH)
    bn = _spec("batchnorm", depth, activation="relu", batch=batch)
    plain = _spec("plain_relu", depth, batch=batch)
    summary = _measure({"bn": bn, "plain": plain}, batch=batch)
    factor = per_layer_factor_measured(summary, skip=FIT_SKIP)
    return BatchnormMyth(
        depth=depth,
        batch=batch,
        predicted=math.sqrt(theory.batchnorm_rate("relu", batch)),
        large_batch=math.sqrt(math.pi / (math.pi - 1)),
        measured=factor["bn"],
        measured_log10=first_layer_ratio(summary)["bn"].log10,
        plain_factor=factor["plain"],
    )
