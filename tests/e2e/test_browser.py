"""Every page as a student opens it: real headless Chromium against the app started by the README.

Generic over dashboard.navigation.PAGES, so a new page is covered without touching this file.
Per page, in light and dark theme, at desktop and phone width: no exception element, no
browser page error, every plotly chart drawn (also those in tabs and expanders), no
sideways scrolling, a screenshot. Per page: turning one control puts it in the address bar
and that address, opened in a fresh browser context, shows the same numbers. Hostile URLs
never put markup or script into the DOM.
"""

from __future__ import annotations

import contextlib
import functools
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from streamlit.testing.v1 import AppTest

from dashboard.navigation import PAGES, PageInfo
from tests.e2e import appdriver

pytestmark = pytest.mark.browser

THEMES = ("light", "dark")
LOOPBACK = ("127.0.0.1", "localhost")
FILES_361 = ("vanishing_lab.py", "home.py", "update_sizes.py")
VIEWPORTS = {"desktop": appdriver.DESKTOP, "phone": appdriver.PHONE}
TIMEOUT_MS = 60_000


@contextmanager
def open_page(browser, theme: str = "light", viewport: str = "desktop") -> Iterator:
    """A fresh browser context (no cookies, no storage) with one page; yields (page, errors)."""
    context = browser.new_context(
        viewport=VIEWPORTS[viewport],
        color_scheme=theme,
        is_mobile=viewport == "phone",
        has_touch=viewport == "phone",
    )
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    context.on("request", lambda request: _note_foreign_host(request.url, errors))
    try:
        yield page, errors
    finally:
        context.close()


def _note_foreign_host(url: str, errors: list[str]) -> None:
    """The app must work offline (a classroom without internet): every request the
    browser makes goes to the app's own loopback server, or is inline (data:, blob:)."""
    parts = urlsplit(url)
    if parts.scheme in ("http", "https", "ws", "wss") and parts.hostname not in LOOPBACK:
        errors.append(f"request to another host: {url[:200]}")


def _until_drawn(page, timeout_ms: int = TIMEOUT_MS) -> None:
    try:
        page.wait_for_function(appdriver.CHARTS_DRAWN_JS, polling=50, timeout=timeout_ms)
    except PlaywrightTimeout:
        state = page.evaluate(appdriver.DIAGNOSE_JS)
        pytest.fail(f"{page.url}: charts not drawn within {timeout_ms / 1000:.0f} s: {state}")


def wait_drawn(page, timeout_ms: int = TIMEOUT_MS) -> None:
    """Wait until the script run is over and every visible chart is drawn, and stays so."""
    for _ in range(2):  # a second look catches a rerun that starts right after the first
        _until_drawn(page, timeout_ms)
        page.wait_for_timeout(100)


def goto_drawn(page, url: str) -> float:
    """Navigate and wait for every visible chart; seconds from navigation to drawn."""
    start = time.perf_counter()
    page.goto(url)
    _until_drawn(page)
    elapsed = time.perf_counter() - start
    wait_drawn(page)
    return elapsed


def exceptions_on(page) -> list[str]:
    """Exception elements and dialogs (e.g. Streamlit's "Page not found") on the page."""
    return [
        *page.locator('[data-testid="stException"]').all_inner_texts(),
        *page.locator('[role="dialog"]').all_inner_texts(),
    ]


def exception_report(page, server_log: Path) -> str:
    """What a failure message needs: the exception shown, and the server's last traceback
    (the page shows only a redacted message: client.showErrorDetails = "none")."""
    log = server_log.read_text(errors="replace") if server_log.exists() else ""
    start = log.rfind("Traceback")
    return f"{page.url}: {exceptions_on(page)}\n{log[start : start + 3000] if start >= 0 else ''}"


def full_page_screenshot(page, path: Path) -> None:
    """Screenshot of the whole page. Streamlit scrolls inside stMain, not the document, so
    full_page alone stops at the viewport: the viewport grows to the content (same width,
    so the same layout) and stays so."""
    viewport = page.viewport_size
    height = page.evaluate(
        """() => { const m = document.querySelector('[data-testid="stMain"]');
                   return m ? m.scrollHeight : document.documentElement.scrollHeight; }"""
    )
    page.set_viewport_size({"width": viewport["width"], "height": min(max(height, 1), 16_000)})
    wait_drawn(page)
    page.screenshot(path=str(path), full_page=True)


def reveal_everything(page) -> None:
    """Open every expander and click through every tab, waiting for charts each time."""
    if page.evaluate(appdriver.OPEN_EXPANDERS_JS):
        wait_drawn(page)
    tabs = page.locator('[data-testid="stTab"]')
    for i in range(tabs.count()):
        tab = tabs.nth(i)
        if tab.get_attribute("aria-selected") != "true":
            tab.click()
            wait_drawn(page)


@functools.cache
def charts_at_defaults(info: PageInfo) -> int:
    """How many plotly charts the page emits at its defaults, as AppTest sees it."""
    at = AppTest.from_file(str(appdriver.ROOT / "dashboard" / "app.py"), default_timeout=120)
    at.run()
    at.switch_page(f"app_pages/{info.file}")
    at.run()
    return sum(1 for node in at.main if getattr(node, "type", None) == "plotly_chart")


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize("info", PAGES, ids=lambda p: p.url_path)
def test_page_renders_fully(
    warm_app: str,
    browser,
    screenshot_dir: Path,
    server_log: Path,
    record_timing,
    info: PageInfo,
    theme: str,
    viewport: str,
) -> None:
    with open_page(browser, theme, viewport) as (page, errors):
        seconds = goto_drawn(page, appdriver.page_url(warm_app, info))
        charts = page.evaluate(appdriver.COUNT_VISIBLE_CHARTS_JS)
        record_timing(info.url_path, "new context", theme, viewport, seconds, charts)
        # first, so that a failing page has its picture too; nothing below needs the height
        full_page_screenshot(page, screenshot_dir / f"{info.url_path}-{theme}-{viewport}.png")

        assert exceptions_on(page) == [], exception_report(page, server_log)
        assert page.locator('[data-testid="stMain"] [data-testid="stElementContainer"]').count()

        background = appdriver.luminance(page.evaluate(appdriver.BACKGROUND_JS))
        if theme == "dark":
            assert background < 0.2, f"dark theme asked, page background luminance {background}"
        else:
            assert background > 0.6, f"light theme asked, page background luminance {background}"

        overflow = page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 1, f"{info.url_path} scrolls sideways by {overflow}px at {viewport}"

        reveal_everything(page)
        assert exceptions_on(page) == [], exception_report(page, server_log)
        assert errors == [], f"browser errors on {info.url_path}: {errors}"
        charts = page.evaluate(appdriver.CHART_TALLY_JS)
        expected = charts_at_defaults(info)
        assert charts == {"total": expected, "drawn": expected}, (
            f"{info.url_path}: AppTest emits {expected} plotly charts; the browser has {charts} "
            "(after opening every expander and tab)"
        )


def _next_number(value: str, low: str, high: str, step: str) -> str:
    """A different valid value for a number input: one step up, or down at the maximum."""
    current = float(value)
    delta = float(step) if step and step != "any" else 1.0
    up = current + delta
    new = up if not high or up <= float(high) else current - delta
    if low and new < float(low):
        new = float(low)
    return f"{new:.{appdriver.step_decimals(step)}f}"


def change_control(page, control: dict) -> None:
    """Turn the given control to another valid value, as a student would."""
    box = page.locator(f'[data-testid="stElementContainer"][class~="st-key-{control["key"]}"]')
    kind = control["kind"]
    if kind == "number":
        field = box.locator("input").first
        field.fill(_next_number(control["value"], control["min"], control["max"], control["step"]))
        field.press("Enter")
    elif kind == "slider":
        thumb = box.locator('input[type="range"]').first
        thumb.focus()
        at_max = control["max"] and float(control["value"]) >= float(control["max"])
        thumb.press("ArrowLeft" if at_max else "ArrowRight")
    elif kind == "selectbox":
        box.locator("input").first.click()
        options = page.locator('[role="option"]')
        texts = options.all_inner_texts()
        choice = next(i for i, t in enumerate(texts) if t.strip() != control["value"])
        options.nth(choice).click()
    elif kind == "radio":
        box.locator('[data-testid="stRadioOption"]:not([data-selected="true"])').first.click()
    elif kind == "checkbox":
        box.locator("label").first.click()
    else:
        pytest.fail(f"no way to turn control {control}")


@pytest.mark.parametrize("info", PAGES, ids=lambda p: p.url_path)
def test_control_goes_to_url_and_link_reopens_same_view(
    warm_app: str, browser, server_log: Path, info: PageInfo
) -> None:
    url = appdriver.page_url(warm_app, info)
    with open_page(browser) as (page, errors):
        goto_drawn(page, url)
        before = page.evaluate(appdriver.SNAPSHOT_JS)
        control = page.evaluate(appdriver.FIRST_CONTROL_JS)
        assert control is None or control["kind"] != "unsupported", (
            f"{info.url_path}: the first control is of a kind this test cannot turn: {control}"
        )
        if control is not None:
            page.evaluate(appdriver.WATCH_RUNS_JS)
            change_control(page, control)
            try:
                page.wait_for_function(
                    "k => new URL(location.href).searchParams.has(k)",
                    arg=control["key"],
                    timeout=15_000,
                )
            except PlaywrightTimeout:
                pytest.fail(
                    f"{info.url_path}: turning {control['kind']} {control['key']!r} left the "
                    f"address bar at {page.url} (is it bound with bind='query-params'?)"
                )
            # the URL changes in the browser before the rerun it asks for has started
            with contextlib.suppress(PlaywrightTimeout):
                page.wait_for_function(appdriver.RUN_SEEN_JS, timeout=10_000)
            wait_drawn(page)
            assert exceptions_on(page) == [], exception_report(page, server_log)
        shared_url = page.url
        after = page.evaluate(appdriver.SNAPSHOT_JS)
        assert errors == []

    if control is not None:
        key = control["key"]
        assert key in parse_qs(urlsplit(shared_url).query), shared_url
        assert after["widgets"][key] != before["widgets"][key], "the control did not change"

    with open_page(browser) as (fresh, fresh_errors):  # a classmate opening the link
        goto_drawn(fresh, shared_url)
        assert exceptions_on(fresh) == [], exception_report(fresh, server_log)
        reopened = fresh.evaluate(appdriver.SNAPSHOT_JS)
        assert fresh_errors == []
    for part in ("widgets", "metrics", "texts", "charts"):
        assert reopened[part] == after[part], (
            f"{shared_url}: {part} differ when the link is opened in a new browser context"
        )


def test_sidebar_reaches_every_page(
    warm_app: str, browser, server_log: Path, record_timing
) -> None:
    """The sidebar links every page in PAGES order; clicking through them (as a student
    moves around the app) draws each page with no error. Timed as in-app navigation."""
    with open_page(browser) as (page, errors):
        goto_drawn(page, appdriver.page_url(warm_app, PAGES[-1]))
        links = page.locator('[data-testid="stSidebarNav"] a')
        hrefs = links.evaluate_all("links => links.map(a => new URL(a.href).pathname)")
        expected = [urlsplit(appdriver.page_url(warm_app, info)).path for info in PAGES]
        assert hrefs == expected, "the sidebar should link every page, in PAGES order"
        for i, info in enumerate(PAGES):
            page.evaluate(appdriver.WATCH_RUNS_JS)
            start = time.perf_counter()
            links.nth(i).click()
            page.wait_for_function("p => location.pathname === p", arg=expected[i])
            page.wait_for_function(appdriver.RUN_SEEN_JS)
            _until_drawn(page)
            seconds = time.perf_counter() - start
            wait_drawn(page)
            charts = page.evaluate(appdriver.COUNT_VISIBLE_CHARTS_JS)
            record_timing(info.url_path, "sidebar", "light", "desktop", seconds, charts)
            assert exceptions_on(page) == [], exception_report(page, server_log)
        assert errors == []


def test_default_page_answers_its_own_path_too(warm_app: str, browser) -> None:
    """The default page lives at "/"; a typed /home (its url_path) lands there, with any
    settings in the query kept, and without Streamlit's "Page not found" dialog."""
    with open_page(browser) as (page, errors):
        goto_drawn(page, f"{warm_app}/{PAGES[0].url_path}?from=typed")
        assert urlsplit(page.url).path == "/" and parse_qs(urlsplit(page.url).query) == {
            "from": ["typed"]
        }
        assert exceptions_on(page) == []
        current = page.locator('[data-testid="stSidebarNav"] a[aria-current="page"]')
        assert PAGES[0].title in current.inner_text()
        assert errors == []


def test_a_deep_lab_setting_does_not_trap_another_page(warm_app: str, browser) -> None:
    """The lab's depth 361 is not allowed on Update sizes (at most 200), which binds the
    same key. This walk used to send the server into an endless refuse-and-rerun loop
    that starved every other session; now Update sizes opens at its own default."""
    lab, home, updates = (next(p for p in PAGES if p.file == f) for f in FILES_361)
    with open_page(browser) as (page, errors):
        goto_drawn(page, f"{appdriver.page_url(warm_app, lab)}?depth=361")
        links = page.locator('[data-testid="stSidebarNav"] a')
        for info in (home, updates):
            links.nth(PAGES.index(info)).click()
            page.wait_for_function(
                "p => location.pathname === p", arg=f"/{info.url_path}" if info != PAGES[0] else "/"
            )
            wait_drawn(page)
        depth = page.locator('.st-key-depth input[type="number"]')
        assert float(depth.input_value()) == 10
        assert exceptions_on(page) == []
        assert errors == []
    with urllib.request.urlopen(f"{warm_app}/_stcore/health", timeout=5) as answer:
        assert answer.read().strip() == b"ok"  # the server still answers everyone else


def test_links_in_a_warm_browser(warm_app: str, browser, server_log: Path, record_timing) -> None:
    """A link opened in a new tab of a browser that has shown the app before (a student's
    second link of the day): Streamlit's and plotly's JavaScript come from its cache."""
    with open_page(browser) as (page, errors):
        for info in PAGES:  # the browser's cache now holds everything the pages load
            goto_drawn(page, appdriver.page_url(warm_app, info))
        for info in PAGES:
            tab = page.context.new_page()
            tab.on("pageerror", lambda exc: errors.append(str(exc)))
            seconds = goto_drawn(tab, appdriver.page_url(warm_app, info))
            charts = tab.evaluate(appdriver.COUNT_VISIBLE_CHARTS_JS)
            record_timing(info.url_path, "warm browser", "light", "desktop", seconds, charts)
            assert exceptions_on(tab) == [], exception_report(tab, server_log)
            tab.close()
        assert errors == []


PAYLOADS = (
    "<script>window.__pwned='script'</script>",
    "<img src=x onerror=\"window.__pwned='img'\">",
    "javascript:window.__pwned='js'",
    '"><svg onload="window.__pwned=\'svg\'">',
    "[click](javascript:window.__pwned='md')",
    '<b id="pwnedb">bold</b><iframe src="javascript:window.__pwned=1"></iframe>',
)


def _hostile_urls(base: str, keys: list[str]) -> list[str]:
    """Two URLs: every known key and a few unknown ones carry a payload (rotated), and one
    key is repeated with all of them."""
    urls = []
    names = [*keys, "q", "msg", "title", "page"]
    for shift in (0, 3):
        pairs = [(k, PAYLOADS[(i + shift) % len(PAYLOADS)]) for i, k in enumerate(names)]
        pairs += [(names[0], p) for p in PAYLOADS]
        query = "&".join(f"{quote(k)}={quote(v, safe='')}" for k, v in pairs)
        urls.append(f"{base}?{query}")
    return urls


@pytest.mark.parametrize("info", PAGES, ids=lambda p: p.url_path)
def test_hostile_urls_inject_nothing(
    warm_app: str, browser, server_log: Path, info: PageInfo
) -> None:
    base = appdriver.page_url(warm_app, info)
    with open_page(browser) as (page, errors):
        goto_drawn(page, base)
        keys = page.evaluate(
            """() => [...document.querySelectorAll('[data-testid="stElementContainer"]')]
                 .flatMap(c => [...c.classList].filter(k => k.startsWith('st-key-')))
                 .map(k => k.slice('st-key-'.length))"""
        )
        for url in _hostile_urls(base, keys):
            goto_drawn(page, url)
            page.wait_for_timeout(300)  # let a broken <img> fire onerror, if one got in
            assert page.evaluate(appdriver.INJECTION_JS) == [], url
            assert exceptions_on(page) == [], exception_report(page, server_log)
            assert page.locator('[data-testid="stMain"] [data-testid="stElementContainer"]').count()
        assert errors == []


def test_page_timeline_script_runs_as_documented(warm_app: str) -> None:
    """bench/page_timeline.py against the running app: one row per page asked for, its
    milestones in the order they happen, and a draw count for each of the page's charts."""
    done = subprocess.run(
        [
            sys.executable,
            str(appdriver.ROOT / "bench" / "page_timeline.py"),
            "--url",
            warm_app,
            "--pages",
            "training-lab,myths",
            "--repeat",
            "1",
        ],
        cwd=appdriver.ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    rows = {line.split()[0]: line for line in done.stdout.splitlines() if line[:1].isalpha()}
    for path, charts in (("training-lab", 5), ("myths", 0)):  # playback, curves, two maps
        fields = rows[path].split(None, 6)
        seconds = [float(v) for v in fields[1:6]]  # connected ... settled
        assert 0 < seconds[0] <= seconds[1] <= seconds[3] <= seconds[4], rows[path]
        draws = fields[6].strip()  # "loss_chart 2, accuracy_chart 2, ..." or "no charts"
        counts = [int(part.rsplit(" ", 1)[1]) for part in draws.split(", ")] if charts else []
        assert len(counts) == charts and all(n >= 1 for n in counts), rows[path]
        assert charts or draws == "no charts", rows[path]
