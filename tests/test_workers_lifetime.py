"""Worker processes live as long as their server and no longer: one pool per server
process, through Streamlit's reloads of the app's modules."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import streamlit as st
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.testing.v1 import AppTest
from websockets.sync.client import ClientConnection, connect

from dashboard import gate, workers
from tests.e2e import appdriver
from tests.share import APPTEST_TIMEOUT, WAIT_TIMEOUT

ROOT = Path(__file__).resolve().parents[1]
DASHBOARD = ROOT / "dashboard"


def worker_pids(parent: int | None = None) -> set[int]:
    """The live dashboard.workers children of `parent` (this process by default)."""
    out = subprocess.run(
        ["ps", "--ppid", str(parent or os.getpid()), "-o", "pid=,args="],
        capture_output=True,
        text=True,
        check=False,  # ps exits 1 when there is no child at all
    ).stdout
    # A zombie is listed as "[python] <defunct>": it has ended, only its exit status is left.
    return {int(line.split()[0]) for line in out.splitlines() if "dashboard.workers" in line}


def settled_worker_pids(parent: int | None = None, quiet: float = 1.5) -> set[int]:
    """worker_pids() once it has not changed for `quiet` seconds: workers start and stop
    in background threads."""
    end = time.monotonic() + WAIT_TIMEOUT
    pids, since = worker_pids(parent), time.monotonic()
    while time.monotonic() - since < quiet:
        assert time.monotonic() < end, "the worker processes never settled"
        time.sleep(0.1)
        now = worker_pids(parent)
        if now != pids:
            pids, since = now, time.monotonic()
    return pids


def reload_like_streamlit() -> None:
    """What Streamlit 1.67 does at a session's first script run after a source file of the
    app changed (streamlit/watcher/local_sources_watcher.py, flush_pending_evictions):
    every watched module, i.e. every module whose file lies in the main script's folder
    (dashboard/), leaves sys.modules, so that the script's imports execute them afresh.
    Each session's watcher does this once per change, on that session's next run."""
    for name, module in list(sys.modules.items()):
        file = getattr(module, "__file__", None)
        if file and Path(file).resolve().is_relative_to(DASHBOARD):
            del sys.modules[name]


@pytest.fixture
def modules_restored():
    """Put this process's dashboard modules back afterwards: other tests hold (and
    monkeypatch) the ones they imported, which the pages must keep using."""
    saved = {k: m for k, m in sys.modules.items() if k == "dashboard" or k.startswith("dashboard.")}
    yield
    for name in [k for k in sys.modules if k == "dashboard" or k.startswith("dashboard.")]:
        del sys.modules[name]
    sys.modules.update(saved)


def run_app() -> None:
    at = AppTest.from_file(str(DASHBOARD / "app.py"), default_timeout=APPTEST_TIMEOUT)
    at.run()
    assert not at.exception


def test_the_worker_pool_survives_reloads_without_leaving_processes_behind(modules_restored):
    run_app()  # the server's first session: its pool starts
    first = settled_worker_pids()
    assert first, "no worker process started"
    for _edit in range(3):
        for _session in range(2):  # two sessions open: each one's next run re-imports
            reload_like_streamlit()
            run_app()
    after = settled_worker_pids()
    print(f"worker processes: {len(first)} before the reloads, {len(after)} after")
    assert after == first  # the same processes: none started, none left behind
    from dashboard import compute  # the latest load of the module: it gets the same pool

    assert compute.worker_pool().compute(os.getpid) in first


def test_gate_and_workers_import_no_streamlit():
    # A worker imports dashboard.workers; gate is the server's queue: neither draws.
    code = "import sys, dashboard.gate, dashboard.workers; print('streamlit' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert out.stdout.strip() == "False", out.stderr


def test_a_closed_pool_gives_every_waiting_call_its_turn_then_leaves_no_process():
    before = settled_worker_pids()
    pool = gate.Pool(slots=1, n_workers=1)
    pool.start()
    wait_for(lambda: pool.idle() == 1)
    mine = worker_pids() - before
    assert len(mine) == 1
    answers: list[object] = []
    first = threading.Thread(target=lambda: answers.append(pool.compute(time.sleep, 1.0)))
    first.start()
    wait_for(lambda: pool.running() == 1)
    second = threading.Thread(target=lambda: answers.append(pool.compute(os.getpid)))
    second.start()
    wait_for(lambda: pool.waiting() == 1)
    pool.close()  # while one call computes and another waits: neither fails
    first.join(30)
    second.join(30)
    assert answers == [None, *mine]  # the waiting call got its turn, in the same worker
    assert settled_worker_pids() == before  # and then the pool's worker was stopped
    assert pool.compute(os.getpid) not in mine | {os.getpid()}  # late: a worker of its own
    assert settled_worker_pids() == before


def test_clearing_the_resource_cache_closes_the_servers_pool_and_the_next_run_starts_one():
    from dashboard import compute

    old = compute.worker_pool()
    wait_for(lambda: old.idle() == old.n_workers)
    with old._pool_lock:
        old_pids = {w.pid for w in old._idle}
    st.cache_resource.clear()  # what Streamlit's "Clear caches" does, for every session
    new = compute.worker_pool()
    assert new is not old
    new_pid = new.compute(os.getpid)
    after = settled_worker_pids()
    assert not old_pids & after and new_pid in after


@pytest.mark.parametrize("n_workers", [1, 2])
def test_workers_killed_between_calls_are_replaced_before_the_next_call(n_workers):
    pool = gate.Pool(slots=n_workers, n_workers=n_workers)
    pool.start()
    try:
        wait_for(lambda: pool.idle() == n_workers)
        with pool._pool_lock:
            victims = {w.pid for w in pool._idle}
        for pid in victims:  # killed while idle: the OOM killer, an admin, a crash
            os.kill(pid, signal.SIGKILL)
        wait_for(lambda: all(map(ended, victims)))
        answers = [pool.compute(os.getpid) for _ in range(2)]  # no WorkerLost
        assert not victims & set(answers) and os.getpid() not in answers
        wait_for(lambda: pool.idle() == n_workers)  # every one replaced
        with pool._pool_lock:
            assert not victims & {w.pid for w in pool._idle}
    finally:
        pool.close()


def ended(child: int) -> bool:
    """True once this process's child has ended and waits to be reaped (WNOWAIT: look,
    do not reap). Earlier signs come too soon: ps stops naming a killed process while it
    is still exiting, and /proc shows its main thread a zombie while its other threads
    (OpenBLAS's) still end, when waitpid still says it runs."""
    return os.waitid(os.P_PID, child, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None


def wait_for(condition, timeout: float = WAIT_TIMEOUT) -> None:
    end = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.01)


# --- a real server -------------------------------------------------------------------


class Session:
    """One browser tab's session on a Streamlit server, speaking its websocket protocol
    (as bench/server_load.py does, without timing)."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws

    def open_home(self) -> None:
        msg = BackMsg()
        msg.rerun_script.page_name = ""
        self.ws.send(msg.SerializeToString())
        self.finished()

    def finished(self) -> None:
        """Read until the current script run ends, successfully. A run cut short by a
        newer rerun request (one save can reach the file watcher as two changes: the file
        emptied, then written) is followed by that rerun: read on to its end."""
        while True:
            msg = ForwardMsg.FromString(self.ws.recv(timeout=APPTEST_TIMEOUT))
            if msg.WhichOneof("type") == "script_finished":
                if msg.script_finished == ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                    continue
                assert msg.script_finished == ForwardMsg.FINISHED_SUCCESSFULLY
                return


@contextmanager
def session(base: str) -> Iterator[Session]:
    with urllib.request.urlopen(f"{base}/_stcore/health", timeout=30) as answer:
        cookie = (answer.headers.get("set-cookie") or "").split(";")[0]
    with connect(
        base.replace("http://", "ws://", 1) + "/_stcore/stream",
        subprotocols=["streamlit", cookie.partition("=")[2] or "PLACEHOLDER_AUTH_TOKEN"],
        origin=base,
        additional_headers={"Cookie": cookie} if cookie else None,
        max_size=None,
        open_timeout=30,
    ) as ws:
        yield Session(ws)


def test_a_server_whose_sources_change_keeps_one_pool(tmp_path):
    """The bug as it was seen: `streamlit run`, two sessions open, three edits of a file
    under dashboard/ (runOnSave reruns each session, which re-imports dashboard/)."""
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    for name in tracked:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, tmp_path / name)
    port = appdriver.free_port()
    base = f"http://127.0.0.1:{port}"
    options = {"port": port, "address": "127.0.0.1", "headless": "true", "runOnSave": "true"}
    command = [sys.executable, "-m", "streamlit", "run", "dashboard/app.py"]
    command += [part for key, value in options.items() for part in (f"--server.{key}", str(value))]
    with (tmp_path / "server.log").open("wb") as log:
        server = subprocess.Popen(
            command,
            cwd=tmp_path,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        appdriver.wait_healthy(base, server, timeout=APPTEST_TIMEOUT)
        with session(base) as one, session(base) as two:
            for tab in (one, two):
                tab.open_home()
            wait_for(lambda: worker_pids(server.pid))  # started in the background, when
            first = settled_worker_pids(server.pid)  # the machine gets round to it
            assert first, "the server started no worker"
            edited = tmp_path / "dashboard" / "plots" / "format.py"
            for edit in range(3):
                edited.write_text(edited.read_text() + f"\n# edit {edit}\n")
                for tab in (one, two):
                    tab.finished()  # its rerun, which began by re-importing dashboard/
            after = settled_worker_pids(server.pid)
        print(f"server's worker processes: {len(first)} before the edits, {len(after)} after")
        assert after == first
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(30)


@pytest.mark.skipif(workers._LIBC is None, reason="glibc's malloc_trim: Linux with glibc")
def test_a_worker_has_given_its_memory_back_when_its_answer_arrives():
    """The pool counts a call's memory as free once its answer is in, and may then start
    a big call beside it (dashboard.gate): the worker must have returned the memory first."""
    from pathlib import Path

    from tests import worker_calls

    def resident(pid: int) -> int:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
        raise AssertionError("no VmRSS")

    worker = workers.Worker()
    try:
        worker.wait_ready()
        before = worker.call(worker_calls.resident_bytes, (), {}, None)
        assert worker.call(worker_calls.many_small_arrays, (200,), {}, None) == 200 * 16
        after = resident(worker.pid)  # read at once: the worker is waiting for a call
        assert after - before < 50 * 2**20, (before, after)
    finally:
        worker.stop()
