"""The training lab's playback figure: frames from core's snapshots, controls that play
them in the browser, and a payload small enough to send."""

from __future__ import annotations

import base64
import dataclasses
import json

import numpy as np
import pandas as pd
import pytest

from core import experiments as ex
from core.checkpoints import CHECKPOINT_COUNT, Checkpoints, checkpoint_steps
from dashboard.plots.playback import frame_steps, percent_map, playback_figure
from dashboard.plots.playback_parts import PLAY_FRAME_MS

MB = 1_000_000
DEFAULT_LIMIT, LARGEST_LIMIT = 3 * MB, 8 * MB


@pytest.fixture(scope="module")
def default_run() -> ex.TrainingResult:
    """The training lab's default view (its DEFAULTS): four networks, depth 6, width 16."""
    specs = {v: ex.variant_spec(v, 6, 16, n_in=2) for v in ex.VARIANTS}
    return ex.train_variants(specs)


def decoded(array) -> np.ndarray:
    """A plotly JSON array (a list, or base64 typed data) as numpy."""
    if isinstance(array, dict):
        raw = np.frombuffer(base64.b64decode(array["bdata"]), dtype=array["dtype"])
        shape = [int(n) for n in str(array.get("shape", len(raw))).split(",")]
        return raw.reshape(shape)
    return np.array(array, dtype=float)


def test_one_frame_per_snapshot_each_updating_every_networks_map_and_markers(default_run):
    spec = json.loads(playback_figure(default_run).to_json())
    steps = checkpoint_steps(500)
    assert frame_steps(default_run) == steps and len(steps) == CHECKPOINT_COUNT
    frames = spec["frames"]
    assert [f["name"] for f in frames] == [str(k) for k in range(len(steps))]
    dynamic = frames[0]["traces"]
    assert dynamic == list(range(16))  # per network: map, 50% line; then its two markers
    assert [t["type"] for t in spec["data"][:8]] == ["heatmap", "contour"] * 4
    for k, frame in enumerate(frames):
        assert len(frame["data"]) == len(dynamic) and frame["traces"] == dynamic
        assert f"Step {steps[k]} of 500" in frame["layout"]["title"]["text"]
        for index, (name, run) in enumerate(default_run.runs.items()):
            heat = frame["data"][2 * index]
            expected = np.round(run.checkpoints.grid_prob[k] * 100)
            np.testing.assert_array_equal(decoded(heat["z"]), expected, err_msg=name)
            assert decoded(heat["z"]).dtype == np.uint8  # one byte a grid point
            loss, accuracy = frame["data"][8 + 2 * index : 10 + 2 * index]
            assert loss["x"] == [steps[k]] and loss["y"] == [run.checkpoints.loss[k]]
            assert accuracy["y"] == [run.checkpoints.accuracy[k]]
        lines = frame["layout"]["shapes"]
        assert len(lines) == 2 + 4 and all(s["x0"] == steps[k] for s in lines)
    titles = [a["text"] for a in frames[3]["layout"]["annotations"]]
    acc = default_run.runs["plain_relu"].checkpoints.accuracy[3]
    assert f"{acc * 100:.3g}% correct at step {steps[3]}" in titles[4]


def test_the_last_frame_is_the_trained_map_and_the_figure_opens_there(default_run):
    spec = json.loads(playback_figure(default_run).to_json())
    for index, run in enumerate(default_run.runs.values()):
        shown = decoded(spec["data"][2 * index]["z"]).astype(float)
        np.testing.assert_allclose(shown, run.grid_prob * 100, atol=0.5 + 1e-4)
    assert spec["layout"]["sliders"][0]["active"] == CHECKPOINT_COUNT - 1
    spec = json.loads(playback_figure(default_run, frame=4).to_json())
    assert spec["layout"]["sliders"][0]["active"] == 4
    first = default_run.runs["plain_relu"].checkpoints
    np.testing.assert_array_equal(decoded(spec["data"][2]["z"]), np.round(first.grid_prob[4] * 100))
    assert "Step 4 of 500" in spec["layout"]["title"]["text"]
    with pytest.raises(ValueError, match="frame must be 0 to 29"):
        playback_figure(default_run, frame=30)


def test_play_runs_once_from_the_shown_frame_and_the_slider_jumps(default_run):
    layout = json.loads(playback_figure(default_run).to_json())["layout"]
    play, pause = layout["updatemenus"][0]["buttons"]
    assert play["method"] == "animate" and play["args"][0] is None  # every frame, in order
    assert play["args"][1]["fromcurrent"] is True
    assert play["args"][1]["frame"] == {"duration": PLAY_FRAME_MS, "redraw": True}
    assert pause["args"][0] == [None] and pause["args"][1]["mode"] == "immediate"
    slider = layout["sliders"][0]
    assert [s["args"][0] for s in slider["steps"]] == [[str(k)] for k in range(30)]
    assert [s["label"] for s in slider["steps"]] == [str(s) for s in checkpoint_steps(500)]
    # Labelled axes, the loss on a log axis, the maps to scale.
    assert layout["yaxis"]["type"] == "log" and layout["xaxis"]["title"]["text"]
    assert layout["yaxis2"]["tickformat"] == ".0%"
    assert layout["yaxis3"]["scaleanchor"] == "x3"
    assert layout["xaxis9"]["title"]["text"] == "x₁"  # the last row: the fourth network
    assert layout["xaxis10"]["title"]["text"] == "Training step"
    assert (
        layout["yaxis9"]["title"]["text"] == "x₂" and layout["yaxis10"]["title"]["text"] == "Layer"
    )


def test_a_diverged_network_keeps_its_last_map_and_says_so():
    specs = {
        "plain_relu": ex.variant_spec("plain_relu", 10, 32, n_in=2),
        "plain_sigmoid": ex.variant_spec("plain_sigmoid", 2, 4, n_in=2),
    }
    result = ex.train_variants(specs, "moons", steps=200, lr=100.0, batch=32, grid_size=20)
    wild = result.runs["plain_relu"]
    assert wild.diverged_at is not None
    spec = json.loads(playback_figure(result).to_json())
    last = spec["frames"][-1]
    assert f"diverged at step {wild.diverged_at}" in last["layout"]["annotations"][2]["text"]
    kept = decoded(last["data"][0]["z"])
    np.testing.assert_array_equal(kept, np.round(wild.checkpoints.grid_prob[-1] * 100))
    assert last["data"][4]["x"] == [wild.checkpoints.steps[-1]]  # its marker stays put


def test_a_map_with_gaps_keeps_them():
    prob = np.array([[0.2, np.nan], [0.555, 1.0]])
    shown = percent_map(prob)
    assert shown.dtype == np.float32 and np.isnan(shown[0, 1]) and shown[1, 0] == 56
    assert percent_map(np.array([[0.004, 0.996]])).tolist() == [[0, 100]]


def test_the_default_figure_is_under_3_mb(default_run):
    size = len(playback_figure(default_run).to_json())
    print(f"playback figure, default settings: {size / MB:.2f} MB")
    assert size < DEFAULT_LIMIT


def _largest(run: ex.VariantRun, layers: int, records: int, gaps: bool) -> ex.VariantRun:
    """A run as large as the page admits: 100 hidden layers (the page's most), ~100
    records (core's default), 30 snapshots of 60 x 60; with gaps, every map has one
    (then it cannot go as one byte a point)."""
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
    grids = rng.random((len(snap_steps), 60, 60)).astype(np.float32)
    if gaps:
        grids[:, 0, 0] = np.nan
    snaps = Checkpoints(snap_steps, (0.5,) * 30, (0.5,) * 30, grids, 1)
    return dataclasses.replace(
        run, history=history, grad_norms=grad, grid_prob=grids[-1], checkpoints=snaps
    )


@pytest.mark.parametrize("gaps", [False, True])
def test_the_largest_admitted_figure_is_under_8_mb(default_run, gaps):
    runs = {n: _largest(r, 101, 102, gaps) for n, r in default_run.runs.items()}
    largest = dataclasses.replace(default_run, runs=runs)
    size = len(playback_figure(largest).to_json())
    print(f"playback figure, largest admitted settings (gaps={gaps}): {size / MB:.2f} MB")
    assert size < LARGEST_LIMIT
