"""The training lab's playback in AppTest: the figure with its frames, ?frame= in links."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest
from streamlit.testing.v1 import AppTest

from core.checkpoints import checkpoint_steps
from dashboard.training_playback import chosen_frame
from tests.share import APPTEST_TIMEOUT, open_app_page, ui_share_link

SMALL = {"depth": "3", "width": "6", "steps": "60", "n": "60", "batch": "12"}
FRAMES = len(checkpoint_steps(60))  # 30


def open_page(query: dict | None = None) -> AppTest:
    return open_app_page("training_lab.py", query, APPTEST_TIMEOUT)


def playback_spec(at: AppTest) -> dict:
    [chart] = [c for c in at.get("plotly_chart") if "playback" in c.proto.id]
    return json.loads(chart.proto.spec)


def warnings(at: AppTest) -> str:
    return " ".join(w.value for w in at.warning)


def test_the_page_plays_back_the_run_it_trained():
    at = open_page(SMALL)
    assert not at.exception and not at.warning
    spec = playback_spec(at)
    assert len(spec["frames"]) == FRAMES == 30
    assert spec["layout"]["sliders"][0]["active"] == 0  # opens at step 0: watch, then see
    slider = spec["layout"]["sliders"][0]
    assert slider["currentvalue"]["suffix"] == " of 60" and slider["steps"][-1]["label"] == "60"
    query = parse_qs(urlsplit(ui_share_link(at)).query)
    assert "frame" not in query  # the default: left out of the link
    texts = " ".join(m.value for m in at.main.markdown)
    assert "Watch it learn" in " ".join(h.value for h in at.subheader)
    assert "▶ Play" in texts and "arrow keys" in texts


def test_a_link_with_a_frame_opens_there_and_the_share_link_keeps_it():
    at = open_page({**SMALL, "frame": "5"})
    assert not at.exception and not at.warning, warnings(at)
    spec = playback_spec(at)
    assert spec["layout"]["sliders"][0]["active"] == 4
    assert spec["layout"]["shapes"][0]["x0"] == checkpoint_steps(60)[4]  # the step line
    assert parse_qs(urlsplit(ui_share_link(at)).query)["frame"] == ["5"]


@pytest.mark.parametrize(
    ("raw", "active", "said"),
    [
        ("0", 0, "asks for frame 0"),
        ("31", 29, "asks for frame 31"),
        ("2.5", 2, "asks for frame 2.5"),
        ("-7", 0, "asks for frame -7"),
        ("1e308", 29, "from 1 to 30"),
        ("abc", 0, "opens at the start"),
        ("nan", 0, "opens at the start"),
        ("<b>x</b>", 0, "opens at the start"),
    ],
)
def test_a_bad_frame_opens_the_nearest_one_and_says_what_is_allowed(raw, active, said):
    at = open_page({**SMALL, "frame": raw})
    assert not at.exception
    assert playback_spec(at)["layout"]["sliders"][0]["active"] == active
    text = warnings(at)
    assert said in text and "a whole number from 1 to 30" in text, text
    assert "<b>" not in text


def test_chosen_frame_reads_a_link():
    assert chosen_frame(None, 30) == (0, None)  # a run is watched from its start
    assert chosen_frame("30", 30) == (29, None)
    assert chosen_frame("1", 30) == (0, None)
    assert chosen_frame("3 × 10¹", 30)[0] == 29
    frame, message = chosen_frame("inf", 30)
    assert frame == 0 and "whole number from 1 to 30" in message


def test_a_short_run_has_a_frame_per_step():
    at = open_page({**SMALL, "steps": "5", "frame": "3"})
    spec = playback_spec(at)
    assert len(spec["frames"]) == 6 and spec["layout"]["sliders"][0]["active"] == 2
    assert not at.warning, warnings(at)
