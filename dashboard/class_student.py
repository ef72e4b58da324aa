"""A student's side of class mode: joining with a code, and the class panel that app.py
draws above every page once this browser session has joined.

The panel refreshes itself every REFRESH_SECONDS (st.fragment(run_every=...): only the
panel reruns, not the page under it) and shows the class's question; the answer is
sent as soon as a choice is picked, and changing it replaces it. "Your answer is in"
appears only after the database committed the vote. After the reveal it shows the
right answer, why, and a link to the view that shows it.

A session is one voter: a random id made when it joins (nothing else is stored). Votes
are rate-limited per session (RATE_VOTES per RATE_SECONDS), and so are code lookups.
"""

from __future__ import annotations

import secrets
import time

import streamlit as st

from dashboard import class_db, class_keys, class_store, ui
from dashboard.class_model import ClassState, Question, Refusal, StoreDown
from dashboard.class_questions import answer_link

REFRESH_SECONDS = 4
RATE_VOTES, RATE_SECONDS = 6, 30.0
RATE_LOOKUPS, LOOKUP_SECONDS = 10, 60.0
_CLASS = "_class_code"  # the class this session joined
_VOTER = "_class_voter"  # this session's random voter id
_SENT = "_class_sent"  # times of recent votes / lookups, for the rate limits
_LOOKED = "_class_looked"
_ACK = "_class_ack"  # (code, qid, round) -> the choice the database confirmed
_PROBLEM = "_class_problem"  # a message about the last vote, shown once


def joined() -> str | None:
    """The code of the class this session joined, or None."""
    return st.session_state.get(_CLASS)


def _allowed(key: str, most: int, seconds: float) -> bool:
    """Within the rate limit (most events per seconds in this session)? Counts this one."""
    now = time.monotonic()
    recent = [t for t in st.session_state.get(key, []) if now - t < seconds]
    if len(recent) >= most:
        st.session_state[key] = recent
        return False
    st.session_state[key] = [*recent, now]
    return True


def join(text: str) -> str | None:
    """Join the class whose code text is; None on success, else why not (a message that
    never repeats the text: it may come from a link). StoreDown if the database fails."""
    code = class_keys.normalize_code(text)
    if code is None:
        return "A class code has six letters and digits, like KQ7-M4P."
    if not _allowed(_LOOKED, RATE_LOOKUPS, LOOKUP_SECONDS):
        return "Too many codes tried in a minute; wait a moment and try again."
    if class_store.class_state(class_db.engine(), code, time.time()) is None:
        return "No class with this code is running (a class ends after a week)."
    st.session_state[_CLASS] = code
    st.session_state.setdefault(_VOTER, secrets.token_hex(16))
    return None


def leave() -> None:
    st.session_state.pop(_CLASS, None)


def _send(code: str, question: Question, round_no: int, widget: str) -> None:
    """on_change of the choices: send the vote; acknowledge only what was committed."""
    choice = st.session_state.get(widget)
    st.session_state.pop(_PROBLEM, None)
    if choice is None:
        return
    if not _allowed(_SENT, RATE_VOTES, RATE_SECONDS):
        st.session_state[_PROBLEM] = (
            "Not sent: you changed your answer many times in a few seconds. Wait a moment, "
            "then pick again."
        )
        return
    try:
        voter = st.session_state[_VOTER]
        class_store.vote(
            class_db.engine(), code, question.qid, round_no, voter, choice, time.time()
        )
    except (Refusal, StoreDown) as e:
        st.session_state[_PROBLEM] = f"Not sent: {e}" if isinstance(e, Refusal) else class_db.DOWN
        return
    st.session_state.setdefault(_ACK, {})[(code, question.qid, round_no)] = choice


def banner() -> None:
    """The class panel, if this session joined a class (app.py calls it on every page)."""
    if joined():
        _panel()


@st.fragment(run_every=REFRESH_SECONDS)
def _panel() -> None:
    code = joined()
    if code is None:  # left in another part of the page since
        return
    with st.container(border=True, key="class_panel"):
        head = st.container(horizontal=True, vertical_alignment="center")
        head.markdown(f"**:material/groups: Class {class_keys.shown_code(code)}**")
        head.button("Leave", key="class_leave", on_click=leave, type="tertiary")
        try:
            state = class_store.class_state(class_db.engine(), code, time.time())
        except StoreDown as e:
            class_db.down_note(e)
            return
        if state is None:
            st.info("This class has ended.", icon=":material/event_busy:")
        elif state.question is None:
            st.caption("Waiting for the teacher's next question…")
        else:
            _question(state)


def _question(state: ClassState) -> None:
    q, round_no = state.question, state.round_no
    assert q is not None
    ack = st.session_state.get(_ACK, {}).get((state.code, q.qid, round_no))
    texts = dict(q.choices)
    label = f"**Question {q.qid}**" + (" · **vote again**" if round_no == 2 else "")
    st.markdown(f"{label}: {ui.plain(q.text)}")
    widget = f"class_vote_{state.code}_{q.qid}_{round_no}"
    ids = [c for c, _ in q.choices]
    st.radio(
        "Your answer",
        ids,
        index=ids.index(ack) if ack in ids and widget not in st.session_state else None,
        format_func=lambda c: ui.plain(texts[c]),
        key=widget,
        on_change=_send,
        args=(state.code, q, round_no, widget),
        disabled=state.revealed,
        help="Pick one; you can change it until the teacher reveals the answer.",
    )
    if problem := st.session_state.pop(_PROBLEM, None):
        st.error(problem, icon=":material/error:")
    if ack is not None:
        st.caption(f":material/check: Your answer is in: {ui.plain(texts[ack])}")
    if state.revealed:
        _reveal(q, ack)


def _reveal(q: Question, ack: str | None) -> None:
    if q.correct is None:
        st.info("The teacher revealed the votes: this question had no single right answer.")
        return
    right = f"**{ui.plain(q.choice_text(q.correct))}**"
    verdict = {q.correct: f"You got it: {right}.", None: f"The answer: {right}."}
    said = verdict.get(ack, f"Not quite: the answer is {right}.")
    st.success(f"{said} {ui.plain(q.explain)}", icon=":material/lightbulb:")
    link = answer_link(q.lesson_id)
    if link is not None:
        st.page_link(
            f"app_pages/{link.page}",
            label=link.label,
            query_params=link.params,
            icon=":material/open_in_new:",
        )
