"""Take a student to a named section of a page, on desktop and phone.

Streamlit gives every header an anchor (its element id), and a browser scrolls to it on
a link to "#anchor" within the page. But a button's rerun ("Show me step 8", which must
also open step 8) and st.page_link's navigation from another page ("Take one weight
apart") cannot carry a "#". So a page asks for a landing: a callback calls request(),
a link from another page adds the one-shot URL key `section`. On that run only, land()
emits a short script that scrolls the section's header into view and moves the keyboard
focus to it (Tab continues from there). Charts above the section may still be drawing
and push it down, so the script keeps the header in place for a few seconds, and stops
as soon as the student scrolls, taps or presses a key.

A button that removes itself (a prediction answered) would leave the keyboard focus
nowhere, and the next Tab would start from the bottom of the section; focus() hands the
focus to a widget of the page instead, without scrolling.

The scripts are constants; the anchor or key they name is one of the page's own, never
text from a link (a `section` value that is not one of them is dropped).
"""

from __future__ import annotations

import re
from collections.abc import Collection

import streamlit as st

SECTION_KEY = "section"  # the URL key: ?section=<anchor>, dropped once used
_REQUESTED = "_landing_requested"
_ANCHOR = re.compile(r"^[a-z][a-z0-9-]*$")
KEEP_MS = 4000  # how long the header is held in place while the page settles

_SCRIPT = """<script>
(() => {
  const id = "%(anchor)s";
  let stopped = false;
  const stop = () => { stopped = true; };
  for (const kind of ["wheel", "touchstart", "keydown", "pointerdown"]) {
    window.addEventListener(kind, stop, {once: true, capture: true, passive: true});
  }
  const start = performance.now();
  let focused = false;
  const hold = () => {
    if (stopped) return;
    const header = document.getElementById(id);
    if (header) {
      header.scrollIntoView({block: "start"});
      if (!focused) {
        header.setAttribute("tabindex", "-1");
        header.focus({preventScroll: true});
        focused = true;
      }
    }
    if (performance.now() - start < %(keep)d) setTimeout(hold, 100);
  };
  hold();
})();
</script>"""


_FOCUS_SCRIPT = """<script>
(() => {
  const box = document.querySelector('[data-testid="stMain"] .st-key-%(key)s');
  const target = box && box.querySelector("button, input, textarea, [tabindex]");
  if (target && !target.disabled) target.focus({preventScroll: true});
})();
</script>"""
_FOCUS = "_landing_focus"


def focus(key: str) -> None:
    """From a button's callback: after the rerun, give the keyboard focus to the widget
    with this key (without scrolling)."""
    if not _ANCHOR.match(key.replace("_", "-")):
        raise ValueError(f"not a widget key: {key!r}")
    st.session_state[_FOCUS] = key


def request(anchor: str) -> None:
    """From a button's callback: land on this section after the rerun."""
    if not _ANCHOR.match(anchor):
        raise ValueError(f"not an anchor: {anchor!r}")
    st.session_state[_REQUESTED] = anchor


def link_params(anchor: str) -> dict[str, str]:
    """The query parameter that makes a link from another page land on this section."""
    if not _ANCHOR.match(anchor):
        raise ValueError(f"not an anchor: {anchor!r}")
    return {SECTION_KEY: anchor}


def land(anchors: Collection[str]) -> str | None:
    """Call once per run (after the sections are laid out): hand the focus on as asked
    (focus), and scroll to the section asked for by a button or a link, if it is one of
    anchors. Returns the anchor, or None."""
    key = st.session_state.pop(_FOCUS, None)
    if key is not None:
        st.html(_FOCUS_SCRIPT % {"key": key}, unsafe_allow_javascript=True)
    anchor = st.session_state.pop(_REQUESTED, None)
    linked = st.query_params.get(SECTION_KEY)
    if linked is not None:
        del st.query_params[SECTION_KEY]  # a reload or a shared link lands at the top
        anchor = anchor or linked
    if anchor not in anchors:
        return None
    st.html(_SCRIPT % {"anchor": anchor, "keep": KEEP_MS}, unsafe_allow_javascript=True)
    return anchor
