"""Fixtures for the real-browser tests: the app as the README starts it, and Debian's Chromium.

In CI (CI=true, set by .ci/run) a missing chromium or Playwright is a failure, never a
skip: the suite must not go green without having opened a browser. On a laptop without
chromium the browser tests skip with the reason.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from dashboard.navigation import PAGES
from tests.e2e import appdriver

OUTPUT = appdriver.ROOT / "test-output"
SCREENSHOTS = OUTPUT / "screenshots"
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}

# user property: (page, how it was opened, theme, viewport, seconds to drawn, charts)
TIMING = "e2e_timing"


def _unavailable(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: browser tests must run in CI)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = appdriver.find_chromium()
    if path is None:
        _unavailable("Debian's chromium is not installed (apt-get install chromium)")
    return path


@pytest.fixture(scope="session")
def browser(chromium_path: str) -> Iterator:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed (pip install -r requirements-dev.txt)")
    with sync_playwright() as pw:
        # executable_path: Debian's binary; Playwright never downloads a browser here.
        browser = pw.chromium.launch(
            executable_path=chromium_path, args=appdriver.CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def server_log() -> Path:
    return OUTPUT / "app-server.log"


@pytest.fixture(scope="session")
def app_server(chromium_path: str, server_log: Path) -> Iterator[str]:
    """The app started by `bash scripts/app.sh` on a free loopback port; its base URL.

    Depends on chromium_path so that a machine without a browser does not start a
    server for nothing. The server's output goes to test-output/app-server.log.
    """
    port = appdriver.free_port()
    base_url = f"http://127.0.0.1:{port}"
    log_path = server_log
    proc = appdriver.start_app(port, log_path)
    try:
        try:
            appdriver.wait_healthy(base_url, proc)
        except (RuntimeError, TimeoutError) as exc:
            tail = log_path.read_text(errors="replace")[-3000:]
            pytest.fail(f"the app did not start: {exc}\n--- app-server.log ---\n{tail}")
        yield base_url
    finally:
        appdriver.stop_app(proc)


@pytest.fixture(scope="session")
def warm_app(app_server: str, browser) -> str:
    """Open every page once so the timings measure a warm server (caches, JS bundles)."""
    context = browser.new_context(viewport=appdriver.DESKTOP)
    try:
        page = context.new_page()
        for info in PAGES:
            page.goto(appdriver.page_url(app_server, info))
            with contextlib.suppress(Exception):  # the real tests report what is wrong
                page.wait_for_function(appdriver.CHARTS_DRAWN_JS, polling=50, timeout=60_000)
    finally:
        context.close()
    return app_server


@pytest.fixture(scope="session")
def screenshot_dir() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


@pytest.fixture
def record_timing(request):
    """Keep one timing row on the test's report (reports also travel back from xdist workers)."""

    def record(page: str, how: str, theme: str, viewport: str, seconds: float, charts: int):
        request.node.user_properties.append(
            (TIMING, (page, how, theme, viewport, round(seconds, 3), charts))
        )

    return record


def pytest_terminal_summary(terminalreporter) -> None:
    rows = sorted(
        tuple(value)  # xdist sends tuples back as lists
        for reports in terminalreporter.stats.values()
        for report in reports
        if getattr(report, "when", None) == "call"
        for name, value in getattr(report, "user_properties", ())
        if name == TIMING
    )
    if not rows:
        return
    lines = [
        f"{'page':<16} {'opened by':<13} {'theme':<6} {'viewport':<8} {'seconds':>8} {'charts':>7}",
        *(f"{p:<16} {h:<13} {t:<6} {v:<8} {s:>8.2f} {n:>7}" for p, h, t, v, s, n in rows),
    ]
    for how in sorted({row[1] for row in rows}):
        times = sorted(row[4] for row in rows if row[1] == how)
        lines.append(
            f"{how}: median {times[len(times) // 2]:.2f} s, slowest {times[-1]:.2f} s "
            "(target: under 2.5 s on a warm server)"
        )
    lines.append(
        "new context = a link opened in a fresh browser (no cache: Streamlit's and plotly's "
        "JavaScript are fetched and compiled too); warm browser = a link opened in a new tab "
        "of a browser that has shown the app before; sidebar = in-app navigation from "
        "another page"
    )
    terminalreporter.write_sep("=", "browser: navigation to every chart drawn (warm server)")
    for line in lines:
        terminalreporter.write_line(line)
    OUTPUT.mkdir(parents=True, exist_ok=True)
    (OUTPUT / "e2e-timings.txt").write_text("\n".join(lines) + "\n")
