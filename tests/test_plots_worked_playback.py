"""The worked example's updates played back: frames from core's trajectory, in the browser."""

from __future__ import annotations

import json

import pytest

from core.checkpoints import checkpoint_steps
from core.worked_example import TRAJECTORY_COLUMNS, WEIGHT_NAMES, train, trajectory
from dashboard.plots.format import fmt
from dashboard.plots.network import EDGE_NAMES
from dashboard.plots.worked_playback import updates_playback_figure

E, Y_HAT = TRAJECTORY_COLUMNS.index("E"), TRAJECTORY_COLUMNS.index("y_hat")


@pytest.mark.parametrize("n_steps", [3, 200, 2000])
def test_each_frame_shows_the_weights_prediction_and_error_after_its_updates(n_steps):
    rows = trajectory(train(n_steps))
    spec = json.loads(updates_playback_figure(rows, (0.5, 0.3), 1.0).to_json())
    updates = checkpoint_steps(n_steps, 30)
    assert len(spec["frames"]) == len(updates) == min(n_steps + 1, 30)
    marker = len(spec["data"]) - 1
    for k, frame in enumerate(spec["frames"]):
        n = updates[k]
        assert frame["name"] == str(k) and frame["traces"] == [marker]
        assert frame["data"][0]["x"] == [n] and frame["data"][0]["y"] == [rows[n, E]]
        texts = [a["text"] for a in frame["layout"]["annotations"]]
        for i, weight in enumerate(WEIGHT_NAMES):
            assert texts[i] == f"{EDGE_NAMES[weight]} = {fmt(rows[n, 2 + i])}"
        assert f"ŷ = {fmt(rows[n, Y_HAT])}" in texts
        assert f"target y = 1<br>error E = {fmt(rows[n, E])}" in texts
        assert f"The network after {n} updates" in texts
        assert frame["layout"]["shapes"][0]["x0"] == n
    layout = spec["layout"]
    assert layout["sliders"][0]["active"] == len(updates) - 1  # opens after every update
    assert layout["sliders"][0]["currentvalue"]["prefix"] == "After "
    play = layout["updatemenus"][0]["buttons"][0]
    assert play["args"][1]["frame"]["redraw"] is True  # annotations need the redraw
    assert len(json.dumps(spec)) < 300_000


def test_the_error_falls_over_the_frames_on_the_course_numbers():
    rows = trajectory(train(200))
    spec = json.loads(updates_playback_figure(rows, (0.5, 0.3), 1.0, frame=0).to_json())
    shown = [f["data"][0]["y"][0] for f in spec["frames"]]
    assert shown == sorted(shown, reverse=True) and shown[-1] < shown[0] / 10
    assert spec["layout"]["sliders"][0]["active"] == 0
    assert spec["layout"]["annotations"][-2]["text"] == "The network after 0 updates"
