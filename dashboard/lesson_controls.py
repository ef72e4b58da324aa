"""The lesson's place in the address bar: ?stop=N, or ?stop=<a stop's id>, checked.

A study group shares "stop 6" as a link. What the link says is read once, when the page
opens, and always lands on a stop:

- a stop's number (1 to the last) or its id: that stop, no message;
- any other number (0, -3, 99, 2.5, 1e308): the nearest stop, with a message naming
  the number asked for and the stops there are;
- anything else (text, nan, inf, a script): stop 1, with a message that never repeats
  the link's text.

The address bar is then rewritten to the stop's number before the slider that binds it
is drawn (an immediate rerun carries the message over), so the address always reopens
what the page shows. Back and Next set the same slider (ui.set_values).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import streamlit as st

from dashboard import ui
from dashboard.plots.format import fmt


def parse_stop(raw: str, ids: Sequence[str]) -> tuple[int, str | None]:
    """(the stop to open, 1-based; a message, or None) for a link's ?stop= text."""
    last = len(ids)
    if raw in ids:
        return ids.index(raw) + 1, None
    try:
        asked = float(raw)
    except (ValueError, OverflowError):
        asked = math.nan
    if not math.isfinite(asked):
        return 1, (
            f"The link's stop is neither a stop number (1 to {last}) nor the name of a stop, "
            "so the lesson opens at stop 1."
        )
    number = min(max(round(asked), 1), last)
    if number == asked:
        return number, None
    return number, (
        f"The link asks for stop {fmt(asked, 6)}, but the stops run from 1 to {last}, so "
        f"the lesson opens at stop {number}."
    )


class LessonControls(ui.Controls):
    """ui.Controls plus the lesson's stop: a slider bound to ?stop= that also takes ids."""

    def stop(
        self,
        label: str,
        key: str,
        ids: Sequence[str],
        *,
        help: str | None = None,
        where: Any = None,
    ) -> int:
        """The stop to show, 1 to len(ids), bound to the URL under key."""
        self._before(key)
        raw = self._link_text(key)
        if raw is not None:
            number, message = parse_stop(raw, ids)
            if message is not None or raw != str(number):
                self._redirect(key, number, message)
        value = (where or st).slider(
            label, 1, len(ids), 1, step=1, key=key, bind="query-params", help=help
        )
        self._defaults[key], self._values[key] = 1, value
        return int(value)

    def _redirect(self, key: str, number: int, message: str | None) -> None:
        """Put the stop's number into the address bar, and rerun now to read it there.

        Before the slider exists its parameter can still be written; once it binds, the
        address bar follows the slider. The message is shown at the top after the rerun.
        """
        notes = st.session_state.setdefault(ui._NOTES, [])
        notes.extend([*self._shown, *([message] if message else [])])
        if number == 1:
            del st.query_params[key]  # the default: Streamlit leaves it out of the address
        else:
            st.query_params[key] = str(number)
        st.rerun()
