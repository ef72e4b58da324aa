"""dashboard.gate: a Pool runs at most `slots` computations at once, first come first
served, in its worker processes, and a script stopped while it waits gives its place up."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import threading
import time
from pathlib import Path

import pandas as pd
import pytest

from core.experiments import check_int, train_variants, variant_spec
from dashboard import gate, workers
from tests import worker_calls
from tests.share import APPTEST_TIMEOUT, WAIT_TIMEOUT

ROOT = Path(__file__).resolve().parents[1]


class Notes(list):
    """Stands in for the page's wait note (on_wait): records what it would show."""

    fail = False

    def __call__(self, text: str) -> None:
        if text and self.fail:
            raise RuntimeError("script stopped")  # what Streamlit raises on a rerun
        self.append(text or "<cleared>")


@pytest.fixture
def notes(monkeypatch):
    monkeypatch.setattr(gate, "POLL_SECONDS", 0.01)
    return Notes()


def queue(slots: int) -> gate.Pool:
    """A pool without workers: the queue itself, bodies run in the calling thread."""
    return gate.Pool(slots=slots, n_workers=0)


def wait_for(condition, timeout: float = WAIT_TIMEOUT) -> None:
    end = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.005)


def test_at_most_slots_run_at_once_and_all_finish(notes):
    pool = queue(2)
    active, peak, done = [0], [0], []
    lock = threading.Lock()
    release = threading.Event()

    def work(i: int) -> None:
        with lock:
            active[0] += 1
            peak[0] = max(peak[0], active[0])
        release.wait(5)
        with lock:
            active[0] -= 1
            done.append(i)

    threads = [
        threading.Thread(target=pool.compute, args=(work, i), kwargs={"on_wait": notes})
        for i in range(6)
    ]
    for t in threads:
        t.start()
    wait_for(lambda: pool.running() == 2 and pool.waiting() == 4)
    release.set()
    for t in threads:
        t.join(5)
    assert sorted(done) == list(range(6))
    assert peak[0] == 2
    assert pool.running() == 0 and pool.waiting() == 0
    waits = [t for t in notes if t.startswith("Waiting")]
    assert waits and all("2 thing(s) at a time" in t for t in waits)
    assert notes.count("<cleared>") == 4  # every waiting page's note was taken away


def test_first_come_first_served(notes):
    pool = queue(1)
    order: list[int] = []
    hold = threading.Event()

    t0 = threading.Thread(target=pool.compute, args=(hold.wait, 5))
    t0.start()
    wait_for(lambda: pool.running() == 1)
    threads = []
    for i in range(4):  # queue them one after another
        t = threading.Thread(target=pool.compute, args=(order.append, i))
        t.start()
        threads.append(t)
        wait_for(lambda n=i + 1: pool.waiting() == n)
    hold.set()
    for t in [t0, *threads]:
        t.join(5)
    assert order == [0, 1, 2, 3]


def test_a_script_stopped_while_waiting_gives_its_place_up(notes):
    pool = queue(1)
    hold = threading.Event()
    errors: list[BaseException] = []
    ran: list[str] = []

    def stopped() -> None:
        try:
            # never runs: stopped before its turn
            pool.compute(ran.append, "stopped", on_wait=notes)
        except RuntimeError as exc:
            errors.append(exc)

    t0 = threading.Thread(target=pool.compute, args=(hold.wait, 5))
    t0.start()
    wait_for(lambda: pool.running() == 1)
    notes.fail = True
    t1 = threading.Thread(target=stopped)
    t1.start()
    t1.join(5)
    assert [str(e) for e in errors] == ["script stopped"]
    assert pool.waiting() == 0  # the ticket is withdrawn, not left blocking the queue
    hold.set()
    t0.join(5)
    pool.compute(ran.append, "after")  # the holder's slot came back, nobody is queued
    assert ran == ["after"]
    assert pool.running() == 0


def test_an_error_inside_the_turn_frees_the_slot(notes):
    pool = queue(1)
    with pytest.raises(ValueError, match="whole number"):
        pool.compute(check_int, "x", 5, 0, 1)
    assert pool.running() == 0 and pool.waiting() == 0
    assert pool.compute(pool.running) == 1


def test_a_turn_waits_in_the_queue_once_for_all_its_computations(notes, monkeypatch):
    monkeypatch.setattr(gate, "TURN_GRACE_SECONDS", 60.0)  # never lapses in this test
    pool = queue(1)
    order: list[str] = []
    hold, first_done = threading.Event(), threading.Event()

    def page() -> None:  # a page that computes three things in a row, in one turn
        with pool.turn():
            pool.compute(order.append, "page 0", on_wait=notes)
            first_done.set()
            wait_for(lambda: pool.waiting() == 1)  # another page has queued meanwhile
            pool.compute(order.append, "page 1")  # without a turn: after the other page
            pool.compute(order.append, "page 2")

    blocker = threading.Thread(target=pool.compute, args=(hold.wait, 5))
    blocker.start()
    wait_for(lambda: pool.running() == 1)
    in_turn = threading.Thread(target=page)
    in_turn.start()
    wait_for(lambda: pool.waiting() == 1)  # the page waits once, for its first computation
    hold.set()
    first_done.wait(5)
    late = threading.Thread(target=pool.compute, args=(order.append, "other page"))
    late.start()
    for t in (blocker, in_turn, late):
        t.join(5)
    assert order == ["page 0", "page 1", "page 2", "other page"]
    assert pool.running() == 0 and pool.waiting() == 0


def test_a_turn_that_waits_for_something_else_lets_its_slot_go(notes, monkeypatch):
    # Between its computations a page may wait on another session (a cache entry it is
    # computing, which may itself wait for a slot): the turn's slot must not wait too.
    monkeypatch.setattr(gate, "TURN_GRACE_SECONDS", 0.01)
    pool = queue(1)
    order: list[str] = []
    first_done = threading.Event()

    def page() -> None:
        with pool.turn():
            pool.compute(order.append, "page 0")
            first_done.set()
            wait_for(lambda: "other page" in order)  # only if the slot was given back
            pool.compute(order.append, "page 1")

    in_turn = threading.Thread(target=page)
    in_turn.start()
    first_done.wait(5)
    pool.compute(order.append, "other page")
    in_turn.join(5)
    assert order == ["page 0", "other page", "page 1"]
    assert pool.running() == 0


def test_a_turn_that_computes_nothing_or_fails_holds_no_slot(notes):
    pool = queue(1)
    with pool.turn():
        pass
    assert pool.running() == 0
    with pytest.raises(ValueError, match="whole number"), pool.turn():
        pool.compute(check_int, "x", 5, 0, 1)
        pool.compute(check_int, "y", 5, 0, 1)  # not reached
    assert pool.running() == 0 and pool.waiting() == 0
    with pool.turn(), pool.turn():  # nested: one slot, given back once
        assert pool.compute(pool.running) == 1
    assert pool.compute(pool.running) == 1 and pool.running() == 0


@pytest.mark.parametrize(
    ("text", "expected"), [("1", 1), ("8", 8), ("0", None), ("9", None), ("x", None), ("", None)]
)
def test_slots_from_the_environment(monkeypatch, text, expected):
    monkeypatch.setenv("BACKPROP_COMPUTE_SLOTS", text)
    default = max(1, min(2, __import__("os").cpu_count() or 1))
    assert gate._slots_from_env() == (expected if expected is not None else default)


@pytest.mark.parametrize(("text", "expected"), [("0", 0), (" 0 ", 0), ("", 3), ("1", 3), ("x", 3)])
def test_workers_from_the_environment(monkeypatch, text, expected):
    monkeypatch.setenv("BACKPROP_WORKERS", text)
    assert gate._workers_from_env(3) == expected  # 0: in the caller's thread; else one per slot


def test_a_pool_takes_its_sizes_from_the_environment_by_default():
    pool = gate.Pool()
    assert (pool.slots, pool.n_workers) == (gate.SLOTS, gate.WORKERS)


# --- worker processes -------------------------------------------------------------------

TINY_TRAINING = {
    "n_samples": 60,
    "noise": 0.2,
    "lr": 0.5,
    "batch": 12,
    "seed": 0,
    "loss": "bce",
}


def tiny_specs() -> dict:
    return {v: variant_spec(v, 2, 6, n_in=2, activation="sigmoid") for v in ("plain_sigmoid",)}


@pytest.fixture(scope="module")
def started():
    """Two slots, two workers (whatever the environment says), shared by this module's
    tests; each leaves it as it found it."""
    pool = gate.Pool(slots=2, n_workers=2)
    pool.start()
    assert pool._started.wait(60)
    assert not pool._no_workers, "worker processes could not start on this machine"
    yield pool
    pool.close()


@pytest.fixture
def with_workers(started):
    wait_for(lambda: started.idle() == started.n_workers)
    return started


def test_a_computation_runs_in_another_process(with_workers):
    pool = with_workers
    assert pool.compute(os.getpid) != os.getpid()
    assert pool.running() == 0
    assert pool.idle() == pool.n_workers


def test_two_computations_run_in_two_workers_at_once(with_workers):
    pool = with_workers
    hold = 3.0  # seconds: long enough to see both at work, never waited out
    threads = [threading.Thread(target=pool.compute, args=(time.sleep, hold)) for _ in range(2)]
    for t in threads:
        t.start()
    wait_for(lambda: pool.running() == 2 and pool.idle() == pool.n_workers - 2)
    for t in threads:
        t.join(30)
    assert pool.idle() == pool.n_workers


def test_a_function_the_worker_cannot_import_is_refused_and_the_worker_lives_on(with_workers):
    pool = with_workers
    with pytest.raises(RuntimeError, match="cannot read this call"):
        pool.compute(tiny_specs)  # defined in this test module, which workers do not load
    assert pool.idle() == pool.n_workers
    assert pool.compute(check_int, "x", 1, 0, 1) == 1


def test_without_workers_it_runs_in_the_scripts_thread():
    pool = gate.Pool(slots=2, n_workers=0)
    assert pool.compute(threading.get_ident) == threading.get_ident()
    assert pool.running() == 0


def test_cores_refusal_comes_back_as_the_same_error(with_workers):
    pool = with_workers
    with pytest.raises(ValueError, match="whole number from 0 to 1; got 5"):
        pool.compute(check_int, "x", 5, 0, 1)
    assert pool.running() == 0 and pool.idle() == pool.n_workers


def test_progress_reaches_the_page_and_the_answer_equals_an_in_process_run(with_workers):
    seen: list[tuple[float, str]] = []
    result = with_workers.compute(
        train_variants,
        tiny_specs(),
        "moons",
        steps=200,
        progress=lambda f, t: seen.append((f, t)),
        **TINY_TRAINING,
    )
    here = train_variants(tiny_specs(), "moons", steps=200, **TINY_TRAINING)
    pd.testing.assert_frame_equal(result.history_frame(), here.history_frame())
    fractions = [f for f, _ in seen]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0 and len(fractions) >= 2
    assert seen[-1][1] == "done"


def test_a_worker_told_to_stop_raises_cancelled_at_its_next_report():
    read_end, write_end = os.pipe()
    with os.fdopen(read_end, "rb", buffering=0) as requests, open(os.devnull, "wb") as out:
        report = workers._Reporter(requests, out)
        report(0.1, "not cancelled: goes on")
        data = pickle.dumps(("cancel",))
        os.write(write_end, len(data).to_bytes(8, "little") + data)
        with pytest.raises(workers.Cancelled):
            report(1.0, "cancelled")
    os.close(write_end)


def test_a_stopped_script_stops_its_worker_which_then_serves_the_next(with_workers):
    pool = with_workers

    class Stopped(Exception):
        pass

    calls: list[float] = []

    def stop(fraction: float, text: str) -> None:
        calls.append(fraction)
        raise Stopped  # what Streamlit raises in a script whose user changed a setting

    with pytest.raises(Stopped):
        pool.compute(
            train_variants, tiny_specs(), "moons", progress=stop, **{**TINY_TRAINING, "steps": 3000}
        )
    assert calls == [0.0]  # told once; later reports were read but not shown
    assert pool.running() == 0 and pool.idle() == pool.n_workers
    for _ in range(2 * pool.n_workers):  # every worker answers its next call correctly
        assert pool.compute(check_int, "x", 1, 0, 1) == 1


def test_a_worker_that_dies_is_reported_and_replaced(with_workers):
    pool = with_workers
    with pytest.raises(gate.WorkerLost):
        pool.compute(os._exit, 3)
    assert pool.running() == 0
    wait_for(lambda: pool.idle() == pool.n_workers)  # one took its place
    assert pool.compute(os.getpid) != os.getpid()


def test_workers_do_not_outlive_a_killed_server(tmp_path):
    # A server killed outright (no clean shutdown) must not leave its workers behind.
    script = tmp_path / "server.py"
    script.write_text(
        "import sys, time\n"
        f"sys.path.insert(0, {str(ROOT)!r})\n"
        "from dashboard import workers\n"
        "started = [workers.Worker() for _ in range(2)]\n"
        "for w in started:\n"
        "    w.wait_ready()\n"
        "print(' '.join(str(w.pid) for w in started), flush=True)\n"
        "time.sleep(60)\n"
    )
    server = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    try:
        pids = [int(p) for p in server.stdout.readline().split()]
        assert len(pids) == 2 and all(Path(f"/proc/{p}").exists() for p in pids)
    finally:
        server.kill()
        server.wait(10)
    wait_for(lambda: not any(is_running(p) for p in pids))


def is_running(pid: int) -> bool:
    """A live process (a zombie has ended: only its parent's bookkeeping is left)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] != "Z"
    except (OSError, IndexError):
        return False


def test_a_lost_worker_is_explained_on_the_page(monkeypatch):
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from dashboard import compute

    pool = compute.worker_pool()  # the server's pool, which the pages use

    def lost(*args, **kwargs):
        raise pool.WorkerLost("killed")

    monkeypatch.setattr(pool, "compute", lost)
    st.cache_data.clear()  # every myth is computed again, and each call is lost
    at = AppTest.from_file(str(ROOT / "dashboard" / "app.py"), default_timeout=APPTEST_TIMEOUT)
    at.run()
    at.switch_page("app_pages/myths.py")
    at.run()
    assert not at.exception
    assert any("stopped before it answered" in e.value for e in at.error)


def test_workers_that_cannot_start_leave_the_app_computing_in_process(monkeypatch):
    def broken() -> None:
        raise RuntimeError("an unexpected failure, not only OSError")

    pool = gate.Pool(slots=2, n_workers=2)
    monkeypatch.setattr(gate.workers, "Worker", broken)
    answers: list[int] = []
    caller = threading.Thread(target=lambda: answers.append(pool.compute(threading.get_ident)))
    caller.start()
    caller.join(30)  # it must not wait for workers that will never come
    assert answers == [caller.ident]  # computed in the caller's own thread
    assert pool._no_workers and pool.running() == 0


def idle_pids(pool: gate.Pool) -> set[int]:
    with pool._pool_lock:
        return {w.pid for w in pool._idle}


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            worker_calls.result_holding_a_lock,
            r"result_holding_a_lock returned a builtins\.dict, which the worker cannot send "
            r"back: result\['guard'\] is a _thread\.lock, which cannot be pickled",
        ),
        (
            worker_calls.error_holding_a_lock,
            r"error_holding_a_lock raised ValueError: refused, with a lock attached, which "
            r"the worker cannot send back: exception\.guard is a _thread\.lock",
        ),
        (
            worker_calls.error_the_server_cannot_unpickle,
            r"the server cannot unpickle the worker's answer \(TypeError: .*missing 1 "
            r"required positional argument",
        ),
    ],
)
def test_an_answer_that_cannot_be_pickled_is_named_and_the_worker_lives_on(
    with_workers, call, message
):
    pool = with_workers
    before = idle_pids(pool)
    assert len(before) == pool.n_workers
    with pytest.raises(workers.Unpicklable, match=message):
        pool.compute(call)
    assert pool.running() == 0
    assert idle_pids(pool) == before  # the same processes: none was lost, none replaced
    for _ in range(2 * pool.n_workers):
        assert pool.compute(check_int, "x", 1, 0, 1) == 1


class FakeNote:
    """Stands in for st.empty(): records what the waiting page would show."""

    def __init__(self) -> None:
        self.log: list[str] = []

    def info(self, text: str, icon: str | None = None) -> None:
        self.log.append(text)

    def empty(self) -> None:
        self.log.append("<cleared>")


def test_the_pages_wait_note_is_made_on_the_first_wait_and_emptied_when_the_turn_comes(
    monkeypatch, notes
):
    from dashboard import compute

    made: list[FakeNote] = []
    monkeypatch.setattr(compute.st, "empty", lambda: made.append(FakeNote()) or made[-1])
    pool = queue(1)
    pool.compute(os.getpid, on_wait=compute._wait_note())
    assert made == []  # a call that never waits draws nothing, not even a placeholder
    hold = threading.Event()
    holder = threading.Thread(target=pool.compute, args=(hold.wait, 5))
    holder.start()
    wait_for(lambda: pool.running() == 1)
    threading.Timer(0.1, hold.set).start()  # the turn comes after a few polls
    assert pool.compute(os.getpid, on_wait=compute._wait_note()) == os.getpid()
    holder.join(5)
    assert len(made) == 1  # one placeholder for the whole wait
    *waits, last = made[0].log
    assert waits and all(t.startswith("Waiting for a turn") for t in waits)
    assert last == "<cleared>"  # emptied: a cache hit replays it to nothing


def test_calls_start_beside_others_only_while_their_memory_fits(notes):
    pool = gate.Pool(slots=2, n_workers=0, memory=100)
    order: list[str] = []
    hold = threading.Event()
    big = threading.Thread(target=pool.compute, args=(hold.wait, 5), kwargs={"nbytes": 80})
    big.start()
    wait_for(lambda: pool.running() == 1 and pool.holding() == 80)
    # A second slot is free, but 80 + 30 > 100: the next call waits, and so does the
    # small one behind it (first come, first served: the big one is not starved).
    second = threading.Thread(
        target=pool.compute, args=(order.append, "second"), kwargs={"nbytes": 30}
    )
    second.start()
    wait_for(lambda: pool.waiting() == 1)
    third = threading.Thread(target=pool.compute, args=(order.append, "third"))
    third.start()
    wait_for(lambda: pool.waiting() == 2)
    assert pool.running() == 1 and order == []
    hold.set()
    for t in (big, second, third):
        t.join(5)
    assert order == ["second", "third"]
    assert pool.running() == 0 and pool.holding() == 0


def test_a_call_bigger_than_the_memory_runs_alone(notes):
    pool = gate.Pool(slots=2, n_workers=0, memory=100)
    assert pool.compute(lambda: pool.holding(), nbytes=500) == 500  # alone: it may start
    hold = threading.Event()
    small = threading.Thread(target=pool.compute, args=(hold.wait, 5), kwargs={"nbytes": 10})
    small.start()
    wait_for(lambda: pool.running() == 1)
    got: list[int] = []
    huge = threading.Thread(target=lambda: got.append(pool.compute(pool.running, nbytes=500)))
    huge.start()
    wait_for(lambda: pool.waiting() == 1)  # not beside the small one
    hold.set()
    for t in (small, huge):
        t.join(5)
    assert got == [1] and pool.holding() == 0  # it ran with nothing else running


def test_the_two_parts_of_a_split_lab_comparison_fit_the_pools_memory_together(monkeypatch):
    """core.lab splits a comparison only while it is small enough that its two parts
    (each may hold every weight shape, so at most twice the whole) start side by side
    under the pool's default memory budget; the default leaves the server (~220 MB) and
    two idle workers (~70 MB each) room within 600 MB."""
    from core import lab

    monkeypatch.delenv("BACKPROP_POOL_MEMORY_MB", raising=False)
    budget = gate._memory_from_env()
    assert budget >= 2 * lab.SPLIT_MAX_BYTES
    assert budget + 220_000_000 + 2 * 70_000_000 <= 610_000_000
    monkeypatch.setenv("BACKPROP_POOL_MEMORY_MB", "400")
    assert gate._memory_from_env() == 400_000_000


def test_a_turns_kept_slot_serves_its_next_call_only_if_the_memory_fits(notes):
    """In a turn (a page's calls one after the other) the slot is kept between calls; a
    big next call must still not start beside another big one."""
    pool = gate.Pool(slots=2, n_workers=0, memory=100)
    hold = threading.Event()
    other = threading.Thread(target=pool.compute, args=(hold.wait, 5), kwargs={"nbytes": 60})
    other.start()
    wait_for(lambda: pool.running() == 1 and pool.holding() == 60)
    seen: list[tuple[int, int]] = []

    def page() -> None:
        with pool.turn():
            pool.compute(lambda: seen.append((pool.running(), pool.holding())), nbytes=30)
            pool.compute(lambda: seen.append((pool.running(), pool.holding())), nbytes=80)

    turn = threading.Thread(target=page)
    turn.start()
    wait_for(lambda: len(seen) == 1 and pool.waiting() == 1)  # 60 + 80 > 100: it queues
    assert seen == [(2, 90)] and pool.running() == 1  # the kept slot was given back
    hold.set()
    for t in (other, turn):
        t.join(5)
    assert seen == [(2, 90), (1, 80)]  # the big one ran once the other had ended
    assert pool.running() == 0 and pool.holding() == 0
