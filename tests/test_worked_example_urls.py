"""Links into the worked example's step-through keep opening the stage they opened.

Students share addresses like /worked-example?step=8, and Home links to two of them, so
the number in `step=` is a promise. This file pins, for each number in use today, the
stage it opens, and checks the page, Home's links and the quiz against it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.content.worked_example import LAST_STEP, QUIZ, stage, stage_at, step_of
from tests.share import APPTEST_TIMEOUT

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
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    at.switch_page(f"app_pages/{file}")
    at.query_params = dict(query or {})
    return at.run()


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
