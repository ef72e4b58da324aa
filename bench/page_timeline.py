"""Where a page load's time goes in the browser: a timeline per page, warm server.

    .venv/bin/python bench/page_timeline.py                      # every page, 3 loads each
    .venv/bin/python bench/page_timeline.py --pages training-lab --repeat 5 --profile

Starts the app as the README does on a free loopback port (or takes --url of a local
one), opens each page once in a headless Chromium (Debian's) to warm the browser's
cache, then loads it --repeat times in new tabs of that browser, the e2e suite's "warm
browser" case. A script injected before the page's own records, from navigation start:

- connected: the websocket to the server is up;
- script done: the server's script run is over (every element has reached the page);
- code loaded: the last skeleton is gone (Streamlit loads most elements' code lazily:
  plotly's chunk alone is 4.7 MB of JavaScript);
- all drawn: every chart drawn once, what the e2e timing table measures;
- settled: the last redraw of any chart;
- draws: how many times plotly drew each chart (a new `_fullLayout`, seen once per
  animation frame, so two draws in one frame count once: a lower bound).

Medians over the loads, in seconds. --profile adds one load's JavaScript CPU time by
script file (Chrome DevTools Protocol sampling profiler). A script, not a test: it prints
figures and asserts nothing; other work on the machine slows every figure.
Not part of CI.
"""

from __future__ import annotations

import argparse
import collections
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from dashboard.navigation import PAGES  # noqa: E402
from tests.e2e import appdriver  # noqa: E402

SETTLE_SECONDS = 1.5  # after "all drawn", how long to keep watching for redraws
TIMEOUT_MS = 60_000

# Runs before the page's own scripts; polls once per animation frame.
RECORDER_JS = """
(() => {
  const tl = window.__timeline = {draws: {}};
  const seen = new Map();
  let sawSkeleton = false;
  const now = () => performance.now() / 1000;  // seconds since navigation start
  function poll() {
    const app = document.querySelector('[data-testid="stApp"]');
    if (app) {
      const state = app.getAttribute('data-test-script-state');
      if (tl.connected === undefined
          && app.getAttribute('data-test-connection-state') === 'CONNECTED') tl.connected = now();
      if (state === 'running') tl.ran = true;
      if (tl.ran && tl.scriptDone === undefined && state === 'notRunning') tl.scriptDone = now();
    }
    const skeletons = document.querySelectorAll('[data-testid="stSkeleton"]').length;
    if (skeletons) { sawSkeleton = true; tl.codeLoaded = undefined; }
    else if (sawSkeleton && tl.codeLoaded === undefined) tl.codeLoaded = now();
    document.querySelectorAll('[data-testid="stPlotlyChart"] .js-plotly-plot').forEach((gd, i) => {
      const layout = gd._fullLayout;
      if (!layout || seen.get(gd) === layout) return;
      seen.set(gd, layout);
      const box = gd.closest('[data-testid="stElementContainer"]');
      const key = (box && [...box.classList].find(c => c.startsWith('st-key-'))) || `chart${i}`;
      (tl.draws[key.replace('st-key-', '')] ||= []).push(now());
    });
    requestAnimationFrame(poll);
  }
  requestAnimationFrame(poll);
})();
"""

COLUMNS = ("connected", "script done", "code loaded", "all drawn", "settled")


def load_once(context, url: str) -> dict:
    """One page load in a new tab: the recorder's timeline plus the e2e criterion's time."""
    tab = context.new_page()
    try:
        tab.goto(url)
        tab.wait_for_function(appdriver.CHARTS_DRAWN_JS, polling=50, timeout=TIMEOUT_MS)
        all_drawn = tab.evaluate("performance.now() / 1000")
        time.sleep(SETTLE_SECONDS)
        tl = tab.evaluate("window.__timeline")
    finally:
        tab.close()
    draws = tl["draws"]
    last = max((t for ts in draws.values() for t in ts), default=all_drawn)
    return {
        "connected": tl.get("connected"),
        "script done": tl.get("scriptDone"),
        "code loaded": tl.get("codeLoaded"),
        "all drawn": all_drawn,
        "settled": max(last, all_drawn),
        "draws": {key: len(ts) for key, ts in draws.items()},
    }


def profile_once(context, url: str) -> collections.Counter:
    """JavaScript CPU seconds of one load by script file (idle and GC under their names)."""
    tab = context.new_page()
    cdp = context.new_cdp_session(tab)
    cdp.send("Profiler.enable")
    cdp.send("Profiler.setSamplingInterval", {"interval": 200})  # microseconds
    cdp.send("Profiler.start")
    try:
        tab.goto(url)
        tab.wait_for_function(appdriver.CHARTS_DRAWN_JS, polling=50, timeout=TIMEOUT_MS)
        profile = cdp.send("Profiler.stop")["profile"]
    finally:
        tab.close()
    frames = {node["id"]: node["callFrame"] for node in profile["nodes"]}
    by_file: collections.Counter = collections.Counter()
    for sample, delta in zip(profile["samples"], [*profile["timeDeltas"][1:], 0], strict=True):
        frame = frames[sample]
        name = frame["url"].rsplit("/", 1)[-1] or frame["functionName"] or "(native)"
        by_file[name] += delta / 1e6
    return by_file


def fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def report_page(path: str, loads: list[dict]) -> None:
    cells = []
    for column in COLUMNS:
        values = [load[column] for load in loads if load[column] is not None]
        cells.append(fmt(statistics.median(values)) if values else "-")
    draws = collections.defaultdict(list)
    for load in loads:
        for key, count in load["draws"].items():
            draws[key].append(count)
    drawn = ", ".join(f"{key} {statistics.median(c):g}" for key, c in draws.items()) or "no charts"
    print(f"{path or 'home':16s}" + "".join(f"{c:>13s}" for c in cells) + f"   {drawn}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="an already running app on loopback (default: start one)")
    parser.add_argument("--pages", help="comma-separated url paths (default: every page)")
    parser.add_argument("--repeat", type=int, default=3, help="loads per page (median shown)")
    parser.add_argument("--phone", action="store_true", help="a phone-sized viewport")
    parser.add_argument("--profile", action="store_true", help="JS CPU by script file")
    args = parser.parse_args()
    chromium = appdriver.find_chromium()
    if chromium is None:
        print("chromium not found: apt-get install chromium", file=sys.stderr)
        return 2
    paths = args.pages.split(",") if args.pages else [info.url_path for info in PAGES]
    if why := appdriver.refused_url(args.url):
        print(why, file=sys.stderr)
        return 2
    log = ROOT / "test-output" / "timeline-server.log"
    with appdriver.bench_app(args.url, log) as (base_url, _), sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=chromium, args=appdriver.CHROMIUM_ARGS, headless=True
        )
        viewport = appdriver.PHONE if args.phone else appdriver.DESKTOP
        context = browser.new_context(viewport=viewport)
        context.add_init_script(RECORDER_JS)
        print(f"seconds from navigation start, median of {args.repeat} warm-browser loads")
        print(f"{'page':16s}" + "".join(f"{c:>13s}" for c in COLUMNS) + "   draws per chart")
        for path in paths:
            url = f"{base_url}/{path}"
            warm = context.new_page()  # fills the cache and the server's st.cache_data
            warm.goto(url)
            warm.wait_for_function(appdriver.CHARTS_DRAWN_JS, polling=50, timeout=TIMEOUT_MS)
            warm.close()
            report_page(path, [load_once(context, url) for _ in range(args.repeat)])
            if args.profile:
                by_file = profile_once(context, url)
                total = sum(by_file.values())
                top = ", ".join(f"{n} {s:.2f}" for n, s in by_file.most_common(6))
                print(f"{'':16s}JS CPU profile: {total:.2f} s in all; {top}")
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
