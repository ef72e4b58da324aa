"""A student's side of class mode: joining with a code, and the class panel that app.py
draws above every page once this browser session has joined.

The panel refreshes itself every REFRESH_SECONDS (st.fragment(run_every=...): only the
panel reruns, not the page under it) and shows the class's question; the answer is
sent as soon as a choice is picked, and changing it replaces it. "Your answer is in"
appears only after the database committed the vote. After the reveal it shows the
right answer, why, and a link to the view that shows it.

A tab is one voter: a random token made when it joins (dashboard.class_keys; nothing
else is stored). The tab's address keeps the class and the token (?class=CODE&voter=...)
on every page, so a reload, or a phone that dropped the tab, rejoins as the same voter:
its answer is replaced, not counted again, and "Your answer is in" comes back from the
database. Votes are rate-limited per session (RATE_VOTES per RATE_SECONDS), and so are
code lookups.
"""

from __future__ import annotations

import time

import streamlit as st

from dashboard import class_db, class_keys, class_store, ui
from dashboard.class_model import ClassState, Question, Refusal, StoreDown
from dashboard.class_questions import answer_link

REFRESH_SECONDS = 4
RATE_VOTES, RATE_SECONDS = 6, 30.0
RATE_LOOKUPS, LOOKUP_SECONDS = 10, 60.0
_CLASS = "_class_code"  # the class this session joined
_VOTER = "_class_voter"  # this tab's voter token (class_keys.new_voter)
_SENT = "_class_sent"  # times of recent votes / lookups, for the rate limits
_LOOKED = "_class_looked"
_ACK = "_class_ack"  # (code, qid, round) -> the choice the database confirmed
_PROBLEM = "_class_problem"  # a message about the last vote, shown once
CLASS_PARAM = "class"  # with class_keys.VOTER_PARAM: the tab's address while in a class
VOTER_PARAM = class_keys.VOTER_PARAM


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


def join(text: str, voter: object = None) -> str | None:
    """Join the class whose code text is; None on success, else why not (a message that
    never repeats the text: it may come from a link). StoreDown if the database fails.
    voter: the token a reloaded address carried, kept if it is one; else this tab's, or
    a new one."""
    code = class_keys.normalize_code(text)
    if code is None:
        return class_keys.why_not_code(text)
    if not _allowed(_LOOKED, RATE_LOOKUPS, LOOKUP_SECONDS):
        return "Too many codes tried in a minute; wait a moment and try again."
    if class_store.class_state(class_db.engine(), code, time.time()) is None:
        return "No class with this code is running (a class ends after a week)."
    st.session_state[_CLASS] = code
    if _VOTER not in st.session_state:
        shaped = class_keys.is_voter_shaped(voter)
        st.session_state[_VOTER] = voter if shaped else class_keys.new_voter()
    return None


def forget_address() -> None:
    """Take the class and the voter token out of the address (a failed join, Leave)."""
    for param in (CLASS_PARAM, VOTER_PARAM):
        st.query_params.pop(param, None)


def leave() -> None:
    st.session_state.pop(_CLASS, None)
    forget_address()


def _keep_in_address(code: str) -> None:
    """The class and this tab's voter token in the address, on every page: Streamlit
    leaves them out when the page changes, and a reload needs them."""
    voter = st.session_state[_VOTER]
    for param, value in ((CLASS_PARAM, code), (VOTER_PARAM, voter)):
        if st.query_params.get(param) != value:
            st.query_params[param] = value


def _rejoin() -> None:
    """A reloaded tab (a new session) whose address names a class and a voter: join it
    again as that voter. A bare ?class= is a student link (the Join page reads it) or a
    teacher's address, not a seat."""
    raw_code, raw_voter = st.query_params.get(CLASS_PARAM), st.query_params.get(VOTER_PARAM)
    if raw_code is None or raw_voter is None:
        return
    try:
        problem = join(raw_code, raw_voter)
    except StoreDown as e:
        class_db.down_note(e)
        return
    if problem:
        forget_address()
        st.warning(f"Not back in your class: {problem}", icon=":material/block:")


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
    """The class panel, if this session joined a class (app.py calls it on every page,
    after the page); a reloaded tab rejoins here."""
    if not joined():
        _rejoin()
    if code := joined():
        _keep_in_address(code)
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
    ack = _acknowledged(state.code, q.qid, round_no)
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


def _acknowledged(code: str, qid: int, round_no: int) -> str | None:
    """This voter's committed answer in that round: this session's acknowledgement, or
    the database's once (a reloaded tab voted before the reload)."""
    acks = st.session_state.setdefault(_ACK, {})
    if (code, qid, round_no) not in acks:
        try:
            voter = st.session_state[_VOTER]
            acks[(code, qid, round_no)] = class_store.my_vote(
                class_db.engine(), code, qid, round_no, voter
            )
        except StoreDown:
            return None  # asked again on the next refresh
    return acks[(code, qid, round_no)]


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
