"""A playback chart's place in the address bar and its keys, for both playbacks (the
training lab's "Watch it learn", the worked example's "Watch the updates").

The shown frame is in the address bar as ?frame=N (1 = the first frame, the default, so
that a student watches before seeing how it ends): a link opens the playback there. A
small script in the page keeps the address bar and the share box's link in step with the
slider while it plays, and gives the chart keys: space plays or pauses, the left and right
arrows step back and forth. Nothing from a link goes into the script.
"""

from __future__ import annotations

import json
import math

import streamlit as st

from dashboard import ui
from dashboard.plots.format import fmt, parse
from dashboard.plots.playback_parts import PLAY_FRAME_MS

KEY = "frame"  # the URL key

_SCRIPT = """<script>
(() => {
  // The playback chart of this run: keys, and the slider's position in the address bar.
  const KEY = %(key)s, LAST = %(last)d;
  const REDRAW = %(redraw)s;  // true where a frame changes the figure's annotations
  const find = () => document.querySelector('.st-key-%(chart)s .js-plotly-plot');
  const link = n => {
    const url = new URL(window.location.href);
    if (n === 1) url.searchParams.delete(KEY); else url.searchParams.set(KEY, String(n));
    return url;
  };
  const remember = k => {  // k: 0-based frame
    const url = link(k + 1);
    window.history.replaceState(window.history.state, '', url);
    for (const a of document.querySelectorAll('[data-testid="stSidebar"] a[href*="?"], '
                                              + '[data-testid="stSidebar"] a[href^="http"]')) {
      if (!a.closest('[data-testid="stMarkdownContainer"]')) continue;
      if (new URL(a.href, url).pathname !== url.pathname) continue;
      a.href = url.href;
      const code = a.querySelector('code');
      if (code) code.textContent = url.href;
    }
  };
  const current = gd => {
    const s = gd._fullLayout && gd._fullLayout.sliders && gd._fullLayout.sliders[0];
    return s ? s.active : 0;
  };
  const attach = () => {
    const gd = find();
    if (!gd || !gd._fullLayout || !window.Plotly) return false;
    if (gd.__playbackKeys) return true;
    gd.__playbackKeys = true;
    gd.__playing = false;
    gd.on('plotly_animatingframe', e => { gd.__playing = true; remember(Number(e.name)); });
    gd.on('plotly_animated', () => { gd.__playing = false; });
    gd.on('plotly_animationinterrupted', () => { gd.__playing = false; });
    gd.on('plotly_sliderchange', e => remember(e.slider.active));
    // A link's frame: make it plotly's current frame too, so that Play goes on from it
    // (plotly plays from the first frame until one has been shown by an animation).
    const opened = current(gd);
    if (opened !== 0) window.Plotly.animate(gd, [String(opened)], {
      mode: 'immediate', frame: {duration: 0, redraw: REDRAW}, transition: {duration: 0}});
    const box = gd.closest('[data-testid="stPlotlyChart"]') || gd;
    box.tabIndex = 0;
    box.setAttribute('aria-label', %(label)s);
    box.addEventListener('keydown', e => {
      const go = (frames, opts) => window.Plotly.animate(gd, frames, Object.assign(
        {mode: 'immediate', transition: {duration: 0}}, opts));
      if (e.key === ' ') {
        e.preventDefault();
        if (gd.__playing) go([null], {frame: {duration: 0, redraw: false}});
        else go(null, {fromcurrent: true, frame: {duration: %(ms)d, redraw: REDRAW}});
      } else if (e.key === 'ArrowRight' || e.key === 'ArrowLeft') {
        e.preventDefault();
        const k = Math.max(0, Math.min(LAST - 1,
          current(gd) + (e.key === 'ArrowRight' ? 1 : -1)));
        go([String(k)], {frame: {duration: 0, redraw: REDRAW}});
      }
    });
    return true;
  };
  let tries = 0;
  const timer = setInterval(() => { if (attach() || ++tries > 200) clearInterval(timer); }, 100);
})();
</script>"""


def script(frames: int, chart: str, redraw: bool = False, what: str = "Training playback") -> str:
    """The page's script for the playback chart with key `chart` and `frames` frames
    (nothing from a link goes into it). redraw: whether its frames change annotations
    (the worked example's diagram), as the figure's own buttons say."""
    return _SCRIPT % {
        "key": json.dumps(KEY),
        "last": int(frames),
        "chart": chart,
        "redraw": "true" if redraw else "false",
        "ms": PLAY_FRAME_MS,
        "label": json.dumps(f"{what}: space plays or pauses, arrows step"),
    }


def opened_frame(count: int, controls: ui.Controls) -> int:
    """The frame (0-based) a playback of `count` frames opens at: the link's ?frame=, with
    a warning when the link asks for one that does not exist. The share link keeps it."""
    start, message = chosen_frame(st.query_params.get(KEY), count)
    if message:
        st.warning(message, icon=":material/link_off:")
    controls.extra(KEY, str(start + 1), default="1")
    return start


def chosen_frame(raw: str | None, count: int) -> tuple[int, str | None]:
    """(the frame to open, 0-based; a message or None) for a link's ?frame= text, with
    count frames: a whole number from 1 to count opens that frame; another number the
    nearest frame, anything else the first one, each with a message saying what is allowed."""
    if raw is None:
        return 0, None
    allowed = f"a whole number from 1 to {count} (a position of the playback's slider)"
    try:
        asked = parse(raw)
    except ValueError:
        asked = math.nan
    if math.isfinite(asked) and asked == int(asked) and 1 <= asked <= count:
        return int(asked) - 1, None
    if not math.isfinite(asked):
        return 0, f"The link's frame is not {allowed}, so the playback opens at the start."
    nearest = min(max(math.floor(asked + 0.5), 1), count)  # halves up, as students round
    return nearest - 1, (
        f"The link asks for frame {fmt(asked, 6)}, but the frame must be {allowed}, so the "
        f"playback opens at frame {nearest}."
    )
