"""The teacher's live view of the question on screen: the answers as they come in
(refreshing by itself every LIVE_SECONDS, without reloading the page), the buttons that
move the class on, the shift between the rounds, and the class's results as CSV."""

from __future__ import annotations

import time

import streamlit as st

from dashboard import class_db, class_results, class_store, ui
from dashboard.class_model import ClassState, Question, StoreDown, Tally, WrongKey
from dashboard.class_teacher import Teacher, said, teacher_call
from dashboard.plots.class_votes import votes_figure

LIVE_SECONDS = 3
MOVES_COLUMNS = {
    "from": {"label": "round 1 answer"},
    "to": {"label": "round 2 answer"},
    "students": {"label": "students", "help": "Students who moved from one to the other."},
}


@st.fragment(run_every=LIVE_SECONDS)
def live(teacher: Teacher) -> None:
    """The question on screen, its answers, and what the teacher can do next."""
    code, key = teacher
    said()
    try:
        state = class_store.class_state(class_db.engine(), code, time.time())
        q = state.question if state else None
        tally = class_store.tally(class_db.engine(), code, key, q.qid, time.time()) if q else None
    except (StoreDown, WrongKey) as e:
        if isinstance(e, StoreDown):
            class_db.down_note(e)
        else:
            st.error("This class has ended.", icon=":material/event_busy:")
        return
    if state is None or q is None or tally is None:
        st.info("No question on screen: pick one above.", icon=":material/quiz:")
        return
    _question(state, q, tally)
    _buttons(teacher, state)


def _question(state: ClassState, q: Question, tally: Tally) -> None:
    stage = "answer revealed" if state.revealed else "taking answers"
    st.markdown(f"**Question {q.qid}, round {state.round_no}** ({stage}): {ui.plain(q.text)}")
    n = tally.total(state.round_no)
    st.metric(
        f"Answers in round {state.round_no}", n, help="One per student's tab; a reload keeps it."
    )
    # Every round up to the open one: at the start of round 2 its bars are at zero beside
    # round 1's, which would otherwise stand alone and read as round 2's.
    frame = class_results.vote_frame(q, tally, state.round_no)
    title = f"The class's answers, round {state.round_no}" + (
        " beside round 1" if state.round_no == 2 else ""
    )
    title += " (✓ the right one)" if state.revealed and q.correct else ""
    st.plotly_chart(
        votes_figure(frame, title, show_right=state.revealed),
        width="stretch",
        key="class_votes_chart",
    )
    if tally.total(2):
        shift = class_results.shift_text(q, tally, state.revealed)
        st.markdown(f"**Between the rounds.** {shift}")
        moves = class_results.moves_frame(q, tally)
        if len(moves):
            ui.table(moves, MOVES_COLUMNS)


def _buttons(teacher: Teacher, state: ClassState) -> None:
    with st.container(horizontal=True, gap="small"):
        # Once revealed it is done: no longer the main action, and it says so.
        st.button(
            "Answer revealed" if state.revealed else "Reveal the answer",
            key="class_reveal",
            on_click=teacher_call,
            args=(class_store.reveal, teacher),
            disabled=state.revealed,
            type="secondary" if state.revealed else "primary",
            icon=":material/check:" if state.revealed else ":material/visibility:",
            help="Students see the right answer and a link to the view that shows it.",
        )
        st.button(
            "Vote again",
            key="class_again",
            on_click=teacher_call,
            args=(class_store.vote_again, teacher),
            disabled=state.round_no >= 2,
            icon=":material/replay:",
            help="A second round: let students discuss with a neighbour, then answer again.",
        )
        st.button(
            "Take it off screen",
            key="class_close",
            on_click=teacher_call,
            args=(class_store.close_question, teacher),
            icon=":material/close:",
            help="Students see “waiting for the next question”.",
        )


def results_button(teacher: Teacher) -> None:
    """Every question asked so far, with its votes per round and choice, as CSV."""
    code, key = teacher

    def csv() -> bytes:
        try:
            return class_results.results_csv(
                class_store.results(class_db.engine(), code, key, time.time())
            )
        except (StoreDown, WrongKey):
            return b"error\nthe class database did not answer, or the class has ended\n"

    st.download_button(
        "Download the class's results (CSV)",
        csv,
        file_name=f"class_{code}_results.csv",
        mime="text/csv",
        icon=":material/download:",
        help="Per question, round and choice: the number and share of answers. No names.",
        on_click="ignore",
    )
