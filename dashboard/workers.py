"""Core computations in worker processes, so that they use every core.

Streamlit runs every session's script in a thread of one Python process. The engine's
small-matrix work is mostly Python, so two computations in two threads take as long as
the same two one after the other (bench/bench.py prints both side by side), and while
they run every other session's script waits for the interpreter too. Worker processes
run them side by side instead; the server process only draws pages.

A worker is `python -m dashboard.workers`, started by the server with pipes for stdin
and stdout: requests and answers are pickled objects on them. It imports numpy and core
and nothing of Streamlit or of the app's script. (multiprocessing would re-import the
server's __main__ in every worker, and under `streamlit run` that is the app script.)

- One computation at a time per worker; dashboard.gate decides when one may start.
- Progress: a function passed as `progress=` is called in the server with what the
  worker reports (at most every PROGRESS_SECONDS), so that a page can move its bar.
- Cancelling: if that function raises (Streamlit stops a script whose user changed a
  setting), the worker is told to stop and raises Cancelled at its next report; the
  exception then goes on in the server. Work without progress reports runs to its end
  (core bounds every call to a few seconds).
- An answer that cannot travel (a result or an exception that cannot be pickled, or
  unpickled in the server) raises Unpicklable in the server, naming the type that could
  not be pickled and where it sits; the worker lives on and serves the next call.
- A worker that dies (killed, out of memory) raises WorkerLost in the server. A worker
  ends when the server's end of its pipe closes, so it never outlives the server,
  however that ended.
"""

from __future__ import annotations

import contextlib
import ctypes
import importlib
import os
import pickle
import select
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

from core import calibration

ROOT = Path(__file__).resolve().parents[1]
PROGRESS_SECONDS = 0.05  # at most ~20 progress messages a second per computation
START_SECONDS = 60.0  # a worker that has not said it is ready by then is given up
PRELOAD = ("core.experiments", "core.lab", "core.myths")


class Cancelled(Exception):
    """Raised in a worker whose caller stopped waiting for it."""


class WorkerLost(RuntimeError):
    """The worker process running a computation died before it answered."""


class Unpicklable(pickle.PicklingError):
    """A computation's answer (its result or its exception) cannot travel between the
    worker and the server: a bug in the computation's types, not a lost worker."""


# --- in the worker ----------------------------------------------------------------------


class _Reporter:
    """The `progress` function a core call gets in a worker: forwards, and cancels."""

    def __init__(self, requests: BinaryIO, answers: BinaryIO) -> None:
        self.requests, self.answers, self.last = requests, answers, 0.0

    def __call__(self, fraction: float, text: str) -> None:
        now = time.monotonic()
        if fraction < 1.0 and now - self.last < PROGRESS_SECONDS:
            return
        self.last = now
        if _cancel_waiting(self.requests):
            raise Cancelled
        _send(self.answers, ("progress", fraction, text))


def _cancel_waiting(requests: BinaryIO) -> bool:
    """True if the server has asked this computation to stop (the only request it sends
    while one runs). Windows cannot poll a pipe: there the computation runs to its end."""
    if os.name != "posix" or not select.select([requests], [], [], 0)[0]:
        return False
    return pickle.loads(_read(requests)) == ("cancel",)


# Every message is its pickle's length (8 bytes) then the pickle, so that a message that
# cannot be unpickled (a function the worker cannot import) is still read whole.


def _dumps(message: tuple) -> bytes:
    return pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)


def _write(stream: BinaryIO, data: bytes) -> None:
    stream.write(len(data).to_bytes(8, "little") + data)
    stream.flush()


def _send(stream: BinaryIO, message: tuple) -> None:
    _write(stream, _dumps(message))


def _read_exactly(stream: BinaryIO, n: int) -> bytes:
    chunks, left = [], n
    while left:
        chunk = stream.read(left)
        if not chunk:
            raise EOFError("the pipe closed")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _read(stream: BinaryIO) -> bytes:
    return _read_exactly(stream, int.from_bytes(_read_exactly(stream, 8), "little"))


def _answer(fn: Callable[..., Any], args: tuple, kwargs: dict) -> bytes:
    """The pickled answer to one call: its result, its exception, or why neither can be
    sent (an answer that cannot be pickled would otherwise end the worker)."""
    try:
        message = ("done", fn(*args, **kwargs))
    except Cancelled:
        message = ("cancelled", None)
    except Exception as exc:  # core's refusals (ValueError) and anything unexpected
        message = ("error", exc)
    try:
        return _dumps(message)
    except Exception as exc:  # pickle raises TypeError, AttributeError, PicklingError...
        return _dumps(("unpicklable", _unpicklable_text(_name(fn), *message, exc)))


def _name(fn: Callable[..., Any]) -> str:
    return f"{getattr(fn, '__module__', '?')}.{getattr(fn, '__qualname__', repr(fn))}"


def _type_name(obj: Any) -> str:
    return f"{type(obj).__module__}.{type(obj).__qualname__}"


def _unpicklable_text(name: str, kind: str, value: Any, error: Exception) -> str:
    """What could not be pickled, and where: "result['grid'] is a builtins.generator"."""
    where, part = _unpicklable_part(value, "result" if kind == "done" else "exception")
    what = f"{name} returned a {_type_name(value)}"
    if kind == "error":
        what = f"{name} raised {type(value).__name__}: {value}"
    return (
        f"{what}, which the worker cannot send back: {where} is a {_type_name(part)}, "
        f"which cannot be pickled ({type(error).__name__}: {error})"
    )


def _unpicklable_part(obj: Any, where: str, depth: int = 0) -> tuple[str, Any]:
    """The innermost part of obj that pickle refuses, and its path from obj: the outer
    type (a result dataclass) is rarely the one to fix. Looks into containers, exception
    arguments and instance attributes, at most 8 levels deep (a cycle stops there)."""
    if depth < 8:
        for step, part in _parts(obj):
            try:
                pickle.dumps(part, protocol=pickle.HIGHEST_PROTOCOL)
            except Exception:
                return _unpicklable_part(part, where + step, depth + 1)
    return where, obj


def _parts(obj: Any) -> list[tuple[str, Any]]:
    """(step, part) pairs: obj's items or attributes, each with its path from obj."""
    if isinstance(obj, dict):
        return [(f"[{key!r}]", value) for key, value in obj.items()]
    if isinstance(obj, list | tuple):
        return [(f"[{i}]", value) for i, value in enumerate(obj)]
    parts = []
    if isinstance(obj, BaseException):
        parts += [(f".args[{i}]", value) for i, value in enumerate(obj.args)]
    state = getattr(obj, "__dict__", None)
    if isinstance(state, dict):
        parts += [(f".{key}", value) for key, value in state.items()]
    for key in getattr(type(obj), "__slots__", ()):
        if hasattr(obj, key):
            parts.append((f".{key}", getattr(obj, key)))
    return parts


def give_memory_back() -> None:
    """Return the heap's free pages to the system (glibc only). Core's arrays are small
    and many (one per layer, seed and network): once freed they stay in the heap, and a
    worker would hold its largest computation's memory for ever."""
    if _LIBC is not None:
        _LIBC.malloc_trim(0)


# glibc's mallopt parameters (malloc.h)
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
HEAP_ARRAYS_UP_TO = 32 * 2**20  # bytes: glibc's largest fixed mmap threshold
KEEP_FREED_UP_TO = 1024 * 2**20  # bytes of free heap kept until give_memory_back


def tune_allocator() -> bool:
    """Let a computation reuse the memory of the arrays it has freed (glibc only; False
    elsewhere).

    By default glibc gives every array of 128 kB or more (one 64 x 256 layer) fresh pages
    from the system and returns them on free, and trims the heap whenever 128-256 kB lie
    free at its top. On a VM a fresh page's first touch is slow: the engine's forward and
    backward passes, which make and free a few such arrays per layer, spent as long
    faulting pages in as in the sigmoid itself (bench/bench.py, section 1). Arrays up to
    HEAP_ARRAYS_UP_TO come from the heap instead, and freed memory stays there until the
    computation ends: give_memory_back returns it after every call, so a worker's
    memory between calls is unchanged.
    """
    if _LIBC is None:
        return False
    ok = _LIBC.mallopt(_M_MMAP_THRESHOLD, HEAP_ARRAYS_UP_TO)
    return bool(ok and _LIBC.mallopt(_M_TRIM_THRESHOLD, KEEP_FREED_UP_TO))


def _find_libc() -> ctypes.CDLL | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return None
    # glibc has both; another C library (musl) may have neither: nothing to call then
    return libc if all(hasattr(libc, f) for f in ("malloc_trim", "mallopt")) else None


_LIBC = _find_libc()


def serve(requests: BinaryIO, answers: BinaryIO) -> None:
    """Answer ("call", fn, args, kwargs, wants_progress) requests until the pipe closes."""
    _send(answers, ("ready", os.getpid()))
    while True:
        try:
            data = _read(requests)
        except EOFError:  # the server has gone
            return
        try:
            request = pickle.loads(data)
        except Exception as exc:
            _send(answers, ("error", RuntimeError(f"the worker cannot read this call: {exc}")))
            continue
        if request[0] != "call":
            continue  # a cancel that came after its computation had ended
        _, fn, args, kwargs, wants_progress = request
        if wants_progress:
            kwargs = {**kwargs, "progress": _Reporter(requests, answers)}
        answer = _answer(fn, args, kwargs)
        # The memory back to the system before the answer goes: once it has, the server
        # counts this call's memory as free and may start another big call beside it.
        del request, fn, args, kwargs
        give_memory_back()
        _write(answers, answer)
        del answer


def serve_pipes() -> None:
    tune_allocator()
    for name in PRELOAD:  # loaded before "ready", so that the first call is quick
        importlib.import_module(name)

    # Ctrl-C in the terminal reaches every process of the group: the server's exit
    # closes the pipes, which ends this worker, so it ignores the signal itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    answers = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # a stray print cannot break the pipe
    requests = os.fdopen(sys.stdin.fileno(), "rb", buffering=0)  # select sees every byte
    with contextlib.suppress(OSError):  # the server went while this worker answered
        serve(requests, answers)


# --- in the server ----------------------------------------------------------------------


class Worker:
    """One worker process and its two pipes; used by one computation at a time.

    It starts with this process's cost-model factors (core.calibration) in its
    environment: core refuses a call in the worker exactly when it would here, where
    the page decided to send it (a worker that timed itself during a busy moment would
    otherwise refuse what the server admitted)."""

    def __init__(self) -> None:
        env = {**os.environ, calibration.COST_SCALE_ENV: calibration.cost_scale().as_env()}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "dashboard.workers"],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
        )
        self.pid: int | None = None

    def wait_ready(self, timeout: float = START_SECONDS) -> None:
        """Return once the worker has loaded core; WorkerLost if it ended or hung."""
        done = threading.Event()
        timer = threading.Timer(timeout, lambda: done.is_set() or self.process.kill())
        timer.start()
        try:
            kind, self.pid = self._receive()
        finally:
            done.set()
            timer.cancel()
        if kind != "ready":
            raise WorkerLost(f"the worker did not start: {kind}")

    def _receive(self) -> tuple:
        try:
            data = _read(self.process.stdout)
        except (EOFError, OSError) as exc:
            self.process.kill()
            raise WorkerLost(f"worker process {self.process.pid} ended") from exc
        try:
            return pickle.loads(data)
        except Exception as exc:  # read whole, so the worker is ready for the next call
            # e.g. an exception class whose __init__ takes other arguments than its args
            raise Unpicklable(
                f"the server cannot unpickle the worker's answer ({type(exc).__name__}: {exc})"
            ) from exc

    def _request(self, message: tuple) -> None:
        try:
            _send(self.process.stdin, message)
        except OSError as exc:
            self.process.kill()
            raise WorkerLost(f"worker process {self.process.pid} ended") from exc

    def call(
        self,
        fn: Callable[..., Any],
        args: tuple,
        kwargs: dict,
        progress: Callable[[float, str], None] | None,
    ) -> Any:
        """fn(*args, **kwargs) in the worker; its exceptions are raised here.

        If progress raises, the worker is told to stop, its last messages are read (so
        that it is ready for the next call) and progress's exception is raised.
        """
        self._request(("call", fn, args, kwargs, progress is not None))
        stopped: BaseException | None = None
        while True:
            kind, *rest = self._receive()
            if kind == "progress":
                if progress is not None and stopped is None:
                    try:
                        progress(*rest)
                    except BaseException as exc:
                        stopped = exc
                        self._request(("cancel",))
                continue
            if stopped is not None:
                raise stopped
            if kind == "done":
                return rest[0]
            if kind == "error":
                raise rest[0]
            if kind == "unpicklable":
                raise Unpicklable(rest[0])
            raise WorkerLost(f"unexpected answer from the worker: {kind}")

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        if self.alive():
            self.process.kill()
        self.process.wait()
        for pipe in (self.process.stdin, self.process.stdout):
            with contextlib.suppress(OSError):
                pipe.close()


if __name__ == "__main__":
    serve_pipes()
