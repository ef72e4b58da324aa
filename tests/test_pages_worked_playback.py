"""The worked example's "Watch the updates" in AppTest: shown once every number is."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest

from core.worked_example import train, trajectory
from dashboard.content.worked_example import LAST_STEP, step_of
from dashboard.worked_training import PLAYBACK_KEY, playback_script
from tests.share import APPTEST_TIMEOUT, open_app_page, ui_share_link


def open_page(query: dict) -> object:
    return open_app_page("worked_example.py", query, APPTEST_TIMEOUT)


def playback(at) -> list[dict]:
    return [
        json.loads(c.proto.spec) for c in at.get("plotly_chart") if "updates_playback" in c.proto.id
    ]


def share_query(at) -> dict[str, list[str]]:
    return parse_qs(urlsplit(ui_share_link(at)).query)


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


def test_the_updates_open_at_the_start_or_at_the_links_frame_and_the_share_link_keeps_it():
    query = {"step": str(LAST_STEP), "n": "40"}
    at = open_page(query)
    [spec] = playback(at)
    assert spec["layout"]["sliders"][0]["active"] == 0  # watched from before any update
    assert "frame" not in share_query(at)  # the default is left out of the link
    at = open_page({**query, "frame": "12"})
    [spec] = playback(at)
    assert spec["layout"]["sliders"][0]["active"] == 11 and not at.warning
    assert share_query(at)["frame"] == ["12"]
    html = [h.proto.body for h in at.get("html")]
    scripts = [b for b in html if b.startswith("<script") and PLAYBACK_KEY in b]
    assert scripts == [playback_script(30)]  # the keys, with nothing from the link in them


@pytest.mark.parametrize(("raw", "active"), [("99", 29), ("abc", 0), ("0", 0)])
def test_a_bad_frame_in_the_worked_example_says_what_is_allowed(raw, active):
    at = open_page({"step": str(LAST_STEP), "n": "40", "frame": raw})
    assert not at.exception
    [spec] = playback(at)
    assert spec["layout"]["sliders"][0]["active"] == active
    text = " ".join(w.value for w in at.warning)
    assert "a whole number from 1 to 30" in text, text


def test_a_short_run_plays_every_update():
    at = open_page({"step": str(LAST_STEP), "n": "5", "frame": "4"})
    [spec] = playback(at)
    assert len(spec["frames"]) == 6 and spec["layout"]["sliders"][0]["active"] == 3
    assert not at.warning


def test_the_playbacks_text_says_how_its_frames_are_spaced():
    short = open_page({"step": str(LAST_STEP), "n": "20"})
    text = " ".join(m.value for m in short.main.markdown)
    assert "one frame per update" in text and "closer together" not in text
    long = open_page({"step": str(LAST_STEP), "n": "200"})
    text = " ".join(m.value for m in long.main.markdown)
    assert "30 moments, closer together at the start" in text
