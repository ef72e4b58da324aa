"""Links into the worked example's step-through keep opening the stage they opened.

Students share addresses like /worked-example?step=8, and Home links to two of them, so
the number in `step=` is a promise. This file pins, for each number in use today, the
stage it opens, and checks the page, Home's links and the quiz against it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[1] / "dashboard" / "app.py")
TIMEOUT = 30

# step=N as the page opened it when stages were still addressed by position:
# N -> (stage id, the title the page showed).
OPENED_BY_STEP: dict[int, tuple[str, str]] = {
    0: ("start", "The network and its numbers"),
    1: ("a1", "Forward: hidden neuron 1 adds up its inputs"),
    2: ("h1", "Forward: hidden neuron 1 squashes the sum"),
    3: ("a2", "Forward: hidden neuron 2 adds up its inputs"),
    4: ("h2", "Forward: hidden neuron 2 squashes the sum"),
    5: ("b", "Forward: the output neuron adds up the hidden outputs"),
    6: ("y_hat", "Forward: the prediction"),
    7: ("E", "Forward: how wrong is it?"),
    8: ("delta_out", "Backward: blame at the output"),
    9: ("dv", "Backward: updates for the output weights"),
    10: ("delta1", "Backward: blame for hidden neuron 1"),
    11: ("delta2", "Backward: blame for hidden neuron 2"),
    12: ("dw_into_h1", "Backward: updates for the weights into hidden neuron 1"),
    13: ("dw_into_h2", "Backward: updates for the weights into hidden neuron 2"),
    14: ("new_weights", "All together: add every update"),
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
LAST = max(OPENED_BY_STEP)
STEP_OF = {stage_id: n for n, (stage_id, _) in OPENED_BY_STEP.items()}
TITLE = dict(OPENED_BY_STEP.values())


def open_page(file: str, query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    at.switch_page(f"app_pages/{file}")
    at.query_params = dict(query or {})
    return at.run()


def test_every_step_number_opens_its_pinned_stage():
    for n, (stage_id, title) in OPENED_BY_STEP.items():
        at = open_page("worked_example.py", {"step": str(n)})
        assert not at.exception
        assert at.slider(key="step").value == n
        assert at.subheader[0].value == f"Step {n} of {LAST}. {title}", (n, stage_id)


def test_home_links_open_the_forward_and_the_backward_pass():
    at = open_page("home.py")
    query = {link.proto.label: link.proto.query_string for link in at.get("page_link")}
    assert query["Watch the forward pass"] == f"step={STEP_OF['a1']}"
    assert query["Watch the backward pass"] == f"step={STEP_OF['delta_out']}"


@pytest.mark.parametrize("quantity", QUIZ_STAGE)
def test_a_wrong_quiz_answer_points_to_the_stage_that_computes_it(quantity):
    n = STEP_OF[QUIZ_STAGE[quantity]]
    at = open_page("worked_example.py", {"quiz": quantity})
    at.number_input(key=f"answer_{quantity}").set_value(-12345.0).run()
    assert f"It is computed in step {n}." in at.error[0].value
    [show] = [b for b in at.button if b.label.startswith("Show me step")]
    assert show.label == f"Show me step {n}"
    show.click().run()
    assert at.slider(key="step").value == n
    assert at.subheader[0].value == f"Step {n} of {LAST}. {TITLE[QUIZ_STAGE[quantity]]}"
