"""What the training lab shows of one run below its playback: the results table, the
loss and accuracy curves, the gradient maps, the decision maps, their lines of numbers
and the CSV files, built once per view for every session (shown_run)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import streamlit as st

from core.experiments import TrainingResult
from dashboard.display import Frozen
from dashboard.plots.format import fmt
from dashboard.plots.summaries import (
    curves_summary,
    decision_maps_summary,
    gradient_maps_summary,
)
from dashboard.plots.training import (
    decision_boundary_figure,
    gradient_heatmap_figure,
    training_accuracy_figure,
    training_loss_figure,
    training_variant_label,
)

SHOWN_ENTRIES = 8  # views whose figures, tables and CSV files are kept (~0.5 MB each)


def stuck_text(result: TrainingResult) -> str:
    """Why a network can stay stuck at the start, with each network's own number: the
    blame fades on its way back, and the forward pass may already have forgotten the
    input (its last hidden layer barely varies across the data)."""
    spreads = "; ".join(
        f"{training_variant_label(name)} {fmt(run.start_spread)}"
        for name, run in result.runs.items()
    )
    return (
        "A deep network that stays at guessing is stuck for two reasons at once. The blame "
        "fades on its way back, so the first layers hardly change; and before any "
        "training the forward pass may already have forgotten which input it was given: "
        "every point reaches the output looking almost the same, so there is nothing for "
        "the updates to work with. How much the last hidden layer varies across the data "
        f"at the start (0 = every point looks the same): {spreads}."
    )


def summary_table(result: TrainingResult) -> pd.DataFrame:
    """One row per network: how its run ended, as core recorded it, in the app's number
    format (a diverging loss can reach 1e+67; the figures' titles use the same text)."""
    rows = []
    for name, run in result.runs.items():
        last = run.history.iloc[-1] if len(run.history) else None
        rows.append(
            {
                "network": training_variant_label(name),
                "accuracy": None if last is None else f"{fmt(100 * float(last['accuracy']))}%",
                "final_loss": None if last is None else fmt(float(last["loss"])),
                "diverged_at": run.diverged_at,
                "last_step": None if last is None else int(last["step"]),
            }
        )
    table = pd.DataFrame(rows)
    # Whole numbers even where some are missing (a diverged run, a run that went through).
    return table.astype({"last_step": "Int64", "diverged_at": "Int64"})


SUMMARY_COLUMNS = {
    "network": st.column_config.TextColumn("network"),
    "final_loss": st.column_config.TextColumn(
        "final loss", help="Loss on the whole training set at the last record."
    ),
    "accuracy": st.column_config.TextColumn(
        "accuracy", help="Share of the training points classified correctly, at the end."
    ),
    "last_step": st.column_config.NumberColumn(
        "last recorded step", help="The last step with a finite loss."
    ),
    "diverged_at": st.column_config.NumberColumn(
        "diverged at step",
        help="The step at which the loss became inf or nan; — if training went through.",
    ),
}


@dataclass(frozen=True)
class Shown:
    """Everything the page shows of one run below the playback, built once for every
    session that opens the same view (shown_run): figures, the lines of numbers under
    them, the results table and the two CSV files."""

    figures: dict[str, Frozen]  # by chart key
    summaries: dict[str, str]  # by chart key
    table: pd.DataFrame
    stuck: str
    history_csv: bytes
    grads_csv: bytes


@st.cache_resource(max_entries=SHOWN_ENTRIES, show_spinner=False)
def shown_run(view: tuple, _result: TrainingResult) -> Shown:
    """The view's figures and tables: plotly's checks on four figures and their
    conversion for the browser took 0.2 s of the server's one Python thread on every
    run of the page. view: what decides the run (hashable); shared by every session and
    never changed."""
    result = _result
    names = list(result.runs)
    diverged = diverged_at(result)
    history = result.history_frame()
    grads = result.grad_norm_frame()
    return Shown(
        figures={
            "loss_chart": Frozen(training_loss_figure(history, diverged, result.loss)),
            "accuracy_chart": Frozen(training_accuracy_figure(history, diverged)),
            "grad_maps": Frozen(gradient_heatmap_figure(grads, diverged, names, columns=1)),
            "boundary_maps": Frozen(decision_boundary_figure(result, names, columns=1)),
        },
        summaries={
            "loss_chart": curves_summary(history, "loss", diverged),
            "accuracy_chart": curves_summary(history, "accuracy", diverged),
            "grad_maps": gradient_maps_summary(grads, diverged, names),
            "boundary_maps": decision_maps_summary(result, names),
        },
        table=summary_table(result),
        stuck=stuck_text(result),
        history_csv=history.to_csv(index=False).encode(),
        grads_csv=grads.to_csv(index=False).encode(),
    )


def diverged_at(result: TrainingResult) -> dict[str, int]:
    """The step at which each network that diverged did so."""
    return {n: r.diverged_at for n, r in result.runs.items() if r.diverged_at is not None}
