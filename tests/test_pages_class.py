"""Class mode in AppTest, on SQLite and on PostgreSQL: a teacher session and student
sessions of the real app share one class through the database. Make a class, join it by
link and by typed code, ask, answer (a change replaces), reveal, vote again, results;
hostile codes and keys in the URL; a wrong key never opens the class; hostile question
text is shown as text; a dead database leaves the rest of the app working."""

from __future__ import annotations

import io
import logging
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from dashboard import class_keys
from dashboard.class_model import Question
from dashboard.content.lesson import STOPS, asked
from dashboard.content.lesson_facts import Facts
from dashboard.content.lesson_model import AskedQuestion
from tests.share import APP, ui_share_link

TIMEOUT = 90
HOSTILE = (
    "<script>window.__pwned=1</script>",
    '<img src=x onerror="alert(1)">',
    "[click](javascript:alert(1))",
    "' OR '1'='1",
    "$\\frac{1}{0}$ **bold** # heading",
)


@pytest.fixture
def both(database_url: str) -> dict:
    """at.secrets for a session: none for the default SQLite file (a fresh folder per
    test), a [connections.classes] url for PostgreSQL."""
    if database_url.startswith("sqlite"):
        return {}
    return {"connections": {"classes": {"url": database_url}}}


@pytest.fixture
def secrets() -> dict:
    """The default class database only: the SQL is tested on both databases in
    tests/test_class_store.py, the page's connection to each by the whole class below."""
    return {}


@pytest.fixture(autouse=True)
def fresh_data_dir(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("BACKPROP_DATA_DIR", str(tmp_path / "data"))


def session(secrets: dict, page: str, query: dict | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.secrets.update(secrets)
    at.run()
    at.switch_page(f"app_pages/{page}")
    at.query_params = dict(query or {})
    return at.run()


def texts(at: AppTest) -> str:
    parts = [m.value for m in (*at.title, *at.header, *at.subheader, *at.markdown, *at.caption)]
    parts += [m.value for m in (*at.success, *at.info, *at.toast)]
    parts += [m.value for m in (*at.warning, *at.error)]
    return "\n".join(parts)


def create_class(secrets: dict) -> tuple[AppTest, str, str]:
    teacher = session(secrets, "teach.py")
    next(b for b in teacher.button if b.label == "Create a class").click()
    teacher.run()
    assert not teacher.exception
    link = teacher.code[0].value
    code = link.split("class=")[1].split("&")[0]
    key = link.split("key=")[1]
    assert class_keys.normalize_code(code) == code and class_keys.is_key_shaped(key)
    return teacher, code, key


def in_page_order(node) -> list:
    """Every element under node, in the order the page draws them."""
    children = getattr(node, "children", None)
    if children is None:
        return [node]
    return [e for i in sorted(children) for e in in_page_order(children[i])]


def lesson_question(question_id: str) -> AskedQuestion:
    """A lesson question as core answers it (only its stop's numbers are computed)."""
    s = next(s for s in STOPS if any(q.id == question_id for q in s.questions))
    return next(q for q in asked(s, Facts()) if q.id == question_id)


def ask_lesson(teacher: AppTest, question_id: str) -> None:
    s = next(s for s in STOPS if any(q.id == question_id for q in s.questions))
    teacher.selectbox(key="class_stop").set_value(s.id)
    teacher.run()
    if len(s.questions) > 1:
        teacher.radio(key="class_lesson_q").set_value(question_id)
        teacher.run()
    teacher.button(key="class_ask_lesson").click()
    teacher.run()
    assert "The question is on screen." in texts(teacher)


def vote(student: AppTest, choice: str) -> None:
    radio = next(r for r in student.radio if r.key.startswith("class_vote_"))
    radio.set_value(choice)
    student.run()
    assert not student.exception


def test_a_whole_class_two_rounds(both):
    secrets = both
    teacher, code, _ = create_class(secrets)
    students = [session(secrets, "join.py", {"class": code}) for _ in range(3)]
    for s in students:
        assert f"Class {class_keys.shown_code(code)}" in texts(s)
        assert "Waiting for the teacher" in texts(s)
    asked = lesson_question("output_updates_larger")
    ask_lesson(teacher, "output_updates_larger")
    wrong = next(c for c, _ in asked.choices if c != asked.correct)
    for s in students:
        s.run()
    vote(students[0], wrong)
    vote(students[0], asked.correct)  # changed: replaces the first answer
    vote(students[1], wrong)
    assert "Your answer is in" in texts(students[0])
    teacher.run()
    assert teacher.metric[0].value == "2"
    teacher.button(key="class_again").click()
    teacher.run()
    chart = teacher.get("plotly_chart")[0].proto.spec
    assert "Round 2 (0 answers)" in chart and "Round 1 (2 answers)" in chart
    assert "round 2 beside round 1" in chart
    for s in students:
        s.run()
        vote(s, asked.correct)
    teacher.run()
    assert "Between the rounds" in texts(teacher) and "Right answers" not in texts(teacher)
    vote(students[1], wrong)  # and sticks to it
    assert teacher.button(key="class_reveal").proto.type == "primary"
    teacher.button(key="class_reveal").click()
    teacher.run()
    done = teacher.button(key="class_reveal")
    assert done.proto.type == "secondary" and done.disabled, "no longer the main action"
    assert done.label == "Answer revealed"
    assert "Right answers: 1 of 2 (50%) in round 1, 2 of 3 (67%) in round 2" in texts(teacher)
    chart = teacher.get("plotly_chart")[0].proto.spec
    assert "Round 1 (2 answers)" in chart and "Round 2 (3 answers)" in chart
    students[1].run()
    said = next(m.value for m in students[1].success if "Not quite" in m.value)
    assert "Not quite: the answer is" in said and "Right" not in said, said
    students[2].run()
    assert "You got it" in texts(students[2])
    assert any(
        "Worked example" in p.proto.label or p.proto.page for p in students[2].get("page_link")
    )
    assert students[2].radio[0].proto.disabled  # closed after the reveal


def test_what_students_need_comes_before_the_private_teacher_link(secrets):
    teacher, _, key = create_class(secrets)
    drawn = in_page_order(teacher.main)
    where = {
        "students": next(i for i, e in enumerate(drawn) if "Students join" in str(e.value)),
        "qr": next(i for i, e in enumerate(drawn) if e.type == "image"),
        "teacher link": next(i for i, e in enumerate(drawn) if key in str(e.value)),
        "private": next(i for i, e in enumerate(drawn) if "Private" in str(e.value)),
    }
    assert where["students"] < where["qr"] < where["private"] < where["teacher link"], where
    warning = next(w.value for w in teacher.warning if "only time" in w.value)
    assert "do not project it" in warning
    next(b for b in teacher.button if b.label.startswith("I saved it")).click()
    teacher.run()
    assert not teacher.code and key not in texts(teacher), "shown once"


def test_a_reloaded_student_rejoins_as_the_same_voter(secrets):
    """A reload (or a phone that dropped the tab) is a new session with the same address:
    it must come back into the class as the same voter, its answer replaced, not added."""
    from dashboard import class_store

    teacher, code, key = create_class(secrets)
    asked = lesson_question("output_updates_larger")
    ask_lesson(teacher, "output_updates_larger")
    wrong = next(c for c, _ in asked.choices if c != asked.correct)
    student = session(secrets, "join.py", {"class": code})
    address = dict(student.query_params)  # what the browser's address bar now holds
    assert address["class"] == code and class_keys.is_voter_shaped(address["voter"])
    vote(student, wrong)
    for page in ("join.py", "lesson.py"):  # reloaded on the Join page, or on another one
        again = session(secrets, page, address)
        assert not again.exception
        shown = texts(again)
        assert f"Class {class_keys.shown_code(code)}" in shown, page
        assert "Your answer is in" in shown, "the database remembers this voter's answer"
        assert dict(again.query_params)["voter"] == address["voter"]
    assert "voter" not in ui_share_link(again) and address["voter"] not in ui_share_link(again)
    vote(again, asked.correct)
    teacher.run()
    assert teacher.metric[0].value == "1", "one student, one answer"
    engine = _engine_for(secrets)
    tally = class_store.tally(engine, code, key, 1, __import__("time").time())
    assert tally.counts == {1: {asked.correct: 1}}
    assert "voter" not in (teacher.code[0].value if teacher.code else "")


def test_a_bad_voter_token_gets_a_fresh_one_and_leave_clears_the_address(secrets):
    _, code, _ = create_class(secrets)
    for bad in ("short", HOSTILE[0], "x" * 23, ""):
        student = session(secrets, "join.py", {"class": code, "voter": bad})
        assert f"Class {class_keys.shown_code(code)}" in texts(student)
        voter = dict(student.query_params)["voter"]
        assert voter != bad and class_keys.is_voter_shaped(voter)
    for page in ("lesson.py", "join.py"):  # a token without a class is no seat: ignored
        alone = session(secrets, page, {"voter": voter})
        assert not alone.exception and "Not back in your class" not in texts(alone)
    student.button(key="class_leave").click()
    student.run()
    assert "class" not in student.query_params and "voter" not in student.query_params
    assert "You are not in a class" in texts(student)


def test_a_typed_code_joins_and_a_bad_one_is_refused_without_an_echo(secrets):
    _, code, _ = create_class(secrets)
    student = session(secrets, "join.py")
    for bad in ("<b>x</b>", "[a](b)", "ABCDE", "OOOOOO", "1l1l1l", code[:-1] + "#", "ZZZZZZ"):
        student.text_input[0].set_value(bad)
        next(b for b in student.button if b.label == "Join").click()
        student.run()
        shown = texts(student)
        assert "You are not in a class" in shown and not student.radio
        assert bad not in shown.replace("KQ7-M4P", "")
        assert "A class code has six characters" in shown or "No class with this code" in shown
    student.text_input[0].set_value(code.lower()[:3] + " - " + code.lower()[3:])
    next(b for b in student.button if b.label == "Join").click()
    student.run()
    assert f"You are in class **{class_keys.shown_code(code)}**" in texts(student)


def test_hostile_codes_and_keys_in_teacher_links_never_open_a_class(secrets):
    _, code, key = create_class(secrets)
    other_key = class_keys.new_key()
    for query in (
        {"class": code, "key": other_key},
        {"class": code, "key": key[:-1] + ("A" if key[-1] != "A" else "B")},
        {"key": key},
        {"class": HOSTILE[0], "key": key},
        {"class": code, "key": HOSTILE[1]},
        {"class": code, "key": [key, other_key]},
        {"class": code, "key": key * 1000},
    ):
        at = session(secrets, "teach.py", query)
        assert not at.exception, query
        shown = texts(at)
        assert "does not open a class" in shown, query
        assert "Live answers" not in shown and all(h not in shown for h in HOSTILE)
        assert "key" not in at.query_params and "class" not in at.query_params
    right = session(secrets, "teach.py", {"class": code, "key": key})
    assert "Live answers" in texts(right)
    assert "key" not in right.query_params, "the key leaves the address bar at once"
    assert right.query_params["class"] == code, "the code stays: a reload can name it"
    assert right.code == [] or key not in right.code[0].value  # not shown again


def test_a_teacher_reload_names_the_class_and_stopping_asks_first(secrets):
    teacher, code, key = create_class(secrets)
    assert teacher.query_params["class"] == code and "key" not in teacher.query_params
    reloaded = session(secrets, "teach.py", dict(teacher.query_params))  # F5: no key
    shown = texts(reloaded)
    assert f"This is class **{class_keys.shown_code(code)}**: open your teacher link" in shown
    assert "Live answers" not in shown and key not in shown
    assert any(b.label == "Create a class" for b in reloaded.button)

    back = session(secrets, "teach.py", {"class": code, "key": key})
    next(b for b in back.button if b.label == "Stop teaching here").click()
    back.run()
    assert "Live answers" in texts(back), "one click only asks"
    assert "Only your teacher link opens it again" in texts(back)
    next(b for b in back.button if b.label == "Cancel").click()
    back.run()
    assert "Live answers" in texts(back) and back.query_params["class"] == code
    next(b for b in back.button if b.label == "Stop teaching here").click()
    back.run()
    next(b for b in back.button if b.label == "Yes, stop teaching here").click()
    back.run()
    shown = texts(back)
    assert "Live answers" not in shown
    assert f"This tab no longer teaches class {class_keys.shown_code(code)}" in shown
    assert "class" not in back.query_params


def test_hostile_question_text_is_shown_as_text(secrets):
    teacher, code, _ = create_class(secrets)
    student = session(secrets, "join.py", {"class": code})
    teacher.text_area(key="class_own_text").set_value(" ".join(HOSTILE))
    teacher.text_area(key="class_own_choices").set_value("\n".join(HOSTILE[:3]))
    teacher.selectbox(key="class_own_right").set_value(2)
    [b for b in teacher.button if b.label == "Ask the class"][-1].click()
    teacher.run()
    assert not teacher.exception
    student.run()
    for element in (*student.markdown, *student.radio):
        raw = element.value if hasattr(element, "value") else ""
        assert "<script>" not in str(raw)
    radio = next(r for r in student.radio if r.key.startswith("class_vote_"))
    assert "\\<script\\>" in radio.proto.label or any("\\<" in o for o in radio.proto.options)


def test_over_long_own_text_is_refused_with_its_length_and_kept(secrets):
    """A 501-character paste used to leave the field empty, and typing stopped at 300."""
    teacher, _, _ = create_class(secrets)
    fields = [teacher.text_area(key=k) for k in ("class_own_text", "class_own_choices")]
    assert "at most 300 characters" in fields[0].label
    assert "2 to 6, each at most 100 characters" in fields[1].label
    assert all(not f.proto.max_chars or f.proto.max_chars > 300 for f in fields)
    pasted = "Why " * 125 + "?"  # 501 characters
    fields[0].set_value(pasted)
    fields[1].set_value("yes\n\n" + "n" * 120 + "\nmaybe")
    [b for b in teacher.button if b.label == "Ask the class"][-1].click()
    teacher.run()
    said = texts(teacher)
    assert "The question has 501 characters; at most 300 are allowed" in said
    assert teacher.text_area(key="class_own_text").value == pasted, "kept to be shortened"
    teacher.text_area(key="class_own_text").set_value("Why?")
    [b for b in teacher.button if b.label == "Ask the class"][-1].click()
    teacher.run()
    said = texts(teacher)
    assert "Choice 2 (line 3) has 120 characters; each choice may have at most 100" in said
    assert "The question is on screen" not in said


def test_own_questions_are_checked_and_bounded(secrets):
    from dashboard.class_questions import MAX_TEXT, own_question

    too_long = own_question("x" * (MAX_TEXT + 1), "a\nb", 0)
    assert too_long.startswith(f"The question has {MAX_TEXT + 1} characters")
    assert own_question("q", "a\n" + "b" * 101, 0).startswith("Choice 2 (line 2) has 101")
    assert isinstance(own_question("q", "only one", 0), str)
    assert isinstance(own_question("q", "a\na", 0), str)
    assert isinstance(own_question("q", "a\nb", 3), str)
    assert isinstance(own_question("", "a\nb", 0), str)
    made = own_question("  Which\n one? ", "yes\n\n no \n", 2)
    assert made == Question("Which one?", (("1", "yes"), ("2", "no")), "2")


def test_results_csv_has_every_round_and_choice(both):
    secrets = both
    from dashboard import class_db, class_results, class_store

    teacher, code, key = create_class(secrets)
    ask_lesson(teacher, "output_blame_sign")
    student = session(secrets, "join.py", {"class": code})
    asked = lesson_question("output_blame_sign")
    vote(student, asked.correct)
    engine = _engine_for(secrets)
    rows = class_store.results(engine, code, key, __import__("time").time())
    frame = pd.read_csv(io.BytesIO(class_results.results_csv(rows)), encoding="utf-8-sig")
    assert list(frame.columns) == list(class_results.CSV_COLUMNS)
    assert len(frame) == len(asked.choices)  # round 1 only, every choice
    assert frame.loc[frame["choice"] == asked.correct, "votes"].item() == 1
    assert frame["votes"].sum() == 1 and set(frame["right"]) == {"yes", "no"}
    assert class_db.CONNECTION == "classes"


def _engine_for(secrets: dict):
    import os

    import sqlalchemy as sa

    from dashboard import class_store

    url = secrets.get("connections", {}).get("classes", {}).get("url")
    url = url or f"sqlite:///{Path(os.environ['BACKPROP_DATA_DIR']) / 'classes.sqlite3'}"
    return class_store.prepare_engine(sa.create_engine(url))


def test_a_dead_database_is_said_and_the_rest_works(tmp_path, caplog):
    password = "hunter2-dead-db"
    dead = {"connections": {"classes": {"url": f"postgresql+psycopg://u:{password}@127.0.0.1:1/x"}}}
    caplog.set_level(logging.DEBUG)
    for page, query in (("teach.py", {}), ("join.py", {"class": "KQ7M4P"})):
        at = session(dead, page, query)
        if page == "teach.py":
            next(b for b in at.button if b.label == "Create a class").click()
            at.run()
        assert not at.exception
        shown = texts(at)
        assert "Class features are unavailable" in shown
        assert password not in shown and "127.0.0.1" not in shown
    lab = session(dead, "worked_example.py")
    assert not lab.exception and lab.title
    assert password not in caplog.text and "127.0.0.1:1" not in caplog.text
