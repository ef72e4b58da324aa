"""Drive the real app in headless Chromium: start/stop the server, read Streamlit's DOM.

Shared by the browser tests (tests/e2e/) and the load script (bench/load.py), so both
start the app the same way (the README's `bash scripts/app.sh`) and agree on what
"every chart drawn" means. No pytest here; no Playwright import either (the JS snippets
below are plain strings run with page.evaluate / page.wait_for_function).

The selectors were read off Streamlit 1.67's frontend (streamlit/static): the app root
`[data-testid="stApp"]` carries `data-test-script-state` (initial, running, notRunning,
rerunRequested, stopRequested, compilationError) and `data-test-connection-state`;
every element sits in a `[data-testid="stElementContainer"]` whose class list holds
`st-key-<key>` for keyed widgets; a lazily loaded element shows a `stSkeleton` until its
code arrives; a plotly chart is `[data-testid="stPlotlyChart"] .js-plotly-plot`, hidden
(visibility) until it knows its width, and drawn once plotly has built `.main-svg` and
set `_fullLayout` on the graph div.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal, InvalidOperation
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # for bench/load.py
    sys.path.insert(0, str(ROOT))

from dashboard.navigation import PAGES, PageInfo  # noqa: E402

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def page_url(base_url: str, info: PageInfo) -> str:
    """Where a student finds the page: app.py makes PAGES[0] the default page, which
    Streamlit serves at the root (its own url_path answers "Page not found")."""
    return f"{base_url}/" if info == PAGES[0] else f"{base_url}/{info.url_path}"


def find_chromium() -> str | None:
    """Debian's chromium (never a Playwright-downloaded build), or None."""
    found = shutil.which("chromium")
    if found:
        return found
    return "/usr/bin/chromium" if os.access("/usr/bin/chromium", os.X_OK) else None


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_app(port: int, log_path: Path, extra: tuple[str, ...] = ()) -> subprocess.Popen:
    """Start the app exactly as the README does, bound to loopback, in its own process group.

    `scripts/app.sh` installs requirements.txt into .venv if needed and then execs
    `streamlit run dashboard/app.py`; extra arguments go to streamlit (e.g.
    ("--secrets.files", path)).
    """
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log = log_path.open("wb")
    cmd = [
        "bash",
        str(ROOT / "scripts" / "app.sh"),
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--server.headless",
        "true",
        *extra,
    ]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    try:
        return subprocess.Popen(
            cmd,
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so stop_app reaches every child
            env=env,
        )
    finally:
        log.close()  # the child holds its own copy


def wait_healthy(base_url: str, proc: subprocess.Popen, timeout: float = 300.0) -> float:
    """Poll /_stcore/health until it answers "ok"; returns the seconds waited.

    The timeout is generous because a first start may install requirements.txt.
    """
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if proc.poll() is not None:
            raise RuntimeError(f"the app exited with code {proc.returncode} before it was healthy")
        try:
            with urllib.request.urlopen(f"{base_url}/_stcore/health", timeout=2) as r:
                if r.status == 200 and r.read().strip() == b"ok":
                    return time.monotonic() - start
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
            pass
        time.sleep(0.2)
    raise TimeoutError(f"{base_url}/_stcore/health did not answer within {timeout:.0f} s")


def refused_url(url: str | None) -> str | None:
    """Why a bench script refuses --url (it puts load only on this machine), or None."""
    if url and urlsplit(url).hostname not in {"127.0.0.1", "localhost", "::1"}:
        return f"refusing {url}: the bench scripts only target loopback"
    return None


@contextmanager
def bench_app(url: str | None, log_path: Path) -> Iterator[tuple[str, subprocess.Popen | None]]:
    """The app a bench script measures, as (base url, process or None): the server at url
    if given (loopback only), else one started as the README does on a free port, healthy
    before it is handed out and stopped afterwards."""
    if url:
        if why := refused_url(url):
            raise ValueError(why)
        yield url.rstrip("/"), None
        return
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    proc = start_app(port, log_path)
    try:
        wait_healthy(base_url, proc)
        yield base_url, proc
    finally:
        stop_app(proc)


def stop_app(proc: subprocess.Popen) -> None:
    """Stop the app's whole process group: SIGTERM, then SIGKILL after 10 s."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    except ProcessLookupError:
        pass


def _group_members(pgid: int) -> Iterator[tuple[Path, list[str]]]:
    """(/proc/<pid>, stat fields after the command name) for each process of a group."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # the process ended while we looked
        # the command name may contain spaces: fields start after the last ')'
        fields = stat[stat.rindex(")") + 2 :].split()
        if int(fields[2]) == pgid:  # fields[2] is pgrp
            yield entry, fields


def group_memory_bytes(pgid: int) -> int:
    """Memory used by the live processes of one process group (the server and its
    workers): their proportional set sizes summed, so that pages they share (libraries
    loaded by each) count once. VmRSS where the kernel gives no smaps_rollup."""
    total = 0
    for entry, _ in _group_members(pgid):
        try:
            total += _pss_bytes(entry)
        except (OSError, ValueError, IndexError):
            continue
    return total


def memory_by_role(pgid: int) -> dict[str, list[int]]:
    """Like group_memory_bytes, per process: {"server": [bytes], "workers": [bytes, ...]}
    (the group's leader is the server; the others are its workers)."""
    roles: dict[str, list[int]] = {"server": [], "workers": []}
    for entry, _ in _group_members(pgid):
        try:
            size = _pss_bytes(entry)
        except (OSError, ValueError, IndexError):
            continue
        roles["server" if int(entry.name) == pgid else "workers"].append(size)
    return roles


def cpu_by_role(pgid: int) -> dict[str, float]:
    """Like group_cpu_seconds, split into the server (the group's leader) and its workers
    (live ones only: a worker that ended took its time with it)."""
    ticks = {"server": 0, "workers": 0}
    for entry, f in _group_members(pgid):
        ticks["server" if int(entry.name) == pgid else "workers"] += int(f[11]) + int(f[12])
    return {role: t / os.sysconf("SC_CLK_TCK") for role, t in ticks.items()}


def _pss_bytes(entry: Path) -> int:
    rollup = entry / "smaps_rollup"
    if rollup.exists():
        lines, field = rollup.read_text().splitlines(), "Pss:"
    else:
        lines, field = (entry / "status").read_text().splitlines(), "VmRSS:"
    return next(int(line.split()[1]) * 1024 for line in lines if line.startswith(field))


def group_cpu_seconds(pgid: int) -> float:
    """User + system CPU time used so far by the live processes of one process group."""
    ticks = sum(int(f[11]) + int(f[12]) for _, f in _group_members(pgid))  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


# --- JavaScript run in the page -------------------------------------------------------

# True once the script run is over and every visible plotly chart has been drawn.
# Charts in an inactive tab or a collapsed expander have no layout box: skipped here,
# REVEAL_JS opens those before a second wait.
CHARTS_DRAWN_JS = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app) return false;
  if (app.getAttribute('data-test-connection-state') !== 'CONNECTED') return false;
  const state = app.getAttribute('data-test-script-state');
  if (state !== 'notRunning' && state !== 'compilationError') return false;
  if (!document.querySelector('[data-testid="stMain"] [data-testid="stElementContainer"]'))
    return false;
  if (document.querySelector('[data-testid="stSkeleton"]')) return false;
  if (document.querySelector('[data-testid="stElementContainer"][data-stale="true"]'))
    return false;
  for (const c of document.querySelectorAll('[data-testid="stPlotlyChart"]')) {
    if (c.getClientRects().length === 0) continue;
    const p = c.querySelector('.js-plotly-plot');
    if (!p || !p._fullLayout || !p.querySelector('.main-svg')) return false;
    if (getComputedStyle(p).visibility === 'hidden') return false;
  }
  return true;
}"""

# What the page looks like to CHARTS_DRAWN_JS, for a failure message.
DIAGNOSE_JS = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  const charts = [...document.querySelectorAll('[data-testid="stPlotlyChart"]')].map(c => {
    const p = c.querySelector('.js-plotly-plot');
    return {visible: c.getClientRects().length > 0, graphDiv: !!p,
            drawn: !!(p && p._fullLayout && p.querySelector('.main-svg')),
            visibility: p ? getComputedStyle(p).visibility : null};
  });
  return {
    scriptState: app && app.getAttribute('data-test-script-state'),
    connection: app && app.getAttribute('data-test-connection-state'),
    skeletons: document.querySelectorAll('[data-testid="stSkeleton"]').length,
    stale: document.querySelectorAll('[data-stale="true"]').length,
    exceptions: document.querySelectorAll('[data-testid="stException"]').length,
    charts,
  };
}"""

# Every plotly chart in the DOM (visible or in an inactive tab) and how many plotly drew.
CHART_TALLY_JS = """() => {
  const all = [...document.querySelectorAll('[data-testid="stPlotlyChart"]')];
  const drawn = all.filter(c => {
    const p = c.querySelector('.js-plotly-plot');
    return p && p._fullLayout && p.querySelector('.main-svg');
  });
  return {total: all.length, drawn: drawn.length};
}"""

COUNT_VISIBLE_CHARTS_JS = """() => [...document.querySelectorAll('[data-testid="stPlotlyChart"]')]
  .filter(c => c.getClientRects().length > 0).length"""

# Opens every collapsed expander and returns the tab buttons to click through.
# Streamlit renders an expander's children only once it is opened.
OPEN_EXPANDERS_JS = """() => {
  let opened = 0;
  for (const d of document.querySelectorAll('[data-testid="stExpander"] details')) {
    if (!d.open) { d.querySelector('summary').click(); opened++; }
  }
  return opened;
}"""

# Start watching for a rerun; RUN_SEEN_JS is true once an interaction's rerun has started
# (the URL updates before the rerun). Seen as a change of the app's script-state
# attribute anywhere in the document, or, for a page switch, as a different page title
# (h1): a fast cached run can go running -> notRunning inside one React commit, so the
# attribute never changes in the DOM (seen in CI once runs got faster).
WATCH_RUNS_JS = """() => {
  window.__stRuns = 0;
  const h1 = document.querySelector('[data-testid="stMain"] h1');
  window.__stTitle = h1 ? h1.innerText : null;
  new MutationObserver(records => { window.__stRuns += records.length; })
    .observe(document.documentElement,
             {attributes: true, subtree: true, attributeFilter: ['data-test-script-state']});
}"""
RUN_SEEN_JS = """() => {
  if (window.__stRuns > 0) return true;
  const h1 = document.querySelector('[data-testid="stMain"] h1');
  return (h1 ? h1.innerText : null) !== window.__stTitle;
}"""

# The first widget a student would turn, in page order: keyed number input or slider
# first (as the issue asks), then the other bindable kinds.
FIRST_CONTROL_JS = """() => {
  const kinds = [['stNumberInput', 'number'], ['stSlider', 'slider'],
                 ['stSelectbox', 'selectbox'], ['stRadio', 'radio'],
                 ['stCheckbox', 'checkbox'], ['stToggle', 'checkbox']];
  const keyOf = c => {
    const k = [...c.classList].find(x => x.startsWith('st-key-'));
    return k ? k.slice('st-key-'.length) : null;
  };
  const containers = [...document.querySelectorAll('[data-testid="stElementContainer"]')]
    .filter(c => keyOf(c) && c.getClientRects().length > 0);
  for (const [testid, kind] of kinds) {
    for (const c of containers) {
      const w = c.querySelector(`[data-testid="${testid}"]`);
      if (!w) continue;
      const input = kind === 'slider' ? w.querySelector('input[type="range"]')
                                      : w.querySelector('input');
      if (!input || input.disabled) continue;
      return {key: keyOf(c), kind, value: input.value, min: input.min, max: input.max,
              step: input.step, checked: input.checked};
    }
  }
  // A field in a form (typed, then submitted: the class code on "Join a class") is an
  // action, not a view setting; any other field should have been found above.
  const anyWidget = [...document.querySelectorAll('[data-testid="stMain"] input,'
    + '[data-testid="stMain"] textarea, [data-testid="stSidebar"] input')]
    .find(w => !w.closest('[data-testid="stForm"]'));
  return anyWidget ? {key: null, kind: 'unsupported', value: anyWidget.outerHTML.slice(0, 200)}
                   : null;
}"""

# Everything a student reads as "the numbers" of a view: widget values by key, metric
# and text content, and a fingerprint of each chart's data and annotations.
SNAPSHOT_JS = """() => {
  const hash = s => {
    let h = 2166136261;
    for (let i = 0; i < s.length; i++) { h ^= s.charCodeAt(i); h = Math.imul(h, 16777619); }
    return (h >>> 0).toString(16) + ':' + s.length;
  };
  const widgets = {};
  for (const c of document.querySelectorAll('[data-testid="stElementContainer"]')) {
    const k = [...c.classList].find(x => x.startsWith('st-key-'));
    if (!k) continue;
    const inputs = [...c.querySelectorAll('input, textarea')];
    if (!inputs.length) continue;
    widgets[k.slice('st-key-'.length)] = inputs.map(i =>
      (i.type === 'checkbox' || i.type === 'radio') ? String(i.checked) : i.value).join('|');
  }
  const main = document.querySelector('[data-testid="stMain"]') || document.body;
  const texts = [...main.querySelectorAll(
      '[data-testid="stMetric"], [data-testid="stMarkdownContainer"], [data-testid="stTable"],'
    + '[data-testid="stText"], [data-testid="stCode"], [data-testid="stJson"]')]
    .map(e => e.innerText.trim()).filter(Boolean);
  const charts = [...main.querySelectorAll('[data-testid="stPlotlyChart"] .js-plotly-plot')]
    .map(p => hash(JSON.stringify([p.data || null,
      ((p.layout || {}).annotations || []).map(a => a.text),
      ((p.layout || {}).title || {}).text || null])));
  return {widgets, metrics: [...main.querySelectorAll('[data-testid="stMetricValue"]')]
            .map(e => e.innerText.trim()), texts, charts};
}"""

# Anything from a hostile URL that turned into markup or ran.
INJECTION_JS = """() => {
  const bad = [];
  if (window.__pwned !== undefined) bad.push('window.__pwned = ' + window.__pwned);
  if (document.getElementById('pwnedb')) bad.push('element #pwnedb from a payload');
  for (const el of document.querySelectorAll('*')) {
    for (const a of el.attributes) {
      const n = a.name.toLowerCase(), v = a.value.toLowerCase();
      if (n.startsWith('on') && v.includes('pwned')) bad.push(`<${el.tagName} ${n}="${v}">`);
      if (['href', 'src', 'action', 'formaction', 'xlink:href'].includes(n)
          && v.replace(/\\s/g, '').startsWith('javascript:'))
        bad.push(`<${el.tagName} ${n}="${v}">`);
    }
    if (el.tagName === 'SCRIPT' && el.textContent.includes('pwned'))
      bad.push('<script> from a payload');
  }
  return bad;
}"""

# The page background, to check that light and dark themes really differ.
BACKGROUND_JS = """() => getComputedStyle(document.querySelector('[data-testid="stApp"]'))
  .backgroundColor"""


def step_decimals(step: str) -> int:
    """Decimal places of an <input step=...> value ("0.05" -> 2, "1e-05" -> 5, "any" -> 6)."""
    try:
        exponent = Decimal(step).normalize().as_tuple().exponent
    except (InvalidOperation, ValueError):
        return 6
    return max(0, -int(exponent))


def luminance(css_color: str) -> float:
    """Relative luminance (0 black .. 1 white) of an `rgb(...)`/`rgba(...)` CSS color."""
    inner = css_color[css_color.index("(") + 1 : css_color.index(")")]
    r, g, b = (float(v) / 255 for v in inner.replace(" ", "").split(",")[:3])

    def lin(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b)
