"""Class mode's values, shared by the SQL module (dashboard/class_store.py), the pages and
the tests: a question as a class asked it, a class's state, a tally of votes, and the
three ways a request can fail."""

from __future__ import annotations

from dataclasses import dataclass


class StoreDown(Exception):
    """The class database did not answer (down, locked, misconfigured, or newer)."""


class WrongKey(Exception):
    """No such class, or the key is not its teacher's."""


class Refusal(Exception):
    """A request the class cannot take (a bound reached, a closed question, a bad
    choice); the message says why, for the page to show."""


@dataclass(frozen=True)
class Question:
    """A question as a class asks it. choices: (id, text) in order; correct: the right
    choice's id, or None (a teacher's own question may have none); explain: what to say
    at the reveal; lesson_id: the lesson question it came from, or None; qid: its number
    in the class, 0 until the class asks it."""

    text: str
    choices: tuple[tuple[str, str], ...]
    correct: str | None
    explain: str = ""
    lesson_id: str | None = None
    qid: int = 0

    def __post_init__(self) -> None:
        ids = [c for c, _ in self.choices]
        if len(ids) < 2 or len(set(ids)) != len(ids):
            raise ValueError(f"a question needs two or more distinct choices; got {ids}")
        if self.correct is not None and self.correct not in ids:
            raise ValueError(f"the right choice {self.correct!r} is not one of {ids}")

    def choice_text(self, choice_id: str) -> str:
        return dict(self.choices)[choice_id]


@dataclass(frozen=True)
class ClassState:
    """What everyone in a class sees: the question on screen (or None), its round (1 or
    2), whether it is revealed, and when the class expires (epoch seconds)."""

    code: str
    question: Question | None
    round_no: int
    revealed: bool
    expires_at: float


@dataclass(frozen=True)
class Tally:
    """Votes on one question: counts[round][choice id]; moves[(round 1 choice, round 2
    choice)] for the voters who answered in both rounds."""

    counts: dict[int, dict[str, int]]
    moves: dict[tuple[str, str], int]

    def total(self, round_no: int) -> int:
        return sum(self.counts.get(round_no, {}).values())
