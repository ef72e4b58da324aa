"""The worked example's "Watch the updates" in AppTest: shown once every number is."""

from __future__ import annotations

import json

from core.worked_example import train, trajectory
from dashboard.content.worked_example import LAST_STEP, step_of
from tests.share import APPTEST_TIMEOUT, open_app_page


def open_page(query: dict) -> object:
    return open_app_page("worked_example.py", query, APPTEST_TIMEOUT)


def playback(at) -> list[dict]:
    return [
        json.loads(c.proto.spec) for c in at.get("plotly_chart") if "updates_playback" in c.proto.id
    ]


def test_the_updates_play_back_once_the_step_through_has_shown_every_number():
    at = open_page({"step": str(LAST_STEP), "n": "40"})
    assert not at.exception
    [spec] = playback(at)
    rows = trajectory(train(40))
    assert len(spec["frames"]) == 30
    assert spec["frames"][-1]["data"][0]["y"] == [rows[-1, 0]]  # E after 40 updates, from core
    assert any("Watch the updates" in m.value for m in at.main.markdown)


def test_the_playback_waits_while_numbers_are_hidden():
    # E is shown from its step on; the updates are not yet (before it, no section at all).
    at = open_page({"n": "40", "step": str(step_of("delta_out"))})
    assert not at.exception
    assert playback(at) == []
    assert any("Once the step-through above has shown every number" in c.value for c in at.caption)
