"""The questions a class can be asked: the guided lesson's predictions, with the answers
core computes, and the teacher's own, checked and bounded. No SQL and no widgets here.

A lesson question keeps its id (lesson_id), so that after the reveal a student gets the
link to the view that shows the answer: the stop's own link if it has one, else the
stop in the lesson. A teacher's text is stored as typed, within the limits below, and
escaped wherever it is shown (dashboard.ui.plain).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from dashboard.class_model import Question
from dashboard.content.lesson import STOPS, asked, stop_number
from dashboard.content.lesson_facts import Facts
from dashboard.content.lesson_model import Link, Stop

MAX_TEXT = 300
MAX_CHOICE = 100
MIN_CHOICES, MAX_CHOICES = 2, 6
_SPACES = re.compile(r"\s+")
_STOP_OF = {q.id: s for s in STOPS for q in s.questions}


@dataclass(frozen=True)
class LessonLink:
    """Where the answer to a lesson question can be seen: a page file, its query, a label."""

    page: str
    params: dict[str, str]
    label: str


def stops_with_questions() -> tuple[Stop, ...]:
    """The lesson's stops that ask something, in order."""
    return tuple(s for s in STOPS if s.questions)


def stop_label(s: Stop) -> str:
    return f"{stop_number(s.id)}. {s.title}"


def lesson_questions(s: Stop, load: Callable[[str], Any]) -> tuple[Question, ...]:
    """The stop's questions as a class asks them, texts filled in and answers computed
    from core (load(name) gives a lesson measurement, e.g. a cached worker call). The
    explanation is said to every student at the reveal, wrong or right: without the
    lesson's "Right:" (AskedQuestion.explanation)."""
    return tuple(
        Question(q.text, q.choices, q.correct, q.explanation, lesson_id=q.id)
        for q in asked(s, Facts(load))
    )


def lesson_stop_name(lesson_id: str | None) -> str:
    """The lesson stop a question came from, as a teacher reads it ("Stop 8. The chain
    rule"), or "" for a teacher's own question."""
    s = _STOP_OF.get(lesson_id or "")
    return f"Stop {stop_label(s)}" if s is not None else ""


def answer_link(lesson_id: str | None) -> LessonLink | None:
    """The view that shows a lesson question's answer (None for a teacher's own)."""
    s = _STOP_OF.get(lesson_id or "")
    if s is None:
        return None
    if s.link is not None:
        link: Link = s.link
        return LessonLink(link.page, dict(link.params), link.label)
    return LessonLink("lesson.py", {"stop": str(stop_number(s.id))}, f"Stop {stop_label(s)}")


def one_line(text: str) -> str:
    """Text with every run of white space (line breaks too) turned into one space."""
    return _SPACES.sub(" ", text).strip()


def own_question(text: str, choices_text: str, right: int) -> Question | str:
    """The teacher's question from the form, or what is wrong with it (a message).

    text: the question (at most MAX_TEXT characters); choices_text: one choice per line,
    MIN_CHOICES to MAX_CHOICES of them, each at most MAX_CHOICE characters; right: the
    right choice's number (1-based), or 0 if none is right (an opinion poll)."""
    question = one_line(text)
    lines = [(n, one_line(line)) for n, line in enumerate(choices_text.splitlines(), 1)]
    numbered = [(n, c) for n, c in lines if c]  # (line number, choice): blank lines skipped
    choices = [c for _, c in numbered]
    if not question:
        return "Write the question first."
    if len(question) > MAX_TEXT:
        return (
            f"The question has {len(question)} characters; at most {MAX_TEXT} are allowed. "
            f"Shorten it by {len(question) - MAX_TEXT}: your text is still in the field."
        )
    if not MIN_CHOICES <= len(choices) <= MAX_CHOICES:
        return (
            f"Write {MIN_CHOICES} to {MAX_CHOICES} choices, one per line; there are {len(choices)}."
        )
    for number, (line, choice) in enumerate(numbered, 1):
        if len(choice) > MAX_CHOICE:
            return (
                f"Choice {number} (line {line}) has {len(choice)} characters; each choice may "
                f"have at most {MAX_CHOICE}. Shorten it by {len(choice) - MAX_CHOICE}."
            )
    if len(set(choices)) != len(choices):
        return "Two choices are the same."
    if not 0 <= right <= len(choices):
        return f"The right choice must be 1 to {len(choices)}, or none."
    ids = [str(n) for n in range(1, len(choices) + 1)]
    return Question(
        question, tuple(zip(ids, choices, strict=True)), ids[right - 1] if right else None
    )
