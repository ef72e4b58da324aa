"""dashboard.gate: at most SLOTS computations at once, first come first served, and a
script stopped while it waits gives its place up."""

from __future__ import annotations

import threading
import time

import pytest

from dashboard import gate


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
        with gate.turn():
            with lock:
                active[0] += 1
                peak[0] = max(peak[0], active[0])
            release.wait(5)
            with lock:
                active[0] -= 1
                done.append(i)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(6)]
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

    def first() -> None:
        with gate.turn():
            hold.wait(5)

    def later(i: int) -> None:
        with gate.turn():
            order.append(i)

    t0 = threading.Thread(target=first)
    t0.start()
    wait_for(lambda: gate.running() == 1)
    threads = []
    for i in range(4):  # queue them one after another
        t = threading.Thread(target=later, args=(i,))
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

    def holder() -> None:
        with gate.turn():
            hold.wait(5)

    def stopped() -> None:
        try:
            with gate.turn():
                ran.append("stopped")  # never: it is stopped before its turn
        except RuntimeError as exc:
            errors.append(exc)

    t0 = threading.Thread(target=holder)
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
    with gate.turn():  # the holder's slot came back and nobody is left in the queue
        ran.append("after")
    assert ran == ["after"]
    assert gate.running() == 0


def test_an_error_inside_the_turn_frees_the_slot(monkeypatch, notes):
    monkeypatch.setattr(gate, "SLOTS", 1)
    with pytest.raises(ValueError), gate.turn():
        raise ValueError("core refused")
    assert gate.running() == 0 and gate.waiting() == 0
    with gate.turn():
        assert gate.running() == 1


@pytest.mark.parametrize(
    ("text", "expected"), [("1", 1), ("8", 8), ("0", None), ("9", None), ("x", None), ("", None)]
)
def test_slots_from_the_environment(monkeypatch, text, expected):
    monkeypatch.setenv("BACKPROP_COMPUTE_SLOTS", text)
    default = max(1, min(2, __import__("os").cpu_count() or 1))
    assert gate._slots_from_env() == (expected if expected is not None else default)
