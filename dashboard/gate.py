"""At most SLOTS heavy computations at a time, each in a worker process.

Streamlit runs every browser session's script in a thread of one process. When a class
of twenty changes a setting at the same moment, twenty core calls would start at once:
each holds its arrays (core lets one call use up to MAX_MEMORY_BYTES) and all of them
share the machine's cores, so every one finishes late and memory peaks at twenty calls'
worth. The gate lets SLOTS calls compute and queues the rest in arrival order; a queued
page says that it waits and for how long. Memory then holds at most SLOTS calls' arrays
and each call runs at full speed.

Each call runs in one of WORKERS worker processes (dashboard.workers): in threads, the
engine's Python-heavy small-matrix work would take turns on one interpreter, so two
calls would take as long as one after the other and slow every page drawn meanwhile.

Use it inside a cached function, around the core call, so that answers from the cache
never queue:

    @st.cache_data(max_entries=32, show_spinner=False)
    def measure(...):
        return gate.compute(lab.lab_profiles, settings)

SLOTS defaults to the number of cores (at most 2, the size of a Community Cloud app and
of the reference machine); BACKPROP_COMPUTE_SLOTS=1..8 sets it. WORKERS defaults to
SLOTS; BACKPROP_WORKERS=0 computes in the script's own thread instead.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

import streamlit as st

from dashboard import workers
from dashboard.workers import WorkerLost

T = TypeVar("T")
Progress = Callable[[float, str], None]
_LOG = logging.getLogger(__name__)
__all__ = ["SLOTS", "WORKERS", "WorkerLost", "compute", "start_workers"]


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


def _wait_for_slot() -> None:
    """Return holding one of the SLOTS; wait for it first if all are taken.

    While it waits the page shows how many computations are ahead and for how long it
    has waited. The wait wakes every POLL_SECONDS to update that note, which is also
    where Streamlit stops a script whose user changed a setting or left: the ticket is
    withdrawn and no slot is held.
    """
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


def _release() -> None:
    global _running
    with _lock:
        _running -= 1
        _turns.notify_all()


# --- worker processes ---------------------------------------------------------------------


def _workers_from_env() -> int:
    """BACKPROP_WORKERS=0 computes in the script's own thread; otherwise SLOTS workers."""
    return 0 if os.environ.get("BACKPROP_WORKERS", "").strip() == "0" else SLOTS


WORKERS = _workers_from_env()
_pool_lock = threading.Lock()
_idle: list[workers.Worker] = []  # started workers that compute nothing now
_started = threading.Event()  # set once the first workers are up (or have failed)
_starting = False
_no_workers = False  # set for good if worker processes cannot start on this machine


def _start() -> None:
    """Start WORKERS workers and wait until they have loaded core. If they cannot start,
    computing stays in the server process (the app works as before, on one core) and the
    server log says why."""
    global _no_workers
    started: list[workers.Worker] = []
    try:
        started.extend(workers.Worker() for _ in range(WORKERS))
        for worker in started:
            worker.wait_ready()
    except Exception:  # no processes here (a sandbox), no python executable, a crash...
        _LOG.warning("No worker processes: computing in the server process", exc_info=True)
        for worker in started:
            worker.stop()
        _no_workers = True
    else:
        with _pool_lock:
            _idle.extend(started)
    finally:
        _started.set()  # never leave a computation waiting for workers that will not come


def start_workers() -> None:
    """Start the workers in the background, once, so that the first computation need
    not wait for them."""
    global _starting
    with _pool_lock:
        if _starting or WORKERS == 0:
            return
        _starting = True
    threading.Thread(target=_start, daemon=True, name="start-workers").start()


def _take_worker() -> workers.Worker | None:
    """An idle worker for a computation that holds a slot; None without workers."""
    if WORKERS == 0:
        return None
    start_workers()
    _started.wait()
    with _pool_lock:
        if _no_workers:
            return None
        if _idle:
            return _idle.pop()
    worker = workers.Worker()  # one was lost and its replacement is not ready yet
    try:
        worker.wait_ready()
    except WorkerLost:
        worker.stop()
        raise
    return worker


def workers_idle() -> int:
    with _pool_lock:
        return len(_idle)


def compute(
    fn: Callable[..., T], /, *args: Any, progress: Progress | None = None, **kwargs: Any
) -> T:
    """fn(*args, **kwargs) when a slot is free, in a worker process (or in this thread
    without workers); fn must be a module-level function and its arguments picklable.

    Exceptions from fn are raised here. progress(fraction, text), if given, is passed to
    fn as `progress` and called in this thread; if it raises (the script was stopped),
    the worker stops at its next report and the exception goes on. The slot is held
    until the worker is free again. A worker that dies raises WorkerLost.
    """
    _wait_for_slot()
    try:
        worker = _take_worker()
        if worker is None:
            if progress is not None:
                kwargs = {**kwargs, "progress": progress}
            return fn(*args, **kwargs)
        try:
            answer = worker.call(fn, args, kwargs, progress)
        except WorkerLost:
            worker.stop()
            threading.Thread(target=_replace, daemon=True, name="replace-worker").start()
            raise
        except BaseException:
            _give_back(worker)
            raise
        _give_back(worker)
        return answer
    finally:
        _release()


def _replace() -> None:
    """Start a worker in place of one that died, in the background."""
    worker = workers.Worker()
    try:
        worker.wait_ready()
    except WorkerLost:
        worker.stop()
        _LOG.warning("A worker died and its replacement could not start", exc_info=True)
        return
    _give_back(worker)


def _give_back(worker: workers.Worker) -> None:
    if not worker.alive():
        worker.stop()
        return
    with _pool_lock:
        if len(_idle) < WORKERS:
            _idle.append(worker)
            return
    worker.stop()  # one too many: a lost worker was replaced twice
