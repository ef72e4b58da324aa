"""The lesson as data: stops keyed by stable ids, every text filled from core's numbers
(none written down), every question's answer computed by core and among its choices,
and the parsing of ?stop= values."""

from __future__ import annotations

import re
import string

import pytest

from core import lesson as core_lesson
from core.worked_example import WEIGHT_NAMES
from dashboard.content.lesson import (
    LAST_STOP,
    STOP_IDS,
    STOPS,
    asked,
    questions,
    stop,
    stop_at,
    stop_number,
)
from dashboard.content.lesson_facts import MEASUREMENTS, Facts, measure
from dashboard.content.lesson_model import fill
from dashboard.lesson_controls import parse_stop
from dashboard.navigation import PAGES
from dashboard.plots.format import fmt, fmt_factor

# ?stop=N as it opens today. Study groups share these numbers: a stop inserted in the
# middle shifts every later one (links by id keep working), so change this on purpose.
OPENED_BY_STOP = (
    "factory", "network", "forward_hidden", "forward_output", "output_blame",
    "output_updates", "hidden_blame", "chain_rule", "hidden_update", "key_observation",
    "vanishing", "telephone", "relu", "residual", "batchnorm", "fixes_together", "takeaways",
)  # fmt: skip
DECIMAL = re.compile(r"\d[.,]\d")  # a number written into a text instead of computed
NUMBER = re.compile(r"\d+(?:\.\d+)?(?: × 10[⁻⁰¹²³⁴⁵⁶⁷⁸⁹]+)?")  # as dashboard.plots.format writes it


@pytest.fixture(scope="module")
def facts() -> Facts:
    return Facts()


def test_stops_are_the_article_s_sections_in_order_and_keep_their_numbers():
    assert STOP_IDS == OPENED_BY_STOP
    assert LAST_STOP == len(STOPS) == len(set(STOP_IDS))
    for n, stop_id in enumerate(OPENED_BY_STOP, start=1):
        assert stop_number(stop_id) == n and stop_at(n).id == stop_id == stop(stop_id).id
    with pytest.raises(IndexError):
        stop_at(LAST_STOP + 1)
    with pytest.raises(KeyError, match="factory"):
        stop_number("nope")


@pytest.mark.parametrize("s", STOPS, ids=lambda s: s.id)
def test_every_text_is_filled_from_core_and_writes_no_number_itself(s, facts):
    numbers = s.numbers(facts)
    for template in s.templates():
        assert not DECIMAL.search(template), f"{s.id}: a number in {template!r}"
        filled = fill(template, numbers)
        assert "{" not in filled and "}" not in filled, filled
    assert s.section and s.title and s.intro
    assert not DECIMAL.search(s.title + s.section), s.id
    assert s.questions, "every stop asks before it reveals"
    if s.link is not None:
        assert any(p.file == s.link.page for p in PAGES), s.link.page


def _placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_the_numbers_a_stop_offers_cover_its_texts(facts):
    for s in STOPS:
        offered = set(s.numbers(facts))
        wanted = set().union(*(_placeholders(t) for t in s.templates()))
        assert wanted <= offered, (s.id, wanted - offered)


@pytest.mark.parametrize("s", STOPS, ids=lambda s: s.id)
def test_every_question_has_its_answer_among_distinct_choices_and_feedback_for_the_rest(s, facts):
    for q in asked(s, facts):
        ids = [c for c, _ in q.choices]
        texts = [t for _, t in q.choices]
        assert len(ids) >= 2 and len(set(ids)) == len(ids) and len(set(texts)) == len(texts)
        assert q.correct in ids
        assert set(q.wrong) == set(ids) - {q.correct}
        assert all(len(feedback) > 10 for feedback in q.wrong.values())
        assert q.verdict(q.correct) == (True, q.right)
        for choice in q.wrong:
            assert q.verdict(choice) == (False, q.wrong[choice])


def test_every_question_is_available_as_data_with_a_unique_id(facts):
    everything = questions(facts)
    assert len(everything) == sum(len(s.questions) for s in STOPS)
    assert all(q.text and q.choices for q in everything.values())


def test_the_answers_follow_core_s_numbers(facts):
    """Each right answer, worked out again here from core's own results."""
    c = core_lesson.course_numbers()
    s = c.step
    grads = {n: abs(c.gradients[n]) for n in WEIGHT_NAMES}
    expected = {
        # Output or hidden weights, not which v: that is the output_updates stop's question.
        "factory_largest_share": "output" if max(grads, key=grads.get)[0] == "v" else "hidden",
        "network_x2_to_h1": "w21",
        "forward_a1": "sum",
        "forward_y_hat": "below" if s.y_hat < s.y else "above",
        "output_blame_sign": "positive" if s.delta_out > 0 else "negative",
        "output_updates_larger": "v2" if s.dv2 > s.dv1 else "v1",
        "hidden_blame_strong_v2": "h2" if c.strong.delta2 > c.strong.delta1 else "h1",
        "chain_rule_sign": "negative" if c.chain_w11.product < 0 else "positive",
        "hidden_update_dw11": "update",
        "key_observation_ratio": "fewer" if s.dv1 / s.dw11 < 10 else "more",
        "vanishing_ten_layers": "e7",
        "telephone_power": "bound",
        "relu_lecun": "fades",
        "residual_unscaled": "grows",
        "batchnorm_start": "grows",
        "fixes_still_guessing": "plain_sigmoid",
        "check_blame": "all",
        "check_chain": "three",
        "check_strength": "grows",
        "check_vanishing": "slope",
        "check_fixes": "same",
    }
    assert {k: q.correct for k, q in questions(facts).items()} == expected


def test_a_stop_loads_only_what_it_shows():
    loaded: list[str] = []

    def load(name: str):
        loaded.append(name)
        return measure(name)

    f = Facts(load)
    asked(stop("factory"), f)
    assert set(loaded) <= {"course", "theory"}
    asked(stop("relu"), f)
    assert "relu" in loaded and "training" not in loaded and "power" not in loaded
    assert len(loaded) == len(set(loaded)), "a measurement was loaded twice"
    assert set(MEASUREMENTS) >= set(loaded)


@pytest.mark.parametrize(
    ("raw", "number", "says"),
    [
        ("6", 6, None),
        ("chain_rule", 8, None),
        (str(LAST_STOP), LAST_STOP, None),
        ("06", 6, None),
        ("0", 1, "asks for stop 0"),
        ("-3", 1, "asks for stop -3"),
        ("99", LAST_STOP, "asks for stop 99"),
        ("2.5", 2, "asks for stop 2.5"),
        ("1e308", LAST_STOP, "asks for stop 1 × 10³⁰⁸"),
        ("nan", 1, "neither a stop number"),
        ("inf", 1, "neither a stop number"),
        ("", 1, "neither a stop number"),
        ("<script>alert(1)</script>", 1, "neither a stop number"),
        ("9" * 5000, 1, "neither a stop number"),
    ],
)
def test_parse_stop_clamps_and_explains_without_repeating_the_link(raw, number, says):
    got, message = parse_stop(raw, STOP_IDS)
    assert got == number
    if says is None:
        assert message is None
    else:
        assert says in message and f"1 to {LAST_STOP}" in message
        assert "<" not in message and "script" not in message


def test_the_first_stop_gives_away_no_later_answer(facts):
    """Reveal, don't show: stop 1 may say the output weights lead, but not which of them,
    nor any delta or update that later stops ask the student to work out."""
    factory = stop_at(1)
    numbers = factory.numbers(facts)
    shown = " ".join(fill(t, numbers) for t in factory.templates())
    s = core_lesson.course_numbers().step
    for value in (s.delta_out, s.delta1, s.delta2, s.dv1, s.dv2, s.dw11, s.y_hat, s.E):
        assert fmt(value) not in shown, value
    assert factory.picture is None
    assert "v₂" not in fill(factory.reveal, numbers)


def _shown(s, facts) -> list[str]:
    numbers = s.numbers(facts)
    return [fill(t, numbers) for t in s.templates() if t]


MEASURED_FACTOR = re.compile(r"×\d[\d.]* per layer")
MIDDLE = "through the middle of the network"
ENDS = "the layers at the two ends differ"


@pytest.mark.parametrize("s", STOPS, ids=lambda s: s.id)
def test_a_per_layer_factor_beside_layer_1_s_share_says_the_ends_differ(s, facts):
    """A factor above 1 beside "layer 1 receives 0.299" read as a contradiction to a
    student: the factor is fitted over the middle layers, and the text must say so."""
    for text in _shown(s, facts):
        if MEASURED_FACTOR.search(text) and "layer 1" in text:
            assert MIDDLE in text and ENDS in text.lower(), (s.id, text)


@pytest.mark.parametrize("stop_id", ["relu", "residual", "batchnorm", "telephone", "vanishing"])
def test_a_measured_per_layer_factor_names_its_network_s_depth_and_width(stop_id, facts):
    s = stop(stop_id)
    reveal = fill(s.reveal, s.numbers(facts))
    assert re.search(r"\d+ (?:[\w ]+ )?layers (?:of \d+|deep \(\d+ neurons)", reveal), reveal
    if stop_id in ("relu", "residual"):
        assert MIDDLE in reveal and ENDS in reveal


def test_batch_norm_s_factor_says_relu_with_batch_norm_and_its_batch(facts):
    s = stop("batchnorm")
    b = facts.batchnorm
    said = f"ReLU with batch norm, batches of {b.batch}"
    for text in _shown(s, facts):
        if fmt_factor(b.measured) in text:
            assert said in text, text


def test_no_rounded_value_is_called_unrounded(facts):
    """Stop 6 once said "rounds both to 0.024 ... Unrounded they are 0.0236 and 0.024"."""
    for s in STOPS:
        for text in _shown(s, facts):
            before, found, after = text.lower().partition("unrounded")
            if not found:
                continue
            shown_before = set(NUMBER.findall(before))
            for value in NUMBER.findall(re.split(r"\.(?:\s|$)", after)[0]):
                assert value not in shown_before, (s.id, value, text)
    step = core_lesson.course_numbers().step
    rounding = fill(stop("output_updates").rounding, stop("output_updates").numbers(facts))
    precise = fmt(step.dv1, 4), fmt(step.dv2, 4)
    assert precise[0] != precise[1] and all(p in rounding for p in precise), rounding
    assert "nrounded" not in rounding


def test_the_first_stop_gives_both_output_weights_shares(facts):
    grads = core_lesson.course_numbers().gradients
    reveal = fill(stop("factory").reveal, stop("factory").numbers(facts))
    for name in ("v1", "v2"):
        assert fmt(abs(grads[name])) in reveal, (name, reveal)
    assert "about" not in reveal.split("hidden")[0], reveal


def test_a_stop_without_a_diagram_points_to_the_article_s_and_gives_the_weights(facts):
    for s in STOPS:
        for text in _shown(s, facts):
            if "diagram" in text and s.picture is None:
                assert "article's network diagram" in text, (s.id, text)
                assert "previous stop's diagram" not in text, (s.id, text)
    step = core_lesson.course_numbers().step
    intro = fill(stop("forward_hidden").intro, stop("forward_hidden").numbers(facts))
    for symbol, name in (("w₁₁", "w11"), ("w₂₁", "w21"), ("w₁₂", "w12"), ("w₂₂", "w22")):
        assert f"{symbol} = {fmt(getattr(step, name))}" in intro, intro
