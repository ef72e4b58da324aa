"""The training lab's playback: one figure that replays a training run in the browser.

Plotly animation frames, one per snapshot that core recorded during the run
(core.checkpoints), with Play / Pause buttons and a step slider: the browser steps
through them itself, with no call to the server per frame. Top row: the loss and the
accuracy of every network over the whole run, with a marker on each line at the shown
step; then a row per network: its decision map at that step (left) and its gradient
map over the whole run (right); a dotted line marks the step on the curves and the
gradient maps. The fixed parts are in dashboard.plots.playback_parts. No streamlit.

A frame changes only the layout's images and shapes (the maps as pictures, their 50%
lines, the markers, the step lines), which plotly updates in place without redrawing the
figure (dashboard.plots.raster says why); the slider writes the step. The frames are
plain dicts: plotly.py's validation of 30 frames took most of the figure's build time.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from core.checkpoints import Checkpoints
from core.experiments import TrainingResult
from dashboard.plots import playback_parts as parts
from dashboard.plots.raster import level_path, png_data_url, tint
from dashboard.plots.style import (
    BADGE_TEXT,
    FONT_SIZE,
    MARGIN,
    THEORY_COLOR,
    base_layout,
    variant_symbol,
)
from dashboard.plots.training import TRAIN_CLASS_TINTS, _train_color, training_variant_label

NOW_LINE = {"color": THEORY_COLOR, "width": 2, "dash": "dot"}
# What is still to come, greyed out: a mid grey that dims in both themes (over white and
# over Streamlit's dark background alike) and hides what the curves do next.
CURTAIN_COLOR = "rgba(128, 128, 128, 0.96)"
# The markers on the curves: each network's symbol as a path in pixels around its point.
MARKER_PATHS = {
    "square": "M-5,-5L5,-5L5,5L-5,5Z",
    "diamond": "M0,-7L7,0L0,7L-7,0Z",
    "triangle-up": "M-6,-5L6,-5L0,6Z",
}
MARKER_RADIUS = 6  # pixels: the circle, and any other symbol
# A 50% line of more pieces than this times the grid's side is not drawn: a smooth
# boundary across a 60-point grid takes ~100-300, random noise ~1800 (100 kB of path).
LINE_PIECES_PER_SIDE = 8


def frame_steps(result: TrainingResult) -> tuple[int, ...]:
    """The steps of the playback's frames: the snapshots of the run that got furthest
    (every network of a run has the same schedule; a diverged one stops early)."""
    runs = [r.checkpoints for r in result.runs.values() if r.checkpoints is not None]
    return max((c.steps for c in runs), key=len, default=(0,))


def _shown(snaps: Checkpoints | None, step: int) -> int | None:
    """The snapshot a network shows at a frame's step: its last one at or before it."""
    if snaps is None:
        return None
    before = [k for k, s in enumerate(snaps.steps) if s <= step]
    return before[-1] if before else None


def _axes(panel: int) -> tuple[str, str]:
    """The x and y axis names of panel `panel` (0-based, row-major, two a row)."""
    suffix = str(panel + 1) if panel else ""
    return f"x{suffix}", f"y{suffix}"


def _map_image(result: TrainingResult, variant: str, panel: int, step: int) -> dict:
    """A network's map at a step as a layout image filling its panel's grid (hidden when
    it has no snapshot at or before the step)."""
    snaps = result.runs[variant].checkpoints
    k = _shown(snaps, step)
    x, y = _axes(panel)
    if k is None:
        return {"source": "", "visible": False, "xref": x, "yref": y}
    xs, ys = result.grid_x[:: snaps.stride], result.grid_y[:: snaps.stride]
    dx, dy = xs[1] - xs[0], ys[1] - ys[0]
    picture = tint(snaps.grid_prob[k][::-1], TRAIN_CLASS_TINTS)  # row 0 at the top
    return {
        "source": png_data_url(picture),
        "visible": True,
        "xref": x,
        "yref": y,
        "x": float(xs[0] - dx / 2),
        "y": float(ys[-1] + dy / 2),
        "sizex": float(dx * len(xs)),
        "sizey": float(dy * len(ys)),
        "xanchor": "left",
        "yanchor": "top",
        "sizing": "stretch",
        "layer": "below",
    }


def _boundary(result: TrainingResult, variant: str, panel: int, step: int) -> dict:
    """A network's 50% line at a step, as a path shape on its map."""
    snaps = result.runs[variant].checkpoints
    k = _shown(snaps, step)
    x, y = _axes(panel)
    path = ""
    if k is not None:
        stride = snaps.stride
        xs, ys = result.grid_x[::stride], result.grid_y[::stride]
        path = level_path(snaps.grid_prob[k], xs, ys, most=LINE_PIECES_PER_SIDE * len(xs))
    return {
        "type": "path",
        "path": path or "M0,0",
        "visible": bool(path),
        "xref": x,
        "yref": y,
        "line": {"color": BADGE_TEXT, "width": 2},
    }


def _marker(variant: str, panel: int, at: int | None, value: float | None) -> dict:
    """A network's marker at (at, value) on a curve panel: its symbol, in pixels."""
    x, y = _axes(panel)
    symbol = variant_symbol(variant)
    shape = {
        "xref": x,
        "yref": y,
        "xsizemode": "pixel",
        "ysizemode": "pixel",
        "xanchor": at if at is not None else 0,
        "yanchor": value if value is not None else 0,
        "visible": at is not None,
        "fillcolor": _train_color(variant),
        "line": {"color": "#FFFFFF", "width": 1},
    }
    if symbol in MARKER_PATHS:
        return {**shape, "type": "path", "path": MARKER_PATHS[symbol]}
    r = MARKER_RADIUS
    return {**shape, "type": "circle", "x0": -r, "x1": r, "y0": -r, "y1": r}


def _markers(result: TrainingResult, variant: str, step: int) -> list[dict]:
    """A network's loss and accuracy markers at a step (where its shown snapshot is)."""
    snaps = result.runs[variant].checkpoints
    k = _shown(snaps, step)
    if k is None:
        return [_marker(variant, 0, None, None), _marker(variant, 1, None, None)]
    at = snaps.steps[k]
    return [
        _marker(variant, 0, at, snaps.loss[k]),
        _marker(variant, 1, at, snaps.accuracy[k]),
    ]


def _step_panels(count: int) -> list[tuple[str, str]]:
    """The x and y axes of the panels whose x axis is the training step: the two curves
    and the count gradient maps (the right-hand panels: 1, 3, 5, ...; the loss is 0)."""
    return [_axes(panel) for panel in [0, 1] + [2 * i + 3 for i in range(count)]]


def _now_lines(count: int, step: int) -> list[dict]:
    """The vertical line at the shown step on every step panel (see _step_panels)."""
    return [
        {
            "type": "line",
            "x0": step,
            "x1": step,
            "y0": 0,
            "y1": 1,
            "xref": x,
            "yref": f"{y} domain",
            "line": NOW_LINE,
        }
        for x, y in _step_panels(count)
    ]


def _curtains(count: int, step: int, last: int) -> list[dict]:
    """Over every step panel, the part of the run after the shown step, greyed out: the
    curves and the maps exist for the whole run, but the student should see how it ends
    only by playing it (none left at the last step)."""
    return [
        {
            "type": "rect",
            "x0": step,
            "x1": max(last, step),
            "y0": 0,
            "y1": 1,
            "xref": x,
            "yref": f"{y} domain",
            "fillcolor": CURTAIN_COLOR,
            "line": {"width": 0},
            "layer": "above",
        }
        for x, y in _step_panels(count)
    ]


def _frame_layout(result: TrainingResult, names: Sequence[str], step: int, last: int) -> dict:
    """What a frame changes in the layout: the maps' pictures, and as shapes the curtains
    over what is still to come (see _curtains), the step lines, per network its 50% line,
    then per network its two markers (drawn in that order: the markers over the rest)."""
    shapes = _curtains(len(names), step, last) + _now_lines(len(names), step)
    shapes += [_boundary(result, v, 2 + 2 * row, step) for row, v in enumerate(names)]
    for variant in names:
        shapes += _markers(result, variant, step)
    images = [_map_image(result, v, 2 + 2 * row, step) for row, v in enumerate(names)]
    return {"images": images, "shapes": shapes}


def _titles(result: TrainingResult, names: Sequence[str]) -> list[dict]:
    """The panels' titles. They stay as they are while playing: with frames that change
    only the layout's images and shapes, plotly updates neither annotations nor texts of
    shapes or traces in place, and a frame that changes traces (without a full redraw)
    left the other panels' traces undrawn. The slider says the step; the markers say how
    each network does there."""
    texts = ["Loss (log scale)", "Accuracy"]
    for variant in names:
        title = training_variant_label(variant)
        if (stopped := result.runs[variant].diverged_at) is not None:
            title += f"<br>diverged at step {stopped}: its map stops there"
        texts += [title, "Gradient size"]
    return [
        {
            "text": text,
            "x": 0,
            "y": 1,
            "xref": f"{_axes(i)[0]} domain",
            "yref": f"{_axes(i)[1]} domain",
            "xanchor": "left",
            "yanchor": "bottom",
            "align": "left",
            "showarrow": False,
            "font": {"size": FONT_SIZE},
        }
        for i, text in enumerate(texts)
    ]


def playback_figure(
    result: TrainingResult, variants: Sequence[str] | None = None, frame: int | None = None
) -> go.Figure:
    """The playback of a training run as a figure: see playback_spec."""
    return go.Figure(playback_spec(result, variants, frame), _validate=False)


def playback_spec(
    result: TrainingResult, variants: Sequence[str] | None = None, frame: int | None = None
) -> dict:
    """The playback of a training run, as the finished dict its figure's to_dict() gives
    (dashboard.display.Frozen keeps it as is: making a figure of its 30 frames and
    converting it back cost 0.4 s of the server's Python thread per new run). One frame
    per step of frame_steps(result), shown at frame `frame` (0-based; default the last,
    the trained networks) until Play.

    Traces (fixed): the loss and accuracy curves, the guessing line, per network the
    training points on its map and its gradient map. Each frame sets the layout's images
    (per network its map, a PNG) and shapes (see _frame_layout), nothing else. Play runs
    the frames once, in order, from the shown one (from the first when the last is
    shown), and stops at the last.
    """
    names = list(variants if variants is not None else result.runs)
    steps = frame_steps(result)
    start = len(steps) - 1 if frame is None else frame
    if not 0 <= start < len(steps):
        raise ValueError(f"frame must be 0 to {len(steps) - 1}; got {frame}")
    heights = [parts.PLAY_CURVE_HEIGHT] + [parts.PLAY_ROW_HEIGHT] * len(names)
    plot_height = sum(heights) + (len(heights) - 1) * parts.PLAY_GAP
    fig = make_subplots(
        rows=len(heights),
        cols=2,
        row_heights=heights,
        vertical_spacing=parts.PLAY_GAP / plot_height,
        horizontal_spacing=parts.PLAY_COLUMN_GAP,
        column_widths=parts.PLAY_COLUMN_WIDTHS,
    )
    base_layout(fig, "", parts.PLAY_CONTROLS + plot_height + parts.PLAY_BOTTOM)
    fig.update_layout(margin={**MARGIN, "t": parts.PLAY_CONTROLS, "b": parts.PLAY_BOTTOM})
    parts.add_curves(fig, result, names, steps[-1])
    parts.add_maps(fig, result, names)
    fig.update_layout(
        annotations=_titles(result, names),
        updatemenus=[parts.buttons(parts.paper_y(parts.PLAY_BUTTONS_TOP, plot_height))],
        sliders=[parts.slider(steps, start, parts.paper_y(parts.PLAY_SLIDER_TOP, plot_height))],
        legend={"y": parts.paper_y(parts.PLAY_LEGEND_TOP, plot_height), "yanchor": "top"},
    )
    figure = fig.to_dict()
    parts.merge_axes(figure["layout"], parts.axes(result, len(names), steps[-1]))
    figure["frames"] = [  # plain data, checked by tests
        {"name": str(k), "layout": _frame_layout(result, names, step, steps[-1])}
        for k, step in enumerate(steps)
    ]
    # The shown frame's images and shapes are the layout's own, as plain data too: given
    # to plotly they were checked once more, for as long as the rest of the layout took.
    figure["layout"].update(copy.deepcopy(figure["frames"][start]["layout"]))
    return figure
