"""The glossary: every term the science notes list has one plain sentence, the helper
renders terms (a popover, a tooltip text, the glossary page), and the lesson's terms exist."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import glossary
from dashboard.content.glossary import GLOSSARY, GROUPS, TERMS, VANISHING_LAB_TERMS, term
from dashboard.content.lesson import STOPS, stop_number

APP = str(Path(__file__).resolve().parents[1] / "dashboard" / "app.py")
# SCIENCE.md's "not in the article" words, and the ones the task adds.
REQUIRED = (
    "initialization", "xavier", "he", "lecun", "sigma_w2", "fan_in", "mean_field", "chi_1",
    "edge_of_chaos", "seed", "batch", "rms", "log_scale", "cross_entropy",
    "input_correlation", "batchnorm_statistics", "branch_scale", "saturated",
    "finite_difference", "relative_error",
)  # fmt: skip
SECOND_SENTENCE = re.compile(r"[.!?] +[A-Z]")


def open_page(file: str, query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.switch_page(f"app_pages/{file}")
    at.query_params = dict(query or {})
    return at.run()


def test_every_required_term_is_there():
    assert set(REQUIRED) <= set(GLOSSARY)
    assert len(GLOSSARY) == len(TERMS), "two terms share an id"


@pytest.mark.parametrize("t", TERMS, ids=lambda t: t.id)
def test_every_term_has_one_plain_sentence(t):
    assert t.name and t.group in GROUPS
    assert len(t.definition) > 30 and t.definition.endswith(".")
    assert not SECOND_SENTENCE.search(t.definition), f"{t.id}: more than one sentence"
    assert glossary.define(t.id) == f"{t.name}: {t.definition}"


def test_an_unknown_term_names_the_known_ones():
    with pytest.raises(KeyError, match="fan_in"):
        term("no_such_word")
    with pytest.raises(KeyError):
        glossary.define("no_such_word")


def test_the_popover_label_names_one_word_or_says_these_words():
    assert glossary.label("fan_in") == "What does “fan-in” mean?"
    assert glossary.label("fan_in", "seed") == "What do these words mean?"


def test_the_glossary_page_renders_every_term_with_the_helper():
    at = open_page("glossary.py")
    assert not at.exception
    shown = {m.value for m in at.markdown}
    for t in TERMS:
        assert f"**{t.name}**: {t.definition}" in shown, t.id
    assert [h.value for h in at.subheader] == list(GROUPS)


def test_every_stop_s_words_are_in_the_glossary():
    used = {t for s in STOPS for t in s.terms}
    assert used and used <= set(GLOSSARY)


@pytest.mark.parametrize("stop_id", [s.id for s in STOPS if s.terms][:3])
def test_the_lesson_explains_its_words_in_a_popover(stop_id):
    s = next(s for s in STOPS if s.id == stop_id)
    at = open_page("lesson.py", {"stop": str(stop_number(stop_id))})
    assert not at.exception
    popovers = [b for b in at.get("popover") if b.proto.popover.label == glossary.label(*s.terms)]
    assert len(popovers) == 1
    inside = [child.value for child in popovers[0].children.values() if hasattr(child, "value")]
    assert inside[: len(s.terms)] == [f"**{term(i).name}**: {term(i).definition}" for i in s.terms]


# How a definition names another glossary term that is no plain word (student tester:
# Xavier's definition ended "σw² = 1" and σw² used "fan-in", neither defined at the stop).
MENTIONS = {
    "sigma_w2": r"σw²",
    "fan_in": r"fan-in",
    "variance": r"variance",
    "lecun": r"LeCun",
    "he": r"\bHe\b",
    "xavier": r"Xavier",
    "chi_1": r"χ₁",
    "mean_field": r"mean.field",
    "rms": r"\bRMS\b",
    "yang_rate": r"Yang",
}


@pytest.mark.parametrize("s", [s for s in STOPS if s.terms], ids=lambda s: s.id)
def test_a_stop_s_popover_defines_every_term_its_definitions_use_before_using_it(s):
    for place, used_by in enumerate(s.terms):
        for other, pattern in MENTIONS.items():
            if other == used_by or not re.search(pattern, term(used_by).definition):
                continue
            assert other in s.terms[:place], f"{s.id}: {used_by} uses {other} undefined"


def test_the_vanishing_lab_explains_its_words_in_a_popover():
    """A student tester met fan-in, Xavier/He/LeCun, σw², RMS, mean field and the edge of
    chaos on the lab with no word of explanation, and Yang et al. named for a rate: one
    popover defines them all."""
    assert "yang_rate" in VANISHING_LAB_TERMS
    at = open_page("vanishing_lab.py")
    assert not at.exception
    label = glossary.label(*VANISHING_LAB_TERMS)
    popovers = [b for b in at.get("popover") if b.proto.popover.label == label]
    assert len(popovers) == 1
    inside = [child.value for child in popovers[0].children.values() if hasattr(child, "value")]
    expected = [f"**{term(i).name}**: {term(i).definition}" for i in VANISHING_LAB_TERMS]
    assert inside[: len(VANISHING_LAB_TERMS)] == expected
    for place, used_by in enumerate(VANISHING_LAB_TERMS):  # each word defined before its use
        for other, pattern in MENTIONS.items():
            if other != used_by and re.search(pattern, term(used_by).definition):
                assert other in VANISHING_LAB_TERMS[:place], f"{used_by} uses {other} undefined"
