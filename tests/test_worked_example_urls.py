"""Links into the worked example's step-through keep opening the stage they opened.

Students share addresses like /worked-example?step=8, and Home links to two of them, so
the number in `step=` is a promise. This file pins, for each number in use today, the
stage it opens, and checks the page, Home's links and the quiz against it.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qsl

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.content.worked_example import (
    CHAIN_RULE_ANCHOR,
    LAST_STEP,
    QUIZ,
    STEPS_ANCHOR,
    stage,
    stage_at,
    step_of,
)
from dashboard.worked_training import PLAYBACK_KEY
from tests.share import APPTEST_TIMEOUT, open_app_page

APP = str(Path(__file__).resolve().parents[1] / "dashboard" / "app.py")
TIMEOUT = APPTEST_TIMEOUT

# step=N as the page opened it when its stages were still addressed by position: N -> the
# id of that stage. (The commit that added this file checked it against that page's titles.)
OPENED_BY_STEP: dict[int, str] = {
    0: "start",
    1: "a1",
    2: "h1",
    3: "a2",
    4: "h2",
    5: "b",
    6: "y_hat",
    7: "E",
    8: "delta_out",
    9: "dv",
    10: "delta1",
    11: "delta2",
    12: "dw_into_h1",
    13: "dw_into_h2",
    14: "new_weights",
}
# The quiz's quantities and the stage whose formulas compute each one.
QUIZ_STAGE = {
    "delta_out": "delta_out",
    "dv1": "dv",
    "dv2": "dv",
    "delta1": "delta1",
    "delta2": "delta2",
    "dw11": "dw_into_h1",
    "dw21": "dw_into_h1",
    "dw12": "dw_into_h2",
    "dw22": "dw_into_h2",
}


def open_page(file: str, query: dict[str, str] | None = None) -> AppTest:
    return open_app_page(file, query, TIMEOUT)


def test_each_step_number_in_use_still_names_its_stage():
    for n, stage_id in OPENED_BY_STEP.items():
        assert step_of(stage_id) == n, (stage_id, n)
        assert stage_at(n).id == stage_id


def test_every_step_number_opens_its_pinned_stage():
    for n, stage_id in OPENED_BY_STEP.items():
        at = open_page("worked_example.py", {"step": str(n)})
        assert not at.exception
        assert at.slider(key="step").value == n
        shown = f"Step {n} of {LAST_STEP}. {stage(stage_id).title}"
        assert at.subheader[0].value == shown, (n, stage_id)


def test_home_links_open_the_forward_and_the_backward_pass():
    at = open_page("home.py")
    query = {link.proto.label: link.proto.query_string for link in at.get("page_link")}
    assert query["Watch the forward pass"] == "step=1" == f"step={step_of('a1')}"
    assert query["Watch the backward pass"] == "step=8" == f"step={step_of('delta_out')}"


def test_the_quiz_names_the_stages_pinned_here():
    assert {q: question.stage for q, question in QUIZ.items()} == QUIZ_STAGE


@pytest.mark.parametrize("quantity", QUIZ_STAGE)
def test_a_wrong_quiz_answer_points_to_the_stage_that_computes_it(quantity):
    n = step_of(QUIZ_STAGE[quantity])
    at = open_page("worked_example.py", {"quiz": quantity})
    at.number_input(key=f"answer_{quantity}").set_value(-12345.0).run()
    assert f"It is computed in step {n}." in at.error[0].value
    [show] = [b for b in at.button if b.label.startswith("Show me step")]
    assert show.label == f"Show me step {n}"
    show.click().run()
    assert at.slider(key="step").value == n
    assert at.subheader[0].value == f"Step {n} of {LAST_STEP}. {stage(QUIZ_STAGE[quantity]).title}"


# --- landing on the section a link or a button names --------------------------------------
STYLESHEET = (Path(APP).parent / "accessibility.css").read_text(encoding="utf-8")


def landing_scripts(at: AppTest) -> list[str]:
    """The page's st.html elements but those drawn on every run: the app's own stylesheet
    and the updates playback's keys (dashboard.playback_link)."""
    return [
        e.proto.body
        for e in at.get("html")
        if STYLESHEET.strip() not in e.proto.body and PLAYBACK_KEY not in e.proto.body
    ]


def test_show_me_step_also_takes_the_student_to_the_step_through():
    at = open_page("worked_example.py", {"quiz": "delta1"})
    assert landing_scripts(at) == []
    at.number_input(key="answer_delta1").set_value(-12345.0).run()
    [show] = [b for b in at.button if b.label.startswith("Show me step")]
    show.click().run()
    [script] = landing_scripts(at)
    assert f'const id = "{STEPS_ANCHOR}";' in script
    assert STEPS_ANCHOR in [h.proto.anchor for h in at.header]
    at.run()
    assert landing_scripts(at) == []  # once: a later rerun leaves the student where they are


def test_take_one_weight_apart_opens_the_last_step_and_lands_on_the_chain_rule():
    home = open_page("home.py")
    [link] = [x for x in home.get("page_link") if x.proto.label == "Take one weight apart"]
    query = dict(parse_qsl(link.proto.query_string))
    assert query == {"weight": "w11", "step": str(LAST_STEP), "section": CHAIN_RULE_ANCHOR}
    at = open_page("worked_example.py", query)
    [script] = landing_scripts(at)
    assert f'const id = "{CHAIN_RULE_ANCHOR}";' in script
    assert CHAIN_RULE_ANCHOR in [h.proto.anchor for h in at.header]
    assert "section" not in at.query_params  # used once: a reload starts at the top
    assert at.metric  # the last step shows every number of the chain rule


@pytest.mark.parametrize("value", ["<script>alert(1)</script>", "nowhere", "", "chain_rule"])
def test_a_section_the_page_does_not_have_is_ignored(value):
    at = open_page("worked_example.py", {"section": value})
    assert not at.exception and landing_scripts(at) == []
