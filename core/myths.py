"""Five claims of the simplified story, each measured (the "Myths and measurements" page).

One function per claim; each returns a frozen dataclass holding the claim's own numbers,
the measurement that confirms or corrects it, and booleans the page turns into words.
The networks are the lab's (core.lab.lab_specs) at the lab's default width, batch and
seeds, so that a link from a claim to the lab opens a view with the same numbers.

1. update_ratio_myth: "The updates are 10x smaller for the hidden layer";
2. power_myth: the course multiplies 0.25 per layer but evaluates 0.5^100, and the
   rule's condition (the weights' size);
3. relu_init_myth: "ReLU: no more vanishing", with and without He initialization;
4. residual_myth: pre-activation residual blocks: unscaled branches make the signal
   grow sqrt(2) per layer (2^L in variance); 1/sqrt(depth) keeps it in range;
5. batchnorm_myth: batch normalization at initialization makes the gradient explode
   toward the input, at Yang et al.'s rate.

Every network is measured twice (Measured): the backward signal and the weight update,
each as a factor "per layer, toward the input" (below 1 it shrinks on its way back,
core.summaries.per_layer_factor_measured) and as what reaches layer 1 relative to the
output layer, in log10 (core.summaries.first_layer_ratio). They differ where the
forward signal changes with depth: an update is what came forward times what came back.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from core import propagation, theory
from core.lab import FIT_SKIP, MIN_BATCH, LabSettings, lab_specs
from core.lab_theory import fitted_factor
from core.limits import MAX_BATCH, check_float, check_int, estimate_profile_bytes
from core.network import NetworkSpec
from core.profile import gradient_profile
from core.summaries import first_layer_ratio, per_layer_factor_measured, summarize_profile
from core.updates import update_size_table
from core.worked_example import worked_example

LAB = LabSettings()  # width, batch and seeds of the lab's default view
TOLERANCE = 0.05  # relative: "agrees with", "is flat" (factor within 5% of 1)
ROUND_NUMBER = 1.5  # a claimed ratio "holds" within a factor 1.5 either way
COURSE_CLAIM = 10.0  # "The updates are 10x smaller for the hidden layer"
COURSE_QUOTE = "The updates are 10x smaller for the hidden layer."
COURSE_BASE = 0.5  # the base the course's arithmetic used: 0.5^100
MIN_DEPTH, MAX_DEPTH = 3, 500  # the myths' depth inputs (3: the per-layer fit needs two layers)
MAX_SIGMA_W2 = 100.0


@dataclass(frozen=True)
class Measured:
    """One network's backward signal and update: factors per layer toward the input,
    and what reaches layer 1 relative to the output layer (log10)."""

    signal: float
    update: float
    signal_log10: float
    update_log10: float

    @property
    def ok(self) -> bool:
        """False when the numbers left float64's range (nothing could be measured)."""
        return math.isfinite(self.signal) and math.isfinite(self.update)


def _measure(specs: dict, batch: int = LAB.batch) -> dict[str, Measured]:
    """Each named network measured at the lab's seeds (median over seeds)."""
    summary = summarize_profile(gradient_profile(specs, batch, LAB.seeds, LAB.lr))
    factor = per_layer_factor_measured(summary, "log10_delta_rms", skip=FIT_SKIP)
    update = per_layer_factor_measured(summary, "log10_update", skip=FIT_SKIP)
    first = first_layer_ratio(summary, "log10_delta_rms")
    first_update = first_layer_ratio(summary, "log10_update")
    out = {
        name: Measured(factor[name], update[name], first[name].log10, first_update[name].log10)
        for name in specs
    }
    out["_summary"] = summary  # type: ignore[assignment]
    return out


def _spec(variant: str, depth: int, **settings: object) -> NetworkSpec:
    return lab_specs(LabSettings(depth=depth, **settings))[variant]


MYTHS = ("update_ratio", "power", "relu_init", "residual", "batchnorm")  # those that measure


def myth_networks(
    myth: str, depth: int, sigma_w2: float = 1.0, batch: int = LAB.batch
) -> dict[str, NetworkSpec]:
    """The networks a myth measures (one of MYTHS), by the names its result uses."""
    if myth in ("update_ratio", "power"):
        if myth == "power" and sigma_w2 != 1.0:
            return {
                "plain_sigmoid": _spec("plain_sigmoid", depth, init="custom", sigma_w2=sigma_w2)
            }
        return {"plain_sigmoid": _spec("plain_sigmoid", depth)}
    if myth == "relu_init":
        return {
            "he": _spec("plain_relu", depth),
            "other": _spec("plain_relu", depth, init="custom", sigma_w2=sigma_w2),
        }
    if myth == "residual":
        return {
            "unscaled": _spec("residual", depth, activation="relu"),
            "scaled": _spec("residual", depth, activation="relu", residual_scale="1/sqrt(depth)"),
        }
    if myth == "batchnorm":
        return {
            "bn": _spec("batchnorm", depth, activation="relu", batch=batch),
            "plain": _spec("plain_relu", depth, batch=batch),
        }
    raise ValueError(f"myth must be one of {', '.join(MYTHS)}, got {myth!r}")


def memory_bytes(myth: str, depth: int, sigma_w2: float = 1.0, batch: int = LAB.batch) -> int:
    """Estimated peak memory of a myth's measurement (core.limits.estimate_profile_bytes):
    the residual myth 500 layers deep holds about 230 MB, so that a server can keep two
    such calls from running at once. Checks its numbers as the myth does."""
    depth = check_int("depth", depth, MIN_DEPTH, MAX_DEPTH)
    sigma_w2 = check_float("sigma_w2", sigma_w2, 0.0, MAX_SIGMA_W2, low_open=True)
    batch = check_int("batch", batch, MIN_BATCH, MAX_BATCH)
    return estimate_profile_bytes(myth_networks(myth, depth, sigma_w2, batch), batch)


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
    mean_ratio: mean |Δv| / mean |Δw| there. deep: a plain sigmoid network of `depth`
    hidden layers; deep_times: how many times smaller its update gets per layer."""

    claim: float
    single_ratio: float
    mean_ratio: float
    depth: int
    deep: Measured

    @property
    def deep_times(self) -> float:
        return 1.0 / self.deep.update

    @property
    def holds_on_course(self) -> bool:
        return abs(math.log(self.mean_ratio / self.claim)) < math.log(ROUND_NUMBER)

    @property
    def holds_deep(self) -> bool:
        return abs(math.log(self.deep_times / self.claim)) < math.log(ROUND_NUMBER)


def update_ratio_myth(depth: int = 10) -> UpdateRatioMyth:
    """The course's "10x" on its own network and in a deeper sigmoid network (depth
    MIN_DEPTH..MAX_DEPTH hidden layers, the lab's width, batch and seeds)."""
    depth = check_int("depth", depth, MIN_DEPTH, MAX_DEPTH)
    step = worked_example()
    table = update_size_table(None, lr=step.lr)
    deep = _measure(myth_networks("update_ratio", depth))["plain_sigmoid"]
    return UpdateRatioMyth(
        claim=COURSE_CLAIM,
        single_ratio=step.dv1 / step.dw11,
        mean_ratio=1.0 / float(table["shrink_per_layer"].iloc[1]),
        depth=depth,
        deep=deep,
    )


# -------------------------------------------------------------- 2. 0.5^100 or 0.25^100


@dataclass(frozen=True)
class PowerMyth:
    """Over `depth` layers: the course's arithmetic (0.5^depth), the sigmoid bound
    (0.25^depth), the weighted bound (sigma_w/4)^depth and mean-field theory, all in
    log10, beside a measured plain sigmoid network with weights of sigma_w^2 (Xavier's
    sigma_w^2 = 1 between square layers by default): network's signal and update."""

    depth: int
    course_log10: float
    bound_log10: float
    sigma_w: float
    weighted_bound_log10: float
    mean_field_factor: float
    network: Measured

    @property
    def measured_factor(self) -> float:
        return self.network.signal

    @property
    def measured_log10(self) -> float:
        return self.network.signal_log10

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
        """The measured shrink per layer is at least the slope bound's (factor <= 0.25)."""
        return self.measured_factor <= 0.25

    @property
    def rule_holds(self) -> bool:
        """ "Each layer shrinks the blame at least fourfold" is true of these weights."""
        return self.measured_factor <= 0.25 * (1 + TOLERANCE)


def power_myth(depth: int = 100, sigma_w2: float = 1.0) -> PowerMyth:
    """0.5^depth against 0.25^depth and a measured plain sigmoid network of `depth`
    layers whose weights have sigma_w2 (in (0, MAX_SIGMA_W2]; 1 is Xavier's)."""
    depth = check_int("depth", depth, MIN_DEPTH, MAX_DEPTH)
    sigma_w2 = check_float("sigma_w2", sigma_w2, 0.0, MAX_SIGMA_W2, low_open=True)
    networks = myth_networks("power", depth, sigma_w2)
    if sigma_w2 == 1.0:  # the lab's own view (Xavier), so that its link shows the same
        spec = networks["plain_sigmoid"]
        sigma_w2 = theory.init_sigma_w2(spec.init, LAB.width, LAB.width)
    network = _measure(networks)["plain_sigmoid"]
    sigma_w = math.sqrt(sigma_w2)
    return PowerMyth(
        depth=depth,
        course_log10=depth * math.log10(COURSE_BASE),
        bound_log10=theory.sigmoid_bound_log10(depth),
        sigma_w=sigma_w,
        weighted_bound_log10=theory.sigmoid_weighted_bound_log10(depth, sigma_w),
        mean_field_factor=theory.per_layer_factor("sigmoid", sigma_w2),
        network=network,
    )


# -------------------------------------------------------------- 3. ReLU without He


@dataclass(frozen=True)
class ReluInitMyth:
    """Plain ReLU networks of `depth` layers: He init (sigma_w^2 = 2) against
    sigma_w^2 = `sigma_w2`, each measured, with the signal's predicted factor
    (sqrt(sigma_w^2/2)); mean field predicts level updates for both (no biases)."""

    depth: int
    sigma_w2: float
    he: Measured
    he_predicted: float
    other: Measured
    other_predicted: float
    update_predicted: float

    @property
    def he_factor(self) -> float:
        return self.he.signal

    @property
    def other_factor(self) -> float:
        return self.other.signal

    @property
    def he_log10(self) -> float:
        return self.he.signal_log10

    @property
    def other_log10(self) -> float:
        return self.other.signal_log10

    @property
    def other_measured(self) -> bool:
        """False when the other network's numbers left float64's range (activations that
        overflow, or shrink to exactly zero), so that it has no measured factor."""
        return self.other.ok

    @property
    def he_is_flat(self) -> bool:
        return abs(self.he_factor - 1) < TOLERANCE

    @property
    def other_vanishes(self) -> bool:
        return self.other_factor < 1 - TOLERANCE

    @property
    def other_explodes(self) -> bool:
        return self.other_factor > 1 + TOLERANCE

    @property
    def other_updates_level(self) -> bool:
        return abs(self.other.update - 1) < TOLERANCE


def relu_init_myth(depth: int = 50, sigma_w2: float = 1.0) -> ReluInitMyth:
    """Plain ReLU with He against sigma_w^2 (in (0, core.lab.MAX_SIGMA_W2])."""
    depth = check_int("depth", depth, MIN_DEPTH, MAX_DEPTH)
    found = _measure(myth_networks("relu_init", depth, sigma_w2))
    plain = propagation.plain_profile("relu", float(sigma_w2), depth)
    return ReluInitMyth(
        depth=depth,
        sigma_w2=float(sigma_w2),
        he=found["he"],
        he_predicted=theory.per_layer_factor("relu", 2.0),
        other=found["other"],
        other_predicted=theory.per_layer_factor("relu", float(sigma_w2)),
        update_predicted=fitted_factor(plain.update),
    )


# -------------------------------------------------------------- 4. residual growth


@dataclass(frozen=True)
class ResidualMyth:
    """Residual ReLU networks (pre-activation blocks, He-initialized branches) of
    `depth` layers, branch scale 1 and 1/sqrt(depth), each measured, with mean field's
    layer-by-layer prediction (core.propagation): claim_factor sqrt(1 + s^2 sigma_w^2
    / 2) = sqrt(2) per layer at s = 1 (2^L in variance: each branch adds as much
    variance as the skip carries), scaled_claim_factor the same at s = 1/sqrt(depth);
    predicted_*_log10 what reaches layer 1 by the prediction; forward_factor: how much
    the unscaled network's activations grow per layer on the way up (measured)."""

    depth: int
    claim_factor: float
    scaled_claim_factor: float
    unscaled: Measured
    scaled: Measured
    update_predicted: float
    predicted_unscaled_log10: float
    predicted_scaled_log10: float
    forward_factor: float

    @property
    def unscaled_factor(self) -> float:
        return self.unscaled.signal

    @property
    def scaled_factor(self) -> float:
        return self.scaled.signal

    @property
    def unscaled_log10(self) -> float:
        return self.unscaled.signal_log10

    @property
    def scaled_log10(self) -> float:
        return self.scaled.signal_log10

    @property
    def claim_log10(self) -> float:
        return self.depth * math.log10(self.claim_factor)

    @property
    def grows(self) -> bool:
        return self.unscaled_factor > 1 + TOLERANCE

    @property
    def agrees(self) -> bool:
        """The unscaled network grows at the predicted sqrt(2) per layer."""
        return abs(self.unscaled_factor / self.claim_factor - 1) < TOLERANCE

    @property
    def tamed(self) -> bool:
        """Scaled branches: what reaches layer 1 is within 10x of the output layer's."""
        return abs(self.scaled_log10) < 1


def residual_myth(depth: int = 50) -> ResidualMyth:
    """Unscaled against 1/sqrt(depth)-scaled residual ReLU networks."""
    depth = check_int("depth", depth, MIN_DEPTH, MAX_DEPTH)
    found = _measure(myth_networks("residual", depth))
    chi = theory.chi_1("relu", 2.0)  # a He-initialized ReLU branch: 1
    full = propagation.residual_profile("relu", 2.0, 1.0, depth)
    tame = propagation.residual_profile("relu", 2.0, 1 / math.sqrt(depth), depth)
    return ResidualMyth(
        depth=depth,
        claim_factor=math.sqrt(1 + chi),
        scaled_claim_factor=math.sqrt(1 + chi / depth),
        unscaled=found["unscaled"],
        scaled=found["scaled"],
        update_predicted=fitted_factor(full.update),
        predicted_unscaled_log10=float(full.signal[0]),
        predicted_scaled_log10=float(tame.signal[0]),
        forward_factor=_forward_growth(found["_summary"], "unscaled", depth),  # type: ignore[arg-type]
    )


# -------------------------------------------------------------- 5. batchnorm explodes


@dataclass(frozen=True)
class BatchnormMyth:
    """A batch-normalized ReLU network (He) of `depth` layers at batch size `batch`, and
    a plain ReLU network (He) beside it, each measured. predicted: sqrt of Yang et al.'s
    rate at this batch (core.theory.batchnorm_rate); large_batch: its limit
    sqrt(pi / (pi - 1)). Batch norm keeps the forward signal's size, so the update
    follows the signal."""

    depth: int
    batch: int
    predicted: float
    large_batch: float
    bn: Measured
    plain: Measured

    @property
    def measured(self) -> float:
        return self.bn.signal

    @property
    def measured_log10(self) -> float:
        return self.bn.signal_log10

    @property
    def plain_factor(self) -> float:
        return self.plain.signal

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
    depth = check_int("depth", depth, MIN_DEPTH, MAX_DEPTH)
    batch = check_int("batch", batch, MIN_BATCH, MAX_BATCH)
    found = _measure(myth_networks("batchnorm", depth, batch=batch), batch=batch)
    return BatchnormMyth(
        depth=depth,
        batch=batch,
        predicted=math.sqrt(theory.batchnorm_rate("relu", batch)),
        large_batch=math.sqrt(math.pi / (math.pi - 1)),
        bn=found["bn"],
        plain=found["plain"],
    )
