"""Bounded load run: N students at once, each walking every page with random settings.

    .venv/bin/python bench/load.py --users 20 --seconds 120

Starts the app the way the README does (`bash scripts/app.sh`) on a free loopback port,
reads each page's controls once (number inputs, sliders, select boxes, radios,
checkboxes, pills with their ranges and options), then runs N separate browser contexts
in one headless Chromium (Debian's), arriving evenly over --ramp seconds. Each user
walks the pages in a shuffled order: a page is opened by a sidebar click or, for a share
--links of the visits (and always the first), as a shared link with random settings in
the URL (a full page load); then one or two of its number inputs get a new random value
(typed, Enter). Random numbers are mostly near the page's defaults (x0.5..x2), a share
--wide anywhere in their allowed range; --think seconds of reading between pages
(default 0: back to back, the harshest case). Each step is timed from the click, the
navigation or the Enter key to every visible chart drawn; a step not done within 30 s is
a timeout error, and the user starts afresh with a link. After --seconds no new step
starts; the run ends by itself (every wait has a timeout) and stops the server.

Reports: navigations, distinct settings, errors by kind (timeout, exception or error
dialog shown, browser page error), p50/p95/max seconds to charts drawn (overall and per
page), the server's CPU use, the machine's load average, and the server's resident
memory (its process group, sampled from /proc): after warm-up, at 300 distinct settings,
peak, and at the end. Loopback only: --url must point at 127.0.0.1/localhost.
Not part of CI (it takes minutes and loads both cores).
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import random
import statistics
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playwright.async_api import TimeoutError as PlaywrightTimeout  # noqa: E402
from playwright.async_api import async_playwright  # noqa: E402

from dashboard.navigation import PAGES  # noqa: E402
from tests.e2e import appdriver  # noqa: E402

NAV_TIMEOUT_MS = 30_000
MEMORY_TARGET_MB = 600
DISTINCT_FOR_MEMORY = 300
OPEN_END = 1e12

# Every keyed control on the page with what values it accepts.
CONTROLS_JS = """() => {
  const keyOf = c => {
    const k = [...c.classList].find(x => x.startsWith('st-key-'));
    return k ? k.slice('st-key-'.length) : null;
  };
  const out = [];
  for (const c of document.querySelectorAll('[data-testid="stElementContainer"]')) {
    const key = keyOf(c);
    if (!key) continue;
    const num = c.querySelector('[data-testid="stNumberInput"] input');
    const ranges = [...c.querySelectorAll('[data-testid="stSlider"] input[type="range"]')];
    if (num) out.push({key, kind: 'number', min: num.min, max: num.max, step: num.step,
                       value: num.value});
    else if (ranges.length) out.push({key, kind: 'slider', min: ranges[0].min,
                                      max: ranges[0].max, step: ranges[0].step,
                                      value: ranges[0].value, thumbs: ranges.length});
    else if (c.querySelector('[data-testid="stSelectbox"]')) out.push({key, kind: 'selectbox'});
    else if (c.querySelector('[data-testid="stRadio"]')) out.push({key, kind: 'choice',
        options: [...c.querySelectorAll('[data-testid="stRadioOption"]')]
                   .map(o => o.innerText.trim())});
    else if (c.querySelector('[data-testid="stCheckbox"], [data-testid="stToggle"]'))
      out.push({key, kind: 'choice', options: ['true', 'false']});
    else if (c.querySelector('[data-testid="stButtonGroup"]'))  // pills, segmented control
      out.push({key, kind: 'several', options: [...c.querySelectorAll(
        '[data-testid="stButtonGroup"] button')].map(b => b.innerText.trim()).filter(Boolean)});
  }
  return out;
}"""


@dataclass
class Results:
    seconds: list[tuple[str, str, float]] = field(default_factory=list)  # page, how, s
    errors: list[tuple[str, str]] = field(default_factory=list)  # (kind, detail)
    settings: set[tuple[str, str]] = field(default_factory=set)
    rss_at_distinct: int | None = None
    phase_seconds: float = 0.0
    server_cpu: float | None = None
    loadavg_before: str = ""
    loadavg_after: str = ""
    machine_busy: float | None = None  # core-seconds of the whole machine during the run
    browsers_cpu: float | None = None  # CPU seconds of Chromium and the Playwright driver

    def record(self, path: str, how: str, seconds: float, url: str) -> None:
        """One timed step; its URL (page and settings) counts toward distinct settings."""
        self.seconds.append((path, how, seconds))
        self.settings.add((path, urlsplit(url).query))


def _machine_busy_seconds() -> float:
    """Core-seconds the whole machine has been busy (all but idle and iowait) since boot."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    return (sum(fields) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")


def _loadavg() -> str:
    """The machine's 1-minute load average (other work on the 2 cores skews the figures)."""
    return Path("/proc/loadavg").read_text().split()[0]


class MemoryWatch:
    """Samples the server process group's resident memory every 0.2 s in a thread, and
    the CPU time of every Chromium process (each one's last sample: a renderer that exits
    loses at most its last 0.2 s)."""

    def __init__(self, pgid: int | None) -> None:
        self.pgid = pgid
        self.peak = 0
        self.last = 0
        self.browser_cpu: dict[tuple[str, str], float] = {}  # (pid, start time) -> seconds
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(0.2)

    def browsers_cpu_seconds(self) -> float:
        """CPU seconds used so far by the Chromium processes seen."""
        return sum(self.browser_cpu.values())

    def _sample_browsers(self) -> None:
        tick = os.sysconf("SC_CLK_TCK")
        for proc in Path("/proc").iterdir():
            if not proc.name.isdigit():
                continue
            try:
                # Chromium rewrites its command line with spaces, not NULs, in renderers;
                # /usr/bin/chromium is a wrapper script that runs /usr/lib/chromium/chromium.
                argv0 = (proc / "cmdline").read_bytes().replace(b"\0", b" ").split(b" ", 1)[0]
                if not argv0.endswith(b"/chromium"):
                    continue
                fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:  # gone meanwhile
                continue
            key = (proc.name, fields[19])  # pid and start time: pids are reused
            self.browser_cpu[key] = (int(fields[11]) + int(fields[12])) / tick

    def sample(self) -> int:
        self._sample_browsers()
        if self.pgid is None:
            return 0
        self.last = appdriver.group_memory_bytes(self.pgid)
        self.peak = max(self.peak, self.last)
        return self.last

    def __enter__(self) -> MemoryWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def _number(rng: random.Random, c: dict, wide: float) -> str:
    """A valid value: with probability `wide` anywhere in the allowed range, otherwise
    the page's default times 0.5..2 (what a student trying things out mostly does)."""
    step = c.get("step") or "1"
    decimals = appdriver.step_decimals(step)
    base = float(c.get("value") or 1.0)
    lo = float(c["min"]) if c.get("min") not in (None, "") else -math.inf
    hi = float(c["max"]) if c.get("max") not in (None, "") else math.inf
    # An open end (no bound, or Streamlit's +-1.8e308 when the page validates in code):
    # "anywhere" then means within a factor of ten of the default.
    lo = lo if abs(lo) < OPEN_END else min(base / 10 if base > 0 else base - 10, hi)
    hi = hi if abs(hi) < OPEN_END else max(base * 10 + 10, lo)
    if rng.random() < wide:
        value = rng.uniform(lo, hi)
    else:
        value = min(max(base * rng.uniform(0.5, 2.0), lo), hi)
    if decimals == 0:
        return str(min(max(round(value), int(lo)), int(hi)))
    return f"{value:.{decimals}f}"


def random_query(rng: random.Random, controls: list[dict], wide: float) -> list[tuple[str, str]]:
    """Random valid settings for about half of the page's controls."""
    pairs = []
    for c in controls:
        if rng.random() < 0.5:
            continue
        if c["kind"] == "number":
            pairs.append((c["key"], _number(rng, c, wide)))
        elif c["kind"] == "slider":
            values = sorted(float(_number(rng, c, wide)) for _ in range(c.get("thumbs", 1)))
            pairs += [(c["key"], f"{v:g}") for v in values]
        elif c["kind"] in {"choice", "selectbox"} and c.get("options"):
            pairs.append((c["key"], rng.choice(c["options"])))
        elif c["kind"] == "several" and c.get("options"):  # a non-empty subset, key repeated
            picked = rng.sample(c["options"], rng.randint(1, len(c["options"])))
            pairs += [(c["key"], option) for option in picked]
    return pairs


async def discover(browser, base_url: str) -> dict[str, list[dict]]:
    """Each page's controls, once, in a throwaway context (also warms the server)."""
    found = {}
    context = await browser.new_context(viewport=appdriver.DESKTOP)
    page = await context.new_page()
    for info in PAGES:
        await page.goto(appdriver.page_url(base_url, info))
        await page.wait_for_function(appdriver.CHARTS_DRAWN_JS, polling=100, timeout=60_000)
        if await page.evaluate(appdriver.OPEN_EXPANDERS_JS):  # controls inside expanders too
            await page.wait_for_function(appdriver.CHARTS_DRAWN_JS, polling=100, timeout=60_000)
        controls = await page.evaluate(CONTROLS_JS)
        for c in controls:
            if c["kind"] == "selectbox":  # options exist in the DOM only while open
                box = page.locator(f'[class~="st-key-{c["key"]}"] input').first
                try:
                    await box.click(timeout=5_000)
                    texts = await page.locator('[role="option"]').all_inner_texts()
                    c["options"] = [t.strip() for t in texts]
                    await page.keyboard.press("Escape")
                except PlaywrightTimeout:  # hidden (e.g. an inactive tab): left as it is
                    c["options"] = []
        found[info.url_path] = controls
    await context.close()
    return found


async def _until_drawn(page) -> None:
    await page.wait_for_function(appdriver.CHARTS_DRAWN_JS, polling=100, timeout=NAV_TIMEOUT_MS)


async def _rerun_and_wait(page, act, path: str | None = None) -> float:
    """Do something that makes the app rerun (a click, a typed value); seconds until every
    chart is drawn again. The URL changes before the rerun starts, so count script-state
    changes instead of trusting the first 'not running'."""
    await page.evaluate(appdriver.WATCH_RUNS_JS)
    start = time.perf_counter()
    await act()
    if path is not None:
        await page.wait_for_function("p => location.pathname === p", arg=path)
    await page.wait_for_function(appdriver.RUN_SEEN_JS)
    await _until_drawn(page)
    return time.perf_counter() - start


async def _problems(page, page_errors: list[str]) -> str | None:
    shown = await page.locator('[data-testid="stException"], [role="dialog"]').all_inner_texts()
    if shown:
        return f"exception shown: {shown[0]:.200}"
    if page_errors:
        return f"page error: {page_errors[0]:.200}"
    return None


async def _turn_a_control(page, rng: random.Random, controls: list[dict], wide: float):
    """Type a new random value into one visible number input; seconds to redrawn, or None
    when the page has no number input on screen."""
    for c in rng.sample(controls, len(controls)):
        if c["kind"] != "number":
            continue
        field = page.locator(f'[class~="st-key-{c["key"]}"] input').first
        if not await field.count() or not await field.is_visible():
            continue
        current = await field.input_value()
        value = _number(rng, c, wide)
        if current and float(value) == float(current):
            continue  # no change, no rerun

        async def type_it(field=field, value=value) -> None:
            await field.fill(value)
            await field.press("Enter")

        return await _rerun_and_wait(page, type_it)
    return None


async def user(
    n: int, browser, base_url: str, controls, deadline: float, results: Results, memory, args
) -> None:
    """One student: walks the pages in a shuffled order, each by a sidebar click or (share
    --links, and always first) by opening a shared link with random settings, then turns
    one or two number inputs on the page."""
    rng = random.Random(n)
    await asyncio.sleep(n * args.ramp / args.users)  # the class arrives over --ramp seconds
    # A context of its own per user (the "separate browser contexts": no shared
    # cookies, cache or compiled JavaScript), or with --tabs one tab each in a shared
    # context, so the browsers' own work on these 2 cores leaves room for the server.
    own = args.shared_context is None
    context = await browser.new_context(viewport=appdriver.DESKTOP) if own else None
    context = context or args.shared_context
    context.set_default_timeout(NAV_TIMEOUT_MS)
    page = await context.new_page()
    page_errors: list[str] = []
    page.on("pageerror", lambda exc: page_errors.append(str(exc)))
    fresh = True  # no page open yet, or the last step failed: open a link
    try:
        while time.monotonic() < deadline:
            order = list(PAGES)
            rng.shuffle(order)
            for info in order:
                if time.monotonic() >= deadline:
                    break
                page_errors.clear()
                url = appdriver.page_url(base_url, info)
                try:
                    if fresh or rng.random() < args.links:
                        query = urlencode(random_query(rng, controls[info.url_path], args.wide))
                        url += f"?{query}" if query else ""
                        start = time.perf_counter()
                        await page.goto(url)
                        await _until_drawn(page)
                        results.record(info.url_path, "link", time.perf_counter() - start, page.url)
                        fresh = False
                    else:
                        link = page.locator('[data-testid="stSidebarNav"] a').nth(PAGES.index(info))
                        seconds = await _rerun_and_wait(page, link.click, urlsplit(url).path)
                        results.record(info.url_path, "sidebar", seconds, page.url)
                    for _ in range(rng.randint(1, 2)):
                        problem = await _problems(page, page_errors)
                        if problem:
                            break
                        seconds = await _turn_a_control(
                            page, rng, controls[info.url_path], args.wide
                        )
                        if seconds is None:
                            break
                        results.record(info.url_path, "control", seconds, page.url)
                    problem = await _problems(page, page_errors)
                    if problem:
                        results.errors.append((problem.split(":")[0], f"{page.url}: {problem}"))
                except PlaywrightTimeout:
                    results.errors.append(("timeout", page.url))
                    fresh = True
                except Exception as exc:  # a failed load: count it, start afresh
                    results.errors.append(("load failed", f"{url}: {exc!s:.200}"))
                    fresh = True
                if results.rss_at_distinct is None and len(results.settings) >= DISTINCT_FOR_MEMORY:
                    results.rss_at_distinct = memory.sample()
                if args.think:  # a student reading the page before the next click
                    await asyncio.sleep(rng.uniform(0.5, 1.5) * args.think)
    finally:
        await (context.close() if own else page.close())


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def _row(label: str, times: list[float]) -> str:
    return (
        f"{label:<16} {len(times):>5} {percentile(times, 0.5):>7.2f} "
        f"{percentile(times, 0.95):>7.2f} {max(times):>7.2f}"
    )


def report(args, results: Results, memory: MemoryWatch, warm_rss: int, wall: float) -> None:
    mb = 1024 * 1024
    times = [s for *_, s in results.seconds]
    print(
        f"\nload run: {args.users} users arriving over {args.ramp:g} s, for "
        f"{args.seconds:.0f} s in all; each walks the pages by "
        f"sidebar clicks ({args.links:.0%} as shared links with random settings) and turns "
        f"1-2 number inputs per page; numbers {args.wide:.0%} anywhere in their range, the "
        f"rest near the defaults; think time {args.think:g} s; timeout "
        f"{NAV_TIMEOUT_MS / 1000:.0f} s per step; "
        + ("one tab each in a shared context" if args.tabs else "a browser context each")
    )
    print(f"wall time: {wall:.0f} s (server start, warm-up and discovery included)")
    kinds = Counter(kind for kind, _ in results.errors)
    by_kind = ", ".join(f"{k}: {n}" for k, n in kinds.most_common()) or "none"
    print(f"steps timed: {len(times)}  errors: {len(results.errors)} ({by_kind})")
    print(f"distinct settings seen (page + query): {len(results.settings)}")
    for kind, detail in results.errors[:8]:
        print(f"  {kind}: {detail}")
    if times:
        print(
            f"action -> every chart drawn: p50 {percentile(times, 0.5):.2f} s, "
            f"p95 {percentile(times, 0.95):.2f} s, max {max(times):.2f} s, "
            f"mean {statistics.fmean(times):.2f} s (target p95 < 5 s)"
        )
        print(f"{'':<16} {'n':>5} {'p50 s':>7} {'p95 s':>7} {'max s':>7}")
        for how in ("link", "sidebar", "control"):
            mine = [s for _, h, s in results.seconds if h == how]
            if mine:
                print(_row(f"by {how}", mine))
        for info in PAGES:
            mine = [s for p, _, s in results.seconds if p == info.url_path]
            if mine:
                print(_row(info.url_path, mine))
    if results.server_cpu is not None and results.phase_seconds:
        busy = results.machine_busy or 0.0
        print(
            f"CPU during the run ({results.phase_seconds:.0f} s, {os.cpu_count()} cores): "
            f"server {results.server_cpu:.0f} s ({results.server_cpu / results.phase_seconds:.2f}"
            f" cores), whole machine {busy:.0f} s ({busy / results.phase_seconds:.2f} cores: "
            f"the {args.users} browsers, Playwright and anything else running)"
        )
    if results.browsers_cpu is not None:
        print(
            f"Chromium: {results.browsers_cpu:.0f} CPU s "
            f"({results.browsers_cpu / results.phase_seconds:.2f} cores), "
            f"{results.browsers_cpu / max(len(times), 1):.1f} CPU s per timed step. "
            "On one machine the browsers compete with the server; a class's browsers run on "
            "their own laptops (bench/server_load.py measures the server alone)"
        )
    print(
        f"machine load average (1 min) before/after: {results.loadavg_before} / "
        f"{results.loadavg_after}"
    )
    if memory.pgid is not None:
        at_distinct = (
            f"{results.rss_at_distinct / mb:.0f} MB"
            if results.rss_at_distinct
            else f"not reached ({len(results.settings)} distinct)"
        )
        print(
            f"server memory (PSS, server and workers): after warm-up {warm_rss / mb:.0f} MB, "
            f"at {DISTINCT_FOR_MEMORY} distinct settings {at_distinct}, "
            f"peak {memory.peak / mb:.0f} MB, end {memory.last / mb:.0f} MB "
            f"(target < {MEMORY_TARGET_MB} MB)"
        )
    else:
        print("server memory: not measured (--url given: the server is not ours)")


async def run(args) -> int:
    chromium = appdriver.find_chromium()
    if chromium is None:
        print("chromium not found: apt-get install chromium", file=sys.stderr)
        return 2
    if why := appdriver.refused_url(args.url):
        print(why, file=sys.stderr)
        return 2
    started = time.monotonic()
    log = ROOT / "test-output" / "load-server.log"
    with appdriver.bench_app(args.url, log) as (base_url, proc):
        with MemoryWatch(proc.pid if proc else None) as memory:
            async with async_playwright() as pw:
                browser = await pw.chromium.launch(
                    executable_path=chromium, args=appdriver.CHROMIUM_ARGS, headless=True
                )
                controls = await discover(browser, base_url)
                for path, cs in controls.items():
                    print(f"{path}: {', '.join(c['key'] + ':' + c['kind'] for c in cs) or '-'}")
                warm_rss = memory.sample()
                results = Results()
                results.loadavg_before = _loadavg()
                cpu_before = appdriver.group_cpu_seconds(proc.pid) if proc else None
                busy_before = _machine_busy_seconds()
                browsers_before = memory.browsers_cpu_seconds()
                phase_start = time.monotonic()
                deadline = phase_start + args.seconds
                args.shared_context = None
                if args.tabs:
                    args.shared_context = await browser.new_context(viewport=appdriver.DESKTOP)
                users = asyncio.gather(
                    *(
                        user(n, browser, base_url, controls, deadline, results, memory, args)
                        for n in range(args.users)
                    )
                )
                try:  # every wait has its own timeout; this is the last resort
                    await asyncio.wait_for(users, timeout=args.seconds + 120)
                except TimeoutError:
                    results.errors.append(("hard stop", "users still busy 120 s after the end"))
                results.phase_seconds = time.monotonic() - phase_start
                if proc is not None:
                    results.server_cpu = appdriver.group_cpu_seconds(proc.pid) - cpu_before
                results.loadavg_after = _loadavg()
                results.machine_busy = _machine_busy_seconds() - busy_before
                memory.sample()
                results.browsers_cpu = memory.browsers_cpu_seconds() - browsers_before
                await browser.close()
            memory.sample()
        report(args, results, memory, warm_rss, time.monotonic() - started)
        return 1 if results.errors else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=20, help="concurrent browser contexts")
    parser.add_argument("--seconds", type=float, default=120, help="how long users navigate")
    parser.add_argument("--url", help="an already running app on loopback (default: start one)")
    parser.add_argument(
        "--tabs",
        action="store_true",
        help="one tab per user in a single shared context (shared cache and compiled JS) "
        "instead of a context each; each tab is still its own Streamlit session",
    )
    parser.add_argument(
        "--ramp",
        type=float,
        default=None,
        help="users arrive evenly over this many seconds, inside --seconds "
        "(default: 20, or a sixth of --seconds if that is shorter)",
    )
    parser.add_argument(
        "--links",
        type=float,
        default=0.2,
        help="share of page visits opened as a shared link (a full page load with random "
        "settings in the URL) instead of a sidebar click (default 0.2)",
    )
    parser.add_argument(
        "--think",
        type=float,
        default=0.0,
        help="seconds a user reads a page before the next navigation (default 0: back to back)",
    )
    parser.add_argument(
        "--wide",
        type=float,
        default=0.2,
        help="share of numbers drawn anywhere in their allowed range; the rest are the "
        "page's default times 0.5..2 (default 0.2; 1 = every number anywhere)",
    )
    args = parser.parse_args()
    if not (1 <= args.users <= 50 and 1 <= args.seconds <= 1800 and 0 <= args.wide <= 1):
        parser.error("--users must be 1..50, --seconds 1..1800 and --wide 0..1")
    if not 0 <= args.think <= 60 or not 0 <= args.links <= 1:
        parser.error("--think must be 0..60 seconds and --links 0..1")
    if args.ramp is None:
        args.ramp = min(20.0, args.seconds / 6)
    if not 0 <= args.ramp < args.seconds:
        parser.error("--ramp must be 0 or more and less than --seconds")
    return asyncio.run(run(args))


if __name__ == "__main__":
    raise SystemExit(main())
