"""The guided lesson "Follow the article": its stops in the article's order, as data.

A stop is found by its id (stable, never renamed; a study group's link may carry it) or
by its number, 1 to LAST_STOP, which is only its place in STOPS: stop_number(id) gives
it, nothing else writes it down. The stops themselves live by part of the article:

- lesson_course:   factory, network, forward_hidden, forward_output, output_blame
- lesson_backward: output_updates, hidden_blame, chain_rule, hidden_update,
                   key_observation
- lesson_deep:     vanishing, telephone, relu, residual, batchnorm, fixes_together
- lesson_recap:    takeaways (the article's five takeaways and a self-check)

questions(facts) gives every question ready to ask, with its right answer computed
from core (a later class vote reuses them as they are).
"""

from __future__ import annotations

from dashboard.content.lesson_backward import (
    CHAIN_RULE,
    HIDDEN_BLAME,
    HIDDEN_UPDATE,
    KEY_OBSERVATION,
    OUTPUT_UPDATES,
)
from dashboard.content.lesson_course import (
    FACTORY,
    FORWARD_HIDDEN,
    FORWARD_OUTPUT,
    NETWORK,
    OUTPUT_BLAME,
)
from dashboard.content.lesson_deep import (
    BATCHNORM,
    FIXES_TOGETHER,
    RELU,
    RESIDUAL,
    TELEPHONE,
    VANISHING,
)
from dashboard.content.lesson_facts import Facts
from dashboard.content.lesson_model import AskedQuestion, Stop
from dashboard.content.lesson_recap import TAKEAWAYS_STOP

STOPS: tuple[Stop, ...] = (
    FACTORY,
    NETWORK,
    FORWARD_HIDDEN,
    FORWARD_OUTPUT,
    OUTPUT_BLAME,
    OUTPUT_UPDATES,
    HIDDEN_BLAME,
    CHAIN_RULE,
    HIDDEN_UPDATE,
    KEY_OBSERVATION,
    VANISHING,
    TELEPHONE,
    RELU,
    RESIDUAL,
    BATCHNORM,
    FIXES_TOGETHER,
    TAKEAWAYS_STOP,
)
STOP_IDS: tuple[str, ...] = tuple(s.id for s in STOPS)
LAST_STOP = len(STOPS)
MINUTES = 25  # what the page promises: about 1.5 minutes a stop


def stop(stop_id: str) -> Stop:
    """The stop with this id."""
    return STOPS[stop_number(stop_id) - 1]


def stop_number(stop_id: str) -> int:
    """The stop's number, 1 to LAST_STOP: its place in the URL (?stop=N) and on screen."""
    if stop_id not in STOP_IDS:
        raise KeyError(f"no stop {stop_id!r}; the stops are {', '.join(STOP_IDS)}")
    return STOP_IDS.index(stop_id) + 1


def stop_at(number: int) -> Stop:
    """The stop that ?stop=number opens (1 <= number <= LAST_STOP)."""
    if not 1 <= number <= LAST_STOP:
        raise IndexError(f"stop must be from 1 to {LAST_STOP}; got {number!r}")
    return STOPS[number - 1]


def asked(s: Stop, facts: Facts) -> tuple[AskedQuestion, ...]:
    """The stop's questions, filled with core's numbers and their answers computed."""
    numbers = s.numbers(facts)
    return tuple(q.ask(facts, numbers) for q in s.questions)


def questions(facts: Facts) -> dict[str, AskedQuestion]:
    """Every question of the lesson by its id, in the lesson's order, ready to ask."""
    return {q.id: q for s in STOPS for q in asked(s, facts)}
