"""The teacher's side of class mode (the "Teach a class" page lays these out): making a
class, the teacher link and its key, what students need to join, asking a question,
the live answers, and the results.

The key never stays in the address bar: the page reads ?class=...&key=... once, checks
it, keeps the class in this browser session and removes the key from the address, so a
projected screen does not show it; the code stays (it is no secret), so a reload, which
starts a new session without the key, can say which class this was and that the teacher
link opens it again. The key is shown once, when the class is made.
"""

from __future__ import annotations

import io
import time
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

import segno
import streamlit as st

from dashboard import class_db, class_keys, class_store, compute, ui
from dashboard.class_model import Question, Refusal, StoreDown, WrongKey
from dashboard.class_questions import (
    MAX_CHOICE,
    MAX_CHOICES,
    MAX_TEXT,
    MIN_CHOICES,
    lesson_questions,
    own_question,
    stop_label,
    stops_with_questions,
)
from dashboard.content.lesson_facts import MEASUREMENTS

_TEACHER = "_class_teacher"  # (code, key) of the class this session runs
_NEW = "_class_new_link"  # the teacher link of a class made in this session, until hidden
_SAID = "_class_said"  # (kind, message) to show once after a button's callback
_STOPPING = "_class_stopping"  # "Stop teaching here" was pressed once: ask to confirm
CLASS_PARAM, KEY_PARAM = "class", "key"

Teacher = tuple[str, str]  # (code, key)


@compute.cached(max_entries=len(MEASUREMENTS))
def measured(name: str) -> Any:
    """A lesson measurement by name, computed once per server (a worker does it)."""
    fn, args = MEASUREMENTS[name]
    return compute.run(fn, *args)


def page_url(path: str, query: dict[str, str]) -> str:
    """A link to another page of this app, absolute when the browser's address is known."""
    here = urlsplit(st.context.url or "")
    base = here.path.rsplit("/", 1)[0] if here.path else ""
    return urlunsplit((here.scheme, here.netloc, f"{base}/{path}", urlencode(query), ""))


def student_link(code: str) -> str:
    return page_url("join", {"class": code})


def signed_in() -> Teacher | None:
    """The class this session teaches, after reading a teacher link if the address has one
    (StoreDown if the database cannot check it). The address keeps ?class=CODE while this
    session teaches it, never the key."""
    raw_code = st.query_params.get(CLASS_PARAM)
    raw_key = st.query_params.pop(KEY_PARAM, None)
    teaching = st.session_state.get(_TEACHER)
    if raw_key is not None or (raw_code is not None and teaching is None):
        _read_link(raw_code, raw_key)
    teacher = st.session_state.get(_TEACHER)
    if teacher and st.query_params.get(CLASS_PARAM) != teacher[0]:
        st.query_params[CLASS_PARAM] = teacher[0]
    return teacher


def _read_link(raw_code: str | None, raw_key: str | None) -> None:
    """A teacher link (code and key), or an address with the code alone: a reload, which
    starts a new session without the key. A student's address (it has a voter token) is
    the class panel's, not a teacher's."""
    code = class_keys.normalize_code(raw_code)
    if raw_key is None and code is not None:
        if class_keys.VOTER_PARAM not in st.query_params:
            st.info(
                f"This is class **{class_keys.shown_code(code)}**: open your teacher link to "
                "go on teaching it. The app never keeps the key in the address, so a reload "
                "forgets it; a new class below starts afresh.",
                icon=":material/key:",
            )
        return
    try:
        if code is None or raw_key is None:
            raise WrongKey("no code or key")
        class_store.check_key(class_db.engine(), code, raw_key, time.time())
    except WrongKey:
        st.query_params.pop(CLASS_PARAM, None)
        st.error(
            "This teacher link does not open a class: its key is wrong, or the class "
            "has ended (classes end after a week). Make a new class below.",
            icon=":material/key_off:",
        )
    else:
        st.session_state[_TEACHER] = (code, raw_key)


def create() -> None:
    """on_click of "Create a class": a new code (another if it is taken) and key."""
    key = class_keys.new_key()
    try:
        for _ in range(5):
            code = class_keys.new_code()
            if class_store.create_class(
                class_db.engine(), code, class_keys.key_hash(key), time.time()
            ):
                break
        else:
            raise Refusal("No free class code was found; try again.")
    except (StoreDown, Refusal) as e:
        _say("error", class_db.DOWN if isinstance(e, StoreDown) else str(e))
        return
    st.session_state[_TEACHER] = (code, key)
    st.session_state[_NEW] = page_url("teach", {"class": code, "key": key})


def _say(kind: str, message: str) -> None:
    st.session_state[_SAID] = (kind, message)


def said() -> None:
    """Show the message a callback left, once: a success as a toast (it fades; the page
    shows the result anyway), a problem where the teacher looks."""
    if found := st.session_state.pop(_SAID, None):
        kind, message = found
        if kind == "success":
            st.toast(message, icon=":material/check_circle:")
        else:
            getattr(st, kind)(message, icon=":material/info:")


def sign_out() -> None:
    """Forget the class in this tab (and its code in the address)."""
    for key in (_TEACHER, _NEW, _STOPPING):
        st.session_state.pop(key, None)
    st.query_params.pop(CLASS_PARAM, None)


def _stop(code: str) -> None:
    sign_out()
    _say(
        "info",
        f"This tab no longer teaches class {class_keys.shown_code(code)}. The class goes on "
        "(students can still answer the question on screen) until it is a week old; your "
        "teacher link opens it here again.",
    )


def stop_box(code: str) -> None:
    """The "Stop teaching here" button, confirmed by a second click: a tab that forgets
    its class can open it again only with the teacher link."""
    if not st.session_state.get(_STOPPING):
        st.button(
            "Stop teaching here",
            on_click=st.session_state.__setitem__,
            args=(_STOPPING, True),
            icon=":material/logout:",
            help="This tab forgets the class; the teacher link opens it again.",
        )
        return
    with st.container(border=True, key="class_stop_confirm"):
        st.warning(
            f"Stop teaching class {class_keys.shown_code(code)} in this tab? Only your "
            "teacher link opens it again. The class itself goes on.",
            icon=":material/logout:",
        )
        with st.container(horizontal=True, gap="small"):
            st.button("Yes, stop teaching here", on_click=_stop, args=(code,), type="primary")
            st.button("Cancel", on_click=st.session_state.pop, args=(_STOPPING, None))


def new_link_box() -> None:
    """The teacher link of a class just made: shown once, below what students need, with
    the warning to keep it private."""
    link = st.session_state.get(_NEW)
    if not link:
        return
    with st.container(border=True, key="class_teacher_link"):
        st.markdown(
            "**:material/lock: Private: your teacher link.** Save it now, and scroll it off "
            "the projector first."
        )
        st.code(link, language=None, wrap_lines=True)
        st.warning(
            "This is the only time the app shows it: it keeps only a fingerprint of the "
            "key. Anyone with this link can run your class, so do not project it or send "
            "it to students. Without it, this class can be run only from this browser tab.",
            icon=":material/key:",
        )
        st.button("I saved it: hide the link", on_click=st.session_state.pop, args=(_NEW, None))


def students_box(code: str) -> None:
    """What students need: the code, the link and its QR code (for a projector)."""
    link = student_link(code)
    with st.container(border=True, key="class_students"):
        text, qr = st.columns([3, 2])
        text.markdown("**Students join with the code**")
        text.markdown(f"# {class_keys.shown_code(code)}")
        text.markdown(f"or the link [`{link}`]({link}) (the page “Join a class”).")
        text.caption("No names, no accounts: answers are counted per browser, anonymously.")
        picture = io.BytesIO()
        segno.make(link, error="m").save(picture, kind="png", scale=8, border=3)
        qr.image(picture.getvalue(), caption="The student link as a QR code", width=220)


def ask_box(teacher: Teacher) -> None:
    """Pick one of the lesson's predictions, or write a question."""
    with st.container(border=True, key="class_ask"):
        st.markdown("**Ask a question**")
        lesson_tab, own_tab = st.tabs(["From the lesson", "Write your own"])
        with lesson_tab:
            _lesson_picker(teacher)
        with own_tab:
            _own_form(teacher)


def _lesson_picker(teacher: Teacher) -> None:
    stops = {s.id: s for s in stops_with_questions()}
    s = stops[
        st.selectbox(
            "Stop of the lesson",
            list(stops),
            format_func=lambda i: stop_label(stops[i]),
            key="class_stop",
            help="The guided lesson's predictions, with answers computed live by the engine.",
        )
    ]
    with st.spinner("Computing this stop's answers…"):
        asked = {q.lesson_id: q for q in lesson_questions(s, measured)}
    q = next(iter(asked.values()))
    if len(asked) > 1:
        pick = st.radio(
            "Question",
            list(asked),
            format_func=lambda i: ui.plain(asked[i].text),
            key="class_lesson_q",
        )
        q = asked[pick]
    st.markdown(ui.plain(q.text))
    st.markdown("\n".join(f"- {ui.plain(text)}" for _, text in q.choices))
    with st.expander("The right answer (keep it off the projector)"):
        st.markdown(f"{ui.plain(q.choice_text(q.correct or ''))}. {ui.plain(q.explain)}")
    st.button(
        "Ask the class", key="class_ask_lesson", on_click=_ask, args=(teacher, q), type="primary"
    )


def _own_form(teacher: Teacher) -> None:
    # No max_chars on the fields: the browser then cut typing silently mid-word and left a
    # longer paste out altogether. The limits are checked on "Ask the class" instead,
    # with a message that says how long and where, and the text stays to be shortened.
    with st.form("class_own", border=False):
        text = st.text_area(
            f"Question (at most {MAX_TEXT} characters)",
            key="class_own_text",
            help="Line breaks become spaces.",
        )
        choices = st.text_area(
            f"Choices, one per line ({MIN_CHOICES} to {MAX_CHOICES}, each at most "
            f"{MAX_CHOICE} characters)",
            key="class_own_choices",
            help="Blank lines are skipped; choice 1 is the first line with text.",
        )
        right = st.selectbox(
            "Right choice",
            range(MAX_CHOICES + 1),
            key="class_own_right",
            format_func=lambda n: f"choice {n}" if n else "none (a poll)",
            help="Shown to students at the reveal; none for a question of opinion.",
        )
        if st.form_submit_button("Ask the class", type="primary"):
            made = own_question(text, choices, right)
            if isinstance(made, str):
                st.warning(made, icon=":material/edit_note:")
            else:
                _ask(teacher, made)
                said()


def _ask(teacher: Teacher, question: Question) -> None:
    teacher_call(class_store.ask, teacher, question, done="The question is on screen.")


def teacher_call(fn: Any, teacher: Teacher, *args: Any, done: str = "") -> None:
    """One teacher operation; what went wrong (or done) is shown once."""
    code, key = teacher
    try:
        fn(class_db.engine(), code, key, time.time(), *args)
    except WrongKey:
        sign_out()
        _say("error", "This class has ended (classes end after a week): make a new one.")
    except Refusal as e:
        _say("warning", str(e))
    except StoreDown:
        _say("error", class_db.DOWN)
    else:
        if done:
            _say("success", done)
