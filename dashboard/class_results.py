"""A class's votes as tables: per question for the live chart, the shift between rounds,
and the whole class for the teacher's CSV. No streamlit and no SQL here; the votes
come from dashboard.class_store, anonymous counts only."""

from __future__ import annotations

import pandas as pd

from dashboard.class_model import Question, Tally
from dashboard.class_questions import lesson_stop_name

CSV_COLUMNS = (
    "question",
    "question_text",
    "from_lesson",  # the lesson stop's number and title, empty for a teacher's own
    "round",
    "choice",
    "choice_text",
    "right",
    "votes",
    "share",
)


def vote_frame(question: Question, tally: Tally, last_round: int = 1) -> pd.DataFrame:
    """One row per round and choice, in the choices' order: round, choice_id, choice
    (text), right, votes, share of that round's answers. Rounds: 1 to last_round (the
    round open now: all its choices at 0 votes until its first vote), and any with votes."""
    rows = []
    for round_no in sorted({*range(1, last_round + 1), *tally.counts}):
        counts = tally.counts.get(round_no, {})
        total = sum(counts.values())
        for choice_id, text in question.choices:
            n = counts.get(choice_id, 0)
            rows.append(
                {
                    "round": round_no,
                    "choice_id": choice_id,
                    "choice": text,
                    "right": choice_id == question.correct,
                    "votes": n,
                    "share": n / total if total else 0.0,
                }
            )
    return pd.DataFrame(rows)


def right_share(question: Question, tally: Tally, round_no: int) -> tuple[int, int]:
    """(right answers, all answers) in a round."""
    counts = tally.counts.get(round_no, {})
    return counts.get(question.correct or "", 0), sum(counts.values())


def shift_text(question: Question, tally: Tally, revealed: bool) -> str:
    """The shift between the rounds in one or two sentences (round 2 needs votes); the
    right answers' shares only once revealed (the teacher's screen may be projected)."""
    both = sum(tally.moves.values())
    changed = sum(n for (a, b), n in tally.moves.items() if a != b)
    parts = []
    if question.correct is not None and revealed:
        shares = []
        for round_no in (1, 2):
            right, total = right_share(question, tally, round_no)
            share = f"{right / total:.0%}" if total else "–"
            shares.append(f"{right} of {total} ({share})")
        parts.append(f"Right answers: {shares[0]} in round 1, {shares[1]} in round 2.")
    who = "student who" if both == 1 else "students who"
    parts.append(f"Of the {both} {who} answered in both rounds, {changed} changed their answer.")
    return " ".join(parts)


def moves_frame(question: Question, tally: Tally) -> pd.DataFrame:
    """Who moved where between the rounds: from, to, students (most first)."""
    rows = [
        {"from": question.choice_text(a), "to": question.choice_text(b), "students": n}
        for (a, b), n in tally.moves.items()
        if a != b and a in dict(question.choices) and b in dict(question.choices)
    ]
    frame = pd.DataFrame(rows, columns=["from", "to", "students"])
    return frame.sort_values("students", ascending=False, kind="stable").reset_index(drop=True)


def results_frame(results: list[tuple[Question, Tally]]) -> pd.DataFrame:
    """Every question, round and choice of a class, with its votes (CSV_COLUMNS)."""
    rows = []
    for question, tally in results:
        frame = vote_frame(question, tally)
        for row in frame.itertuples(index=False):
            rows.append(
                {
                    "question": question.qid,
                    "question_text": question.text,
                    "from_lesson": lesson_stop_name(question.lesson_id),
                    "round": row.round,
                    "choice": row.choice_id,
                    "choice_text": row.choice,
                    "right": "" if question.correct is None else ("yes" if row.right else "no"),
                    "votes": row.votes,
                    "share": round(row.share, 4),
                }
            )
    return pd.DataFrame(rows, columns=list(CSV_COLUMNS))


def results_csv(results: list[tuple[Question, Tally]]) -> bytes:
    """results_frame as CSV, UTF-8 with a byte-order mark: without it Excel reads the
    file as the system's code page and shows "Δw₁₁" garbled. A cell that starts with
    = + - @ gets a leading apostrophe: a spreadsheet would run it as a formula (a
    teacher's or a lesson's text may start so)."""
    frame = results_frame(results)
    for column in ("question_text", "from_lesson", "choice_text"):
        frame[column] = frame[column].map(_no_formula)
    return frame.to_csv(index=False).encode("utf-8-sig")


def _no_formula(text: str) -> str:
    return "'" + text if text[:1] in {"=", "+", "-", "@", "\t", "\r"} else text
