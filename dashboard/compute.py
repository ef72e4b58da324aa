"""The Streamlit side of a heavy core call: a bounded cache per use, and what the page
shows while the call waits for its turn, computes, or is lost with its worker.

A page wraps each core call in one cached function with small hashable arguments:

    @compute.cached(max_entries=32)
    def power(depth: int) -> myths.PowerMyth:
        return compute.run(myths.power_myth, depth)

`run` hands the call to the server's one worker pool (dashboard.gate), which runs it in
a worker process when a slot is free. Answers from the cache never queue. Elements that
`run` draws (the wait note, the progress bar) are made inside the cached function and
emptied before it returns: Streamlit replays a cached function's elements when it
answers from the cache, and can replay only elements on blocks the function made
itself; emptied, they replay to nothing.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, ParamSpec, TypeVar

import streamlit as st
from streamlit.runtime.scriptrunner import add_script_run_ctx, get_script_run_ctx

from core.limits import Refused
from dashboard import gate

P = ParamSpec("P")
T = TypeVar("T")

# What core raises for inputs past its limits. A page catches it inside its cached function
# (the refusal is cached like an answer) and shows the message; anything else is a bug
# and must surface (a ValueError from a page's own mistake included).
REFUSED: type[Exception] = Refused

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


@st.cache_resource(max_entries=1, show_spinner=False, on_release=gate.Pool.close)
def worker_pool() -> gate.Pool:
    """The server's one pool of worker processes, started in the background.

    st.cache_resource keeps it for the life of the server process: after a source file
    changes, each session's next run re-imports every module of dashboard/ (this one
    too), but the cache lives in Streamlit and this function's key (its module, name and
    source) is unchanged, so every run gets this same pool. A pool kept in a module
    global was made again by each re-import, and the old workers ran on. The workers end
    with the server however it ends: their pipes close with it.

    Clearing st.cache_resource (Streamlit's "Clear caches", which any session can send)
    closes the pool: calls already given to it still get their turn, then its workers
    stop; the next run starts a new pool. That is also how an edit of gate.py,
    workers.py or core/ reaches the workers without a server restart.
    """
    pool = gate.Pool()
    pool.start()
    return pool


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
            except worker_pool().WorkerLost:  # the pool's class: it may predate a reload
                st.error(LOST, icon=":material/error:")
                st.stop()

        return call

    return decorate


@contextlib.contextmanager
def turn() -> Iterator[None]:
    """The `run` calls in this block (cached functions that compute, in this script run)
    wait in the queue once, then keep their slot until the block ends
    (dashboard.gate.Pool.turn): for a page that makes several computations in a row."""
    with worker_pool().turn():
        yield


def in_parallel(calls: Sequence[Callable[[], T]]) -> list[T]:
    """The answers of calls (each a page's cached function that computes with `run`, e.g.
    one network's training), in order. When the server has slots free, the calls are
    shared out among as many threads as it has slots, each computing its share one call
    after the other in a turn (see turn) in a worker process of its own: a page whose
    answer has parts (the networks of the training lab or of the vanishing lab) then
    waits for about half their sum. When every slot is taken or calls wait, splitting
    would gain nothing (the other sessions' calls keep the workers busy) and cost a place
    in the queue per share: the calls are made here, one after the other, in one turn.

    Each share runs in a thread with this script run's context, drawing its calls' notes
    and progress bars in a container of its own (made here, in order). A call's exception
    (Streamlit's stop included) is raised here once every share has ended. A setting
    changed meanwhile takes effect when they have: Streamlit stops a script only in its
    own thread, and each call's answer is cached for the next run."""
    pool = worker_pool()
    shares = min(len(calls), pool.slots)
    if shares <= 1 or pool.waiting() > 0 or pool.running() >= pool.slots:
        with turn():
            return [call() for call in calls]
    ctx = get_script_run_ctx()
    holders = [st.container() for _ in range(shares)]

    def share(k: int) -> list[T]:
        add_script_run_ctx(threading.current_thread(), ctx)
        with holders[k], turn():
            return [calls[i]() for i in range(k, len(calls), shares)]

    with ThreadPoolExecutor(max_workers=shares, thread_name_prefix="page-share") as threads:
        futures = [threads.submit(contextvars.copy_context().run, share, k) for k in range(shares)]
        errors = [f.exception() for f in futures]
    for error in errors:
        if error is not None:
            raise error
    answers: list[T] = [None] * len(calls)  # type: ignore[list-item]
    for k, future in enumerate(futures):
        answers[k::shares] = future.result()
    return answers


def run(
    fn: Callable[..., T], /, *args: Any, bar: Bar | None = None, nbytes: int = 0, **kwargs: Any
) -> T:
    """fn(*args, **kwargs) in a worker process, when a slot is free; call it inside a
    `cached` function. fn must be a module-level core function, its arguments picklable.
    With `bar`, fn gets a `progress` function and a progress bar follows it. While the
    call waits for its turn, a note says so. nbytes: the memory core estimates the call
    holds, for calls that may hold much (dashboard.gate runs big ones alone)."""
    pool, on_wait = worker_pool(), _wait_note()
    if bar is None:
        return pool.compute(fn, *args, on_wait=on_wait, nbytes=nbytes, **kwargs)
    shown = st.progress(0.0, text=bar.first)
    last = 0.0

    def report(fraction: float, text: str) -> None:
        nonlocal last
        if fraction >= 1.0 or fraction - last >= PROGRESS_STEP:
            last = fraction
            shown.progress(min(max(fraction, 0.0), 1.0), text=f"{bar.running} {text}")

    try:
        return pool.compute(fn, *args, on_wait=on_wait, progress=report, nbytes=nbytes, **kwargs)
    finally:
        shown.empty()


def _wait_note() -> Callable[[str], None]:
    """on_wait for the pool: the note is made on the first wait only (most calls never
    wait, and an empty placeholder is still an element), and emptied when the turn comes.
    Streamlit stops a script whose user changed a setting at a call like these."""
    note = None

    def show(text: str) -> None:
        nonlocal note
        if text:
            note = note or st.empty()
            note.info(text, icon=":material/hourglass_top:")
        elif note is not None:
            note.empty()

    return show
