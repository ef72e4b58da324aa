"""WCAG 2.1 AA and the phone layout, measured in real headless Chromium on every page.

- contrast: every visible text (captions, help, placeholders, chart text) is at least
  4.5:1 against what is behind it, in both themes (tests/e2e/a11y.py says how);
- tables on a phone: none is wider than the screen unless a box of its own scrolls it
  sideways, with a shadow as the cue, and no number breaks across two lines;
- every chart is followed by its one line of numbers (dashboard.ui.chart);
- the keyboard reaches every scroll box with Tab, shows where the focus is, and scrolls it;
- on a phone, the training lab's maps get most of the screen's width, every chart's text
  stays inside its chart, and the home timeline's hover labels stay on the screen.
"""

from __future__ import annotations

import pytest

from dashboard.navigation import PAGES, PageInfo, page
from dashboard.ui import SUMMARY_LEAD
from tests.e2e import a11y, appdriver
from tests.e2e.test_browser import THEMES, goto_drawn, open_page, reveal_everything, wait_drawn

pytestmark = pytest.mark.browser

TAB_PRESSES = 400  # more than any page has focusable things (the worked example: ~130)
# Pages with little text of their own (a form to join or start a class): the sidebar's
# links and their few lines; any other page has more than 20 texts.
FEW_TEXTS = {"join": 10, "teach": 10}
PHONE_MAP_SHARE = 0.55  # a map's plot area, as a share of a phone's width (was ~0.3)


def _shown(item: dict) -> str:
    return f"{item['where']}: {item['text']!r} ({item['color']} on {item['behind'][:3]})"


@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize("info", PAGES, ids=lambda p: p.url_path)
def test_every_text_has_aa_contrast(warm_app: str, browser, info: PageInfo, theme: str) -> None:
    with open_page(browser, theme) as (tab, errors):
        goto_drawn(tab, appdriver.page_url(warm_app, info))
        reveal_everything(tab)
        texts = tab.evaluate(a11y.TEXT_COLORS_JS)
        assert errors == []
    enough = FEW_TEXTS.get(info.url_path, 20)  # the page was drawn, not just its frame
    assert len(texts) > enough, f"{info.url_path}: only {len(texts)} texts found"
    low = sorted((a11y.contrast(t), _shown(t)) for t in texts if a11y.contrast(t) < a11y.AA_TEXT)
    report = "\n".join(f"  {ratio:.2f}:1  {what}" for ratio, what in low)
    assert low == [], f"{info.url_path}, {theme} theme: {len(low)} texts below 4.5:1:\n{report}"


@pytest.mark.parametrize("info", PAGES, ids=lambda p: p.url_path)
def test_tables_fit_a_phone_and_keep_numbers_whole(warm_app: str, browser, info) -> None:
    with open_page(browser, "light", "phone") as (tab, errors):
        goto_drawn(tab, appdriver.page_url(warm_app, info))
        reveal_everything(tab)
        tables = tab.evaluate(a11y.TABLES_JS, a11y.NUMBER_TOKEN)
        width = tab.evaluate("() => document.documentElement.clientWidth")
        assert errors == []
    for table in tables:
        name = f"{info.url_path}, table {table['head']!r}"
        assert table["split"] == [], f"{name}: numbers broken across lines: {table['split']}"
        box = table["scroller"]
        if table["right"] <= width + 1:
            continue  # fits the screen as it is
        assert box is not None, f"{name} is {table['width']:.0f} px wide, cut off at {width}"
        assert box["left"] >= -1 and box["right"] <= width + 1, f"{name}: its box is cut off"
        assert box["scrollWidth"] > box["clientWidth"], f"{name}: its box does not scroll"
        assert box["shadow"] != "none", f"{name}: nothing shows that it scrolls sideways"


@pytest.mark.parametrize("info", PAGES, ids=lambda p: p.url_path)
def test_every_chart_is_followed_by_its_numbers(warm_app: str, browser, info) -> None:
    with open_page(browser) as (tab, errors):
        goto_drawn(tab, appdriver.page_url(warm_app, info))
        reveal_everything(tab)
        charts = tab.evaluate(a11y.CHART_SUMMARIES_JS, SUMMARY_LEAD)
        assert errors == []
    for chart in charts:
        where = f"{info.url_path}: {chart['key']}"
        assert chart["summary"], f"{where} is followed by {chart['after']!r}, not its numbers"
        assert any(c.isdigit() for c in chart["summary"]), chart


@pytest.mark.parametrize(
    ("file", "query", "viewport"),
    [
        ("worked_example.py", "?step=14", "desktop"),  # every number shown: the 20 updates
        ("update_sizes.py", "?depth=30", "desktop"),  # the deeper network's 31 rows
        ("update_sizes.py", "", "phone"),  # the course's table, wider than a phone
    ],
)
def test_the_keyboard_reaches_and_scrolls_every_scroll_box(
    warm_app: str, browser, file: str, query: str, viewport: str
) -> None:
    with open_page(browser, "light", viewport) as (tab, errors):
        goto_drawn(tab, appdriver.page_url(warm_app, page(file)) + query)
        reveal_everything(tab)
        boxes = tab.evaluate(a11y.SCROLL_BOXES_JS)
        assert boxes, f"{file}{query} at {viewport} has no scroll box to test"
        reached = {}
        tab.evaluate("() => document.activeElement && document.activeElement.blur()")
        for _ in range(TAB_PRESSES):
            tab.keyboard.press("Tab")
            focused = tab.evaluate(a11y.FOCUSED_JS)
            if focused["box"] is not None and focused["box"] not in reached:
                reached[focused["box"]] = focused
                box = boxes[int(focused["box"])]
                tab.keyboard.press("ArrowDown" if box["vertical"] else "ArrowRight")
                tab.wait_for_timeout(300)  # smooth scrolling
                reached[focused["box"]] = {**focused, "after": tab.evaluate(a11y.FOCUSED_JS)}
            if len(reached) == len(boxes):
                break
        assert errors == []
    missed = [b for b in boxes if str(b["index"]) not in reached]
    assert missed == [], f"Tab never reaches: {missed}"
    for index, seen in reached.items():
        box = boxes[int(index)]
        assert seen["outline"] != "none" and seen["outlineWidth"] >= 2, (box, seen)
        moved = seen["after"]["scrollTop"] if box["vertical"] else seen["after"]["scrollLeft"]
        assert moved > 0, f"the arrow key did not scroll {box}"


def test_training_maps_are_readable_on_a_phone(warm_app: str, browser) -> None:
    """One panel a row on a phone: each map's plot area is most of the screen's width."""
    with open_page(browser, "light", "phone") as (tab, errors):
        goto_drawn(tab, appdriver.page_url(warm_app, page("training_lab.py")))
        width = tab.evaluate("() => document.documentElement.clientWidth")
        for key in ("grad_maps", "boundary_maps"):
            panels = tab.evaluate(a11y.PANEL_WIDTHS_JS, key)
            assert len(panels) == 4
            assert min(panels) >= PHONE_MAP_SHARE * width, (key, panels, width)
        assert errors == []


@pytest.mark.parametrize("info", PAGES, ids=lambda p: p.url_path)
def test_chart_text_stays_inside_its_chart_on_a_phone(warm_app: str, browser, info) -> None:
    with open_page(browser, "light", "phone") as (tab, errors):
        goto_drawn(tab, appdriver.page_url(warm_app, info))
        cut = tab.evaluate(
            """() => [...document.querySelectorAll('[data-testid="stPlotlyChart"]')]
              .flatMap(chart => {
                const box = chart.getBoundingClientRect();
                return [...chart.querySelectorAll('.main-svg text')].filter(t => {
                  const r = t.getBoundingClientRect();
                  return r.width > 0 && (r.left < box.left - 1 || r.right > box.right + 1);
                }).map(t => t.textContent);
              })"""
        )
        assert errors == []
    assert cut == [], f"{info.url_path}: chart text cut off at the chart's edge: {cut}"


def test_timeline_hover_labels_stay_on_a_phone_screen(warm_app: str, browser) -> None:
    with open_page(browser, "light", "phone") as (tab, errors):
        goto_drawn(tab, appdriver.page_url(warm_app, PAGES[0]))
        width = tab.evaluate("() => document.documentElement.clientWidth")
        points = tab.locator(".st-key-timeline .scatterlayer .points path.point")
        assert points.count() >= 10
        for i in range(points.count()):
            points.nth(i).scroll_into_view_if_needed()
            points.nth(i).hover(force=True)
            tab.wait_for_function("() => document.querySelector('.hoverlayer .hovertext')")
            [label] = tab.evaluate(a11y.HOVER_LABEL_JS)
            assert label["left"] >= 0 and label["right"] <= width, (label, width)
            assert a11y.contrast_of_colors(label["color"], label["fill"]) >= a11y.AA_TEXT, label
            tab.mouse.move(0, 0)
            wait_drawn(tab)
        assert errors == []
