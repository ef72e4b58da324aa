"""Teach a class: live predict-vote-reveal for a room or a study group.

Make a class (a code students type, a student link and its QR code, a teacher link
with a secret key, shown once), ask the lesson's predictions or your own questions,
watch the answers come in, reveal, let the class vote again, download the results.
URL keys: class and key, read from a teacher link; the key then leaves the address bar
and the class's code stays, so a reload can say which class it was (see
dashboard/class_teacher.py). All state is in the class database
(dashboard/class_db.py), so every replica of the app and every tab sees the same class.
"""

from __future__ import annotations

import streamlit as st

from dashboard import class_db, class_keys, class_live, class_teacher, ui
from dashboard.class_model import StoreDown

ui.page_header(
    "Teach a class",
    "Students predict before they see, then discuss and vote again: they learn more than "
    "by watching. Make a class, show its code, ask a question, and reveal the answer "
    "computed live. No names and no accounts; a class lasts a week.",
)
try:
    teacher = class_teacher.signed_in()
except StoreDown as e:
    class_db.down_note(e)
    teacher = None
class_teacher.said()

if teacher is None:
    with st.container(border=True):
        st.markdown(
            "**Start a class.** You get a code for your students, a link and a QR code to "
            "project, and a teacher link for yourself. Students answer anonymously, from "
            "any page of the app, on their own phones or laptops."
        )
        st.button(
            "Create a class",
            on_click=class_teacher.create,
            type="primary",
            icon=":material/add_circle:",
            help="Anyone can make a class; only the teacher link can run it.",
        )
else:
    code, _ = teacher
    st.subheader(f"Your class {class_keys.shown_code(code)}")
    # The students' box first: a projecting teacher shows the top of the page to the room,
    # and the teacher link below it is private.
    class_teacher.students_box(code)
    class_teacher.new_link_box()
    class_teacher.ask_box(teacher)
    st.subheader("Live answers")
    class_live.live(teacher)
    with st.container(horizontal=True, gap="small"):
        class_live.results_button(teacher)
    class_teacher.stop_box(code)
