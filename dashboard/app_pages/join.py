"""Join a class: type the code the teacher shows, or open the student link (?class=CODE).

URL keys: class (a class code; case, spaces and the dash do not matter) and voter (this
tab's voter token, added once it joined). A code from a link joins at once; a code that
is not one, or names no running class, gets a message that never repeats it. Once
joined, the class's question appears at the top of every page and the address keeps the
class and the token, so a reload rejoins as the same voter (dashboard/class_student.py).
"""

from __future__ import annotations

import streamlit as st

from dashboard import class_db, class_keys, class_student, ui
from dashboard.class_model import StoreDown

CODE_HELP = (
    f"{class_keys.CODE_RULE} Case, spaces and the dash do not matter. No name or account: "
    "your answers are counted anonymously."
)


def try_join(text: str, voter: str | None = None) -> None:
    """Join (app.py then draws the class panel above this page, after it ran)."""
    try:
        problem = class_student.join(text, voter)
    except StoreDown as e:
        class_db.down_note(e)
        return
    if problem:
        class_student.forget_address()  # else the panel would try the link again
        st.warning(problem, icon=":material/block:")


ui.page_header(
    "Join a class",
    "Your teacher or study group runs a class: type its code to answer its questions "
    "live, anonymously. The question then appears at the top of every page.",
)
linked = st.query_params.get(class_student.CLASS_PARAM)
if linked is not None and class_student.joined() != class_keys.normalize_code(linked):
    # The student link, or a reloaded tab (its voter token too): join at once.
    try_join(linked, st.query_params.get(class_student.VOTER_PARAM))

with st.form("class_join", border=True, enter_to_submit=True):
    code = st.text_input("Class code", max_chars=12, help=CODE_HELP, placeholder="KQ7-M4P")
    if st.form_submit_button("Join", type="primary", icon=":material/login:"):
        try_join(code)

current = class_student.joined()
if current:
    st.success(
        f"You are in class **{class_keys.shown_code(current)}**. Its question is at the top "
        "of every page: keep exploring while you wait.",
        icon=":material/groups:",
    )
    st.caption(
        "This tab's address keeps your place in the class: a reload brings you back as the "
        "same (anonymous) voter. To bring a classmate, give them the code, not your address."
    )
else:
    st.caption("You are not in a class. Teachers start one on the “Teach a class” page.")
