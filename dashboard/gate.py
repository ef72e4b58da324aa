"""At most `slots` heavy computations at a time, each in a worker process of one Pool.

Streamlit runs every browser session's script in a thread of one process. When a class
of twenty changes a setting at the same moment, twenty core calls would start at once:
each holds its arrays (core lets one call use up to MAX_MEMORY_BYTES) and all of them
share the machine's cores, so every one finishes late and memory peaks at twenty calls'
worth. A Pool lets `slots` calls compute and queues the rest in arrival order; a queued
call tells its caller that it waits and for how long (`on_wait`). Memory then holds at
most `slots` calls' arrays and each call runs at full speed.

Each call runs in one of the pool's worker processes (dashboard.workers): in threads, the
engine's Python-heavy small-matrix work would take turns on one interpreter, so two
calls would take as long as one after the other and slow every page drawn meanwhile.

A Pool owns its workers: it starts them, replaces one that died (one that died while
idle before it is given a call), and stops them on close(). The server keeps exactly
one (dashboard.compute makes it with st.cache_resource): Streamlit re-imports every
module of dashboard/ after a source file changes, and a pool kept in this module's
globals was started again each time while the old one's workers ran on. Nothing here
imports Streamlit.

SLOTS defaults to the number of cores (at most 2, the size of a Community Cloud app and
of the reference machine); BACKPROP_COMPUTE_SLOTS=1..8 sets it. WORKERS defaults to
SLOTS; BACKPROP_WORKERS=0 computes in the caller's own thread instead.

Memory: a call may say how much it will hold (`nbytes`, core's estimate). Calls start
beside others only while their estimates add up to at most MEMORY_BYTES; a bigger one
waits until it can run alone, and the queue waits behind it (first come, first served),
so two big calls never hold their arrays at once. BACKPROP_POOL_MEMORY_MB sets it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from dashboard import workers
from dashboard.workers import WorkerLost

T = TypeVar("T")
Progress = Callable[[float, str], None]
OnWait = Callable[[str], None]
_LOG = logging.getLogger(__name__)
__all__ = ["SLOTS", "WORKERS", "Pool", "WorkerLost"]

POLL_SECONDS = 0.25  # how often a waiting call wakes: to update its note and to stop
TURN_GRACE_SECONDS = 0.25  # a turn's slot waits this long for the turn's next computation


def _slots_from_env() -> int:
    text = os.environ.get("BACKPROP_COMPUTE_SLOTS", "")
    if text.strip().isdigit() and 1 <= int(text) <= 8:
        return int(text)
    return max(1, min(2, os.cpu_count() or 1))


def _workers_from_env(slots: int) -> int:
    """BACKPROP_WORKERS=0 computes in the caller's own thread; otherwise `slots` workers."""
    return 0 if os.environ.get("BACKPROP_WORKERS", "").strip() == "0" else slots


def _memory_from_env() -> int:
    text = os.environ.get("BACKPROP_POOL_MEMORY_MB", "")
    if text.strip().isdigit() and 1 <= int(text) <= 100_000:
        return int(text) * 1_000_000
    return 250_000_000  # with the server (~220 MB) and two idle workers (~70 MB each): 600 MB


SLOTS = _slots_from_env()
WORKERS = _workers_from_env(SLOTS)
MEMORY_BYTES = _memory_from_env()


def _wait_text(slots: int, ahead: int, seconds: float) -> str:
    return (
        f"Waiting for a turn: the server computes {slots} thing(s) at a time for "
        f"everyone using it, and {ahead} computation(s) are ahead of this one "
        f"({seconds:.0f} s so far). Results come from a cache once computed, so going "
        "back to a setting is instant."
    )


class Pool:
    """`slots` computations at a time, first come first served, in `n_workers` workers
    (0: in the caller's thread)."""

    # A caller that catches it should take it from its pool: the pool outlives Streamlit's
    # reloads of dashboard.workers, and each load makes a new class.
    WorkerLost = WorkerLost

    def __init__(
        self, slots: int = SLOTS, n_workers: int = WORKERS, memory: int = MEMORY_BYTES
    ) -> None:
        self.slots, self.n_workers, self.memory = slots, n_workers, memory
        self._lock = threading.Lock()  # the slots and the queue
        self._turns = threading.Condition(self._lock)
        self._running = 0
        self._holding: dict[object, int] = {}  # running call's token -> its nbytes
        self._queue: list[object] = []  # waiting tickets, first come first served
        self._pool_lock = threading.Lock()  # the workers
        self._idle: list[workers.Worker] = []  # started workers that compute nothing now
        self._started = threading.Event()  # set once the first workers are up (or failed)
        self._starting = False
        self._no_workers = False  # set for good if worker processes cannot start here
        self._closed = False
        self._in_turn: set[int] = set()  # threads inside a turn()
        self._reserved: dict[int, object] = {}  # thread -> token of a slot kept for it

    # --- the queue ------------------------------------------------------------------

    def running(self) -> int:
        """How many calls hold a slot now."""
        with self._lock:
            return self._running

    def waiting(self) -> int:
        """How many calls wait for a slot now."""
        with self._lock:
            return len(self._queue)

    def holding(self) -> int:
        """The estimated bytes of the calls that compute now."""
        with self._lock:
            return sum(self._holding.values())

    def _take(self, ticket: object, nbytes: int = 0) -> bool:
        """Take a slot if one is free, the ticket is first in the queue and its memory
        fits beside the running calls' (or nothing runs) (lock held)."""
        if self._running < self.slots and self._queue and self._queue[0] is ticket:
            if self._running and sum(self._holding.values()) + nbytes > self.memory:
                return False
            self._queue.pop(0)
            self._running += 1
            self._holding[ticket] = nbytes
            return True
        return False

    def _wait_for_slot(self, on_wait: OnWait | None, nbytes: int = 0) -> object:
        """Return holding one of the slots; wait for it first if all are taken.

        While it waits, on_wait(text) says how many computations are ahead and for how
        long this one has waited, at least once a second; on_wait("") once the turn
        has come. If on_wait raises (Streamlit stops a script whose user changed a
        setting or left), the ticket is withdrawn, no slot is held and the exception
        goes on. Returns the ticket, which _release takes back.
        """
        ticket = object()
        with self._lock:
            self._queue.append(ticket)
            got = self._take(ticket, nbytes)
        shown = ""
        try:
            start = time.monotonic()
            while not got:
                with self._lock:
                    ahead = self._queue.index(ticket) + self._running
                text = _wait_text(self.slots, ahead, time.monotonic() - start)
                if on_wait is not None and text != shown:
                    on_wait(text)
                    shown = text
                with self._lock:
                    got = self._take(ticket, nbytes) or (
                        self._turns.wait(POLL_SECONDS) and self._take(ticket, nbytes)
                    )
        except BaseException:  # stopped or rerun while waiting: withdraw the ticket
            with self._lock:
                if ticket in self._queue:
                    self._queue.remove(ticket)
                self._turns.notify_all()  # the next in line may be able to go now
            raise
        if shown and on_wait is not None:
            on_wait("")
        return ticket

    def _release(self, ticket: object | None = None) -> None:
        with self._lock:
            self._running -= 1
            self._holding.pop(ticket, None)
            self._turns.notify_all()

    # --- the workers ----------------------------------------------------------------

    def idle(self) -> int:
        """How many started workers compute nothing now."""
        with self._pool_lock:
            return len(self._idle)

    def start(self) -> None:
        """Start the workers in the background, once, so that the first computation need
        not wait for them."""
        with self._pool_lock:
            if self._starting or self.n_workers == 0:
                return
            self._starting = True
        threading.Thread(target=self._start, daemon=True, name="start-workers").start()

    def _start(self) -> None:
        """Start the workers and wait until they have loaded core. If they cannot start,
        computing stays in the server process (the app works as before, on one core) and
        the server log says why."""
        started: list[workers.Worker] = []
        try:
            started.extend(workers.Worker() for _ in range(self.n_workers))
            for worker in started:
                worker.wait_ready()
        except Exception:  # no processes here (a sandbox), no python executable, a crash...
            _LOG.warning("No worker processes: computing in the server process", exc_info=True)
            for worker in started:
                worker.stop()
            with self._pool_lock:
                self._no_workers = True
        else:
            for worker in started:
                self._give_back(worker)
        finally:
            self._started.set()  # never leave a computation waiting for workers that won't come

    def _take_worker(self) -> workers.Worker | None:
        """A live idle worker for a computation that holds a slot; None without workers.

        A worker that died while idle (killed, out of memory) is found here, before it is
        given a call: it is reaped and a new one takes its place.
        """
        if self.n_workers == 0:
            return None
        self.start()
        self._started.wait()
        with self._pool_lock:
            if self._no_workers:
                return None
            dead = [w for w in self._idle if not w.alive()]
            self._idle = [w for w in self._idle if w not in dead]
            worker = self._idle.pop() if self._idle else None
        for lost in dead:
            _LOG.warning("Worker process %s died while idle: replacing it", lost.pid)
            lost.stop()
        for _ in range(len(dead) - (worker is None)):  # one started below replaces one
            self._replace_in_background()
        if worker is not None:
            return worker
        worker = workers.Worker()  # one was lost and its replacement is not ready yet
        try:
            worker.wait_ready()
        except WorkerLost:
            worker.stop()
            raise
        return worker

    def _replace_in_background(self) -> None:
        """Start a worker in place of one that died (a closing pool needs none)."""
        with self._pool_lock:
            if self._closed:
                return
        threading.Thread(target=self._replace, daemon=True, name="replace-worker").start()

    def _replace(self) -> None:
        worker = workers.Worker()
        try:
            worker.wait_ready()
        except WorkerLost:
            worker.stop()
            _LOG.warning("A worker died and its replacement could not start", exc_info=True)
            return
        self._give_back(worker)

    def _give_back(self, worker: workers.Worker) -> None:
        if worker.alive():
            with self._pool_lock:
                if len(self._idle) < self.n_workers and not (self._closed and not self.waiting()):
                    self._idle.append(worker)
                    return
        worker.stop()  # dead, one too many (a lost worker replaced twice), or closed

    def close(self) -> None:
        """Stop every worker as soon as it is idle and no call waits. Calls that already
        hold or wait for a turn here still get it (a cleared st.cache_resource closes the
        server's pool while other sessions use it: none of them fails); a closed pool
        keeps no worker once they are done."""
        with self._pool_lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for worker in idle:
            self._give_back(worker)

    # --- the one way in -------------------------------------------------------------

    def compute(
        self,
        fn: Callable[..., T],
        /,
        *args: Any,
        on_wait: OnWait | None = None,
        progress: Progress | None = None,
        nbytes: int = 0,
        **kwargs: Any,
    ) -> T:
        """fn(*args, **kwargs) when a slot is free, in a worker process (or in this thread
        without workers); fn must be a module-level function and its arguments picklable.

        Exceptions from fn are raised here. on_wait(text): see _wait_for_slot.
        progress(fraction, text), if given, is passed to fn as `progress` and called in
        this thread; if it raises (the script was stopped), the worker stops at its next
        report and the exception goes on. The slot is held until the worker is free
        again. A worker that dies raises WorkerLost; an answer that cannot travel back
        (it cannot be pickled) raises workers.Unpicklable, and the worker serves the next
        call.
        A closed pool still computes, in a worker it stops afterwards. Inside a turn()
        of this thread, the slot is kept for the turn's next call for a moment.
        nbytes: the memory the call will hold, as core estimates it (see the module's
        docstring); a turn's kept slot serves its next call only if that call's memory
        fits beside the others' (or nothing else runs), else the call queues.
        """
        ident = threading.get_ident()
        ticket = self._reclaim_fitting(ident, nbytes) or self._wait_for_slot(on_wait, nbytes)
        try:
            worker = self._take_worker()
            if worker is None:
                if progress is not None:
                    kwargs = {**kwargs, "progress": progress}
                return fn(*args, **kwargs)
            try:
                answer = worker.call(fn, args, kwargs, progress)
            except WorkerLost:
                worker.stop()
                self._replace_in_background()
                raise
            except BaseException:
                self._give_back(worker)
                raise
            self._give_back(worker)
            return answer
        finally:
            if ident in self._in_turn:
                with self._lock:
                    self._holding.pop(ticket, None)  # a kept slot holds no memory
                self._reserve(ident)
            else:
                self._release(ticket)

    @contextlib.contextmanager
    def turn(self) -> Iterator[None]:
        """A block whose computations (in this thread) wait in the queue once: after each,
        its slot is kept for the block's next computation for up to TURN_GRACE_SECONDS.
        A page that makes several computations in a row (the training lab, one per
        network) would otherwise go to the back of the queue before each, and under load
        wait several times as long as a page that makes one.

        Not for the whole block: between its computations the block may wait for
        something else, such as Streamlit's lock on a cache entry that another session
        is computing, and a slot held through that wait can close a circle of sessions,
        each waiting for another. A load run with slots held for whole blocks had pages
        wait 13-25 s where they had waited 3-4 s. The slot is given back when the block
        ends, however it ends."""
        ident = threading.get_ident()
        if ident in self._in_turn:  # nested: part of the outer turn
            yield
            return
        self._in_turn.add(ident)
        try:
            yield
        finally:
            self._in_turn.discard(ident)
            if self._reclaim(ident):
                self._release()

    def _reserve(self, ident: int) -> None:
        """Keep this thread's slot for TURN_GRACE_SECONDS, then give it back unless the
        thread has taken it again."""
        token = object()
        with self._lock:
            self._reserved[ident] = token
        timer = threading.Timer(TURN_GRACE_SECONDS, self._lapse, args=(ident, token))
        timer.daemon = True
        timer.start()

    def _reclaim(self, ident: int) -> bool:
        """Take back the slot kept for this thread, if it still is."""
        with self._lock:
            return self._reserved.pop(ident, None) is not None

    def _reclaim_fitting(self, ident: int, nbytes: int) -> object | None:
        """A ticket holding the slot kept for this thread, if it still is and the call's
        memory fits beside the running calls' (as _take asks of a queued call); None
        otherwise, the kept slot given back (the call then queues like any other)."""
        if not self._reclaim(ident):
            return None
        with self._lock:
            others = self._running > 1
            if others and sum(self._holding.values()) + nbytes > self.memory:
                self._running -= 1
                self._turns.notify_all()
                return None
            ticket = object()
            self._holding[ticket] = nbytes
            return ticket

    def _lapse(self, ident: int, token: object) -> None:
        with self._lock:
            if self._reserved.get(ident) is not token:
                return  # taken again, or given back when the turn ended
            del self._reserved[ident]
        self._release()
