"""The training lab's playback figure: frames from core's snapshots, controls that play
them in the browser, and a payload small enough to send."""

from __future__ import annotations

import base64
import dataclasses
import json
import zlib

import numpy as np
import pandas as pd
import pytest

from core import experiments as ex
from core.checkpoints import CHECKPOINT_COUNT, Checkpoints, checkpoint_steps
from dashboard.plots.playback import frame_steps, playback_figure
from dashboard.plots.playback_parts import PLAY_FRAME_MS
from dashboard.plots.raster import level_path, png_data_url, tint
from dashboard.plots.training import TRAIN_CLASS_TINTS, _train_color

MB = 1_000_000
DEFAULT_LIMIT, LARGEST_LIMIT = 3 * MB, 8 * MB
NOW_LINES = 2 + 4  # the two curves and the four gradient maps
CURTAINS = NOW_LINES  # one over each of the same panels, drawn first


@pytest.fixture(scope="module")
def default_run() -> ex.TrainingResult:
    """The training lab's default view (its DEFAULTS): four networks, depth 6, width 16."""
    specs = {v: ex.variant_spec(v, 6, 16, n_in=2) for v in ex.VARIANTS}
    return ex.train_variants(specs)


def picture(url: str) -> np.ndarray:
    """The (rows, cols, 3) pixels of a PNG data URL that raster.png_data_url wrote."""
    data = base64.b64decode(url.removeprefix("data:image/png;base64,"))
    cols, rows = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    start = data.index(b"IDAT") + 4
    length = int.from_bytes(data[start - 8 : start - 4], "big")
    raw = np.frombuffer(zlib.decompress(data[start : start + length]), dtype=np.uint8)
    lines = raw.reshape(rows, 1 + 3 * cols)
    assert (lines[:, 0] == 0).all()  # no PNG filter: the bytes are the pixels
    return lines[:, 1:].reshape(rows, cols, 3)


def test_png_and_tint_round_trip_and_the_level_line_lies_on_the_level():
    values = np.array([[0.0, 0.5, 1.0], [0.25, np.nan, 0.75]])
    rgb = tint(values, TRAIN_CLASS_TINTS)
    assert rgb[0, 0].tolist() == [0x8D, 0xBA, 0xD9] and rgb[0, 2].tolist() == [0xF3, 0xCB, 0x73]
    assert rgb[1, 1].tolist() == [153, 153, 153]  # a gap is neutral grey
    np.testing.assert_array_equal(picture(png_data_url(rgb)), rgb)
    xs, ys = np.linspace(-1, 1, 21), np.linspace(-1, 1, 21)
    z = 1 / (1 + np.exp(-(xs[None, :] - 0.3) * 5)) + 0 * ys[:, None]  # 50% at x = 0.3
    path = level_path(z, xs, ys)
    points = [p.split(",") for p in path.replace("M", " ").replace("L", " ").split()]
    assert len(points) == 2 * 20  # one piece per row of cells
    assert all(abs(float(x) - 0.3) < 1e-3 for x, _ in points)
    assert level_path(np.random.default_rng(0).random((21, 21)), xs, ys, most=50) == ""


def test_each_frame_shows_every_networks_snapshot_at_its_step(default_run):
    spec = json.loads(playback_figure(default_run).to_json())
    steps = checkpoint_steps(500)
    assert frame_steps(default_run) == steps and len(steps) == CHECKPOINT_COUNT
    frames = spec["frames"]
    assert [f["name"] for f in frames] == [str(k) for k in range(len(steps))]
    assert all("data" not in f for f in frames)  # the layout only: no full redraw
    xs, ys = default_run.grid_x, default_run.grid_y
    for k in (0, 1, 7, 29):
        layout = frames[k]["layout"]
        curtains = layout["shapes"][:CURTAINS]
        lines = layout["shapes"][CURTAINS : CURTAINS + NOW_LINES]
        shapes = layout["shapes"][CURTAINS + NOW_LINES :]
        assert all(s["x0"] == s["x1"] == steps[k] for s in lines)
        # What is still to come is greyed out, on the same panels as the step lines.
        assert [(c["xref"], c["yref"]) for c in curtains] == [(s["xref"], s["yref"]) for s in lines]
        assert all((c["type"], c["x0"], c["x1"]) == ("rect", steps[k], 500) for c in curtains)
        assert all((c["y0"], c["y1"], c["layer"]) == (0, 1, "above") for c in curtains)
        for index, (name, run) in enumerate(default_run.runs.items()):
            snaps = run.checkpoints
            shown = picture(layout["images"][index]["source"])
            expected = tint(snaps.grid_prob[k][::-1], TRAIN_CLASS_TINTS)
            np.testing.assert_array_equal(shown, expected, err_msg=name)
            line = level_path(
                snaps.grid_prob[k], xs[:: snaps.stride], ys[:: snaps.stride], most=8 * 31
            )
            assert shapes[index]["path"] == (line or "M0,0")  # none: a hidden shape
            assert shapes[index]["visible"] == bool(line)
            loss, accuracy = shapes[4 + 2 * index : 6 + 2 * index]
            assert (loss["xanchor"], loss["yanchor"]) == (steps[k], snaps.loss[k])
            assert (accuracy["xanchor"], accuracy["yanchor"]) == (steps[k], snaps.accuracy[k])
    early, late = (frames[k]["layout"] for k in (0, 29))
    assert early["images"][1]["source"] != late["images"][1]["source"]  # plain ReLU learns
    assert late["shapes"][CURTAINS + NOW_LINES + 1]["visible"]  # ...and draws a boundary
    assert all(c["x0"] == c["x1"] for c in late["shapes"][:CURTAINS])  # nothing left to come


def test_the_figure_opens_at_the_trained_maps_or_at_the_frame_asked(default_run):
    spec = json.loads(playback_figure(default_run).to_json())
    assert spec["layout"]["sliders"][0]["active"] == CHECKPOINT_COUNT - 1
    for index, run in enumerate(default_run.runs.values()):
        # The still map's numbers, at the snapshots' points.
        stride = run.checkpoints.stride
        final = tint(run.grid_prob[::stride, ::stride][::-1], TRAIN_CLASS_TINTS)
        np.testing.assert_array_equal(picture(spec["layout"]["images"][index]["source"]), final)
    spec = json.loads(playback_figure(default_run, frame=4).to_json())
    assert spec["layout"]["sliders"][0]["active"] == 4
    assert spec["layout"]["images"] == spec["frames"][4]["layout"]["images"]
    assert spec["layout"]["shapes"] == spec["frames"][4]["layout"]["shapes"]
    with pytest.raises(ValueError, match="frame must be 0 to 29"):
        playback_figure(default_run, frame=30)


def test_play_runs_once_from_the_shown_frame_and_the_slider_jumps(default_run):
    layout = json.loads(playback_figure(default_run).to_json())["layout"]
    play, pause = layout["updatemenus"][0]["buttons"]
    assert play["method"] == "animate" and play["args"][0] is None  # every frame, in order
    assert play["args"][1]["fromcurrent"] is True
    assert play["args"][1]["frame"] == {"duration": PLAY_FRAME_MS, "redraw": False}
    assert pause["args"][0] == [None] and pause["args"][1]["mode"] == "immediate"
    slider = layout["sliders"][0]
    assert [s["args"][0] for s in slider["steps"]] == [[str(k)] for k in range(30)]
    assert [s["label"] for s in slider["steps"]] == [str(s) for s in checkpoint_steps(500)]
    assert slider["currentvalue"]["prefix"] == "Step " and slider["currentvalue"]["visible"]
    # Labelled axes, the loss on a log axis, the maps to scale.
    assert layout["yaxis"]["type"] == "log" and layout["xaxis"]["title"]["text"]
    assert layout["yaxis2"]["tickformat"] == ".0%"
    # The accuracy panel's title names it: an axis title there ran into the loss panel on
    # a phone.
    assert not layout["yaxis2"].get("title", {}).get("text")
    # The step axes (the curves, the gradient maps) leave room for the markers at the
    # first and the last step: on a phone half of each was cut at the plot's edge.
    for axis in ("xaxis", "xaxis2", "xaxis4", "xaxis10"):
        low, high = layout[axis]["range"]
        assert low < 0 and high > 500 and high - 500 == pytest.approx(-low), axis
    assert [a["text"] for a in layout["annotations"][:2]] == ["Loss (log scale)", "Accuracy"]
    assert layout["yaxis3"]["scaleanchor"] == "x3"
    # Over a map picture a zero line would pass for its 50% line.
    assert layout["xaxis3"]["zeroline"] is False and layout["yaxis3"]["zeroline"] is False
    assert layout["xaxis9"]["title"]["text"] == "x₁"  # the last row: the fourth network
    assert layout["xaxis10"]["title"]["text"] == "Training step"
    assert layout["yaxis9"]["title"]["text"] == "x₂"
    assert layout["yaxis10"]["title"]["text"] == "Layer"


def test_a_diverged_network_keeps_its_last_map_and_says_so():
    specs = {
        "plain_relu": ex.variant_spec("plain_relu", 10, 32, n_in=2),
        "plain_sigmoid": ex.variant_spec("plain_sigmoid", 2, 4, n_in=2),
    }
    result = ex.train_variants(specs, "moons", steps=200, lr=100.0, batch=32, grid_size=20)
    wild = result.runs["plain_relu"]
    assert wild.diverged_at is not None
    spec = json.loads(playback_figure(result).to_json())
    titles = [a["text"] for a in spec["layout"]["annotations"]]
    assert f"diverged at step {wild.diverged_at}" in titles[2]
    last = spec["frames"][-1]["layout"]
    kept = picture(last["images"][0]["source"])
    np.testing.assert_array_equal(
        kept, tint(wild.checkpoints.grid_prob[-1][::-1], TRAIN_CLASS_TINTS)
    )
    loss_marker = last["shapes"][4 + 4 + 2]  # after 4 curtains, 4 step lines, 2 boundaries
    assert loss_marker["xanchor"] == wild.checkpoints.steps[-1] < wild.diverged_at


def test_the_default_figure_is_under_3_mb(default_run):
    size = len(playback_figure(default_run).to_json())
    print(f"playback figure, default settings: {size / MB:.2f} MB")
    assert size < DEFAULT_LIMIT


def _largest(run: ex.VariantRun, layers: int, records: int, gaps: bool, side: int) -> ex.VariantRun:
    """A run as large as the page admits: 100 hidden layers (the page's most), ~100
    records (core's default), 30 snapshots of the final map's whole grid (61 x 61; the
    training's snapshots are at most 31 a side: this is four times their area), of random
    noise (the worst case for the pictures' compression and for the 50% lines); with
    gaps, NaN in every map."""
    steps = np.linspace(0, 5000, records).round().astype(int)
    rng = np.random.default_rng(0)
    history = pd.DataFrame(
        {"step": steps, "loss": rng.uniform(0.1, 1, records), "accuracy": rng.random(records)}
    )
    grad = pd.DataFrame(
        {
            "step": np.repeat(steps, layers),
            "layer": np.tile(np.arange(1, layers + 1), records),
            "distance": np.tile(np.arange(layers, 0, -1), records),
            "log10_grad_norm": rng.normal(-3, 1, records * layers),
        }
    )
    snap_steps = checkpoint_steps(5000)
    grids = rng.random((len(snap_steps), side, side)).astype(np.float32)
    if gaps:
        grids[:, ::7, ::7] = np.nan
    snaps = Checkpoints(snap_steps, (0.5,) * 30, (0.5,) * 30, grids, 1)
    return dataclasses.replace(
        run, history=history, grad_norms=grad, grid_prob=grids[-1], checkpoints=snaps
    )


@pytest.mark.parametrize("gaps", [False, True])
def test_the_largest_admitted_figure_is_under_8_mb(default_run, gaps):
    side = len(default_run.grid_x)
    runs = {n: _largest(r, 101, 102, gaps, side) for n, r in default_run.runs.items()}
    largest = dataclasses.replace(default_run, runs=runs)
    size = len(playback_figure(largest).to_json())
    print(f"playback figure, largest admitted settings (gaps={gaps}): {size / MB:.2f} MB")
    assert size < LARGEST_LIMIT


def values(array: list | dict) -> list:
    """A trace's numbers, whether listed or encoded by plotly (dtype and base64 bytes)."""
    if isinstance(array, dict):
        return np.frombuffer(base64.b64decode(array["bdata"]), dtype=array["dtype"]).tolist()
    return list(array)


def test_every_frames_markers_lie_on_their_networks_curves(default_run):
    # The curves carry the snapshots' own steps: a marker is a point of its line, not a
    # point between two recorded steps (a student saw markers float off noisy curves).
    spec = json.loads(playback_figure(default_run).to_json())
    color = {_train_color(v): v for v in default_run.runs}
    lines = {}
    for trace in spec["data"]:
        if trace.get("mode") == "lines" and trace.get("legendgroup") in default_run.runs:
            points = dict(zip(values(trace["x"]), values(trace["y"]), strict=True))
            lines[(trace["legendgroup"], trace.get("xaxis", "x"))] = points
    assert len(lines) == 2 * len(default_run.runs)
    checked = 0
    for frame in spec["frames"]:
        for shape in frame["layout"]["shapes"]:
            if shape.get("xsizemode") != "pixel" or shape.get("visible") is False:
                continue
            line = lines[(color[shape["fillcolor"]], shape["xref"])]
            assert line[shape["xanchor"]] == pytest.approx(shape["yanchor"], rel=1e-12)
            checked += 1
    assert checked == len(spec["frames"]) * 2 * len(default_run.runs)
