"""The guided lesson's building blocks, as data: a stop, its questions and their choices,
the link that opens another page at the right view, a picture, a takeaway.

Texts are templates: "{name}" is filled from the stop's `numbers(facts)`, a mapping of
names to numbers already written as text, every one computed by core at run time
(dashboard.content.lesson_facts loads core's results lazily). A question's right choice
is computed too (`answer(facts)`), so a question is ready for a live class vote as it
is: Question.ask(facts, numbers) returns plain data.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # plotly only where a picture is drawn
    import plotly.graph_objects as go

    from dashboard.content.lesson_facts import Facts

Numbers = Mapping[str, str]
_VERDICT = re.compile(r"^Right[:.!,]?\s*")  # how a right answer's text starts


def fill(template: str, numbers: Numbers) -> str:
    """template with every {name} replaced by numbers[name] (a KeyError names a missing one)."""
    return template.format_map(numbers)


@dataclass(frozen=True)
class Choice:
    """One answer to pick. wrong: what the likely mistake behind it is, said when it is
    not the right one (a template, like text)."""

    id: str
    text: str
    wrong: str


@dataclass(frozen=True)
class AskedQuestion:
    """A question ready to ask: texts filled in, the right choice computed.

    choices: (id, text) in the order to show them; correct: the right choice's id;
    right: what to say to a right answer; wrong: choice id -> what to say to it, for
    every other choice.
    """

    id: str
    text: str
    choices: tuple[tuple[str, str], ...]
    correct: str
    right: str
    wrong: Mapping[str, str]

    def verdict(self, choice_id: str) -> tuple[bool, str]:
        """(right?, the feedback) for a picked choice."""
        if choice_id == self.correct:
            return True, self.right
        if choice_id not in self.wrong:
            raise KeyError(f"no choice {choice_id!r} in question {self.id!r}")
        return False, self.wrong[choice_id]

    def text_of(self, choice_id: str) -> str:
        return dict(self.choices)[choice_id]

    @property
    def explanation(self) -> str:
        """The right answer's explanation without its verdict ("Right: ..."), for
        whoever did not pick it: one who asked to see it, or a class at the reveal,
        where a student who answered wrong would read "Right:" as praise."""
        rest = _VERDICT.sub("", self.right)
        return rest[:1].upper() + rest[1:]


@dataclass(frozen=True)
class Question:
    """A prediction: asked before the reveal, answered by picking one choice.

    id: stable (a class vote stores answers under it); answer(facts): the id of the
    right choice, computed from core's numbers; right: the confirmation (a template).
    """

    id: str
    text: str
    choices: tuple[Choice, ...]
    answer: Callable[[Facts], str]
    right: str

    def ask(self, facts: Facts, numbers: Numbers) -> AskedQuestion:
        correct = self.answer(facts)
        ids = [c.id for c in self.choices]
        if correct not in ids:
            raise ValueError(f"{self.id}: the answer {correct!r} is not one of {ids}")
        return AskedQuestion(
            id=self.id,
            text=fill(self.text, numbers),
            choices=tuple((c.id, fill(c.text, numbers)) for c in self.choices),
            correct=correct,
            right=fill(self.right, numbers),
            wrong={c.id: fill(c.wrong, numbers) for c in self.choices if c.id != correct},
        )


@dataclass(frozen=True)
class Link:
    """Another page at a given view: its file in app_pages/, URL parameters, link text."""

    page: str
    params: Mapping[str, str]
    label: str


@dataclass(frozen=True)
class Picture:
    """A figure and the same content in one sentence of numbers, shown under it."""

    figure: go.Figure
    summary: str


@dataclass(frozen=True)
class Takeaway:
    """One of the article's key takeaways in our words, and a live number behind it
    (both templates)."""

    id: str
    text: str
    evidence: str


@dataclass(frozen=True)
class Stop:
    """One stop of the lesson: an article section, one thing to do, a prediction.

    section: the article's heading it follows. intro: what that part of the article
    says (our words). questions: asked before the reveal (one; the last stop asks its
    self-check). reveal: the answer with core's numbers, shown once every question has
    an answer (or the student asked to see it). do: the one thing to do, shown before
    the questions if do_first (it gives nothing away), else with the link. link: the
    view on another page, always after the reveal (it shows the answer). rounding:
    where the article's rounded numbers differ from the exact ones. formulas(facts):
    LaTeX shown with the reveal. picture(facts): a figure, before the questions if
    picture_first, else with the reveal. terms: glossary ids the stop uses. recap:
    takeaways shown before the questions. numbers(facts): the texts' numbers.
    """

    id: str
    section: str
    title: str
    intro: str
    questions: tuple[Question, ...]
    reveal: str
    numbers: Callable[[Facts], Numbers]
    do: str = ""
    link: Link | None = None
    do_first: bool = False
    rounding: str = ""
    formulas: Callable[[Facts], tuple[str, ...]] | None = None
    picture: Callable[[Facts], Picture] | None = None
    picture_first: bool = False
    terms: tuple[str, ...] = ()
    recap: tuple[Takeaway, ...] = field(default=())

    def templates(self) -> tuple[str, ...]:
        """Every text of the stop that is filled from numbers (for checks)."""
        texts = [self.intro, self.reveal, self.do, self.rounding]
        for q in self.questions:
            texts += [q.text, q.right, *(c.text for c in q.choices), *(c.wrong for c in q.choices)]
        for t in self.recap:
            texts += [t.text, t.evidence]
        return tuple(texts)
