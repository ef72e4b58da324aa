"""The worked example as a student meets it in a real browser (Debian's chromium): numbers
revealed one at a time, the quiz taking the article's rounded numbers, the step-through
driven by the keyboard alone, and links that land on the section they name.

Uses the session's app (tests/e2e/conftest.py) and test_browser's page helpers.
"""

from __future__ import annotations

import contextlib
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from core.worked_example import worked_example
from dashboard.content.worked_example import (
    CHAIN_RULE_ANCHOR,
    LAST_STEP,
    STEPS_ANCHOR,
    stage_at,
    step_of,
)
from dashboard.content.worked_numbers import ARTICLE_PRINTED
from dashboard.navigation import page
from dashboard.plots.format import fmt
from tests.e2e import appdriver
from tests.e2e.test_browser import VIEWPORTS, exceptions_on, goto_drawn, open_page, wait_drawn

pytestmark = pytest.mark.browser

COURSE = worked_example()
WORKED = page("worked_example.py")
MAX_TABS = 60  # more than the page's focusable elements above the step-through

# What a student can read: the main area's text, and the diagram's labels (plotly's SVG).
VISIBLE_TEXT_JS = """() => {
  const main = document.querySelector('[data-testid="stMain"]');
  const plot = document.querySelector('.st-key-diagram .js-plotly-plot');
  const labels = plot && plot.layout ? plot.layout.annotations.map(a => a.text) : [];
  return main.innerText + '\\n' + labels.join('\\n');
}"""
DIAGRAM_LABELS_JS = """() => document.querySelector('.st-key-diagram .js-plotly-plot')
  .layout.annotations.map(a => a.text)"""
# The focused element: its widget key (st-key-...), or its text.
FOCUSED_JS = """() => {
  const a = document.activeElement;
  if (!a || a === document.body) return {key: null, text: '', tag: a ? a.tagName : null};
  const box = a.closest('[data-testid="stElementContainer"]');
  const key = box ? [...box.classList].find(c => c.startsWith('st-key-')) : null;
  return {key: key ? key.slice('st-key-'.length) : null, tag: a.tagName,
          text: (a.innerText || a.getAttribute('aria-label') || '').trim()};
}"""
IN_VIEW_JS = """id => {
  const e = document.getElementById(id);
  if (!e) return null;
  const r = e.getBoundingClientRect();
  return {top: r.top, bottom: r.bottom, height: window.innerHeight};
}"""


def url_of(base: str, **query: str) -> str:
    q = "&".join(f"{k}={v}" for k, v in query.items())
    return f"{appdriver.page_url(base, WORKED)}{'?' + q if q else ''}"


def step_in_url(page_) -> str | None:
    return parse_qs(urlsplit(page_.url).query).get("step", [None])[0]


def wait_step(page_, n: int) -> None:
    """Wait until the address bar says step=n and the page has redrawn."""
    page_.wait_for_function(
        "n => new URL(location.href).searchParams.get('step') === String(n)", arg=n
    )
    wait_drawn(page_)


def tab_to(page_, matches, limit: int = MAX_TABS) -> dict:
    """Press Tab until the focused element matches; fail if it never does."""
    for _ in range(limit):
        page_.keyboard.press("Tab")
        focused = page_.evaluate(FOCUSED_JS)
        if matches(focused):
            return focused
    pytest.fail(f"Tab never reached the element (last: {page_.evaluate(FOCUSED_JS)})")


def assert_in_view(page_, anchor: str) -> None:
    box = page_.evaluate(IN_VIEW_JS, anchor)
    assert box is not None, f"no element #{anchor}"
    assert box["top"] >= 0 and box["bottom"] <= box["height"], (anchor, box)


# --- one number at a time -----------------------------------------------------------------
def test_worked_step_one_hides_y_hat_which_appears_at_its_own_step(warm_app, browser):
    y_hat = fmt(COURSE.y_hat)
    with open_page(browser) as (pg, errors):
        goto_drawn(pg, url_of(warm_app, step="1"))
        assert step_in_url(pg) == "1"
        text = pg.evaluate(VISIBLE_TEXT_JS)
        assert f"a<sub>1</sub> = {fmt(COURSE.a1)}<br>h<sub>1</sub> = ?" in text
        assert y_hat not in text, "step 1 gives y_hat away"
        assert "b = ?<br>ŷ = ?" in pg.evaluate(DIAGRAM_LABELS_JS)

        # Its own step: predicted first, then shown on the diagram and in the formulas.
        goto_drawn(pg, url_of(warm_app, step=str(step_of("y_hat"))))
        assert y_hat not in pg.evaluate(VISIBLE_TEXT_JS)
        field = pg.locator(".st-key-guess_y_hat input")
        field.fill("0.64")
        field.press("Enter")
        pg.wait_for_function("() => document.querySelector('[data-testid=\"stAlert\"]')")
        wait_drawn(pg)
        assert f"b = {fmt(COURSE.b)}<br>ŷ = {y_hat}" in pg.evaluate(DIAGRAM_LABELS_JS)
        assert f"Right: ŷ = {y_hat}" in pg.evaluate(VISIBLE_TEXT_JS)
        assert exceptions_on(pg) == [] and errors == []


def test_worked_quiz_accepts_the_articles_rounded_delta1(warm_app, browser):
    printed = ARTICLE_PRINTED["delta1"]
    with open_page(browser) as (pg, errors):
        goto_drawn(pg, url_of(warm_app, quiz="delta1"))
        field = pg.locator(".st-key-answer_delta1 input")
        field.fill(printed)
        field.press("Enter")
        success = pg.locator('[data-testid="stAlertContentSuccess"]')
        success.wait_for()
        text = success.inner_text()
        assert f"Right: δ₁ = {fmt(COURSE.delta1, 6)}" in text
        assert f"The article rounded this to {printed}" in text
        assert exceptions_on(pg) == [] and errors == []


# --- the keyboard alone -----------------------------------------------------------------------
def test_worked_keyboard_only_walk_through_the_step_through(warm_app, browser):
    """From the top of the page with the keyboard only: the page's own link to the
    step-through, the slider's arrow keys, Back and Next with Enter, a number prediction
    typed and checked with Enter, a choice made with Enter; after each answer the focus
    is back on Next."""
    with open_page(browser) as (pg, errors):
        goto_drawn(pg, url_of(warm_app))
        tab_to(pg, lambda f: f["tag"] == "A" and f["text"] == "Step by step")
        pg.keyboard.press("Enter")  # an in-page link: the browser scrolls to the section
        # The address bar's own hash, waited for: Playwright learns of a same-page
        # navigation by an event that may arrive after the key press returns.
        with contextlib.suppress(PlaywrightTimeout):  # the assertion below says what it holds
            pg.wait_for_function(
                "anchor => window.location.hash === '#' + anchor", arg=STEPS_ANCHOR, timeout=5000
            )
        assert urlsplit(pg.evaluate("() => window.location.href")).fragment == STEPS_ANCHOR
        assert_in_view(pg, STEPS_ANCHOR)
        tab_to(pg, lambda f: f["key"] == "step" and f["tag"] == "INPUT", limit=4)

        pg.keyboard.press("ArrowRight")
        wait_step(pg, 1)
        assert pg.evaluate(FOCUSED_JS)["key"] == "step"  # the slider keeps the focus
        pg.keyboard.press("Tab")
        assert pg.evaluate(FOCUSED_JS)["key"] == "step_back"  # enabled from step 1 on
        pg.keyboard.press("Tab")
        assert pg.evaluate(FOCUSED_JS)["key"] == "step_next"
        for n in range(2, step_of("y_hat") + 1):
            pg.keyboard.press("Enter")
            wait_step(pg, n)
            assert pg.evaluate(FOCUSED_JS)["key"] == "step_next", n
        heading = pg.locator('[data-testid="stMain"] h3').first.inner_text()
        assert heading.startswith(f"Step {step_of('y_hat')} of {LAST_STEP}.")

        tab_to(pg, lambda f: f["key"] == "guess_y_hat", limit=6)
        pg.keyboard.type(ARTICLE_PRINTED["y_hat"])
        pg.keyboard.press("Enter")  # the form's Check
        pg.wait_for_function("() => document.querySelector('[data-testid=\"stAlert\"]')")
        wait_drawn(pg)
        assert pg.evaluate(FOCUSED_JS)["key"] == "step_next"

        for n in range(step_of("y_hat") + 1, step_of("dv") + 1):
            pg.keyboard.press("Enter")
            wait_step(pg, n)
        tab_to(pg, lambda f: f["text"] == "v₁ grows", limit=8)
        pg.keyboard.press("Enter")
        pg.locator('[data-testid="stAlertContentSuccess"]').wait_for()
        wait_drawn(pg)
        assert pg.evaluate(FOCUSED_JS)["key"] == "step_next"

        pg.keyboard.press("Shift+Tab")  # Back, then Enter: one step back
        assert pg.evaluate(FOCUSED_JS)["key"] == "step_back"
        pg.keyboard.press("Enter")
        wait_step(pg, step_of("dv") - 1)
        heading = pg.locator('[data-testid="stMain"] h3').first.inner_text()
        assert stage_at(step_of("dv") - 1).title in heading
        assert exceptions_on(pg) == [] and errors == []


# --- links that land on their section -------------------------------------------------------
@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_worked_show_me_step_lands_with_its_section_in_view(warm_app, browser, viewport):
    where = step_of("delta1")
    with open_page(browser, viewport=viewport) as (pg, errors):
        goto_drawn(pg, url_of(warm_app, quiz="delta1"))
        field = pg.locator(".st-key-answer_delta1 input")
        field.fill("7")
        field.press("Enter")
        show = pg.get_by_role("button", name=f"Show me step {where}")
        show.wait_for()
        show.click()
        wait_step(pg, where)
        pg.wait_for_timeout(1000)  # the landing holds the header while the page settles
        assert_in_view(pg, STEPS_ANCHOR)
        title = pg.get_by_text(f"Step {where} of {LAST_STEP}.")
        assert title.is_visible() and title.bounding_box()["y"] < VIEWPORTS[viewport]["height"]
        assert exceptions_on(pg) == [] and errors == []


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_worked_take_one_weight_apart_lands_on_the_chain_rule(warm_app, browser, viewport):
    with open_page(browser, viewport=viewport) as (pg, errors):
        goto_drawn(pg, appdriver.page_url(warm_app, page("home.py")))
        pg.get_by_text("Take one weight apart").click()
        pg.wait_for_function("p => location.pathname.endsWith(p)", arg=WORKED.url_path)
        wait_drawn(pg)
        pg.wait_for_timeout(1000)
        assert_in_view(pg, CHAIN_RULE_ANCHOR)
        assert "section" not in parse_qs(urlsplit(pg.url).query)  # used once
        assert pg.evaluate("() => document.activeElement.id") == CHAIN_RULE_ANCHOR
        assert exceptions_on(pg) == [] and errors == []
