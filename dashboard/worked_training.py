"""The worked example's training section: many rounds of forward pass, backward pass and
update on the one example, and buttons that put the trained weights into the page's fields.

Whatever the number of updates, the page shows the same few things: the first and last
few rows, a chart of E and ŷ over the updates, and a download of every row (made when
it is clicked). A table of every update made a 2,000-update page take 15 s to draw.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import streamlit as st

from core.checkpoints import checkpoint_steps
from core.worked_example import TRAJECTORY_COLUMNS, WEIGHT_NAMES, WorkedStep
from dashboard import landing, playback_link, ui
from dashboard.content.worked_example import STEPS_ANCHOR, step_of
from dashboard.content.worked_numbers import Shown, label, plain
from dashboard.plots.format import fmt
from dashboard.plots.network import MAX_POINTS, error_curve_figure
from dashboard.plots.style import spans_decades
from dashboard.plots.summaries import error_curve_summary
from dashboard.plots.worked_playback import UPDATES_FRAMES, updates_playback_figure

ENDS = 4  # rows shown at each end of a run (all rows, up to 2 * ENDS + 1)
STEP_COLUMN = "updates applied"
COLUMNS = {name: label(name) for name in TRAJECTORY_COLUMNS}  # "y_hat" -> "ŷ", ...
E_STEP = step_of("E")  # the step-through's step that computes E (ŷ comes before it)
GO_KEY = "training_to_steps"  # the note's button back to the step-through


def gives_away_e(shown: Shown) -> bool:
    """Would the section give away ŷ or E? Its every number follows from the starting
    E and ŷ (a chart's point at 0 updates, a percentage, a table's first row), so while
    the step-through has not shown them the section shows none of its numbers."""
    return bool({"E", "y_hat"} & shown.hidden)


def gives_away_updates(shown: Shown) -> bool:
    """Would the weights after an update give an update away (Δw = after − before)?"""
    return any(f"d{w}" in shown.hidden for w in WEIGHT_NAMES)


def frame(rows: np.ndarray) -> pd.DataFrame:
    """core.worked_example.trajectory's array with a student's column names."""
    table = pd.DataFrame(rows, columns=[COLUMNS[c] for c in TRAJECTORY_COLUMNS])
    table.insert(0, STEP_COLUMN, range(len(table)))
    return table


def final_weights(table: pd.DataFrame) -> dict[str, float]:
    last = table.iloc[-1]
    return {w: float(last[COLUMNS[w]]) for w in WEIGHT_NAMES}


def how_it_went(errors: pd.Series) -> str:
    """What the updates did to the error on these numbers (not always what one expects)."""
    steps = np.diff(errors.to_numpy())
    if len(steps) and np.all(steps < 0):
        return "Here every update makes the network a little less wrong on this one example."
    if len(steps) and errors.iloc[-1] < errors.iloc[0]:
        return (
            "Here the error ends lower, but not every update lowered it: for these numbers "
            "the learning rate is large enough for some steps to overshoot."
        )
    return (
        "Here the updates do not lower the error: for these numbers the learning rate is "
        "so large that the steps overshoot."
    )


def buttons(
    step: WorkedStep,
    table: pd.DataFrame | None,
    apply: Callable[[dict, str], None],
    allowed: ui.Allowed,
    shown: Shown,
) -> None:
    """Put one update, or all of the run's, into the fields at the top (apply does it);
    a button is disabled when a weight would leave what the fields allow. What they say
    the error did waits, like the section, until the step-through has shown E."""
    errors = None if table is None else table[COLUMNS["E"]]
    secret = gives_away_e(shown)
    st.markdown(
        (how_it_went(errors) + " " if errors is not None else "")
        + "Apply one update to the numbers at the top, or see where many updates lead."
    )
    one_col, all_col = st.columns(2)
    went = "" if errors is None or secret else f": the error went from {fmt(errors.iloc[0])} to "
    went += "" if errors is None or secret else f"{fmt(errors.iloc[1])}"
    one_col.button(
        "Apply one update to the numbers above",
        on_click=apply,
        args=(
            {w: step.updated(w) for w in WEIGHT_NAMES},
            f"Applied one update to the weights at the top{went}.",
        ),
        icon=":material/play_arrow:",
        width="stretch",
        disabled=any(step.updated(w) not in allowed for w in WEIGHT_NAMES),
        help="Disabled when a weight would leave the range -10 to 10.",
    )
    if table is not None:
        n_steps = len(table) - 1
        final = final_weights(table)
        all_went = (
            ""
            if secret
            else (f": the error went from {fmt(errors.iloc[0])} to {fmt(errors.iloc[-1])}")
        )
        all_col.button(
            f"Apply all {n_steps} updates to the numbers above",
            on_click=apply,
            args=(final, f"Applied {n_steps} updates to the weights at the top{all_went}."),
            icon=":material/fast_forward:",
            width="stretch",
            disabled=any(v not in allowed for v in final.values()),
            help="Disabled when a weight would leave the range -10 to 10.",
        )


def _to_steps() -> None:
    """The note's button: back up to the step-through, at the step it is on."""
    landing.request(STEPS_ANCHOR)


def wait_note() -> None:
    """What the section shows while it would give E or ŷ away: what to do first, and a
    button back up to the step-through."""
    st.info(
        f"Step through to step {E_STEP}, where E is computed, first: this section shows "
        "the error E and the prediction ŷ after each update, starting from the ones the "
        "step-through is about to work out, so it would give them away.",
        icon=":material/visibility_off:",
    )
    st.button(
        "Go to the step-through",
        key=GO_KEY,
        on_click=_to_steps,
        icon=":material/arrow_upward:",
        help="Scrolls up to the step-through; it stays at the step you are on.",
    )


def summary(table: pd.DataFrame, shown: Shown, target: float, controls: ui.Controls) -> None:
    """Where the updates led: a sentence, E and ŷ over the updates, the first and last few
    rows, every row as CSV. Until the step-through has shown E and ŷ, only a note saying
    so (wait_note); until it has shown every update, the weights after each wait too."""
    if gives_away_e(shown):
        wait_note()
        return
    n_steps = len(table) - 1
    errors, y_hats = table[COLUMNS["E"]], table[COLUMNS["y_hat"]]
    last_e, last_y = fmt(errors.iloc[-1]), fmt(y_hats.iloc[-1])
    st.markdown(
        f"After {n_steps} updates the error went from {plain(shown.E)} to {last_e} and "
        f"the prediction from {plain(shown.y_hat)} to {last_y} (target {fmt(target)})."
    )
    ui.chart(
        error_curve_figure(errors.tolist(), y_hats.tolist(), target),
        summary=error_curve_summary(errors.tolist()),
        key="errors",
    )
    if spans_decades(errors.tolist()):
        st.caption(
            "The error axis uses a log scale: each power of ten on it is ten times the one "
            "below, so that the large early errors and the tiny late ones both stay readable."
        )
    if len(table) > MAX_POINTS:
        st.caption(
            "With this many updates the chart draws the lowest and highest value of each "
            "short stretch of them, so that no jump is lost; the download has every one."
        )
    playback(table, shown, target, controls)
    cut = len(table) > 2 * ENDS + 1
    st.markdown(
        "**The weights after each update**"
        + (f" (the first and last {ENDS}; the download has every row)" if cut else "")
    )
    ui.table(rows_shown(table, shown))
    if gives_away_updates(shown):
        st.caption(
            "Once the step-through above has shown every update, you can download every "
            "row here (the weights after each update give the updates away)."
        )
        return
    st.download_button(
        f"Download all {n_steps + 1} rows (CSV)",
        data=lambda: "\ufeff" + table.to_csv(index=False),
        file_name="worked-example-training.csv",
        mime="text/csv",
        on_click="ignore",
        icon=":material/download:",
        key="training_csv",
    )


def rows_shown(table: pd.DataFrame, shown: Shown) -> pd.DataFrame:
    """The first and last ENDS rows as text (all of them if there are few), with a row of
    "…" between; the starting E and ŷ are ? while the step-through has not shown them."""
    cut = len(table) > 2 * ENDS + 1
    rows = pd.concat([table.head(ENDS), table.tail(ENDS)]) if cut else table
    text = rows.astype(object)
    for column in rows.columns[1:]:
        text[column] = [f"{v:.6g}" for v in rows[column]]
    for name in ("E", "y_hat"):  # summary shows no table then; kept for any other caller
        if name in shown.hidden:
            text.loc[0, COLUMNS[name]] = "?"
    if gives_away_updates(shown):
        # The weights after an update give the update away (Δw = after - before): they
        # wait until the step-through has revealed every update.
        weights = [COLUMNS[w] for w in WEIGHT_NAMES]
        text.loc[text.index[1:], weights] = "?"
    if not cut:
        return text
    gap = pd.DataFrame([["…"] * len(text.columns)], columns=text.columns)
    return pd.concat([text.head(ENDS), gap, text.tail(ENDS)], ignore_index=True)


PLAYBACK_KEY = "updates_playback"  # accessibility.css hides its slider's stop labels


def playback_script(frames: int) -> str:
    """The keys and the address bar's ?frame= of this playback (dashboard.playback_link);
    its frames change the diagram's numbers (annotations), so they redraw."""
    return playback_link.script(frames, PLAYBACK_KEY, redraw=True, what="Updates playback")


def playback(table: pd.DataFrame, shown: Shown, target: float, controls: ui.Controls) -> None:
    """The updates played back in the browser (dashboard.plots.worked_playback): the
    diagram's weights, ŷ and E after each update, from the link's ?frame= (default: the
    first, before any update). It gives every update away, so it waits until the
    step-through has shown E, ŷ and every update."""
    if {"E", "y_hat", *(f"d{w}" for w in WEIGHT_NAMES)} & shown.hidden:
        st.caption(
            "Once the step-through above has shown every number, you can play the updates "
            "back here: the weights, ŷ and E of the network after each one."
        )
        return
    rows = table[[COLUMNS[c] for c in TRAJECTORY_COLUMNS]].to_numpy()
    n_steps = len(rows) - 1
    frames = len(checkpoint_steps(n_steps, UPDATES_FRAMES))
    start = playback_link.opened_frame(frames, controls)
    spacing = (
        "one frame per update"
        if frames == n_steps + 1
        else f"{frames} moments, closer together at the start"
    )
    st.markdown(
        "**Watch the updates.** Press ▶ Play to see the network's weights, its prediction "
        f"ŷ and its error E change update by update ({spacing}); the slider goes to any "
        "of them, ❚❚ Pause stops. With the chart selected (click it or Tab to it), the "
        "space bar plays and pauses, and the arrow keys step."
    )
    errors, y_hats = table[COLUMNS["E"]], table[COLUMNS["y_hat"]]
    ui.chart(
        updates_playback_figure(rows, (shown.step.x1, shown.step.x2), target, frame=start),
        summary=(
            f"Over {n_steps} updates E goes from {fmt(errors.iloc[0])} to "
            f"{fmt(errors.iloc[-1])} and ŷ from {fmt(y_hats.iloc[0])} to "
            f"{fmt(y_hats.iloc[-1])} (target {fmt(target)})."
        ),
        key=PLAYBACK_KEY,
    )
    st.html(playback_script(frames), unsafe_allow_javascript=True)
