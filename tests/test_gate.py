"""dashboard.gate: at most SLOTS computations at once, first come first served, and a
script stopped while it waits gives its place up."""

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

ROOT = Path(__file__).resolve().parents[1]


class FakeNote:
    """Stands in for st.empty(): records what the waiting page would show."""

    def __init__(self, log: list[str], fail: bool = False) -> None:
        self.log, self.fail = log, fail

    def info(self, text: str, icon: str | None = None) -> None:
        if self.fail:
            raise RuntimeError("script stopped")  # what Streamlit raises on a rerun
        self.log.append(text)

    def empty(self) -> None:
        self.log.append("<cleared>")


@pytest.fixture
def notes(monkeypatch):
    log: list[str] = []
    monkeypatch.setattr(gate.st, "empty", lambda: FakeNote(log))
    monkeypatch.setattr(gate, "POLL_SECONDS", 0.01)
    monkeypatch.setattr(gate, "WORKERS", 0)  # the queue itself: bodies run in the thread
    return log


def wait_for(condition, timeout: float = 5.0) -> None:
    end = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.005)


def test_at_most_slots_run_at_once_and_all_finish(monkeypatch, notes):
    monkeypatch.setattr(gate, "SLOTS", 2)
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

    threads = [threading.Thread(target=gate.compute, args=(work, i)) for i in range(6)]
    for t in threads:
        t.start()
    wait_for(lambda: gate.running() == 2 and gate.waiting() == 4)
    release.set()
    for t in threads:
        t.join(5)
    assert sorted(done) == list(range(6))
    assert peak[0] == 2
    assert gate.running() == 0 and gate.waiting() == 0
    waits = [t for t in notes if t.startswith("Waiting")]
    assert waits and all("2 thing(s) at a time" in t for t in waits)
    assert notes.count("<cleared>") == 4  # every waiting page's note was taken away


def test_first_come_first_served(monkeypatch, notes):
    monkeypatch.setattr(gate, "SLOTS", 1)
    order: list[int] = []
    hold = threading.Event()

    t0 = threading.Thread(target=gate.compute, args=(hold.wait, 5))
    t0.start()
    wait_for(lambda: gate.running() == 1)
    threads = []
    for i in range(4):  # queue them one after another
        t = threading.Thread(target=gate.compute, args=(order.append, i))
        t.start()
        threads.append(t)
        wait_for(lambda n=i + 1: gate.waiting() == n)
    hold.set()
    for t in [t0, *threads]:
        t.join(5)
    assert order == [0, 1, 2, 3]


def test_a_script_stopped_while_waiting_gives_its_place_up(monkeypatch, notes):
    monkeypatch.setattr(gate, "SLOTS", 1)
    hold = threading.Event()
    errors: list[BaseException] = []
    ran: list[str] = []

    def stopped() -> None:
        try:
            gate.compute(ran.append, "stopped")  # never runs: stopped before its turn
        except RuntimeError as exc:
            errors.append(exc)

    t0 = threading.Thread(target=gate.compute, args=(hold.wait, 5))
    t0.start()
    wait_for(lambda: gate.running() == 1)
    monkeypatch.setattr(gate.st, "empty", lambda: FakeNote(notes, fail=True))
    t1 = threading.Thread(target=stopped)
    t1.start()
    t1.join(5)
    assert [str(e) for e in errors] == ["script stopped"]
    assert gate.waiting() == 0  # the ticket is withdrawn, not left blocking the queue
    hold.set()
    t0.join(5)
    gate.compute(ran.append, "after")  # the holder's slot came back, nobody is queued
    assert ran == ["after"]
    assert gate.running() == 0


def test_an_error_inside_the_turn_frees_the_slot(monkeypatch, notes):
    monkeypatch.setattr(gate, "SLOTS", 1)
    with pytest.raises(ValueError, match="whole number"):
        gate.compute(check_int, "x", 5, 0, 1)
    assert gate.running() == 0 and gate.waiting() == 0
    assert gate.compute(gate.running) == 1


@pytest.mark.parametrize(
    ("text", "expected"), [("1", 1), ("8", 8), ("0", None), ("9", None), ("x", None), ("", None)]
)
def test_slots_from_the_environment(monkeypatch, text, expected):
    monkeypatch.setenv("BACKPROP_COMPUTE_SLOTS", text)
    default = max(1, min(2, __import__("os").cpu_count() or 1))
    assert gate._slots_from_env() == (expected if expected is not None else default)


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


@pytest.fixture
def with_workers():
    assert gate.WORKERS == gate.SLOTS, "BACKPROP_WORKERS=0 is set: these tests need workers"
    gate.start_workers()
    assert gate._started.wait(60)
    assert not gate._no_workers, "worker processes could not start on this machine"


def test_a_computation_runs_in_another_process(with_workers):
    assert gate.compute(os.getpid) != os.getpid()
    assert gate.running() == 0
    assert gate.workers_idle() == gate.WORKERS


def test_two_computations_run_in_two_workers_at_once(with_workers):
    hold = 3.0  # seconds: long enough to see both at work, never waited out
    threads = [threading.Thread(target=gate.compute, args=(time.sleep, hold)) for _ in range(2)]
    for t in threads:
        t.start()
    wait_for(lambda: gate.running() == 2 and gate.workers_idle() == gate.WORKERS - 2)
    for t in threads:
        t.join(30)
    assert gate.workers_idle() == gate.WORKERS


def test_a_function_the_worker_cannot_import_is_refused_and_the_worker_lives_on(with_workers):
    with pytest.raises(RuntimeError, match="cannot read this call"):
        gate.compute(tiny_specs)  # defined in this test module, which workers do not load
    assert gate.workers_idle() == gate.WORKERS
    assert gate.compute(check_int, "x", 1, 0, 1) == 1


def test_without_workers_it_runs_in_the_scripts_thread(monkeypatch):
    monkeypatch.setattr(gate, "WORKERS", 0)
    assert gate.compute(threading.get_ident) == threading.get_ident()
    assert gate.running() == 0


def test_cores_refusal_comes_back_as_the_same_error(with_workers):
    with pytest.raises(ValueError, match="whole number from 0 to 1; got 5"):
        gate.compute(check_int, "x", 5, 0, 1)
    assert gate.running() == 0 and gate.workers_idle() == gate.WORKERS


def test_progress_reaches_the_page_and_the_answer_equals_an_in_process_run(with_workers):
    seen: list[tuple[float, str]] = []
    result = gate.compute(
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
    class Stopped(Exception):
        pass

    calls: list[float] = []

    def stop(fraction: float, text: str) -> None:
        calls.append(fraction)
        raise Stopped  # what Streamlit raises in a script whose user changed a setting

    with pytest.raises(Stopped):
        gate.compute(
            train_variants, tiny_specs(), "moons", progress=stop, **{**TINY_TRAINING, "steps": 3000}
        )
    assert calls == [0.0]  # told once; later reports were read but not shown
    assert gate.running() == 0 and gate.workers_idle() == gate.WORKERS
    for _ in range(2 * gate.WORKERS):  # every worker answers its next call correctly
        assert gate.compute(check_int, "x", 1, 0, 1) == 1


def test_a_worker_that_dies_is_reported_and_replaced(with_workers):
    with pytest.raises(gate.WorkerLost):
        gate.compute(os._exit, 3)
    assert gate.running() == 0
    wait_for(lambda: gate.workers_idle() == gate.WORKERS, timeout=60)  # one took its place
    assert gate.compute(os.getpid) != os.getpid()


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
    wait_for(lambda: not any(is_running(p) for p in pids), timeout=10)


def is_running(pid: int) -> bool:
    """A live process (a zombie has ended: only its parent's bookkeeping is left)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] != "Z"
    except (OSError, IndexError):
        return False


def test_a_lost_worker_is_explained_on_the_page(monkeypatch):
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    def lost(*args, **kwargs):
        raise gate.WorkerLost("killed")

    monkeypatch.setattr(gate, "compute", lost)
    st.cache_data.clear()  # every myth is computed again, and each call is lost
    at = AppTest.from_file(str(ROOT / "dashboard" / "app.py"), default_timeout=60)
    at.run()
    at.switch_page("app_pages/myths.py")
    at.run()
    assert not at.exception
    assert any("stopped before it answered" in e.value for e in at.error)


def test_workers_that_cannot_start_leave_the_app_computing_in_process(monkeypatch):
    def broken() -> None:
        raise RuntimeError("an unexpected failure, not only OSError")

    for name, value in (("_started", threading.Event()), ("_starting", False), ("_idle", [])):
        monkeypatch.setattr(gate, name, value)
    monkeypatch.setattr(gate, "_no_workers", False)
    monkeypatch.setattr(gate.workers, "Worker", broken)
    answers: list[int] = []
    caller = threading.Thread(target=lambda: answers.append(gate.compute(threading.get_ident)))
    caller.start()
    caller.join(30)  # it must not wait for workers that will never come
    assert answers == [caller.ident]  # computed in the caller's own thread
    assert gate._no_workers and gate.running() == 0


def idle_pids() -> set[int]:
    with gate._pool_lock:
        return {w.pid for w in gate._idle}


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
    before = idle_pids()
    assert len(before) == gate.WORKERS
    with pytest.raises(workers.Unpicklable, match=message):
        gate.compute(call)
    assert gate.running() == 0
    assert idle_pids() == before  # the same processes: none was lost, none replaced
    for _ in range(2 * gate.WORKERS):
        assert gate.compute(check_int, "x", 1, 0, 1) == 1
