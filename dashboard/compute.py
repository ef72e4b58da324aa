"""The Streamlit side of a heavy core call: a bounded cache per use, and what the page
shows while the call waits for its turn, computes, or is lost with its worker.

A page wraps each core call in one cached function with small hashable arguments:

    @compute.cached(max_entries=32)
    def power(depth: int) -> myths.PowerMyth:
        return compute.run(myths.power_myth, depth)

`run` hands the call to dashboard.gate, which runs it in a worker process when a slot is
free. Answers from the cache never queue. Elements that `run` draws (the wait note, the
progress bar) are made inside the cached function and emptied before it returns:
Streamlit replays a cached function's elements when it answers from the cache, and can
replay only elements on blocks the function made itself; emptied, they replay to nothing.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ParamSpec, TypeVar

import streamlit as st

from dashboard import gate

P = ParamSpec("P")
T = TypeVar("T")

# What core raises for inputs past its limits. A page catches it inside its cached function
# (the refusal is cached like an answer) and shows the message; anything else is a bug
# and must surface. core.limits.Refused(ValueError) will narrow it here, in one line.
REFUSED: type[Exception] = ValueError

PROGRESS_STEP = 0.02  # redraw a bar every 2% (each redraw is a message to the browser)
LOST = (
    "The process computing this page stopped before it answered: the server may be short "
    "of memory. Change a setting or reload the page to try again; smaller networks need less."
)


@dataclass(frozen=True)
class Bar:
    """A progress bar for a core call that reports progress: `first` until the first
    report, then `running` followed by core's own text."""

    first: str
    running: str


def cached(
    *, max_entries: int, spinner: str | None = None
) -> Callable[[Callable[P, T]], Callable[P, T]]:
    """st.cache_data for a page's core call, with a bound on its entries and Streamlit's
    spinner only when `spinner` is given (shown on a cache miss).

    If the worker computing it is lost (killed, out of memory), the page says so where
    the call was made and stops; nothing is cached, so the next run tries again.
    """

    def decorate(fn: Callable[P, T]) -> Callable[P, T]:
        cached_fn = st.cache_data(max_entries=max_entries, show_spinner=spinner or False)(fn)

        @functools.wraps(fn)
        def call(*args: P.args, **kwargs: P.kwargs) -> T:
            try:
                return cached_fn(*args, **kwargs)
            except gate.WorkerLost:
                st.error(LOST, icon=":material/error:")
                st.stop()

        return call

    return decorate


def run(fn: Callable[..., T], /, *args: Any, bar: Bar | None = None, **kwargs: Any) -> T:
    """fn(*args, **kwargs) in a worker process, when a slot is free; call it inside a
    `cached` function. fn must be a module-level core function, its arguments picklable.
    With `bar`, fn gets a `progress` function and a progress bar follows it."""
    if bar is None:
        return gate.compute(fn, *args, **kwargs)
    shown = st.progress(0.0, text=bar.first)
    last = 0.0

    def report(fraction: float, text: str) -> None:
        nonlocal last
        if fraction >= 1.0 or fraction - last >= PROGRESS_STEP:
            last = fraction
            shown.progress(min(max(fraction, 0.0), 1.0), text=f"{bar.running} {text}")

    try:
        return gate.compute(fn, *args, progress=report, **kwargs)
    finally:
        shown.empty()
