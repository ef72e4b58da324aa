"""Class mode's small parts: codes and keys (dashboard/class_keys.py), the tables and CSV
of a class's votes (dashboard/class_results.py) and its chart (dashboard/plots/class_votes.py)."""

from __future__ import annotations

import io
import math

import pandas as pd
import plotly.graph_objects as go
import pytest

from dashboard import class_keys, class_results
from dashboard.class_model import Question, Tally
from dashboard.content.lesson import STOPS, stop_number
from dashboard.plots.class_votes import ROUND_COLORS, votes_figure
from dashboard.plots.style import OKABE_ITO

RATIO = "key_observation_ratio"  # a lesson question whose right text starts "Right:"
Q = Question("=1+1 is?", (("a", "+2"), ("b", "two"), ("c", "@three")), "b", "why")


def test_codes_have_no_look_alikes_and_read_back_however_typed():
    assert not set("0O1IlUV") & set(class_keys.ALPHABET)
    codes = {class_keys.new_code() for _ in range(500)}
    assert len(codes) == 500 and all(len(c) == class_keys.CODE_LENGTH for c in codes)
    code = codes.pop()
    shown = class_keys.shown_code(code)
    for typed in (code, shown, shown.lower(), f"  {code[:3]} {code[3:]} ", code.lower()):
        assert class_keys.normalize_code(typed) == code
    for bad in ("", "ABCDE", "ABCDEFG", "A0CDEF", "<b>x</b>", None, 5, "A" * 10_000, "ÅBCDEF"):
        assert class_keys.normalize_code(bad) is None


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("ABC-123", "No class code has 1, I or L"),
        ("KQ0-M4P", "No class code has 0 or O"),
        ("kql-m4p", "No class code has 1, I or L"),  # a lower-case l
        ("OUI-234", "No class code has 0 or O, nor 1, I or L, nor U or V"),
        ("ABC-12", "has 5 characters, not six"),
        ("ABC#23", "a character no class code uses"),
        ("A" * 40, "too long"),
    ],
)
def test_a_wrong_code_is_told_what_is_wrong_without_an_echo(typed, said):
    """'ABC-123' has six characters: saying 'a code has six letters and digits' did not
    tell the student that 1 is what no code has."""
    assert class_keys.normalize_code(typed) is None
    message = class_keys.why_not_code(typed)
    assert said in message and class_keys.CODE_RULE in message
    assert typed not in message and typed.upper() not in message


def test_a_lesson_question_explains_without_calling_a_wrong_answer_right():
    """The explanation is shown at the reveal to every student: "Not quite: the answer
    is X. Right: ..." read as praise to those who got it wrong."""
    from dashboard.class_questions import lesson_questions, stops_with_questions
    from dashboard.content.lesson_facts import measure

    s = next(s for s in stops_with_questions() if any(q.id == RATIO for q in s.questions))
    q = next(q for q in lesson_questions(s, measure) if q.lesson_id == RATIO)
    assert q.explain and not q.explain.lower().startswith("right")
    assert q.explain.startswith("Δv₁ ÷ Δw₁₁ = "), q.explain


def test_keys_are_long_random_and_only_their_hash_matches():
    keys = {class_keys.new_key() for _ in range(200)}
    assert len(keys) == 200
    key = keys.pop()
    assert class_keys.KEY_BYTES * 8 >= 128 and len(key) == class_keys.KEY_CHARS
    stored = class_keys.key_hash(key)
    assert stored != key and len(stored) == 64
    assert class_keys.key_matches(key, stored)
    last = "A" if key[-1] != "A" else "B"  # a key ends in "_" one time in 64
    for wrong in (keys.pop(), key[:-1] + last, key.swapcase(), "", None, stored, key + "a"):
        assert not class_keys.key_matches(wrong, stored)


def test_vote_frame_has_every_choice_of_every_round_with_shares():
    tally = Tally({1: {"a": 1, "b": 3}, 2: {"b": 4}}, {("a", "b"): 1, ("b", "b"): 3})
    frame = class_results.vote_frame(Q, tally)
    assert len(frame) == 6 and list(frame["choice"][:3]) == ["+2", "two", "@three"]
    assert frame.loc[(frame["round"] == 1) & (frame["choice_id"] == "b"), "share"].item() == 0.75
    assert frame["right"].sum() == 2  # the right choice, in each round
    assert class_results.shift_text(Q, tally, revealed=True) == (
        "Right answers: 3 of 4 (75%) in round 1, 4 of 4 (100%) in round 2. "
        "Of the 4 students who answered in both rounds, 1 changed their answer."
    )
    before_the_reveal = class_results.shift_text(Q, tally, revealed=False)
    assert (
        before_the_reveal
        == "Of the 4 students who answered in both rounds, 1 changed their answer."
    )
    moves = class_results.moves_frame(Q, tally)
    assert moves.to_dict("records") == [{"from": "+2", "to": "two", "students": 1}]


def test_one_student_is_one_student():
    tally = Tally({1: {"a": 1}, 2: {"b": 1}}, {("a", "b"): 1})
    assert class_results.shift_text(Q, tally, revealed=False) == (
        "Of the 1 student who answered in both rounds, 1 changed their answer."
    )


def test_a_round_without_votes_still_lists_its_choices():
    frame = class_results.vote_frame(Q, Tally({}, {}))
    assert list(frame["votes"]) == [0, 0, 0] and list(frame["share"]) == [0.0, 0.0, 0.0]


def test_results_csv_keeps_spreadsheets_from_running_formulas():
    tally = Tally({1: {"a": 2}}, {})
    text = class_results.results_csv([(Q, tally)]).decode("utf-8-sig")
    frame = pd.read_csv(io.StringIO(text), keep_default_na=False)
    assert list(frame.columns) == list(class_results.CSV_COLUMNS)
    assert set(frame["question_text"]) == {"'=1+1 is?"}
    assert list(frame["choice_text"]) == ["'+2", "two", "'@three"]
    assert list(frame["votes"]) == [2, 0, 0] and list(frame["right"]) == ["no", "yes", "no"]


def test_results_csv_opens_in_excel_and_names_the_lesson_stop():
    """Excel needs the byte-order mark to read UTF-8 ("Δw₁₁", not "Î”wâ‚â‚"); a lesson
    question's from_lesson is its stop's number and title, not an internal id."""
    s = next(s for s in STOPS if s.questions)
    lesson_q = Question(
        "Δw₁₁ is?", (("a", "Δw₁₁ > 0"), ("b", "no")), "a", lesson_id=s.questions[0].id
    )
    raw = class_results.results_csv([(lesson_q, Tally({1: {"a": 1}}, {})), (Q, Tally({}, {}))])
    assert raw.startswith(b"\xef\xbb\xbf") and not raw.startswith(b"\xef\xbb\xbf\xef\xbb\xbf")
    frame = pd.read_csv(io.StringIO(raw.decode("utf-8-sig")), keep_default_na=False)
    assert list(frame.columns) == list(class_results.CSV_COLUMNS)
    assert set(frame.loc[frame["question"] == 0, "choice_text"]) >= {"Δw₁₁ > 0"}
    stops = set(frame["from_lesson"])
    assert stops == {f"Stop {stop_number(s.id)}. {s.title}", ""}, stops
    assert s.questions[0].id not in raw.decode("utf-8-sig")


def test_votes_figure_bars_per_round_labelled_axes_and_the_mark_only_when_asked():
    tally = Tally({1: {"a": 1, "b": 3}, 2: {"b": 4}}, {})
    frame = class_results.vote_frame(Q, tally)
    fig = votes_figure(frame, "The class's answers")
    assert isinstance(fig, go.Figure) and len(fig.data) == 2
    assert [t.name for t in fig.data] == ["Round 1 (4 answers)", "Round 2 (4 answers)"]
    assert [t.marker.color for t in fig.data] == [ROUND_COLORS[1], ROUND_COLORS[2]]
    assert set(ROUND_COLORS.values()) <= set(OKABE_ITO.values())
    assert fig.layout.xaxis.title.text == "students who picked it"
    assert fig.layout.yaxis.title.text == "choice"
    assert fig.layout.title.text == "The class's answers"
    assert list(fig.data[0].x) == [1, 3, 0] and list(fig.data[0].text)[1] == "3 (75%)"
    assert not any("✓" in y for y in fig.data[0].y)
    shown = votes_figure(frame, "t", show_right=True)
    assert [y for y in shown.data[0].y if y.startswith("✓")] == ["✓ two"]


def test_a_new_round_starts_at_zero_bars_beside_round_1_each_named():
    """After "Vote again", before the first new vote: round 2's bars at zero, and the
    legend naming both rounds (round 1's bars alone read as round 2's)."""
    tally = Tally({1: {"a": 2, "b": 1}}, {})
    frame = class_results.vote_frame(Q, tally, last_round=2)
    assert sorted(set(frame["round"])) == [1, 2]
    assert list(frame.loc[frame["round"] == 2, "votes"]) == [0, 0, 0]
    fig = votes_figure(frame, "The class's answers, round 2 beside round 1")
    assert [t.name for t in fig.data] == ["Round 1 (3 answers)", "Round 2 (0 answers)"]
    assert list(fig.data[1].x) == [0, 0, 0] and fig.layout.showlegend is True
    alone = votes_figure(class_results.vote_frame(Q, tally), "t")
    assert [t.name for t in alone.data] == ["Round 1 (3 answers)"]
    assert alone.layout.showlegend is True, "a lone round is named too"


@pytest.mark.parametrize("n", [0, 1, 7, 400])
def test_votes_figure_axis_fits_the_counts(n):
    frame = class_results.vote_frame(Q, Tally({1: {"a": n}} if n else {}, {}))
    fig = votes_figure(frame, "t")
    low, high = fig.layout.xaxis.range
    assert low == 0 and high >= max(n, 1) and math.isfinite(high)


def test_votes_figure_shows_typed_markup_as_text():
    q = Question("q", (("1", "<b>bold</b> & <a href='javascript:x'>y</a>"), ("2", "ok")), None)
    fig = votes_figure(class_results.vote_frame(q, Tally({1: {"1": 1}}, {})), "t")
    texts = [*fig.data[0].y, *fig.data[0].customdata]
    assert all("<b>" not in t and "<a " not in t for t in texts)
    assert (
        fig.data[0].customdata[0]
        == "&lt;b&gt;bold&lt;/b&gt; &amp; &lt;a href='javascript:x'&gt;y&lt;/a&gt;"
    )
