"""Follow the article: a guided lesson through the article's sections, one stop at a time.

URL key: stop (1 to the last stop, or a stop's id; anything else is clamped to a stop
with a message, see dashboard/lesson_controls.py).
The stops (prose, questions, choices, links) are content keyed by id in
dashboard/content/lesson.py; this page lays one out. Every number comes from core
through one cached function, and only the measurements the stop shows are made.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from dashboard import compute, glossary, ui
from dashboard.content.lesson import LAST_STOP, MINUTES, STOP_IDS, asked, stop_at
from dashboard.content.lesson_facts import MEASUREMENTS, Facts
from dashboard.content.lesson_model import AskedQuestion, Link, Picture, Stop, fill
from dashboard.lesson_controls import LessonControls
from dashboard.navigation import page

_ANSWERS = "_lesson_answers"  # question id -> the choice picked (survives leaving the stop)
_SHOWN = "_lesson_shown"  # question ids whose answer was asked for without a guess
STOP_HELP = (
    "Where you are in the lesson. The address bar holds the stop's number, so a link "
    "reopens this stop for anyone you send it to."
)


@compute.cached(max_entries=len(MEASUREMENTS))
def measured(name: str) -> Any:
    """The one core call: a named measurement of the lesson (its settings are fixed)."""
    fn, args = MEASUREMENTS[name]
    return compute.run(fn, *args)


# --- what the buttons do --------------------------------------------------------------
def _go(number: int) -> None:
    ui.set_values({"stop": number})


def _remember(question_id: str, key: str) -> None:
    """Keep a picked answer beyond this stop (the radio forgets it once it is not drawn)."""
    st.session_state.setdefault(_ANSWERS, {})[question_id] = st.session_state[key]


def _show_answer(question_id: str) -> None:
    st.session_state.setdefault(_SHOWN, set()).add(question_id)


# --- the page's parts -------------------------------------------------------------------
def show_picture(picture: Picture, key: str) -> None:
    st.plotly_chart(picture.figure, width="stretch", config={"displayModeBar": False}, key=key)
    st.caption(picture.summary)


def show_link(text: str, link: Link) -> None:
    """The one thing to do: a sentence and the link that opens the right view."""
    info = page(link.page)
    with st.container(border=True):
        st.markdown(f"**Try it.** {text}" if text else "**Try it.**")
        st.page_link(
            info.link_target, label=link.label, icon=info.icon, query_params=dict(link.params)
        )


def show_question(q: AskedQuestion, prefix: str) -> bool | None:
    """The question, its choices and, once answered, its feedback. Returns whether the
    pick was right, False once the student asked to see the answer, None while open."""
    answers = st.session_state.get(_ANSWERS, {})
    ids = [choice_id for choice_id, _ in q.choices]
    texts = dict(q.choices)
    key = f"lesson_{q.id}"
    before = answers.get(q.id) if key not in st.session_state else None
    choice = st.radio(
        prefix + q.text,
        ids,
        index=ids.index(before) if before in ids else None,
        format_func=texts.__getitem__,
        key=key,
        on_change=_remember,
        args=(q.id, key),
    )
    if choice is not None:
        right, feedback = q.verdict(choice)
        if right:
            st.success(feedback, icon=":material/check_circle:")
        else:
            st.error(
                f"Not quite. {feedback}\n\n**The answer:** {texts[q.correct]}",
                icon=":material/lightbulb:",
            )
        return right
    if q.id in st.session_state.get(_SHOWN, set()):
        st.info(
            f"The answer: {texts[q.correct]}. {q.explanation}",
            icon=":material/visibility:",
        )
        return False
    st.button(
        "Show me the answer without guessing",
        key=f"show_{q.id}",
        on_click=_show_answer,
        args=(q.id,),
        icon=":material/visibility:",
    )
    return None


def show_stop(s: Stop, facts: Facts) -> None:
    """One stop: the article's part, the prediction, then the reveal."""
    numbers = s.numbers(facts)
    st.markdown(fill(s.intro, numbers))
    if s.picture is not None and s.picture_first:
        show_picture(s.picture(facts), f"picture_{s.id}")
    if s.do_first and s.do:
        st.markdown(f"**Try it.** {fill(s.do, numbers)}")
    if s.recap:
        st.subheader("The five takeaways, with your numbers")
        for n, t in enumerate(s.recap, start=1):
            st.markdown(f"{n}. {fill(t.text, numbers)}  \n   *{fill(t.evidence, numbers)}*")
        st.subheader("Check yourself")
    questions = asked(s, facts)
    prefix = "**Predict first.** " if len(questions) == 1 else ""
    results = [show_question(q, prefix) for q in questions]
    if all(r is not None for r in results):
        if len(results) > 1:
            st.markdown(f"**{sum(results)} of {len(results)} right.**")
        show_reveal(s, facts, numbers)
    if s.terms:
        glossary.explain(*s.terms)


def show_reveal(s: Stop, facts: Facts, numbers: dict[str, str]) -> None:
    if s.reveal:
        st.markdown(fill(s.reveal, numbers))
    if s.formulas is not None:
        for formula in s.formulas(facts):
            st.latex(formula)
    if s.picture is not None and not s.picture_first:
        show_picture(s.picture(facts), f"picture_{s.id}")
    if s.rounding:
        st.info(fill(s.rounding, numbers), icon=":material/straighten:")
    if s.link is not None:  # after the reveal: the linked view shows the answer too
        show_link("" if s.do_first else fill(s.do, numbers), s.link)


def navigation(number: int) -> None:
    """Back and Next."""
    with st.container(horizontal=True, gap="small"):
        st.button(
            "Back",
            key="lesson_back",
            on_click=_go,
            args=(max(number - 1, 1),),
            disabled=number == 1,
            icon=":material/chevron_left:",
        )
        st.button(
            "Next",
            key="lesson_next",
            on_click=_go,
            args=(min(number + 1, LAST_STOP),),
            disabled=number == LAST_STOP,
            icon=":material/chevron_right:",
            type="primary",
        )


# --- page: controls ---------------------------------------------------------------------
ui.page_header(
    "Follow the article",
    f"A guided path through “How Neural Networks Learn from Mistakes”, section by section, "
    f"in about {MINUTES} minutes. At each stop: read what the article says, predict "
    "before you look, then see the answer computed live.",
)
controls = LessonControls()
progress_box = st.container()
body = st.container()
with st.container(border=True):
    number = controls.stop("Jump to a stop", "stop", STOP_IDS, help=STOP_HELP)
    navigation(number)

# --- the stop, its numbers from core ------------------------------------------------------
s = stop_at(number)
with progress_box:
    st.progress(number / LAST_STOP, text=f"Stop {number} of {LAST_STOP}")
with body:
    st.header(f"{number}. {s.title}")
    st.caption(f"In the article: {s.section}")
    with st.spinner("Computing this stop's numbers…"):
        show_stop(s, Facts(measured))

controls.share_box(promise="the same stop")
