"""Calls for the worker tests: a worker imports them by name (tests.worker_calls) from the
repository root, as it imports core's functions."""

from __future__ import annotations

import threading


def result_holding_a_lock() -> dict[str, object]:
    """A result that pickle refuses, one level down: a lock."""
    return {"value": 42, "guard": threading.Lock()}


def error_holding_a_lock() -> None:
    error = ValueError("refused, with a lock attached")
    error.guard = threading.Lock()  # type: ignore[attr-defined]
    raise error


class TwoPartError(Exception):
    """Pickles, but cannot be unpickled: its __init__ takes two arguments, its args one."""

    def __init__(self, what: str, why: str) -> None:
        super().__init__(f"{what}: {why}")


def error_the_server_cannot_unpickle() -> None:
    raise TwoPartError("this call", "failed")


def pid_and_times(seconds: float) -> tuple[int, float, float]:
    """(this process's id, when the call started, when it ended), after sleeping."""
    import os
    import time

    start = time.time()
    time.sleep(seconds)
    return os.getpid(), start, time.time()


def refuse(why: str) -> None:
    from core.limits import Refused

    raise Refused(why)


def many_small_arrays(megabytes: int) -> int:
    """Make and free `megabytes` of small arrays (heap memory, as core's per-layer arrays
    are), keeping a reference to each until the end; their count."""
    import numpy as np

    arrays = [np.ones(64 * 1024 // 8) for _ in range(megabytes * 16)]  # 64 kB each
    return len(arrays)


def resident_bytes() -> int:
    """This process's resident memory (Linux /proc), in bytes."""
    from pathlib import Path

    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS in /proc/self/status")
