"""At most SLOTS heavy computations at a time in this server process.

Streamlit runs every browser session's script in a thread of one process. When a class
of twenty changes a setting at the same moment, twenty core calls would start at once:
each holds its arrays (core lets one call use up to MAX_MEMORY_BYTES) and all of them
share the machine's cores, so every one finishes late and memory peaks at twenty calls'
worth. The gate lets SLOTS calls compute and queues the rest in arrival order; a queued
page says that it waits and for how long. Memory then holds at most SLOTS calls' arrays
and each call runs at full speed.

Use it inside a cached function, around the core call, so that answers from the cache
never queue:

    @st.cache_data(max_entries=32, show_spinner=False)
    def measure(...):
        with gate.turn():
            return lab.lab_profiles(...)

SLOTS defaults to the number of cores (at most 2, the size of a Community Cloud app and
of the reference machine); BACKPROP_COMPUTE_SLOTS=1..8 sets it.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st


def _slots_from_env() -> int:
    text = os.environ.get("BACKPROP_COMPUTE_SLOTS", "")
    if text.strip().isdigit() and 1 <= int(text) <= 8:
        return int(text)
    return max(1, min(2, os.cpu_count() or 1))


SLOTS = _slots_from_env()
POLL_SECONDS = 0.25  # how often a waiting script wakes: to update its note and to stop

_lock = threading.Lock()
_turns = threading.Condition(_lock)
_running = 0
_queue: list[object] = []  # waiting tickets, first come first served


def running() -> int:
    """How many calls hold a slot now."""
    with _lock:
        return _running


def waiting() -> int:
    """How many calls wait for a slot now."""
    with _lock:
        return len(_queue)


def _take(ticket: object) -> bool:
    """Take a slot if one is free and the ticket is first in the queue (lock held)."""
    global _running
    if _running < SLOTS and _queue and _queue[0] is ticket:
        _queue.pop(0)
        _running += 1
        return True
    return False


@contextmanager
def turn() -> Iterator[None]:
    """Hold one of the SLOTS for the body; wait for it first if all are taken.

    While it waits the page shows how many computations are ahead and for how long it
    has waited. The wait wakes every POLL_SECONDS to update that note, which is also
    where Streamlit stops a script whose user changed a setting or left: the ticket is
    withdrawn and no slot is held.
    """
    global _running
    ticket = object()
    with _lock:
        _queue.append(ticket)
        got = _take(ticket)
    note = None
    shown = ""
    try:
        start = time.monotonic()
        while not got:
            with _lock:
                ahead = _queue.index(ticket) + _running
            text = (
                f"Waiting for a turn: the server computes {SLOTS} thing(s) at a time for "
                f"everyone using it, and {ahead} computation(s) are ahead of this one "
                f"({time.monotonic() - start:.0f} s so far). Results come from a cache "
                "once computed, so going back to a setting is instant."
            )
            if text != shown:  # at least once a second: Streamlit stops a script here
                note = note or st.empty()
                note.info(text, icon=":material/hourglass_top:")
                shown = text
            with _lock:
                got = _take(ticket) or (_turns.wait(POLL_SECONDS) and _take(ticket))
    except BaseException:  # stopped or rerun while waiting: withdraw the ticket
        with _lock:
            if ticket in _queue:
                _queue.remove(ticket)
            _turns.notify_all()  # the next in line may be able to go now
        raise
    if note is not None:
        note.empty()  # a cached function replays its elements: leave nothing behind
    try:
        yield
    finally:
        with _lock:
            _running -= 1
            _turns.notify_all()
