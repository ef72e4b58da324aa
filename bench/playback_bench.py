"""The playbacks in a real browser: how much they weigh, how soon Play answers, and
whether every frame is shown at the speed they promise.

    .venv/bin/python bench/playback_bench.py [--url http://127.0.0.1:PORT] [--repeat 3]

Starts the app as the README does on a free loopback port (or takes --url of a local
one) and opens, in a headless Chromium (Debian's) at 1366 x 900, each playback:

- the training lab at its defaults (4 networks, depth 6, 500 steps);
- the training lab at its largest playback: noisy spirals (the most detailed maps, the
  heaviest pictures) and 100 hidden layers (the tallest gradient maps), as few steps as
  still give 30 frames, which the cost model admits;
- the worked example's "Watch the updates" (2000 updates, its largest).

For each: the figure's size as the browser holds it (data, layout and frames as JSON);
then, --repeat times from the first frame, the time from pressing Play to the first
frame and to the first paint after it, the frames per second from the first frame to the
last, and the dropped steps: frames never started (a gap in the frames' names) or started
before the one before them was painted. A script, not a test: it prints figures and
asserts nothing; other work on the machine slows every figure. Not part of CI.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from dashboard.content.worked_example import LAST_STEP  # noqa: E402
from dashboard.navigation import page  # noqa: E402
from dashboard.plots.playback_parts import PLAY_FRAME_MS  # noqa: E402
from tests.e2e import appdriver  # noqa: E402

TIMEOUT_MS = 120_000
VIEWPORT = {"width": 1366, "height": 900}
CASES = (  # name, page file, query, the chart's key
    ("training lab, defaults", "training_lab.py", "", "playback"),
    (
        "training lab, largest",
        "training_lab.py",
        "?ds=spirals&noise=2&depth=100&width=2&steps=40",
        "playback",
    ),
    (
        "worked example, 2000 updates",
        "worked_example.py",
        f"?step={LAST_STEP}&n=2000",
        "updates_playback",
    ),
)

SIZE_JS = """key => {
  const gd = document.querySelector(`.st-key-${key} .js-plotly-plot`);
  const frames = (gd._transitionData && gd._transitionData._frames) || [];
  return {bytes: JSON.stringify({data: gd.data, layout: gd.layout, frames}).length,
          frames: frames.length};
}"""
# Plays from the first frame to the last; resolves with the timestamps of the press, of
# each frame's start (with its name) and of the paint after each.
PLAY_JS = """key => new Promise(done => {
  const gd = document.querySelector(`.st-key-${key} .js-plotly-plot`);
  const t = {names: [], starts: [], painted: []};
  const count = gd._transitionData._frames.length;
  const onFrame = e => {
    t.names.push(Number(e.name));
    t.starts.push(performance.now());
    requestAnimationFrame(() => t.painted.push(performance.now()));
  };
  window.Plotly.animate(gd, ['0'], {mode: 'immediate', frame: {duration: 0, redraw: false},
                                     transition: {duration: 0}}).then(() => setTimeout(() => {
    gd.on('plotly_animatingframe', onFrame);
    gd.once('plotly_animated', () => {
      gd.removeListener('plotly_animatingframe', onFrame);
      setTimeout(() => done(Object.assign(t, {count})), 100);
    });
    const play = gd.closest('[data-testid="stPlotlyChart"]')
      .querySelector('.updatemenu-button');
    const box = play.getBoundingClientRect();
    t.pressed = performance.now();
    play.dispatchEvent(new MouseEvent('click', {bubbles: true,
      clientX: box.x + box.width / 2, clientY: box.y + box.height / 2}));
  }, 300));
})"""


def measure(tab, key: str) -> dict:
    """One play from the first frame to the last."""
    t = tab.evaluate(PLAY_JS, key)
    starts, painted, names = t["starts"], t["painted"], t["names"]
    # The first frame Play shows is the one after the shown one (plotly goes on from it).
    expected = list(range(names[0], t["count"])) if names else []
    gaps = len(set(expected) - set(names))
    late = sum(1 for k in range(1, len(starts)) if painted[k - 1] > starts[k])
    if gaps or late:  # which ones, and each frame's time to its paint
        waits = [round(b - a) for a, b in zip(starts, painted, strict=False)]
        print(f"    dropped: frames {names}, ms to paint {waits}")
    span = (starts[-1] - starts[0]) / 1000 if len(starts) > 1 else float("nan")
    return {
        "first": starts[0] - t["pressed"],
        "paint": painted[0] - t["pressed"],
        "fps": (len(starts) - 1) / span,
        "frames": len(starts),
        "dropped": gaps + late,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="a running app on loopback")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    chromium = appdriver.find_chromium()
    if chromium is None:
        print("no chromium found (apt-get install chromium)")
        return 1
    log = ROOT / "test-output" / "playback-bench-server.log"
    log.parent.mkdir(exist_ok=True)
    print(f"playback frame time: {PLAY_FRAME_MS} ms asked of plotly (see playback_parts)")
    print(
        f"{'playback':<30} {'MB':>6} {'frames':>6} {'Play→frame ms':>14} "
        f"{'→paint ms':>10} {'frames/s':>9} {'dropped':>8}"
    )
    with appdriver.bench_app(args.url, log) as (base, _), sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=chromium, args=appdriver.CHROMIUM_ARGS, headless=True
        )
        for name, script, query, key in CASES:
            context = browser.new_context(viewport=VIEWPORT)
            context.set_default_timeout(TIMEOUT_MS)
            tab = context.new_page()
            tab.goto(appdriver.page_url(base, page(script)) + query)
            tab.wait_for_function(
                f"() => window.Plotly && document.querySelector('.st-key-{key} .js-plotly-plot')"
                "?._fullLayout",
                polling=100,
            )
            tab.locator(f".st-key-{key}").scroll_into_view_if_needed()
            tab.wait_for_timeout(1500)  # the rest of the page settles
            size = tab.evaluate(SIZE_JS, key)
            runs = [measure(tab, key) for _ in range(args.repeat)]
            med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
            print(
                f"{name:<30} {size['bytes'] / 1e6:>6.2f} {size['frames']:>6} "
                f"{med['first']:>14.0f} {med['paint']:>10.0f} {med['fps']:>9.2f} "
                f"{max(r['dropped'] for r in runs):>8}"
            )
            context.close()
        browser.close()
    print(f"(medians of {args.repeat} plays from the first frame; dropped: the most of any play)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
