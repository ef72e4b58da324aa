"""The guided lesson in real headless Chromium: Next walks from the first stop to the last
without an error, and each stop's address (its number, or its id) reopens that stop.

The generic page checks (themes, phone, charts, hostile URLs) cover the lesson too, as a
page of dashboard.navigation.PAGES (tests/e2e/test_browser.py).
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from dashboard.content.lesson import LAST_STOP, STOPS, stop_number
from dashboard.navigation import page as page_info
from tests.e2e import appdriver
from tests.e2e.test_browser import (
    exception_report,
    exceptions_on,
    goto_drawn,
    open_page,
    wait_drawn,
)

pytestmark = pytest.mark.browser

LESSON = page_info("lesson.py")
HEADING_IS_JS = """t => {
  const h = document.querySelector('[data-testid="stMain"] h2');
  return !!h && h.innerText.trim() === t;
}"""
WARNING = '[data-testid="stAlertContentWarning"]'


def lesson_url(base: str, stop: str | None = None) -> str:
    url = appdriver.page_url(base, LESSON)
    return f"{url}?stop={stop}" if stop is not None else url


def heading(page) -> str:
    """The stop's heading, "N. title" (the page title is the h1; the stop is the first h2)."""
    return page.locator('[data-testid="stMain"] h2').first.inner_text().strip()


def progress(page) -> str:
    return page.locator('[data-testid="stProgress"]').first.inner_text().strip()


def url_stop(page) -> str | None:
    values = parse_qs(urlsplit(page.url).query).get("stop")
    return values[0] if values else None


def test_next_walks_from_the_first_stop_to_the_last(warm_app: str, browser, server_log: Path):
    with open_page(browser) as (page, errors):
        goto_drawn(page, lesson_url(warm_app))
        for n, s in enumerate(STOPS, start=1):
            assert heading(page) == f"{n}. {s.title}"
            assert progress(page) == f"Stop {n} of {LAST_STOP}"
            assert exceptions_on(page) == [], exception_report(page, server_log)
            if n == LAST_STOP:
                break
            page.locator(".st-key-lesson_next button").click()
            page.wait_for_function(
                "n => new URL(location.href).searchParams.get('stop') === String(n)", arg=n + 1
            )
            # the next stop's heading: a cached run can finish inside one React commit, so
            # the script state alone may never be seen to change
            page.wait_for_function(HEADING_IS_JS, arg=f"{n + 1}. {STOPS[n].title}")
            wait_drawn(page)
        assert page.locator(".st-key-lesson_next button").is_disabled()
        assert errors == [], errors


@pytest.mark.parametrize("how", ["number", "id"])
def test_each_stop_s_address_reopens_it(warm_app: str, browser, server_log: Path, how: str):
    """A study group's link: ?stop=6 or ?stop=output_updates, opened in a fresh browser.
    The address bar then holds the stop's number (an id is rewritten to it)."""
    with open_page(browser) as (page, errors):
        for s in STOPS:
            n = stop_number(s.id)
            goto_drawn(page, lesson_url(warm_app, str(n) if how == "number" else s.id))
            assert heading(page) == f"{n}. {s.title}", page.url
            assert exceptions_on(page) == [], exception_report(page, server_log)
            assert url_stop(page) == (None if n == 1 else str(n)), page.url
            assert page.locator(WARNING).count() == 0, "a link to its stop opens with no warning"
        assert errors == [], errors


def test_a_stop_past_the_end_lands_on_the_last_with_a_message(warm_app: str, browser):
    with open_page(browser) as (page, errors):
        goto_drawn(page, lesson_url(warm_app, "99"))
        assert heading(page).startswith(f"{LAST_STOP}. ")
        assert url_stop(page) == str(LAST_STOP)
        warning = page.locator(WARNING).first.inner_text()
        assert "asks for stop 99" in warning
        assert errors == [], errors
