"""The lesson page in AppTest: every stop opens from its link (number or id), predictions
get their feedback before the reveal, hostile ?stop= values land on a stop with a
message, Back and Next move, answers survive a detour, and the recap shows core's numbers.

Expected texts come from the content module filled with core's numbers (Facts()), never
from literals.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Widget
from streamlit.testing.v1.util import patch_config_options

from core import lesson as core_lesson
from core import theory
from dashboard.content.lesson import LAST_STOP, STOPS, asked, stop, stop_number
from dashboard.content.lesson_facts import Facts
from dashboard.content.lesson_model import fill
from dashboard.content.lesson_recap import TAKEAWAYS
from dashboard.navigation import page
from dashboard.plots.format import fmt, fmt_factor, fmt_power
from tests.share import ui_share_link

APP = str(Path(__file__).resolve().parents[1] / "dashboard" / "app.py")
TIMEOUT = 60
FACTS = Facts()


def open_page(file: str, query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    with patch_config_options({"client.showErrorDetails": "full"}):
        at.run()
        at.switch_page(f"app_pages/{file}")
        at.query_params = dict(query or {})
        return at.run()


def open_lesson(query: dict[str, str] | None = None) -> AppTest:
    return open_page("lesson.py", query)


def shown_stop(at: AppTest) -> int:
    """The stop the page shows, read from its heading "N. title"."""
    return int(at.header[0].value.split(".", 1)[0])


def texts(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown)


def reveal_of(stop_id: str) -> str:
    s = stop(stop_id)
    return fill(s.reveal, s.numbers(FACTS))


@pytest.mark.parametrize("s", STOPS, ids=lambda s: s.id)
def test_every_stop_opens_from_its_number_and_from_its_id(s):
    n = stop_number(s.id)
    for value in (str(n), s.id):
        at = open_lesson({"stop": value})
        assert not at.exception, (value, at.exception)
        assert shown_stop(at) == n and at.header[0].value == f"{n}. {s.title}"
        assert at.caption[0].value == f"In the article: {s.section}"
        assert f"Stop {n} of {LAST_STOP}" in at.get("progress")[0].proto.text
        assert at.slider(key="stop").value == n
        assert not at.warning, [w.value for w in at.warning]
        assert ui_share_link(at) == ("" if n == 1 else f"?stop={n}")


@pytest.mark.parametrize("s", [s for s in STOPS if len(s.questions) == 1], ids=lambda s: s.id)
def test_predictions_get_named_feedback_and_the_answer_comes_after(s):
    (q,) = asked(s, FACTS)
    n = stop_number(s.id)
    at = open_lesson({"stop": str(n)})
    radio = at.radio(key=f"lesson_{q.id}")
    assert radio.value is None and not at.error and not at.success
    if s.reveal:
        assert reveal_of(s.id) not in texts(at), "the answer shows before the prediction"
    for choice, feedback in q.wrong.items():
        at.radio(key=f"lesson_{q.id}").set_value(choice).run()
        assert [e.value for e in at.error] == [
            f"Not quite. {feedback}\n\n**The answer:** {q.text_of(q.correct)}"
        ], choice
        assert not at.success
    at.radio(key=f"lesson_{q.id}").set_value(q.correct).run()
    assert [e.value for e in at.success] == [q.right] and not at.error
    if s.reveal:
        assert reveal_of(s.id) in texts(at)
    assert not at.exception


def test_show_me_the_answer_reveals_without_a_guess():
    s = stop("key_observation")
    (q,) = asked(s, FACTS)
    at = open_lesson({"stop": str(stop_number(s.id))})
    at.button(key=f"show_{q.id}").click().run()
    assert at.radio(key=f"lesson_{q.id}").value is None
    # Nothing was guessed, so the explanation comes without its "Right:".
    explanation = re.sub(r"^Right[:.!,]?\s*", "", q.right)
    explanation = explanation[:1].upper() + explanation[1:]
    assert at.info[0].value == f"The answer: {q.text_of(q.correct)}. {explanation}"
    assert "Right" not in at.info[0].value
    assert reveal_of(s.id) in texts(at)


@pytest.mark.parametrize(
    ("raw", "lands", "says"),
    [
        ("0", 1, "asks for stop 0"),
        ("-5", 1, "asks for stop -5"),
        ("99", LAST_STOP, "asks for stop 99"),
        ("2.5", 2, "asks for stop 2.5"),
        ("1e308", LAST_STOP, "asks for stop 1 × 10³⁰⁸"),
        ("nan", 1, "neither a stop number"),
        ("", 1, "neither a stop number"),
        ("<img src=x onerror=alert(1)>", 1, "neither a stop number"),
    ],
)
def test_hostile_stop_values_land_on_a_stop_with_a_message(raw, lands, says):
    at = open_lesson({"stop": raw})
    assert not at.exception
    assert shown_stop(at) == lands and at.slider(key="stop").value == lands
    notes = [w.value for w in at.warning]
    assert len(notes) == 1 and says in notes[0]
    assert "onerror" not in notes[0]
    assert ui_share_link(at) == ("" if lands == 1 else f"?stop={lands}")


def test_back_and_next_walk_the_stops():
    at = open_lesson()
    assert at.button(key="lesson_back").disabled
    at.button(key="lesson_next").click().run()
    assert shown_stop(at) == 2 and at.slider(key="stop").value == 2
    at.button(key="lesson_back").click().run()
    assert shown_stop(at) == 1
    at = open_lesson({"stop": str(LAST_STOP)})
    assert at.button(key="lesson_next").disabled and not at.button(key="lesson_back").disabled


def test_an_answer_survives_a_visit_to_the_next_stop():
    (q,) = asked(stop("factory"), FACTS)
    wrong = next(iter(q.wrong))
    at = open_lesson()
    at.radio(key=f"lesson_{q.id}").set_value(wrong).run()
    at.button(key="lesson_next").click().run()
    at.button(key="lesson_back").click().run()
    assert at.radio(key=f"lesson_{q.id}").value == wrong
    assert len(at.error) == 1 and at.error[0].value.startswith(f"Not quite. {q.wrong[wrong]}")


def test_the_recap_shows_core_s_numbers_and_the_self_check_answers_each_question():
    at = open_lesson({"stop": str(LAST_STOP)})
    assert not at.exception
    c, d = core_lesson.course_numbers(), core_lesson.deep_updates()
    recap = [m.value for m in at.markdown if m.value[:2] in {f"{i}." for i in range(1, 6)}]
    assert len(recap) == len(TAKEAWAYS) == 5
    expected = (
        (fmt(c.step.E), fmt(c.error_after_one)),
        (
            str(len(c.chain_w11.factors)),
            fmt(c.chain_w11.product),
            fmt(c.chain_w11.finite_difference),
        ),
        (fmt(c.step.delta1), fmt(c.step.delta2), fmt(c.step.v1), fmt(c.step.v2)),
        (str(d.setup.depth), fmt_power(d.first_log10)),
        (
            fmt_factor(theory.per_layer_factor("sigmoid", 1.0)),
            fmt_factor(theory.per_layer_factor("relu", 2.0)),
        ),
    )
    for line, numbers in zip(recap, expected, strict=True):
        evidence = line.split("\n", 1)[1]
        for number in numbers:
            assert number in evidence, (number, evidence)
    checks = asked(stop("takeaways"), FACTS)
    assert len(checks) == 5
    for q in checks:
        assert not any("right.**" in m.value for m in at.markdown), "a score before the end"
        wrong = next(iter(q.wrong))
        at.radio(key=f"lesson_{q.id}").set_value(wrong).run()
        assert any(e.value.startswith(f"Not quite. {q.wrong[wrong]}") for e in at.error)
        at.radio(key=f"lesson_{q.id}").set_value(q.correct).run()
        assert q.right in [e.value for e in at.success]
    assert "**5 of 5 right.**" in texts(at)
    assert not at.exception


@pytest.mark.parametrize("s", [s for s in STOPS if s.link], ids=lambda s: s.id)
def test_each_stop_s_link_opens_its_view_as_asked(s):
    """Every parameter of the link is a control of the target page, none is refused, and
    the view's share link holds nothing the lesson did not ask for."""
    link = s.link
    at = open_page(page(link.page).file, dict(link.params))
    assert not at.exception, at.exception
    assert not at.warning, [w.value for w in at.warning]
    keys = {n.key for n in (*at.main, *at.sidebar) if isinstance(n, Widget) and n.key}
    assert set(link.params) <= keys, set(link.params) - keys
    shared = urlsplit(ui_share_link(at)).query
    assert set(parse_qsl(shared)) <= set(link.params.items()), shared
