"""Server-side load run: N sessions over Streamlit's own websocket protocol, no browser.

    OPENBLAS_NUM_THREADS=1 .venv/bin/python bench/server_load.py --users 20 --seconds 120

Can the server alone serve a class of N? bench/load.py cannot say on 2 cores: each of its
headless Chromium contexts needs 2-4 CPU-seconds per page load and starves the server.
Here a user is one websocket, i.e. one Streamlit session (a browser tab), speaking the
frontend's protocol: GET /_stcore/health (sets the `_streamlit_xsrf` cookie, as the
frontend's pings do), ws://HOST/_stcore/stream with that cookie, a same-origin Origin
and the subprotocols ["streamlit", <xsrf token>], then BackMsg.rerun_script requests.
A step is timed from the request to ForwardMsg `script_finished` (FINISHED_SUCCESSFULLY):
the server ran the page and sent every element. Like the browser, a session keeps a
ForwardMsg cache and lists it in `cached_message_hashes` (the server's `ref_hash`
answers are counted). Not measured: rendering. For what a student waits, add the
browser's own time per page (bench/load.py on an idle server, or the e2e timings).

Users arrive over --ramp seconds and walk the pages in shuffled order. A session's first
visit is a shared link ("link": URL path and random query string). Later visits are a
sidebar click ("nav": the page's hash, no query) and then the page's settings ("set":
a random query string with history-navigation semantics, so the URL alone decides every
bound widget). One run cannot do both: on a page change Streamlit drops URL keys bound
on the previous page (e.g. `depth` from update-sizes to the vanishing lab). URL keys,
defaults and options come from the widget protos the server sends (`query_param_key`;
ranges from the "Allowed: ..." help), of a first run of each page and of every later
run. Values are mostly near a control's default (x0.5..x2), a --wide share anywhere in
range. Errors: an exception element, page_not_found, a script_finished other than
success, a closed connection, no script_finished within 30 s (then a new session).
After --seconds no step starts; every wait has a timeout; a server started here is
stopped. Loopback only (--url http://127.0.0.1:PORT).
"""

from __future__ import annotations

import asyncio
import math
import os
import random
import re
import resource
import sys
import threading
import time
import urllib.request
from argparse import ArgumentParser, Namespace
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

import websockets
from websockets.typing import Origin, Subprotocol

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import class_load  # noqa: E402  (bench/, the folder of this script)
from streamlit.proto.BackMsg_pb2 import BackMsg  # noqa: E402
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg  # noqa: E402

from core import calibration  # noqa: E402
from dashboard.navigation import PAGES  # noqa: E402
from tests.e2e import appdriver  # noqa: E402

RUN_TIMEOUT = 30.0
MEMORY_TARGET_MB = 600
DISTINCT_FOR_MEMORY = 300
SLOWEST = 8  # steps listed with their settings after the table
CACHE_AGE = 2  # the frontend drops a cached message 2 script runs after its last use
OPEN_END = 1e12
SUCCESS = ForwardMsg.FINISHED_SUCCESSFULLY
DONE = {SUCCESS, ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY}
# Each page's path as the server sees it: PAGES[0], the default page, is served at "/".
PATHS = [appdriver.page_url("", p).strip("/") for p in PAGES]
ALLOWED = re.compile(
    r"Allowed: an? (?:whole )?number (from|above) (\S+) (?:to|and at most) ([-\d.]+)"
)


@dataclass
class Control:
    """One URL key of a page and the values it takes."""

    key: str
    kind: str  # number, choice (one of options), several (a subset of options)
    default: float = 0.0
    lo: float = -math.inf
    hi: float = math.inf
    step: float = 1.0
    integer: bool = False
    options: list[str] = field(default_factory=list)


def control_of(el) -> Control | None:
    """The URL key of a widget element (Element proto), or None if it has none."""
    kind = el.WhichOneof("type")
    w = getattr(el, kind)
    key = getattr(w, "query_param_key", "")
    if not key or getattr(w, "disabled", False):
        return None
    if kind == "number_input":
        step = w.step or 1.0
        c = Control(key, "number", w.default, w.min, w.max, step, step == int(step))
        if m := ALLOWED.search(w.help):  # the pages validate in code; help states the range
            c.lo = float(m[2]) + (step if m[1] == "above" else 0)
            c.hi = float(m[3])
        return c
    if kind == "slider" and w.type == w.SLIDER and len(w.default) == 1:
        return Control(key, "number", w.default[0], w.min, w.max, w.step or 1, w.data_type == 0)
    if kind in {"selectbox", "radio"} or (kind == "slider" and len(w.options) > 0):
        return Control(key, "choice", options=list(w.options))
    if kind == "checkbox":
        return Control(key, "choice", options=["true", "false"])
    if kind == "button_group":
        multi = w.click_mode == w.MULTI_SELECT
        options = [o.content for o in w.options]
        return Control(key, "several" if multi else "choice", options=options)
    if kind == "multiselect":
        return Control(key, "several", options=list(w.options))
    return None


def number(rng: random.Random, c: Control, wide: float) -> str:
    """Near the default (x0.5..x2) or, with probability `wide`, anywhere allowed."""
    base = c.default or 10 * c.step
    lo = c.lo if abs(c.lo) < OPEN_END else min(base / 10 if base > 0 else base - 10, c.hi)
    hi = c.hi if abs(c.hi) < OPEN_END else max(base * 10 + 10, lo)
    value = rng.uniform(lo, hi) if rng.random() < wide else base * rng.uniform(0.5, 2.0)
    value = min(max(value, lo), hi)
    if c.integer:
        return str(min(max(round(value), math.ceil(lo)), math.floor(hi)))
    decimals = max(0, -math.floor(math.log10(c.step))) if c.step < 1 else 0
    return f"{value:.{decimals}f}"


def random_query(rng: random.Random, controls: dict[str, Control], wide: float) -> str:
    """Random valid settings for about half of a page's URL keys (the rest: defaults)."""
    pairs: list[tuple[str, str]] = []
    for c in controls.values():
        if rng.random() < 0.5 or (c.kind != "number" and not c.options):
            continue
        if c.kind == "number":
            pairs.append((c.key, number(rng, c, wide)))
        elif c.kind == "choice":
            pairs.append((c.key, rng.choice(c.options)))
        else:  # a non-empty subset, the key repeated
            pairs += [(c.key, o) for o in rng.sample(c.options, rng.randint(1, len(c.options)))]
    return urlencode(pairs)


class Broken(Exception):
    """The session is unusable (timeout, closed connection): the user opens a new one."""


@dataclass
class Stats:
    # Every timed step: page (its URL path), kind (link, nav, set), seconds, query.
    runs: list[tuple[str, str, float, str]] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)
    settings: set[tuple[str, str]] = field(default_factory=set)
    controls: dict[str, dict[str, Control]] = field(default_factory=lambda: defaultdict(dict))
    hashes: dict[str, str] = field(default_factory=dict)  # url path -> page script hash
    refs: int = 0
    echoed: list[int] = field(default_factory=lambda: [0, 0])  # URL numbers matched, checked
    differ: list[str] = field(default_factory=list)
    rss_at_distinct: int | None = None
    in_flight: dict[int, str] = field(default_factory=dict)  # session id -> "/page?query"


class Session:
    """One websocket = one Streamlit session, as a browser tab holds."""

    def __init__(self, base: str, stats: Stats) -> None:
        self.base, self.stats = base, stats
        self.ws: websockets.ClientConnection | None = None
        self.cache: dict[str, tuple[int, bytes]] = {}  # hash -> (run of last use, message)
        self.finished_runs = 0
        self.page: str | None = None
        self.elements: list[tuple[str, object]] = []  # (fragment id, Element) of the last run
        self.fragment = ""  # the run_every fragment of the page, once known (bench/class_load)

    async def open(self) -> None:
        """Connect as the frontend does; raises Broken("connect failed") if the server won't."""

        def health_cookie() -> str:
            with urllib.request.urlopen(f"{self.base}/_stcore/health", timeout=RUN_TIMEOUT) as r:
                return (r.headers.get("set-cookie") or "").split(";")[0]

        try:
            cookie = await asyncio.to_thread(health_cookie)
        except OSError as e:
            raise Broken("connect failed", f"GET /_stcore/health: {e!r}") from None
        token = cookie.partition("=")[2] or "PLACEHOLDER_AUTH_TOKEN"  # as the frontend does
        try:
            self.ws = await websockets.connect(
                self.base.replace("http://", "ws://", 1) + "/_stcore/stream",
                subprotocols=[Subprotocol("streamlit"), Subprotocol(token)],
                origin=Origin(self.base),  # same origin: the server compares it with Host
                additional_headers={"Cookie": cookie} if cookie else None,
                max_size=None,
                ping_interval=None,  # browsers send no pings; the server's are answered
                open_timeout=RUN_TIMEOUT,
                close_timeout=2,
            )
        except (OSError, TimeoutError, websockets.InvalidHandshake) as e:
            raise Broken("connect failed", f"websocket: {e!r}") from None

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
            self.ws = None

    async def run(
        self, path: str, kind: str, query: str = "", widgets: tuple = (), fragment: str = ""
    ) -> float:
        """One rerun request; seconds until script_finished. Raises Broken. kind "widget":
        widgets' new values (WidgetState protos) as a click or pick sends them; with
        fragment, only that fragment reruns (its widgets and run_every timer do that)."""
        if self.ws is None:
            await self.open()
        assert self.ws is not None
        msg = BackMsg()
        rs = msg.rerun_script
        rs.query_string = query
        if kind == "link":  # a fresh tab: the page comes from the URL path
            rs.page_name = path
        else:
            rs.page_script_hash = self.stats.hashes[path]
            rs.is_history_navigation = kind == "set"
        rs.widget_states.widgets.extend(widgets)
        rs.fragment_id = fragment
        self.elements = []
        rs.cached_message_hashes.extend(self.cache)
        ci = rs.context_info
        ci.timezone, ci.locale, ci.color_scheme = "UTC", "en-US", "light"
        ci.url = f"{self.base}/{path}" + (f"?{query}" if query else "")
        start = time.perf_counter()
        self.stats.in_flight[id(self)] = f"/{path}" + (f"?{query}" if query else "")
        try:
            await self.ws.send(msg.SerializeToString())
            found = await self._receive(path, query, start + RUN_TIMEOUT)
        finally:
            self.stats.in_flight.pop(id(self), None)
        seconds = time.perf_counter() - start
        self.page = path
        self.stats.runs.append((path, kind, seconds, query))
        self.stats.settings.add((path, query))
        self._check_echo(path, query, found)
        return seconds

    async def _receive(self, path: str, query: str, deadline: float) -> dict[str, float]:
        """Read ForwardMsgs until script_finished; learn URL keys; return bound numbers."""
        assert self.ws is not None
        stats, numbers, what = self.stats, {}, f"/{path}" + (f"?{query}" if query else "")
        reruns = 0  # script_finished FINISHED_EARLY_FOR_RERUN: the page called st.rerun()
        while True:
            try:
                data = await asyncio.wait_for(self.ws.recv(), deadline - time.perf_counter())
            except TimeoutError:
                loop = f" ({reruns} st.rerun() and counting)" if reruns else ""
                raise Broken("timeout", what + loop) from None
            except websockets.ConnectionClosed as e:
                raise Broken("closed connection", f"{what}: {e}") from None
            msg = ForwardMsg.FromString(data)
            kind = msg.WhichOneof("type")
            if kind == "ref_hash":
                stats.refs += 1
                if msg.ref_hash not in self.cache:
                    raise Broken("cache miss", f"{what}: ref_hash {msg.ref_hash}")
                data = self.cache[msg.ref_hash][1]
                msg = ForwardMsg.FromString(data)
                kind = msg.WhichOneof("type")
                self.cache[msg.hash] = (self.finished_runs, data)
            elif msg.metadata.cacheable:
                self.cache[msg.hash] = (self.finished_runs, data)
            if kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
                el = msg.delta.new_element
                self.elements.append((msg.delta.fragment_id, el))
                if el.WhichOneof("type") == "exception":
                    stats.errors.append(("exception", f"{what}: {el.exception.message:.160}"))
                elif c := control_of(el):
                    stats.controls[path].setdefault(c.key, c)
                    if el.WhichOneof("type") == "number_input":
                        w = el.number_input
                        numbers[c.key] = w.value if w.HasField("value") else w.default
            elif kind == "page_not_found":
                stats.errors.append(("page not found", what))
            elif kind == "navigation":
                pages = msg.navigation.app_pages
                stats.hashes.update(
                    ("" if p.is_default else p.url_pathname, p.page_script_hash) for p in pages
                )
            elif kind == "script_finished":
                self.finished_runs += 1
                runs = self.finished_runs
                self.cache = {h: v for h, v in self.cache.items() if runs - v[0] <= CACHE_AGE}
                if msg.script_finished in DONE:
                    return numbers
                early = msg.script_finished == ForwardMsg.FINISHED_EARLY_FOR_RERUN
                reruns += early
                if not early or reruns == 1:  # a rerun loop is one error (and a timeout)
                    name = ForwardMsg.ScriptFinishedStatus.Name(msg.script_finished)
                    stats.errors.append((f"script_finished {name}", what))
                if not early:
                    return numbers  # after a rerun another script_finished follows

    def _check_echo(self, path: str, query: str, found: dict[str, float]) -> None:
        """Do the number widgets show the numbers the URL asked for?"""
        for key, value in parse_qsl(query):
            if key in found and self.stats.controls[path][key].kind == "number":
                self.stats.echoed[1] += 1
                if abs(found[key] - float(value)) <= 1e-9 * max(1.0, abs(float(value))):
                    self.stats.echoed[0] += 1
                elif len(self.stats.differ) < 3:
                    self.stats.differ.append(f"{path}?{key}={value} -> {found[key]:g}")


async def user(i: int, base: str, stats: Stats, args: Namespace, t0: float, end: float) -> None:
    """One student: a session, then page after page until `end`."""
    await asyncio.sleep(t0 + args.ramp * i / args.users - time.monotonic())
    rng = random.Random(args.seed * 1000 + i)
    pauses = random.Random(f"{args.seed} {i} pauses")  # its own: same settings at any jitter
    session = Session(base, stats)
    walk: list[str] = []
    while time.monotonic() < end:
        if not walk:
            walk = list(PATHS)
            rng.shuffle(walk)
        path = walk.pop()
        try:
            if session.ws is None:  # a shared link opened in a fresh tab
                await session.run(path, "link", random_query(rng, stats.controls[path], args.wide))
            else:
                if session.page != path:
                    await session.run(path, "nav")
                if controls := stats.controls[path]:
                    await session.run(path, "set", random_query(rng, controls, args.wide))
        except Broken as e:  # the student reloads the page: a new session, a second later
            stats.errors.append((e.args[0], e.args[1]))
            await session.close()
            session = Session(base, stats)
            await asyncio.sleep(1)
        await asyncio.sleep(args.think * pauses.uniform(1 - args.jitter, 1 + args.jitter))
    await session.close()


class MemoryWatch(threading.Thread):
    """Samples the server process group's memory (PSS) every 0.2 s: the total, and at
    its peak each process's share (the server, each worker) and the page views whose
    runs were in flight (what the memory was for)."""

    def __init__(self, pgid: int | None, in_flight: dict[int, str] | None = None) -> None:
        super().__init__(daemon=True)
        self.pgid, self.peak, self.done = pgid, 0, threading.Event()
        self.at_peak: dict[str, list[int]] = {}
        self.in_flight, self.flying_at_peak = in_flight if in_flight is not None else {}, []

    def sample(self) -> int:
        if not self.pgid:
            return 0
        roles = appdriver.memory_by_role(self.pgid)
        total = sum(roles["server"]) + sum(roles["workers"])
        if total > self.peak:
            self.peak, self.at_peak = total, roles
            self.flying_at_peak = sorted(self.in_flight.copy().values())
        return total

    def split(self) -> str:
        """The peak's parts: "server 310 MB, workers 120 + 118 MB"."""
        if not self.at_peak:
            return "n/a"
        workers = " + ".join(f"{b / 2**20:.0f}" for b in self.at_peak["workers"]) or "none"
        return f"server {mb(sum(self.at_peak['server']))}, workers {workers} MB"

    def run(self) -> None:
        while not self.done.wait(0.2):
            self.sample()


def listening_pgid(port: int) -> int | None:
    """The process group of whoever listens on a loopback port (same user), if found."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            f = line.split()
            if int(f[1].rsplit(":", 1)[1], 16) == port and f[3] == "0A":  # LISTEN
                inodes.add(f"socket:[{f[9]}]")
    for proc in Path("/proc").iterdir():
        try:
            fds = (proc / "fd").iterdir() if proc.name.isdigit() else ()
            if any(os.readlink(fd) in inodes for fd in fds):
                return os.getpgid(int(proc.name))
        except OSError:
            continue
    return None


def figures(values: list[float]) -> tuple[float, float, float]:
    """p50, p95 (nearest rank) and max."""
    s = sorted(values)
    return s[math.ceil(0.5 * len(s)) - 1], s[math.ceil(0.95 * len(s)) - 1], s[-1]


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def mb(n: int | None) -> str:
    return "n/a" if not n else f"{n / 2**20:.0f} MB"


async def measure(base: str, pgid: int | None, args: Namespace) -> Stats:
    stats = Stats()
    print(f"load average before: {loadavg()}", flush=True)
    probe = Session(base, stats)  # one run per page: the URL keys, and warms the server
    for path in PATHS:
        await probe.run(path, "link")
    await probe.close()
    keys = {path: len(c) for path, c in stats.controls.items()}
    print(f"URL keys found: {keys}", flush=True)
    stats.runs.clear()
    stats.settings.clear()
    mem = MemoryWatch(pgid, stats.in_flight)
    mem.start()
    rss_warm = mem.sample()
    warm_split = mem.split()
    cpu0 = appdriver.cpu_by_role(pgid) if pgid else {}
    ru0, t0 = resource.getrusage(resource.RUSAGE_SELF), time.monotonic()
    users = (user(i, base, stats, args, t0, t0 + args.seconds) for i in range(args.users))
    tasks = [asyncio.create_task(u) for u in users]
    limit = time.monotonic() + args.seconds + args.ramp + 4 * RUN_TIMEOUT + 30
    while not all(t.done() for t in tasks) and time.monotonic() < limit:
        if stats.rss_at_distinct is None and len(stats.settings) >= DISTINCT_FOR_MEMORY:
            stats.rss_at_distinct = mem.sample()
        await asyncio.sleep(0.2)
    for t in tasks:
        if not t.done():
            t.cancel()
            stats.errors.append(("user did not stop", "cancelled"))
        elif t.exception():
            stats.errors.append(("load generator bug", repr(t.exception())[:200]))
    wall = time.monotonic() - t0
    cpu = (
        {r: t - cpu0.get(r, 0.0) for r, t in appdriver.cpu_by_role(pgid).items()} if pgid else None
    )
    ru = resource.getrusage(resource.RUSAGE_SELF)
    rss_end = mem.sample()
    mem.done.set()
    own = ru.ru_utime + ru.ru_stime - ru0.ru_utime - ru0.ru_stime
    report(stats, wall, cpu, own, (rss_warm, stats.rss_at_distinct, mem.peak, rss_end))
    print(f"  after warm-up: {warm_split}; at the peak: {mem.split()}")
    print("  runs in flight at the peak: " + ("; ".join(mem.flying_at_peak) or "none"))
    print("slowest steps:")
    for path, kind, seconds, query in sorted(stats.runs, key=lambda r: -r[2])[:SLOWEST]:
        print(f"  {seconds:6.2f} s  {kind:<5} /{path}" + (f"?{query}" if query else ""))
    return stats


def report(stats: Stats, wall: float, cpu: dict[str, float] | None, own: float, rss: tuple) -> None:
    kinds = Counter(r[1] for r in stats.runs)
    print(f"load average after:  {loadavg()}  ({os.cpu_count()} cores)")
    print(
        f"steps: {len(stats.runs)} runs in {wall:.0f} s = {len(stats.runs) / wall:.1f}/s "
        f"(link {kinds['link']}, nav {kinds['nav']}, set {kinds['set']}); "
        f"{len(stats.settings)} distinct settings (page + query); {stats.refs} cached-message refs"
    )
    errors = Counter(k for k, _ in stats.errors)
    print(f"errors: {sum(errors.values()) or 'none'}")
    for kind, n in errors.most_common():
        examples = list(dict.fromkeys(d for k, d in stats.errors if k == kind))[:3]
        print(f"  {kind}: {n}, e.g. " + " | ".join(examples))
    if stats.echoed[1]:
        differ = f" (differ: {'; '.join(stats.differ)})" if stats.differ else ""
        print(f"URL numbers the widgets show: {stats.echoed[0]} of {stats.echoed[1]}{differ}")
    print("seconds from rerun request to script_finished:")
    print(f"  {'page':<16}{'kind':<6}{'runs':>6}{'p50':>8}{'p95':>8}{'max':>8}")
    rows = [("all", "", [r[2] for r in stats.runs])]
    for p, path in zip(PAGES, PATHS, strict=True):
        for kind in ("link", "nav", "set"):
            rows.append(
                (p.url_path, kind, [s for q, k, s, _ in stats.runs if (q, k) == (path, kind)])
            )
    for name, kind, v in rows:
        if v:
            print(f"  {name:<16}{kind:<6}{len(v):>6}", *(f"{x:>7.2f}" for x in figures(v)))
    if cpu is not None:
        total = sum(cpu.values())
        print(
            f"server CPU: {total:.0f} s in {wall:.0f} s = {total / wall:.2f} cores (server "
            f"process {cpu['server'] / wall:.2f}, workers {cpu['workers'] / wall:.2f})"
        )
    print(f"load generator CPU: {own:.1f} s = {own / wall:.3f} cores (itself, all threads)")
    verdict = "n/a:" if not rss[2] else "within" if rss[2] <= MEMORY_TARGET_MB * 2**20 else "OVER"
    print(
        f"server memory (PSS, server and workers): after warm-up {mb(rss[0])}, "
        f"at {DISTINCT_FOR_MEMORY} distinct settings "
        f"{mb(rss[1]) if rss[1] else 'not reached'}, peak {mb(rss[2])}, end {mb(rss[3])} "
        f"({verdict} the {MEMORY_TARGET_MB} MB target)"
    )


def main() -> int:
    parser = ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=20, help="concurrent sessions")
    parser.add_argument("--seconds", type=float, default=120, help="no step starts after this")
    parser.add_argument("--ramp", type=float, default=10, help="users arrive over this many s")
    parser.add_argument("--think", type=float, default=0, help="seconds between steps")
    parser.add_argument(
        "--jitter",
        type=float,
        default=0.5,
        help="each pause is think x a uniform draw from 1 - jitter to 1 + jitter (0: "
        "exactly think; students who read for exactly as long move in waves)",
    )
    parser.add_argument("--wide", type=float, default=0.2, help="share of values anywhere in range")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--url", help="a running app on loopback, e.g. http://127.0.0.1:8501")
    class_load.add_arguments(parser)  # --class N [--window S] [--restart] [--postgres]
    args = parser.parse_args()
    if args.class_students:
        return class_load.main(args, Session, Stats())
    log = ROOT / "test-output" / "server-load-server.log"
    proc = None
    if args.url:
        u = urlsplit(args.url)
        if u.scheme != "http" or u.hostname not in {"127.0.0.1", "localhost"} or not u.port:
            parser.error("--url must be http://127.0.0.1:PORT or http://localhost:PORT")
        base, pgid = f"http://{u.netloc}", listening_pgid(u.port)
    else:
        # The server's cost-model factors decide which settings it admits. Measured at its
        # start, they move with whatever else the host did in those milliseconds (the rest
        # x0.97 to x1.7 in fresh processes a minute apart on this VM, quiet), and what a
        # run measures moves with them: every run uses BACKPROP_COST_SCALE if set (give
        # the same to both codes of a comparison), else this process's factors.
        scale = os.environ.get(calibration.COST_SCALE_ENV) or calibration.cost_scale().as_env()
        os.environ[calibration.COST_SCALE_ENV] = scale  # the server started here inherits it
        port = appdriver.free_port()
        base = f"http://127.0.0.1:{port}"
        proc = appdriver.start_app(port, log)
        pgid = proc.pid
    where = f"started here, log {log.relative_to(ROOT)}" if proc else f"pgid {pgid}"
    factors = (
        "the server's own cost-model factors"
        if args.url
        else f"cost-model factors (products,rest) {os.environ[calibration.COST_SCALE_ENV]}"
    )
    print(
        f"server_load: {args.users} users, {args.seconds:g} s, ramp {args.ramp:g} s, think "
        f"{args.think:g} s (jitter {args.jitter:g}), wide {args.wide:g}, seed {args.seed}; "
        f"server {base} ({where}), {factors}",
        flush=True,
    )
    try:
        if proc is not None:
            appdriver.wait_healthy(base, proc)
        stats = asyncio.run(measure(base, pgid, args))
    except Broken as e:  # the warm-up run of each page failed: no load run
        print(f"warm-up failed: {e.args[0]}: {e.args[1]}")
        return 1
    finally:
        if proc is not None:
            appdriver.stop_app(proc)
    return 1 if stats.errors else 0


if __name__ == "__main__":
    sys.exit(main())
