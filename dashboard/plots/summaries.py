"""What each figure shows, as one line of numbers: for screen readers (a chart is a
picture to them) and for students who would rather read. dashboard.ui.chart puts the
line under its chart. Each function takes the data its figure is drawn from, so the
two cannot disagree. Plain text (the page escapes it); no streamlit, no plotly.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence

import pandas as pd

from core.experiments import TrainingResult
from core.worked_example import WorkedStep
from dashboard.plots.format import fmt, fmt_power, fmt_signed
from dashboard.plots.network import EDGES, FORWARD
from dashboard.plots.profiles import LAB_QUANTITY_COLUMNS, LAB_QUANTITY_TITLES
from dashboard.plots.training import training_variant_label

_SUBSCRIPT = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def _name(weight: str) -> str:
    """A weight's name as the diagram writes it: w11 -> w₁₁."""
    return weight[0] + weight[1:].translate(_SUBSCRIPT)


def _power(log10: float) -> str:
    """fmt_power with no-break spaces: "4.11 × 10⁻³²" never breaks across two lines."""
    return fmt_power(log10).replace(" × ", "\u00a0×\u00a0")


def _percent(share: float) -> str:
    return f"{fmt(100 * share)}%" if math.isfinite(share) else "not measured"


# --- home and the worked example ------------------------------------------------------
def network_summary(
    step: WorkedStep, view: str = FORWARD, revealed: Collection[str] | None = None
) -> str:
    """The 2-2-1 diagram's numbers: the forward values, or the blame and the updates.
    revealed: as for network_figure, the WorkedStep fields whose numbers may be said
    ("?" for the others, so that the summary gives away no more than the picture);
    None says them all. The inputs and the target are given, always said."""

    def say(name: str) -> str:
        return fmt(getattr(step, name)) if revealed is None or name in revealed else "?"

    if view == FORWARD:
        return (
            f"Inputs x₁ = {fmt(step.x1)}, x₂ = {fmt(step.x2)}; hidden outputs "
            f"h₁ = {say('h1')}, h₂ = {say('h2')}; output ŷ = {say('y_hat')} "
            f"against the target y = {fmt(step.y)}, an error E = {say('E')}."
        )
    blame = f"Blame δout = {say('delta_out')}, δ₁ = {say('delta1')}, δ₂ = {say('delta2')}"
    known = [e for e in EDGES if revealed is None or f"d{e}" in revealed]
    if not known:
        return blame + "; the updates are still to be worked out."
    sizes = {e: abs(step.update(e)) for e in known}
    largest, smallest = max(sizes, key=sizes.get), min(sizes, key=sizes.get)
    if largest == smallest:
        only = fmt_signed(step.update(largest))
        return f"{blame}; so far one update: Δ{_name(largest)} = {only}."
    return (
        f"{blame}; the largest update so far is Δ{_name(largest)} = "
        f"{fmt_signed(step.update(largest))}, the smallest Δ{_name(smallest)} = "
        f"{fmt_signed(step.update(smallest))}."
    )


def timeline_summary(events: pd.DataFrame) -> str:
    """How many milestones, from when to when, and the busiest year."""
    events = events.sort_values("year", kind="stable")
    first, last = events.iloc[0], events.iloc[-1]
    counts = events["year"].value_counts(sort=False)
    busiest = int(counts.idxmax())
    names = ", ".join(events.loc[events["year"] == busiest, "label"])
    return (
        f"{len(events)} milestones from {first['year']} ({first['label']}) to "
        f"{last['year']} ({last['label']}); the busiest year is {busiest}, with "
        f"{counts.max()}: {names}."
    )


def error_curve_summary(errors: Sequence[float], *, with_start: bool = True) -> str:
    """Where training on the one example took the error. with_start=False leaves out the
    starting error and the lowest (a page that has not revealed E yet)."""
    start, end = float(errors[0]), float(errors[-1])
    change = (end - start) / start if start else math.nan
    trend = (
        f"{fmt(100 * abs(change))}% {'lower' if change < 0 else 'higher'}"
        if math.isfinite(change)
        else "no relative change"
    )
    if not with_start:
        return f"Error E over {len(errors) - 1} updates: it ends at {fmt(end)}, {trend}."
    return (
        f"Error E over {len(errors) - 1} updates: from {fmt(start)} to {fmt(end)}, "
        f"{trend}; the lowest is {fmt(min(errors))}."
    )


# --- update sizes -----------------------------------------------------------------------
def update_size_summary(table: pd.DataFrame, claim_factor: float | None = None) -> str:
    """The output layer's mean update, the first layer's, and the typical factor per
    layer between them (from the log10 values, which never underflow)."""
    table = table.sort_values("distance")
    logs = table["log10_mean_abs_update"].astype(float).tolist()
    n = len(logs)
    text = f"Mean |update| {_power(logs[0])} at the output layer (layer {n})"
    if n > 1:
        per_layer = 10.0 ** ((logs[0] - logs[-1]) / (n - 1))
        text += (
            f", {_power(logs[-1])} at layer 1, next to the input: on "
            f"average {fmt(per_layer)}× smaller per layer back"
        )
        if claim_factor is not None:
            text += f", against the course's {claim_factor:g}×"
    return text + "."


# --- the vanishing-gradient lab ---------------------------------------------------------
def _per_network(summary: pd.DataFrame, labels: dict[str, str]) -> list[tuple[str, pd.DataFrame]]:
    return [
        (label, summary[summary["variant"] == variant].sort_values("layer"))
        for variant, label in labels.items()
    ]


def profile_summary(summary: pd.DataFrame, quantity: str, labels: dict[str, str]) -> str:
    """Per network: the quantity at layer 1 divided by the output layer's (medians)."""
    column = f"{LAB_QUANTITY_COLUMNS[quantity]}_median"
    parts = []
    for label, rows in _per_network(summary, labels):
        values = rows[column].tolist()
        ratio = values[0] - values[-1] if values else math.nan
        parts.append(f"{label} {_power(ratio)}")
    return (
        f"{LAB_QUANTITY_TITLES[quantity]} at layer 1 ÷ at the output layer, the middle "
        f"of the seeds: " + "; ".join(parts) + "."
    )


def forward_summary(summary: pd.DataFrame, labels: dict[str, str]) -> str:
    """Per network: the RMS of h at layer 1 and at the output layer, and the largest
    share of inactive units in a hidden layer (the number the page's text gives too)."""
    parts = []
    for label, rows in _per_network(summary, labels):
        rms = rows["act_rms_median"].tolist()
        hidden = rows[rows["layer"] < rows["layer"].max()]
        inactive = hidden["inactive_frac_median"].max()
        if rms:
            parts.append(f"{label} {fmt(rms[0])} → {fmt(rms[-1])}, {_percent(inactive)}")
    return (
        "RMS of the output h at layer 1 → at the output layer, and the largest share of "
        "inactive units in any hidden layer: " + "; ".join(parts) + "."
    )


def similarity_summary(summary: pd.DataFrame, labels: dict[str, str]) -> str:
    """Per network: the similarity at the first and at the last hidden layer."""
    parts = []
    for label, rows in _per_network(summary, labels):
        hidden = rows[rows["layer"] < rows["layer"].max()]["similarity_median"].tolist()
        if hidden:
            parts.append(f"{label} {fmt(hidden[0], 4)} → {fmt(hidden[-1], 4)}")
    return (
        "Similarity of different inputs (1 = identical) at hidden layer 1 → at the last "
        "hidden layer: " + "; ".join(parts) + "."
    )


def depth_story_summary(story: pd.DataFrame, depths: Sequence[int], labels: dict[str, str]) -> str:
    """How many frames, and what reaches layer 1 in the deepest one."""
    deepest = story[(story["depth"] == depths[-1]) & (story["layer"] == 1)]
    at_one = deepest.set_index("variant")["relative_log10"]
    parts = [f"{label} {_power(at_one.get(v, math.nan))}" for v, label in labels.items()]
    return (
        f"{len(depths)} frames, {depths[0]} to {depths[-1]} layers deep; at "
        f"{depths[-1]} layers, layer 1's backward signal ÷ the output layer's: "
        + "; ".join(parts)
        + "."
    )


# --- the training lab -------------------------------------------------------------------
def curves_summary(history: pd.DataFrame, column: str, diverged: dict[str, int]) -> str:
    """Per network: the loss or accuracy at the first and at the last record."""
    show = _percent if column == "accuracy" else fmt
    what = "Points classified correctly" if column == "accuracy" else "Loss"
    parts = []
    for variant in dict.fromkeys(history["variant"]):
        rows = history[history["variant"] == variant].sort_values("step")
        text = f"{training_variant_label(variant)} {show(float(rows[column].iloc[0]))}"
        text += f" → {show(float(rows[column].iloc[-1]))}"
        if variant in diverged:
            text += f" (diverged at step {diverged[variant]})"
        parts.append(text)
    missing = [training_variant_label(v) for v in diverged if v not in set(history["variant"])]
    parts += [f"{name} diverged before its first record" for name in missing]
    return f"{what} at step 0 → at the last record: " + "; ".join(parts) + "."


def gradient_maps_summary(
    grad_norms: pd.DataFrame, diverged: dict[str, int], variants: Sequence[str]
) -> str:
    """Per network: layer 1's weight gradient divided by its output layer's, the middle
    of all its records (what a map's bottom row against its top row shows)."""
    parts = []
    for variant in variants:
        rows = grad_norms[grad_norms["variant"] == variant]
        logs = rows.groupby("layer")["log10_grad_norm"].median()
        ratio = logs.get(1, math.nan) - logs.iloc[-1] if len(logs) else math.nan
        text = f"{training_variant_label(variant)} {_power(ratio)}"
        if variant in diverged:
            text += f" (diverged at step {diverged[variant]})"
        parts.append(text)
    return (
        "‖∂L/∂W‖ of layer 1 ÷ of the output layer, the middle of all records: "
        + "; ".join(parts)
        + "."
    )


def decision_maps_summary(result: TrainingResult, variants: Sequence[str]) -> str:
    """Per network: how many training points it gets right, and how much of the plane
    it calls orange (class 1)."""
    parts = []
    for variant in variants:
        run = result.runs[variant]
        name = training_variant_label(variant)
        if run.grid_prob is None:
            parts.append(f"{name} diverged at step {run.diverged_at}")
            continue
        correct = float(run.history["accuracy"].iloc[-1])
        orange = float((run.grid_prob > 0.5).mean())
        parts.append(f"{name} {_percent(correct)} correct, {_percent(orange)} orange")
    return (
        "Training points classified correctly, and the share of the plane each network "
        "calls orange (class 1): " + "; ".join(parts) + "."
    )
