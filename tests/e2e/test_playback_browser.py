"""The training lab's playback in a real browser (Debian's chromium): Play advances the
maps and the step, Pause stops them, the slider and the keys move them, a link opens at
its frame, and none of it asks the server for anything (no script run, no message on
Streamlit's websocket). Timings go to test-output/playback-timings.txt.

Uses the session's app (tests/e2e/conftest.py) and test_browser's page helpers.
"""

from __future__ import annotations

from contextlib import contextmanager
from urllib.parse import parse_qs, urlsplit

import pytest

from core.checkpoints import checkpoint_steps
from dashboard.navigation import page
from tests.e2e import appdriver
from tests.e2e.conftest import OUTPUT
from tests.e2e.test_browser import TIMEOUT_MS, exceptions_on, goto_drawn

pytestmark = pytest.mark.browser

LAB = page("training_lab.py")
STEPS = checkpoint_steps(500)  # the lab's default run: 500 steps, 30 frames
LAST = len(STEPS) - 1
VIEWPORTS = {"desktop": {"width": 1366, "height": 900}, "phone": appdriver.PHONE}

GD = "document.querySelector('.st-key-playback .js-plotly-plot')"
# What the playback shows: the slider's frame, the step it writes, each map's picture.
STATE_JS = f"""() => {{
  const gd = {GD};
  const text = [...gd.querySelectorAll('.slider-container text')].map(t => t.textContent)
    .filter(t => t.startsWith('Step '));
  return {{active: gd._fullLayout.sliders[0].active, label: text.join(''),
          maps: gd._fullLayout.images.map(i => i.source.length + ':' + i.source.slice(-40)),
          drawnMaps: [...gd.querySelectorAll('.layer-below image, .imagelayer image')].length}};
}}"""
# Timestamps (performance.now) of clicks, of frames starting, and of the paint after each.
WATCH_JS = f"""() => {{
  const gd = {GD};
  window.__play = {{clicks: [], frames: [], names: [], painted: []}};
  document.addEventListener('pointerdown', () => window.__play.clicks.push(performance.now()),
                            true);
  gd.on('plotly_animatingframe', e => {{
    window.__play.frames.push(performance.now());
    window.__play.names.push(Number(e.name));
    requestAnimationFrame(() => window.__play.painted.push(performance.now()));
  }});
}}"""
SCROLL_TO_CHART_JS = """() => {
  const box = document.querySelector('.st-key-playback');
  box.scrollIntoView({block: 'start'});
  let e = box.parentElement;
  while (e && !(e.scrollHeight > e.clientHeight + 5 && getComputedStyle(e).overflowY !== 'visible'))
    e = e.parentElement;
  if (e) e.scrollBy(0, -60);  // under Streamlit's header
}"""
GO_TO_JS = f"""k => window.Plotly.animate({GD}, [String(k)],
  {{mode: 'immediate', frame: {{duration: 0, redraw: false}}, transition: {{duration: 0}}}})"""


@contextmanager
def lab(browser, base: str, theme: str = "light", viewport: str = "desktop", query: str = ""):
    """The training lab drawn in a fresh context; yields (page, messages the browser sent
    on Streamlit's websocket from now on)."""
    context = browser.new_context(viewport=VIEWPORTS[viewport], color_scheme=theme)
    context.set_default_timeout(TIMEOUT_MS)
    tab = context.new_page()
    sent: list[int] = []
    tab.on("websocket", lambda ws: ws.on("framesent", lambda payload: sent.append(len(payload))))
    try:
        goto_drawn(tab, appdriver.page_url(base, LAB) + query)
        assert not exceptions_on(tab)
        tab.wait_for_function(f"() => window.Plotly && {GD} && {GD}.__playbackKeys")
        tab.evaluate(appdriver.WATCH_RUNS_JS)
        tab.evaluate(WATCH_JS)
        sent.clear()
        yield tab, sent
    finally:
        context.close()


def state(tab) -> dict:
    return tab.evaluate(STATE_JS)


def frame_in_url(tab) -> str | None:
    return parse_qs(urlsplit(tab.url).query).get("frame", [None])[0]


def button(tab, name: str):
    index = {"play": 0, "pause": 1}[name]
    return tab.locator(".st-key-playback .updatemenu-button").nth(index)


def no_server_run(tab, sent: list[int]) -> None:
    assert sent == [], f"the browser sent {len(sent)} messages to the server while playing"
    assert tab.evaluate("() => window.__stRuns") == 0, "a script run started while playing"


def test_play_advances_pause_stops_and_the_server_hears_nothing(warm_app, browser):
    with lab(browser, warm_app) as (tab, sent):
        start = state(tab)
        assert start["active"] == 0 and start["label"] == "Step 0 of 500"  # watched from the start
        assert start["drawnMaps"] == 4
        button(tab, "play").click()
        tab.wait_for_function(f"() => {GD}._fullLayout.sliders[0].active >= 4", polling=20)
        playing = state(tab)
        assert playing["label"] != start["label"] and playing["maps"] != start["maps"]
        assert playing["label"] == f"Step {STEPS[playing['active']]} of 500"
        button(tab, "pause").click()
        tab.wait_for_timeout(200)  # a frame under way finishes
        paused = state(tab)
        tab.wait_for_timeout(1200)  # four frames' time: nothing moves
        assert state(tab) == paused and paused["active"] < LAST
        assert frame_in_url(tab) == str(paused["active"] + 1)
        button(tab, "play").click()  # on from where it stopped, to the end, and no further
        tab.wait_for_function(
            f"() => {GD}._fullLayout.sliders[0].active === {LAST}", polling=50, timeout=20_000
        )
        tab.wait_for_timeout(800)
        end = state(tab)
        assert end["active"] == LAST and end["maps"] != start["maps"] and end["drawnMaps"] == 4
        assert frame_in_url(tab) == str(LAST + 1)  # the first frame is the default, not this one
        no_server_run(tab, sent)
        timings = tab.evaluate("() => window.__play")
    first, frames = timings["clicks"][0], timings["frames"]
    starts = (frames[0] - first, timings["painted"][0] - first)
    later = [t for t in frames if t > timings["clicks"][2]]  # the second run, uninterrupted
    names = timings["names"][-len(later) :]
    assert names == list(range(names[0], LAST + 1))  # every step shown, in order, none skipped
    rate = (len(later) - 1) / ((later[-1] - later[0]) / 1000)
    line = (
        f"playback (desktop, light): Play to first frame {starts[0]:.0f} ms, to its paint "
        f"{starts[1]:.0f} ms; {rate:.2f} frames/s over {len(later)} frames"
    )
    OUTPUT.mkdir(parents=True, exist_ok=True)
    (OUTPUT / "playback-timings.txt").write_text(line + "\n")
    print(line)
    # 10 frames/s here when quiet (bench/playback_bench.py measures it); loose bounds, as
    # the machine may be busy with other tests
    assert starts[1] < 1000 and rate > 4.0


def test_the_slider_and_the_keys_move_the_playback(warm_app, browser):
    with lab(browser, warm_app) as (tab, sent):
        before = state(tab)
        rail = tab.locator(".st-key-playback .slider-rail-touch-rect")
        box = rail.bounding_box()
        rail.click(position={"x": box["width"] * 0.25, "y": box["height"] / 2})
        tab.wait_for_function(f"() => {GD}._fullLayout.sliders[0].active > 0")
        slid = state(tab)
        assert 4 <= slid["active"] <= 10, slid
        assert slid["maps"] != before["maps"] and slid["label"] != before["label"]
        assert frame_in_url(tab) == str(slid["active"] + 1)
        tab.locator(".st-key-playback [data-testid='stPlotlyChart']").focus()
        tab.keyboard.press("ArrowRight")
        tab.keyboard.press("ArrowRight")
        tab.wait_for_timeout(300)
        assert state(tab)["active"] == slid["active"] + 2
        tab.keyboard.press("ArrowLeft")
        tab.wait_for_timeout(300)
        assert state(tab)["active"] == slid["active"] + 1
        tab.keyboard.press(" ")  # play...
        tab.wait_for_function(
            f"() => {GD}._fullLayout.sliders[0].active >= {slid['active'] + 3}", polling=20
        )
        tab.keyboard.press(" ")  # ...and pause
        tab.wait_for_timeout(400)
        paused = state(tab)["active"]
        tab.wait_for_timeout(900)
        assert state(tab)["active"] == paused < LAST
        no_server_run(tab, sent)


def test_a_link_with_a_frame_reopens_at_that_step(warm_app, browser):
    with lab(browser, warm_app, query="?frame=8") as (tab, sent):
        shown = state(tab)
        assert shown["active"] == 7 and shown["label"] == f"Step {STEPS[7]} of 500"
        tab.evaluate(GO_TO_JS, LAST)  # the same run's last frame differs from it
        tab.wait_for_timeout(300)
        assert state(tab)["maps"] != shown["maps"]
        tab.evaluate(GO_TO_JS, 7)
        tab.wait_for_timeout(300)
        assert state(tab)["maps"] == shown["maps"]
        no_server_run(tab, sent)
    with lab(browser, warm_app, query="?frame=8") as (tab, sent):
        tab.evaluate(
            f"() => {{ window.__seen = []; {GD}.on('plotly_animatingframe', "
            "e => window.__seen.push(Number(e.name))); }"
        )
        button(tab, "play").click()  # Play goes on from the link's frame, not from step 0
        tab.wait_for_function("() => window.__seen.length >= 2")
        assert tab.evaluate("() => window.__seen")[0] == 8
        no_server_run(tab, sent)
    with lab(browser, warm_app, query="?frame=99") as (tab, _):
        assert state(tab)["active"] == LAST
        warning = tab.locator('[data-testid="stAlert"]').all_inner_texts()
        assert any("a whole number from 1 to 30" in w for w in warning), warning


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
@pytest.mark.parametrize("theme", ["light", "dark"])
def test_playback_screenshots_at_three_moments(warm_app, browser, screenshot_dir, theme, viewport):
    with lab(browser, warm_app, theme, viewport) as (tab, sent):
        tab.evaluate(SCROLL_TO_CHART_JS)
        for k in (1, 12, LAST):  # steps 1 and 18, and the end (500)
            tab.evaluate(GO_TO_JS, k)
            tab.wait_for_timeout(400)
            shot = state(tab)
            assert shot["active"] == k and shot["drawnMaps"] == 4
            tab.screenshot(path=screenshot_dir / f"playback-{theme}-{viewport}-step{STEPS[k]}.png")
        no_server_run(tab, sent)


WORKED = page("worked_example.py")
UPDATES_GD = "document.querySelector('.st-key-updates_playback .js-plotly-plot')"
UPDATES_STATE_JS = f"""() => {{
  const gd = {UPDATES_GD};
  return {{active: gd._fullLayout.sliders[0].active,
          numbers: gd._fullLayout.annotations.map(a => a.text),
          marker: [gd.data[gd.data.length - 1].x[0], gd.data[gd.data.length - 1].y[0]]}};
}}"""


@contextmanager
def worked(browser, base: str, query: str, viewport: str = "desktop"):
    """The worked example at its updates playback, drawn in a fresh context; yields (page,
    messages the browser sent on Streamlit's websocket from now on)."""
    context = browser.new_context(viewport=VIEWPORTS[viewport])
    context.set_default_timeout(TIMEOUT_MS)
    tab = context.new_page()
    sent: list[int] = []
    tab.on("websocket", lambda ws: ws.on("framesent", lambda payload: sent.append(len(payload))))
    try:
        goto_drawn(tab, appdriver.page_url(base, WORKED) + query)
        tab.wait_for_function(f"() => window.Plotly && {UPDATES_GD} && {UPDATES_GD}.__playbackKeys")
        tab.evaluate(appdriver.WATCH_RUNS_JS)
        sent.clear()
        yield tab, sent
    finally:
        context.close()


def test_the_worked_examples_updates_play_back_in_the_browser(warm_app, browser):
    with worked(browser, warm_app, f"?step=14&n=200&frame={LAST + 1}") as (tab, sent):
        end = tab.evaluate(UPDATES_STATE_JS)
        assert end["active"] == LAST and "The network after 200 updates" in end["numbers"]
        tab.locator(".st-key-updates_playback .updatemenu-button").nth(0).click()
        tab.wait_for_function(f"() => {UPDATES_GD}._fullLayout.sliders[0].active >= 5")
        tab.locator(".st-key-updates_playback .updatemenu-button").nth(1).click()
        tab.wait_for_timeout(500)
        paused = tab.evaluate(UPDATES_STATE_JS)
        tab.wait_for_timeout(1000)
        assert tab.evaluate(UPDATES_STATE_JS) == paused
        n = checkpoint_steps(200)[paused["active"]]
        assert f"The network after {n} updates" in paused["numbers"]
        assert paused["numbers"][:6] != end["numbers"][:6]  # the weights changed back
        assert paused["marker"][0] == n and paused["marker"][1] > end["marker"][1]  # E higher
        no_server_run(tab, sent)


def test_the_worked_examples_playback_opens_at_the_start_and_steps_with_the_keys(warm_app, browser):
    with worked(browser, warm_app, "?step=14&n=200", "phone") as (tab, sent):
        start = tab.evaluate(UPDATES_STATE_JS)
        assert start["active"] == 0 and "The network after 0 updates" in start["numbers"]
        assert frame_in_url(tab) is None
        tab.locator(".st-key-updates_playback [data-testid='stPlotlyChart']").focus()
        tab.keyboard.press("ArrowRight")
        tab.keyboard.press("ArrowRight")
        tab.wait_for_timeout(400)
        two = tab.evaluate(UPDATES_STATE_JS)
        n = checkpoint_steps(200)[2]
        assert two["active"] == 2 and f"The network after {n} updates" in two["numbers"]
        assert two["numbers"][:6] != start["numbers"][:6]  # the weights moved
        assert frame_in_url(tab) == "3"  # the address bar (and the share link) keep it
        tab.keyboard.press(" ")  # plays on to the end, and stops there
        tab.wait_for_function(
            f"() => {UPDATES_GD}._fullLayout.sliders[0].active === {LAST}", timeout=20_000
        )
        tab.wait_for_timeout(500)
        assert tab.evaluate(UPDATES_STATE_JS)["active"] == LAST
        assert frame_in_url(tab) == str(LAST + 1)
        no_server_run(tab, sent)
