"""The training lab's "Watch it learn" section: the run played back in the browser.

The figure (dashboard.plots.playback) carries every frame; Play, Pause and the slider
are plotly's own, so playing needs no server run. The shown frame is in the address bar
as ?frame=N (1 = step 0, the default; the last frame = the trained networks), and the
keys work on the chart (dashboard.playback_link).
"""

from __future__ import annotations

import streamlit as st

from core.experiments import TrainingResult
from dashboard import ui
from dashboard.display import Frozen
from dashboard.playback_link import chosen_frame, opened_frame, script
from dashboard.plots.format import fmt
from dashboard.plots.playback import frame_steps, playback_spec
from dashboard.plots.training import training_variant_label

__all__ = ["CHART_KEY", "chosen_frame", "script", "section", "summary"]

CHART_KEY = "playback"  # dashboard/accessibility.css hides its slider's stop labels
FIGURE_ENTRIES = 8  # figures kept (about 2 MB each at the defaults)


def summary(result: TrainingResult, names: list[str], steps: tuple[int, ...]) -> str:
    """What the playback shows, in numbers: each network's accuracy at a few moments."""
    moments = sorted({steps[0], steps[len(steps) // 3], steps[2 * len(steps) // 3], steps[-1]})
    parts = []
    for name in names:
        snaps = result.runs[name].checkpoints
        shown = [
            f"{fmt(100 * snaps.accuracy[snaps.steps.index(s)])}% at step {s}"
            for s in moments
            if snaps is not None and s in snaps.steps
        ]
        parts.append(f"{training_variant_label(name)} " + (", ".join(shown) or "no snapshot"))
    return "Points classified correctly while training: " + "; ".join(parts) + "."


@st.cache_resource(max_entries=FIGURE_ENTRIES, show_spinner=False)
def _figure(view: tuple, start: int, _result: TrainingResult) -> Frozen:
    """The playback figure of the run that `view` names, built once for every session
    (0.3 s of plotly's checks, and 0.12 s to convert it for the browser, each time the
    page ran), from its finished dict (no figure of its frames made and converted back).
    Shared, never changed."""
    return Frozen(playback_spec(_result, list(_result.runs), start))


def section(result: TrainingResult, controls: ui.Controls, view: tuple) -> None:
    """The playback: its explanation, the figure at the link's frame, the line of
    numbers under it, and the script for its keys and its place in the address bar.
    view: what decides the run (the training settings, the networks, the data's
    digest), hashable: the figure is kept for it."""
    names = list(result.runs)
    steps = frame_steps(result)
    start = opened_frame(len(steps), controls)
    st.subheader("Watch it learn")
    st.markdown(
        f"Press **▶ Play** to replay the training: {len(steps)} moments of the same run, "
        "closer together at the start, where the networks change fastest. **❚❚ Pause** "
        "stops it; the slider under the buttons goes to any moment. Each network's map "
        "shows its answer at that moment, the markers on the curves its loss and "
        "accuracy (the dashed line is the 50% of guessing), and the dotted line where the "
        "moment falls on the gradient maps (the color: how big each layer's gradient is, "
        "as in the maps below). The grey part of the curves and of the gradient maps is "
        "still to come: play it to see how the run ends. "
        "With the chart selected (click it or Tab to it), the space bar plays and "
        "pauses, and the arrow keys step. The address bar keeps the moment shown."
    )
    ui.chart(
        _figure(view, start, result),
        summary=summary(result, names, steps),
        key=CHART_KEY,
    )
    st.html(script(len(steps), CHART_KEY), unsafe_allow_javascript=True)
