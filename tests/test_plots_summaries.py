"""dashboard/plots/summaries.py: each chart's line of numbers agrees with the numbers core
computes, and with the ones the pages print elsewhere. Real core results at tiny sizes."""

from __future__ import annotations

import pandas as pd
import pytest

from core import experiments as ex
from core import lab
from core.worked_example import worked_example
from dashboard.plots import summaries
from dashboard.plots.format import fmt, fmt_power, fmt_signed
from dashboard.plots.network import BACKWARD, FORWARD

NBSP = "\u00a0"


def power(log10: float) -> str:
    """fmt_power as the summaries write it: with no-break spaces."""
    return fmt_power(log10).replace(" ", NBSP)


@pytest.fixture(scope="module")
def lab_result() -> lab.LabResult:
    return lab.lab_profiles(lab.LabSettings(depth=8, width=16, batch=8, n_seeds=3))


@pytest.fixture(scope="module")
def wild() -> ex.TrainingResult:
    """A ReLU network that diverges beside a sigmoid one that learns (as in the plots tests)."""
    specs = {
        "plain_relu": ex.variant_spec("plain_relu", 10, 32, n_in=2),
        "plain_sigmoid": ex.variant_spec("plain_sigmoid", 2, 4, n_in=2),
    }
    return ex.train_variants(specs, "moons", steps=200, lr=100.0, batch=32, grid_size=10)


def test_the_network_diagram_in_numbers():
    step = worked_example()
    forward = summaries.network_summary(step, FORWARD)
    assert f"ŷ = {fmt(step.y_hat)}" in forward and f"error E = {fmt(step.E)}" in forward
    backward = summaries.network_summary(step, BACKWARD)
    largest = max(("w11", "w12", "w21", "w22", "v1", "v2"), key=lambda w: abs(step.update(w)))
    assert f"= {fmt_signed(step.update(largest))}, the smallest" in backward
    assert f"δout = {fmt(step.delta_out)}" in backward


def test_the_timeline_and_the_error_curve_in_numbers():
    events = pd.DataFrame(
        {"year": [2015, 1991, 2015], "label": ["b", "a", "c"], "detail": "", "kind": "k"}
    )
    assert summaries.timeline_summary(events) == (
        "3 milestones from 1991 (a) to 2015 (c); the busiest year is 2015, with 2: b, c."
    )
    assert summaries.error_curve_summary([0.2, 0.1, 0.05]) == (
        "Error E over 2 updates: from 0.2 to 0.05, 75% lower; the lowest is 0.05."
    )


def test_update_sizes_in_numbers_even_past_underflow():
    table = pd.DataFrame(
        {"distance": [3, 1, 2], "mean_abs_update": [0.0, 1e-2, 1e-3]}
        | {"log10_mean_abs_update": [-400.0, -2.0, -3.0]}
    )
    text = summaries.update_size_summary(table, claim_factor=10)
    assert text.startswith(
        f"Mean |update| {power(-2.0)} at the output layer (layer 3), {power(-400.0)} at layer 1,"
    )
    assert f"{fmt(10.0**199)}× smaller per layer back, against the course's 10×." in text


def test_lab_profile_in_numbers_is_what_the_lab_reports_for_layer_1(lab_result):
    for quantity, rows in lab_result.factors.groupby("quantity"):
        text = summaries.profile_summary(lab_result.summary, quantity, lab_result.labels)
        for row in rows.itertuples():
            assert f"{row.label} {power(row.first_log10)}" in text, (quantity, row.label)
    for text in (
        summaries.forward_summary(lab_result.summary, lab_result.labels),
        summaries.similarity_summary(lab_result.summary, lab_result.labels),
    ):
        assert all(label in text for label in lab_result.labels.values())


def test_the_forward_summary_and_the_labs_text_give_the_same_inactive_share():
    """The line under the forward chart and the paragraph under it (the factor rows'
    inactive_max) count the hidden layers alike: at the lab's defaults a student saw the
    residual network's 48.4% in one and 27.3% in the other."""
    lab_result = lab.lab_profiles(lab.LabSettings())
    text = summaries.forward_summary(lab_result.summary, lab_result.labels)
    signal = lab_result.factors[lab_result.factors["quantity"] == "signal"]
    for label, share in zip(signal["label"], signal["inactive_max"], strict=True):
        part = text.split(f"{label} ", 1)[1].split(";")[0]
        assert part.endswith(summaries._percent(share)) or part.endswith(
            summaries._percent(share) + "."
        ), (label, part, share)


def test_training_in_numbers_names_the_divergence(wild):
    diverged = {n: r.diverged_at for n, r in wild.runs.items() if r.diverged_at is not None}
    history = wild.history_frame()
    sigmoid = wild.runs["plain_sigmoid"].history
    loss = summaries.curves_summary(history, "loss", diverged)
    assert f"plain sigmoid {fmt(sigmoid['loss'].iloc[0])} → {fmt(sigmoid['loss'].iloc[-1])}" in loss
    assert f"(diverged at step {diverged['plain_relu']})" in loss
    accuracy = summaries.curves_summary(history, "accuracy", diverged)
    assert f"→ {fmt(100 * sigmoid['accuracy'].iloc[-1])}%" in accuracy
    names = list(wild.runs)
    maps = summaries.decision_maps_summary(wild, names)
    assert f"plain ReLU diverged at step {diverged['plain_relu']}" in maps
    assert f"plain sigmoid {fmt(100 * sigmoid['accuracy'].iloc[-1])}% correct" in maps
    grads = wild.grad_norm_frame()
    text = summaries.gradient_maps_summary(grads, diverged, names)
    calm = grads[grads["variant"] == "plain_sigmoid"].groupby("layer")["log10_grad_norm"].median()
    assert f"plain sigmoid {power(calm.iloc[0] - calm.iloc[-1])}" in text
