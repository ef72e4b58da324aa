"""Page benchmarks: how long a script run of the lab pages takes, cold and cached.

    python bench/bench_pages.py              # about half a minute
    python bench/bench_pages.py --quick      # tiny views, a few seconds: proves it runs
    python bench/bench_pages.py --repeat 9   # more runs per timing on a noisy machine
    OPENBLAS_NUM_THREADS=1 python bench/bench_pages.py   # one BLAS thread (see below)

The figures go to stdout; Streamlit's own log lines (AppTest runs outside a server and
says so) go to stderr: add 2>/dev/null to hide them. On a busy 2-core machine OpenBLAS's
two threads can make the core call several times slower than one thread does
(bench/README.md); run it both ways to see it.

A script, not a test: it prints figures and asserts nothing. Each page is run the way
Streamlit runs it, with streamlit.testing.v1.AppTest from dashboard/app.py:

- cold: st.cache_data and the figures kept for every session emptied, then one script
  run of the page (what the first visitor of a view waits for; modules already
  imported, as in a running server);
- cached: the same view again (every later visitor, and every rerun that changes
  nothing the core call depends on, e.g. switching the plotted quantity);
- beside them, the parts of a cold run: the core call alone and the figure builders;
- the worked example with "Updates to run" at its minimum and at its maximum, taken in
  turn in one run: their ratio must stay under 1.5 (page time does not grow with the
  number of updates; the table of every update it once drew took 15 s in a browser).

Each timing is the best of --repeat runs, with the median beside it (the machine may be
shared; the best run is the least disturbed). AppTest's own overhead (a script thread,
polling) is included, so the figures are upper bounds of the script's time.
Goals (issue 5): the lab's default view under 0.5 s cold and under 0.1 s cached.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402
from streamlit.testing.v1 import AppTest  # noqa: E402

from core import lab  # noqa: E402
from dashboard import lab_charts, training_playback, training_results  # noqa: E402
from dashboard.plots.profiles import forward_stats_figure, lab_profile_figure  # noqa: E402

APP = str(ROOT / "dashboard" / "app.py")
GOALS = {"cold": 0.5, "cached": 0.1}  # seconds, the lab's default view


# The pages' figures kept for every session (st.cache_resource, dashboard.display.Frozen):
# a cold run builds them too.
FIGURE_CACHES = (
    lab_charts.profile_chart,
    lab_charts.forward_charts,
    lab_charts.story_chart,
    training_results.shown_run,
    training_playback._figure,
)


def clear_caches() -> None:
    """What a view's first visitor finds: no cached core answer and no kept figure."""
    st.cache_data.clear()
    for cache in FIGURE_CACHES:
        cache.clear()


def timings(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    """(best, median) wall time of `repeat` calls, in seconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times), statistics.median(times)


def page_runs(file: str, query: dict[str, str], repeat: int) -> dict[str, tuple[float, float]]:
    """Cold and cached script runs of one page view."""
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()  # imports, the home page: what a running server has already done
    at.switch_page(f"app_pages/{file}")
    at.query_params = dict(query)
    at.run()
    if at.exception:
        raise RuntimeError(f"{file}: {at.exception[0].value}")

    def cold() -> None:
        clear_caches()
        at.run()

    out = {"cold": timings(cold, repeat)}
    at.run()
    out["cached"] = timings(at.run, repeat)
    return out


def side_by_side(
    file: str, queries: dict[str, dict[str, str]], repeat: int
) -> dict[str, dict[str, tuple[float, float]]]:
    """Cold and cached runs of several views of one page, taken in turn (view a, view b,
    view a, ...) so that the machine's load falls on all of them alike: by view name,
    {"cold": (best, median), "cached": (best, median)}."""
    apps = {}
    for name, query in queries.items():
        at = AppTest.from_file(APP, default_timeout=120)
        at.run()
        at.switch_page(f"app_pages/{file}")
        at.query_params = dict(query)
        at.run()
        if at.exception:
            raise RuntimeError(f"{file}?{query}: {at.exception[0].value}")
        apps[name] = at
    times: dict[str, dict[str, list[float]]] = {n: {"cold": [], "cached": []} for n in apps}
    for _ in range(repeat):
        for name, at in apps.items():
            clear_caches()
            start = time.perf_counter()
            at.run()
            times[name]["cold"].append(time.perf_counter() - start)
            start = time.perf_counter()
            at.run()
            times[name]["cached"].append(time.perf_counter() - start)
    return {
        name: {kind: (min(ts), statistics.median(ts)) for kind, ts in kinds.items()}
        for name, kinds in times.items()
    }


def updates_range() -> tuple[int, int]:
    """The worked example's "Updates to run" limits, as the page states them in its help."""
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.switch_page("app_pages/worked_example.py")
    at.run()
    match = re.search(r"whole number from (\d+) to (\d+)", at.number_input(key="n").help or "")
    if not match:
        raise RuntimeError("the worked example no longer states its range of updates")
    return int(match[1]), int(match[2])


def worked_example_rows(repeat: int) -> None:
    """The worked example at the fewest and the most updates it allows (issue: 2,000 used
    to draw a 2,001-row table): page time must not grow with the number of updates."""
    low, high = updates_range()
    views = {f"{low} update(s)": {"n": str(low)}, f"{high} updates": {"n": str(high)}}
    repeat = max(repeat, 3)
    runs = side_by_side("worked_example.py", views, repeat)
    print(f"\nWorked example, fewest and most updates, in turn (best and median of {repeat})")
    print(f"   {'view':<58} {'best':>8} {'median':>8} {'goal':>7}")
    fewest, most = views
    for kind in ("cold", "cached"):
        for name in views:
            row(f"{name}: {kind}", *runs[name][kind])
        ratio = runs[most][kind][0] / runs[fewest][kind][0]
        name = f"ratio of the best runs, most / fewest: {kind}"
        print(f"   {name:<58} {ratio:>8.2f} {'':>8} {'<1.5':>7}")


def row(name: str, best: float, median: float, goal: str = "") -> None:
    print(f"   {name:<58} {best:>8.3f} {median:>8.3f} {goal:>7}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs per timing (best kept)")
    parser.add_argument("--quick", action="store_true", help="tiny views, to prove it runs")
    args = parser.parse_args(argv)
    repeat = 1 if args.quick else max(1, args.repeat)
    env = {k: v for k, v in os.environ.items() if k.startswith(("OPENBLAS", "OMP", "MKL"))}
    print(f"{os.cpu_count()} CPUs, BLAS environment: {env or 'none'}")
    print(f"load average at start: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")

    start = time.perf_counter()
    first = AppTest.from_file(APP, default_timeout=120)
    first.run()
    first.switch_page("app_pages/vanishing_lab.py")
    first.run()
    print(f"\nFirst run in a new process (imports included): {time.perf_counter() - start:.2f} s")

    print(f"\nScript runs, seconds (best and median of {repeat})")
    print(f"   {'view':<58} {'best':>8} {'median':>8} {'goal':>7}")
    views = (
        ("lab, default view", "vanishing_lab.py", {}),
        ("lab, depth 200", "vanishing_lab.py", {"depth": "200"}),
        ("lab, default view + depth story", "vanishing_lab.py", {"story": "true"}),
        ("myths, default view", "myths.py", {}),
    )
    if args.quick:
        tiny = {"depth": "4", "width": "8", "batch": "8", "seeds": "1"}
        views = (
            ("lab, tiny view", "vanishing_lab.py", tiny),
            ("lab, tiny view + depth story", "vanishing_lab.py", {**tiny, "story": "true"}),
            ("myths, default view", "myths.py", {}),
        )
    for name, file, query in views:
        runs = page_runs(file, query, repeat)
        default = name == "lab, default view"
        for kind in ("cold", "cached"):
            goal = f"<{GOALS[kind]:g}" if default else ""
            row(f"{name}: {kind}", *runs[kind], goal)

    worked_example_rows(repeat)

    print(
        "\nParts of a cold run of the lab"
        + (" (tiny)" if args.quick else "'s default view")
        + ", seconds"
    )
    settings = (
        lab.LabSettings(depth=4, width=8, batch=8, n_seeds=1) if args.quick else lab.LabSettings()
    )
    result = lab.lab_profiles(settings)
    row(
        "core.lab.lab_profiles (the one core call)",
        *timings(lambda: lab.lab_profiles(settings), repeat),
    )
    row(
        "main chart (lab_profile_figure, theory on)",
        *timings(
            lambda: lab_profile_figure(result.summary, "signal", result.labels, result.theory),
            repeat,
        ),
    )
    row(
        "forward chart (forward_stats_figure)",
        *timings(lambda: forward_stats_figure(result.summary, result.labels), repeat),
    )
    print(f"\nload average at end: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
