"""Myths and measurements: five claims of the simplified story, each beside a live measurement.

URL keys: m1_depth; m2_depth, m2_sw2; m3_depth, m3_sw2; m4_depth; m5_depth, m5_batch. Every
number comes from core.myths; each claim links to the lab view that shows it.
"""

from __future__ import annotations

import functools
import math
from typing import Any

import streamlit as st

from core import myths
from dashboard import compute, ui
from dashboard.lab_controls import LabControls
from dashboard.lab_presets import RANGES, preset
from dashboard.navigation import page
from dashboard.plots.format import fmt, fmt_factor, fmt_power, power_text

FIELD_WIDTH = 150  # two fields side by side on a phone
DEPTH_RANGE = ui.Allowed(myths.MIN_DEPTH, myths.MAX_DEPTH, integer=True)
LAB = page("vanishing_lab.py")
UPDATES = page("update_sizes.py")
KEYS = (
    "m1_depth",
    "m2_depth",
    "m2_sw2",
    "m3_depth",
    "m3_sw2",
    "m4_depth",
    "m5_depth",
    "m5_batch",
)
SW2_RANGE = ui.Allowed(0.0, myths.MAX_SIGMA_W2, lo_open=True)
WHY_THEY_DIFFER = (
    "Two factors for every network: the backward signal (the blame δ each layer "
    "receives) and the update (Δw = η · input · δ), which also carries what came forward. "
    "Where the forward signal grows or shrinks with depth, they differ."
)
# Said wherever a per-layer factor stands beside what reaches layer 1 (they can disagree).
MIDDLE_LAYERS = (
    "The layers at the two ends differ from the middle ones, so what reaches layer 1 "
    "need not be the per-layer factor compounded."
)
WIDTH = myths.LAB.width
VERDICTS = {  # kind -> (color, icon); each claim words its own badge
    "holds": ("green", ":material/check_circle:"),
    "condition": ("orange", ":material/rule:"),
    "corrected": ("red", ":material/edit:"),
}


@compute.cached(max_entries=32)
def update_ratio(depth: int) -> myths.UpdateRatioMyth:
    return compute.run(
        myths.update_ratio_myth, depth, nbytes=myths.memory_bytes("update_ratio", depth)
    )


@compute.cached(max_entries=32)
def power(depth: int, sigma_w2: float) -> myths.PowerMyth:
    nbytes = myths.memory_bytes("power", depth, sigma_w2)
    return compute.run(myths.power_myth, depth, sigma_w2, nbytes=nbytes)


@compute.cached(max_entries=32)
def relu_init(depth: int, sigma_w2: float) -> myths.ReluInitMyth:
    nbytes = myths.memory_bytes("relu_init", depth, sigma_w2)
    return compute.run(myths.relu_init_myth, depth, sigma_w2, nbytes=nbytes)


@compute.cached(max_entries=32)
def residual(depth: int) -> myths.ResidualMyth:
    nbytes = myths.memory_bytes("residual", depth)
    return compute.run(myths.residual_myth, depth, nbytes=nbytes)


@compute.cached(max_entries=32)
def batchnorm(depth: int, batch: int) -> myths.BatchnormMyth:
    nbytes = myths.memory_bytes("batchnorm", depth, batch=batch)
    return compute.run(myths.batchnorm_myth, depth, batch, nbytes=nbytes)


def per_layer(factor: float) -> str | None:
    """A metric's second line: the factor per layer, or nothing when it was not measured."""
    return f"{fmt_factor(factor)} per layer" if math.isfinite(factor) else None


def both(m: myths.Measured) -> str | None:
    """A metric's second line for a measured network: both factors per layer."""
    if not m.ok:
        return None
    return f"signal {fmt_factor(m.signal)}, update {fmt_factor(m.update)} per layer"


def measured(label: str, value: str, factor: float | myths.Measured) -> None:
    """A bordered metric: what reaches layer 1 (value) and below it the factor per layer
    (a measured network: of the backward signal and of the update)."""
    st.metric(
        label,
        value,
        delta=both(factor) if isinstance(factor, myths.Measured) else per_layer(factor),
        delta_color="off",
        delta_arrow="off",
        width="content",
        border=True,
    )


def claim_box(number: int, title: str, claim: str) -> Any:
    """A bordered box with the claim in it; returns the box for the rest."""
    box = st.container(border=True)
    box.subheader(f"{number}. {title}")
    box.markdown(f"**The claim.** {claim}")
    return box


def verdict(where: Any, kind: str, labels: dict[str, str], text: str) -> None:
    """The verdict badge (kind: holds, condition or corrected, worded by labels[kind])
    and the sentences that explain it."""
    color, icon = VERDICTS[kind]
    where.badge(labels[kind], color=color, icon=icon)
    where.markdown(text)


def lab_link(where: Any, key: str, label: str = "See it in the lab", **overrides: Any) -> None:
    where.page_link(
        LAB.link_target, label=label, icon=LAB.icon, query_params=preset(key).params(**overrides)
    )


ui.page_header(
    "Myths and measurements",
    "The course tells its story with round numbers and simple rules. Here each of them "
    "meets a live measurement: some hold, some hold only under a condition, and one "
    "number is a slip. Change the inputs and watch the numbers follow; every claim links "
    "to the lab view that shows it.",
)
controls = LabControls()
controls.note_unknown(KEYS)
st.caption(
    f"Measured on networks like the lab's: {myths.LAB.width} units a layer, batches of "
    f"{myths.LAB.batch} random inputs, the median over {myths.LAB.n_seeds} random seeds. "
    "“Per layer” is the factor by which a quantity changes from one layer to the one "
    "before it, fitted over the middle layers: below ×1 it fades toward the input, above "
    "×1 it grows. " + MIDDLE_LAYERS + " " + WHY_THEY_DIFFER
)

# --- 1 ------------------------------------------------------------------------------
box = claim_box(
    1,
    "“The updates are 10x smaller for the hidden layer”",
    f"The course's words: “{myths.COURSE_QUOTE}” One layer further from the output, a "
    "weight's update is about ten times smaller; and “every layer the error travels "
    "through shrinks it further”.",
)
depth1 = controls.integer(
    "Depth of the sigmoid network",
    "m1_depth",
    10,
    DEPTH_RANGE,
    where=box,
    width=FIELD_WIDTH,
    help="Hidden layers of the plain sigmoid network (Xavier's starting weights) measured "
    "beside the course's 2-2-1 network.",
)
out1 = box.container()  # its measurement, shown below once all five are in

# --- 2 ------------------------------------------------------------------------------
box = claim_box(
    2,
    "“0.25 per layer, so 0.5¹⁰⁰ after 100 layers”",
    "A sigmoid's slope is at most 0.25, so each layer multiplies the blame by a number "
    "less than 0.25; the course then quotes 0.5¹⁰⁰ for what is left after 100 layers.",
)
row = box.container(horizontal=True, gap="small")
depth2 = controls.integer(
    "Layers",
    "m2_depth",
    100,
    DEPTH_RANGE,
    where=row,
    width=FIELD_WIDTH,
    help="How many sigmoid layers the blame travels through (the course uses 100).",
)
sw2_2 = controls.number(
    "Weight size σw²",
    "m2_sw2",
    1.0,
    SW2_RANGE,
    step=0.5,
    where=row,
    width=FIELD_WIDTH,
    help="How big the starting weights are: each is drawn with variance σw² divided by "
    "the number of inputs a neuron adds up. 1 is Xavier's rule here, the usual start "
    "for sigmoid. Try 4.",
)
out2 = box.container()  # its measurement, shown below once all five are in

# --- 3 ------------------------------------------------------------------------------
box = claim_box(
    3,
    "“ReLU: no more vanishing”",
    "ReLU's slope is exactly 1 wherever the unit is on, so a ReLU network passes the "
    "blame back without shrinking it.",
)
row = box.container(horizontal=True, gap="small")
depth3 = controls.integer(
    "Layers", "m3_depth", 50, DEPTH_RANGE, where=row, width=FIELD_WIDTH, help="Hidden layers."
)
sw2 = controls.number(
    "The other σw²",
    "m3_sw2",
    1.0,
    RANGES["sw2"],
    step=0.1,
    where=row,
    width=FIELD_WIDTH,
    help="How big the starting weights are: variance σw² divided by the number of inputs "
    "a neuron adds up. He's rule for ReLU is σw² = 2; LeCun's is 1.",
)
out3 = box.container()  # its measurement, shown below once all five are in

# --- 4 ------------------------------------------------------------------------------
box = claim_box(
    4,
    "“Residual connections fix it”",
    "A shortcut around every layer gives the blame a direct path back, so it can no longer "
    "vanish: “bypassing the shrinkage problem entirely”.",
)
depth4 = controls.integer(
    "Layers", "m4_depth", 50, DEPTH_RANGE, where=box, width=FIELD_WIDTH, help="Hidden layers."
)
out4 = box.container()  # its measurement, shown below once all five are in

# --- 5 ------------------------------------------------------------------------------
box = claim_box(
    5,
    "“Batch normalization keeps the gradients healthy”",
    "“By normalizing the inputs to each layer, it prevents the gradients from getting too "
    "large or too small, keeping everything in a healthy range.”",
)
row = box.container(horizontal=True, gap="small")
depth5 = controls.integer(
    "Layers", "m5_depth", 50, DEPTH_RANGE, where=row, width=FIELD_WIDTH, help="Hidden layers."
)
batch5 = controls.integer(
    "Batch size",
    "m5_batch",
    16,
    RANGES["batch"],
    where=row,
    width=FIELD_WIDTH,
    help="How many examples go through together. Batch norm normalizes over them; "
    "smaller batches explode faster.",
)
out5 = box.container()  # its measurement, shown below once all five are in

# The five measurements at once, in both worker processes when the server has them free
# (one after the other on a busy server): the page waits for about half their sum.
m1, m2, m3, m4, m5 = compute.in_parallel(
    [
        functools.partial(update_ratio, depth1),
        functools.partial(power, depth2, sw2_2),
        functools.partial(relu_init, depth3, sw2),
        functools.partial(residual, depth4),
        functools.partial(batchnorm, depth5, batch5),
    ]
)

box = out1  # claim 1's measurement
with box.container(horizontal=True, gap="small"):
    st.metric(
        "Course net, mean |Δv| ÷ mean |Δw|",
        f"{fmt(m1.mean_ratio)}×",
        width="content",
        border=True,
    )
    st.metric("Course net, Δv₁ ÷ Δw₁₁", f"{fmt(m1.single_ratio)}×", width="content", border=True)
    measured(
        f"Sigmoid, {depth1} layers of {WIDTH}, updates", f"{fmt(m1.deep_times)}× smaller", m1.deep
    )
kind = "holds" if m1.holds_on_course and m1.holds_deep else "condition"
if not m1.holds_on_course and not m1.holds_deep:
    kind = "corrected"
verdict(
    box,
    kind,
    {
        "holds": "Holds",
        "condition": "Holds on the course's network only"
        if m1.holds_on_course
        else "Holds on the deeper network only",
        "corrected": "Ten is not what we measure",
    },
    f"On the course's own numbers the ratio is {fmt(m1.mean_ratio)} comparing the mean "
    f"update of each layer, or {fmt(m1.single_ratio)} comparing v₁ with w₁₁: "
    + ("ten is a fair round number there. " if m1.holds_on_course else "not ten. ")
    + f"In a deeper sigmoid network of {depth1} layers of {WIDTH} each step back makes the "
    "updates "
    f"{fmt(m1.deep_times)} times smaller ({fmt_factor(m1.deep.update)} per layer)"
    + (", close to ten as well. " if m1.holds_deep else ", not ten. ")
    + f"The blame itself shrinks {fmt_factor(m1.deep.signal)} per layer; the update "
    "differs because it also carries each layer's input. The factor depends on the "
    "weights, the activation's slope and that input: it is a measurement, not a constant.",
)
with box.container(horizontal=True, gap="small"):
    lab_link(st, "course", "Update sizes in the lab", depth=float(depth1), metric="update size")
    st.page_link(UPDATES.link_target, label="The update-size table", icon=UPDATES.icon)

box = out2  # claim 2's measurement
course_power = power_text("0.5", depth2)
bound_power = power_text("0.25", depth2)
with box.container(horizontal=True, gap="small"):
    st.metric(
        f"The course's figure, {course_power}",
        fmt_power(m2.course_log10),
        width="content",
        border=True,
    )
    st.metric(f"The rule, {bound_power}", fmt_power(m2.bound_log10), width="content", border=True)
    measured("Measured: layer 1 ÷ output layer", fmt_power(m2.measured_log10), m2.network)
verdict(
    box,
    "corrected" if m2.rule_holds else "condition",
    {
        "corrected": "The slope rule holds here; the number is a slip",
        "condition": "The number is a slip, and the rule needs small weights",
    },
    f"The rule (×0.25 per layer) and the number ({course_power}) do not match: "
    f"{course_power} = {fmt_power(m2.course_log10)}, while {bound_power} = "
    f"{fmt_power(m2.bound_log10)}, {fmt(m2.decades_apart)} powers of ten smaller. "
    "The 0.25 bounds the sigmoid's slope only; each layer also multiplies by its weights, "
    "so for a typical network the factor is about σw/4 at most (σw is the weights' "
    f"typical size): {fmt_factor(m2.weighted_bound_factor)} here. "
    f"Measured in a plain sigmoid network of {depth2} layers of {WIDTH} with σw² = "
    f"{fmt(m2.sigma_w**2)}: the blame changes by {fmt_factor(m2.measured_factor)} per layer "
    "through the middle of the network and the updates by "
    f"{fmt_factor(m2.network.update)}, close to the mean-field prediction of "
    f"{fmt_factor(m2.mean_field_factor)}. "
    + (
        "With these weights every layer does shrink the blame fourfold or more."
        if m2.rule_holds
        else "With weights this big a layer shrinks the blame less than fourfold: the "
        "rule holds for the slope, not for every network."
    ),
)
if sw2_2 == 1.0:
    lab_link(box, "course", depth=float(depth2))
else:
    lab_link(box, "course", depth=float(depth2), init="custom", sw2=sw2_2)

box = out3  # claim 3's measurement
with box.container(horizontal=True, gap="small"):
    measured("ReLU, He (σw² = 2): layer 1 ÷ output", fmt_power(m3.he.signal_log10), m3.he)
    measured(
        f"ReLU, σw² = {fmt(m3.sigma_w2)}: layer 1 ÷ output",
        fmt_power(m3.other.signal_log10),
        m3.other,
    )
if not m3.other_measured:
    change = (
        "cannot even be measured at this depth: its activations leave the range of "
        "float64 numbers (they overflow, or shrink to exactly zero)"
    )
elif m3.other_vanishes:
    change = f"fades, {fmt_factor(m3.other_factor)} per layer"
elif m3.other_explodes:
    change = f"grows instead: {fmt_factor(m3.other_factor)} per layer"
else:
    change = f"stays level too ({fmt_factor(m3.other_factor)} per layer)"
updates = (
    f" Its updates, though, stay level ({fmt_factor(m3.other.update)} per layer, theory "
    f"{fmt_factor(m3.update_predicted)}): each layer's input grows toward the input side "
    "as fast as the blame shrinks, and an update is the product of the two."
    if m3.other_measured and m3.other_updates_level and m3.other_vanishes
    else ""
)
verdict(
    box,
    "holds"
    if m3.he_is_flat and m3.other_measured and not (m3.other_vanishes or m3.other_explodes)
    else "condition",
    {"holds": "Holds", "condition": "Holds with He initialization"},
    f"In ReLU networks of {depth3} layers of {WIDTH}: with He initialization the signal "
    f"keeps its size ({fmt_factor(m3.he_factor)} per layer measured, "
    f"{fmt_factor(m3.he_predicted)} predicted). With σw² = "
    f"{fmt(m3.sigma_w2)} the backward signal {change}; theory predicts √(σw²/2) = "
    f"{fmt_factor(m3.other_predicted)}.{updates} ReLU switches off about half its units, "
    "so the weights must make up for that half: the slope of 1 alone is not enough. "
    "ReLU in deep networks dates from 2010-2011 (Nair & Hinton; Glorot, Bordes & Bengio); "
    "He's starting weights (2015) are what keep its signal level.",
)
if sw2 == 1.0:
    lab_link(box, "relu_no_he", depth=float(depth3))
else:
    lab_link(box, "relu_no_he", depth=float(depth3), init="custom", sw2=sw2)

box = out4  # claim 4's measurement
with box.container(horizontal=True, gap="small"):
    measured("Branch × 1: layer 1 ÷ output", fmt_power(m4.unscaled_log10), m4.unscaled)
    measured("Theory, branch × 1", fmt_power(m4.predicted_unscaled_log10), m4.claim_factor)
    measured("Branch × 1/√depth: layer 1 ÷ output", fmt_power(m4.scaled_log10), m4.scaled)
verdict(
    box,
    "condition",
    {"condition": "It cannot vanish; it can grow, unless the branches are scaled"},
    "Each block adds its branch (a small layer: activation, then weights) to what the "
    "shortcut carries, so the blame always has the shortcut's direct path and cannot fade. "
    + (
        f"But with full-strength branches ({depth4} residual layers of {WIDTH}) it grows on "
        f"its way back: {fmt_factor(m4.unscaled_factor)} per layer measured through the "
        f"middle of the network, {fmt_factor(m4.claim_factor)} predicted (every branch adds "
        "as much variance as the shortcut carries: 2ᴸ in variance); the layers at the two "
        f"ends differ, and layer 1 receives {fmt_power(m4.unscaled_log10)} times what the "
        "output layer gets. "
        if m4.grows
        else "At this depth the full-strength branches barely change the signal. "
    )
    + f"The activations grow just as fast on the way up ({fmt_factor(m4.forward_factor)} "
    f"per layer), so the updates stay about level ({fmt_factor(m4.unscaled.update)} per "
    f"layer, theory {fmt_factor(m4.update_predicted)}). "
    + (
        f"Scaled by 1/√depth, what reaches layer 1 stays within ten times the output "
        f"layer's ({fmt_power(m4.scaled_log10)}): the shortcut does its job."
        if m4.tamed
        else f"Scaled by 1/√depth, layer 1 still receives {fmt_power(m4.scaled_log10)} "
        "times the output layer's signal."
    )
    + " Real residual networks also put batch normalization in every branch.",
)
with box.container(horizontal=True, gap="small"):
    lab_link(st, "residual_unscaled", "Unscaled, in the lab", depth=float(depth4))
    lab_link(
        st, "residual_unscaled", "Scaled, in the lab", depth=float(depth4), scale="1/sqrt(depth)"
    )

box = out5  # claim 5's measurement
with box.container(horizontal=True, gap="small"):
    measured(
        f"ReLU with batch norm, batches of {batch5}: layer 1 ÷ output",
        fmt_power(m5.measured_log10),
        m5.bn,
    )
    measured(f"Yang et al., batch {batch5}", fmt_power(m5.predicted_log10), m5.predicted)
    st.metric(
        "Plain ReLU, same depth",
        fmt_factor(m5.plain_factor),
        delta=both(m5.plain),
        delta_color="off",
        delta_arrow="off",
        help="Per layer.",
        width="content",
        border=True,
    )
training_lab = page("training_lab.py")
verdict(
    box,
    "corrected" if m5.explodes else "holds",
    {"corrected": "Not at the start of training", "holds": "Holds at this setting"},
    (
        "The forward signal is indeed kept in shape, but at initialization the blame "
        f"explodes on its way back in ReLU with batch norm, batches of {batch5} ({depth5} "
        f"layers of {WIDTH}): {fmt_factor(m5.measured)} per layer through the middle of the "
        f"network (the updates {fmt_factor(m5.bn.update)}); the layers at the two ends "
        f"differ, and layer 1 receives {fmt_power(m5.measured_log10)} times the output "
        f"layer's gradient, while a plain ReLU network stays at "
        f"{fmt_factor(m5.plain_factor)}. "
        if m5.explodes
        else f"At this setting (ReLU with batch norm, batches of {batch5}, {depth5} layers "
        f"of {WIDTH}) the gradient changes only {fmt_factor(m5.measured)} per layer. "
    )
    + f"Yang et al. (ICLR 2019) derived the rate: {fmt_factor(m5.predicted)} per layer "
    f"at a batch of {batch5}, "
    + ("which the measurement matches. " if m5.agrees else "close to the measurement. ")
    + "Larger batches slow the explosion down, but it never stops: as the batch grows the "
    f"rate approaches {fmt_factor(m5.large_batch)} per layer. This is the starting point "
    "only. Batch norm still helps training: it allows larger learning rates and makes the "
    "loss smoother to descend (Santurkar et al. 2018), and Yang et al. find the gradients "
    "settle after about one step of training, which is why it trains well in the training "
    "lab. Very deep batch-normalized networks without shortcuts stay hard to train.",
)
with box.container(horizontal=True, gap="small"):
    lab_link(st, "batchnorm", depth=float(depth5), batch=float(batch5))
    st.page_link(training_lab.link_target, label="Watch it train", icon=training_lab.icon)

controls.share_box()
