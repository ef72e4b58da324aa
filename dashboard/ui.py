"""UI helpers shared by every page: a page header, URL-bound validated controls, a share box.

Every control that defines a view is bound to the address bar (bind="query-params",
its key is the URL parameter), so the address is always a share link. Values are
checked here, whatever their source:

- typed by the user: a refused value is put back to the last accepted one, with a
  message naming the allowed range;
- from a link: Streamlit itself drops text, nan and inf (and, for sliders and select
  boxes, values that are not allowed) and clears them from the address bar; we say so
  on the page without ever echoing the link's text (it may be a script). A number
  outside our range is put back the same way as a typed one.

A refused value is fixed before its widget is drawn, on an immediate rerun, so the
field and every number on the page agree, and the share box carries only accepted
values. One gap, in Streamlit 1.67: a refused number that came from a link stays in
the address bar until that field is next changed (the page shows the fallback and says
why; reopening the address gives the same view and the same message).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import streamlit as st

from core import activations
from dashboard.class_keys import VOTER_PARAM

# What pages show beside their controls lives in dashboard.display; pages reach it as
# ui.chart, ui.table and ui.page_style, one import for everything a page draws.
from dashboard.display import SUMMARY_LEAD as SUMMARY_LEAD
from dashboard.display import chart as chart
from dashboard.display import page_style as page_style
from dashboard.display import table as table
from dashboard.plots.format import fmt

_PENDING = "_ui_pending"  # key -> value to put in the widget before it is drawn
_NOTES = "_ui_notes"  # messages to show once, at the top of the next run's controls
_LAST = "_ui_last_valid"  # key -> the last value accepted for that key
_PAGE = "_ui_page"  # the page this run draws (set by app.py through on_page)
_OWNER = "_ui_owner"  # key -> the page whose control last drew that key


@dataclass(frozen=True)
class Allowed:
    """A closed range [lo, hi], or (lo, hi] with lo_open=True; whole numbers if integer."""

    lo: float
    hi: float
    lo_open: bool = False
    integer: bool = False

    def __contains__(self, value: object) -> bool:
        if isinstance(value, bool) or not isinstance(value, int | float):
            return False
        if not math.isfinite(value) or (self.integer and float(value) != int(value)):
            return False
        above = value > self.lo if self.lo_open else value >= self.lo
        return above and value <= self.hi

    def text(self) -> str:
        kind = "a whole number" if self.integer else "a number"
        if self.lo_open:
            return f"{kind} above {self.lo:g} and at most {self.hi:g}"
        return f"{kind} from {self.lo:g} to {self.hi:g}"


def page_header(title: str, intro: str) -> None:
    """The same top for every page: a title and one or two sentences saying what to do."""
    st.title(title)
    st.markdown(intro)


def on_page(page: str) -> None:
    """Tell the controls which page this run draws (app.py, before the page runs).

    Pages reuse URL keys with their own meanings and ranges (depth, n, lr, ...), and
    Streamlit keeps a widget's value under its key from one page to the next. A control
    drawn on another page than the one that last drew its key starts from the link or its
    default instead, never from the other page's value: that value was never typed here,
    may not be allowed here, and once it was refused back to itself in an endless rerun.
    """
    st.session_state[_PAGE] = page


def plain(text: str) -> str:
    """Typed text shown as typed in Markdown (a label, a choice, a paragraph): every ASCII
    punctuation character is backslash-escaped, so nothing in it is syntax (CommonMark
    allows the escape for each; Streamlit's LaTeX $ included)."""
    return re.sub(r"([!-/:-@\[-`{-~])", r"\\\1", text)


def set_values(values: Mapping[str, Any]) -> None:
    """Set bound widgets' values (use as an on_click callback: before widgets are drawn)."""
    last = st.session_state.setdefault(_LAST, {})
    for key, value in values.items():
        st.session_state[key] = value
        last[key] = value


def url_text(value: Any) -> str:
    """A value as Streamlit writes it into the address bar (50.0 -> "50", True -> "true")."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float) and math.isfinite(value) and value == int(value):
        return str(int(value))
    return str(value)


def _same(raw: str, value: Any) -> bool:
    """Does the link's raw text mean the value the widget ended up with?"""
    if isinstance(value, str):
        return raw == value
    try:
        return float(raw) == float(value)
    except (TypeError, ValueError, OverflowError):
        return False


class Controls:
    """The view-defining controls of one page, each validated and bound to the URL.

    Create one at the top of a page (messages about refused values appear there), add
    controls with number / integer / choice / slider, and call share_box() last.
    """

    def __init__(self) -> None:
        self._defaults: dict[str, Any] = {}
        self._values: dict[str, Any] = {}
        self._shown_as: dict[str, Mapping[str, str]] = {}  # key -> option -> its label
        self._shown: list[str] = []  # link notes shown in this run (kept if it reruns)
        self._notes = st.container()
        for note in st.session_state.pop(_NOTES, []):
            self._notes.warning(note, icon=":material/warning:")
            self._shown.append(note)  # a further refusal in this run must carry it on too

    @property
    def values(self) -> dict[str, Any]:
        """Every control's current (accepted) value by key."""
        return dict(self._values)

    def query(self) -> list[tuple[str, str]]:
        """This view's URL parameters as pairs: the controls that differ from their
        defaults, a several-choices control once per choice (?k=a&k=b; none: ?k=),
        the way Streamlit binds it to the address bar."""
        pairs: list[tuple[str, str]] = []
        for key, value in self._values.items():
            if value == self._defaults[key]:
                continue
            if isinstance(value, tuple):
                shown = self._shown_as.get(key, {})
                pairs.extend((key, shown.get(v, v)) for v in value or ("",))
            elif key in self._shown_as:
                pairs.append((key, self._shown_as[key][value]))
            else:
                pairs.append((key, url_text(value)))
        return pairs

    # --- the controls -----------------------------------------------------------------
    def number(
        self,
        label: str,
        key: str,
        default: float,
        allowed: Allowed,
        *,
        step: float = 0.01,
        help: str | None = None,
        where: Any = None,
        width: int | str = "stretch",
    ) -> float:
        """A float field; refuses values outside `allowed` with a message naming the range."""
        self._before(key)
        raw = self._link_text(key)
        value = (where or st).number_input(
            label,
            value=float(default),
            step=float(step),
            format="%g",
            key=key,
            bind="query-params",
            help=_with_range(help, allowed),
            width=width,
        )
        return self._accept(key, label, value, float(default), allowed, raw)

    def integer(
        self,
        label: str,
        key: str,
        default: int,
        allowed: Allowed,
        *,
        help: str | None = None,
        where: Any = None,
        width: int | str = "stretch",
    ) -> int:
        """A whole-number field; refuses values outside `allowed` with a message.

        The widget itself holds a float: Streamlit 1.67's integer number_input raises
        OverflowError on a link such as ?n=inf (int(float("inf")) in its URL parser),
        while a float field turns inf into its default. Whole numbers are checked here.
        """
        self._before(key)
        raw = self._link_text(key)
        value = (where or st).number_input(
            label,
            value=float(default),
            step=1.0,
            format="%.0f",
            key=key,
            bind="query-params",
            help=_with_range(help, allowed),
            width=width,
        )
        return int(self._accept(key, label, value, int(default), allowed, raw))

    def slider(
        self,
        label: str,
        key: str,
        default: int,
        lo: int,
        hi: int,
        *,
        help: str | None = None,
        where: Any = None,
    ) -> int:
        """A whole-number slider from lo to hi (Streamlit refuses link values outside it)."""
        self._before(key)
        raw = self._link_text(key)
        value = (where or st).slider(
            label,
            min_value=lo,
            max_value=hi,
            value=default,
            step=1,
            key=key,
            bind="query-params",
            help=help,
        )
        return int(self._accept(key, label, value, default, Allowed(lo, hi, integer=True), raw))

    def choice(
        self,
        label: str,
        key: str,
        options: Sequence[str],
        default: str,
        *,
        labels: Mapping[str, str] | None = None,
        help: str | None = None,
        where: Any = None,
    ) -> str:
        """A select box over short, stable option names; returns the chosen name.

        labels: what a student reads for each name ("ReLU" for "relu"). Streamlit writes
        the *displayed* text into the URL, so a labelled option's link carries its label;
        a link that names it the older way, by its name, opens the same view (the address
        bar then drops it until the field is next changed; the share box has the label).
        """
        self._before(key)
        raw = self._link_text(key)
        options = list(options)
        shown = {o: (labels or {}).get(o, o) for o in options}
        if raw is not None and raw in shown and shown[raw] != raw:
            st.session_state[key] = raw  # an older link: the option by its name
            raw = shown[raw]
        value = (where or st).selectbox(
            label,
            options,
            index=options.index(default),
            key=key,
            bind="query-params",
            help=help,
            format_func=shown.__getitem__,
        )
        if raw is not None and raw != shown[value]:
            self._note(
                f"The link's value for **{label}** is not one of the choices, "
                f"so the page shows {shown[value]}."
            )
        self._shown_as[key] = shown
        self._defaults[key], self._values[key] = default, value
        return value

    def activation(
        self, label: str, default: str, *, help: str | None = None, where: Any = None
    ) -> str:
        """The activation choice (URL key act): every activation the registry offers
        (core.activations), shown by its label."""
        return self.choice(
            label,
            "act",
            activations.offered(),
            default,
            labels=activations.offered_labels(),
            help=help,
            where=where,
        )

    def several(
        self,
        label: str,
        key: str,
        options: Sequence[str],
        default: Sequence[str],
        *,
        labels: Mapping[str, str] | None = None,
        help: str | None = None,
        where: Any = None,
    ) -> tuple[str, ...]:
        """Any subset of options, returned in the options' order (none is allowed).

        labels: what a student reads for each option; the link then carries the labels,
        and a link that names options the older way, by their names, opens the same view
        (as for choice)."""
        self._before(key)
        raw = None if key in st.session_state else st.query_params.get_all(key)
        shown = {o: (labels or {}).get(o, o) for o in options}
        by_label = {text: o for o, text in shown.items()}
        if raw and any(r in shown and shown[r] != r for r in raw):  # an older link, by names
            st.session_state[key] = [
                r if r in shown else by_label[r] for r in raw if r in shown or r in by_label
            ]
            raw = [shown.get(r, r) for r in raw]
        picked = (where or st).pills(
            label,
            list(options),
            selection_mode="multi",
            default=list(default),
            key=key,
            bind="query-params",
            help=help,
            format_func=shown.__getitem__,
        )
        value = tuple(o for o in options if o in picked)
        if raw and any(r not in by_label for r in raw if r):
            listed = ", ".join(shown[o] for o in value) or "none"
            self._note(
                f"Some of the link's values for **{label}** are not among the choices "
                f"({', '.join(shown.values())}), so the page shows: {listed}."
            )
        self._shown_as[key] = shown
        self._defaults[key], self._values[key] = tuple(default), value
        return value

    def extra(self, key: str, value: str, default: str = "") -> None:
        """A view-defining URL value that no widget draws (the page keeps it in
        st.query_params itself): the share link carries it unless it is the default."""
        self._defaults[key], self._values[key] = default, value

    # --- sharing ----------------------------------------------------------------------
    def share_box(self, where: Any = None, promise: str = "the same numbers") -> str:
        """Show the link that reopens this exact view; return it.
        promise: what the caption says the link reopens the page with.

        A markdown link, not st.code: st.code's copy button comes with its syntax
        highlighter, which cost every page load 0.15-0.25 s in the browser (measured
        side by side in a warm Chromium). The link's text is in backticks: a URL's
        underscores would otherwise turn into italics.
        """
        base = st.context.url or ""  # None outside a browser session (e.g. in AppTest)
        query = urlencode(self.query())
        link = f"{base}?{query}" if query else base
        box = (where or st.sidebar).container(border=True)
        box.markdown("**Share this view**")
        box.markdown(f"[`{link}`]({link})" if link else "(this page's address)")
        # In a class the address also holds this tab's voter token (dashboard/class_student.py),
        # which is one student's alone: the link above never has it, the address does.
        where_else = (
            "; not the address bar, which also holds your place in your class"
            if VOTER_PARAM in st.query_params
            else " or the address bar, which holds the same one"
        )
        box.caption(
            f"Copy this link (right-click it, or long-press on a phone){where_else}. It "
            f"reopens this page with {promise}. Settings left at their defaults are not in "
            f"the link."
        )
        return link

    # --- validation -------------------------------------------------------------------
    def _before(self, key: str) -> None:
        if key in self._defaults:
            raise ValueError(f"two controls share the key {key!r}")
        page = st.session_state.get(_PAGE)
        owners = st.session_state.setdefault(_OWNER, {})
        if page is not None and owners.get(key, page) != page:  # left by another page
            for store in (st.session_state, st.session_state.get(_LAST, {})):
                store.pop(key, None)
            st.session_state.get(_PENDING, {}).pop(key, None)
        owners[key] = page
        pending = st.session_state.get(_PENDING, {})
        if key in pending:
            st.session_state[key] = pending.pop(key)

    @staticmethod
    def _link_text(key: str) -> str | None:
        """The link's raw text for key, on the widget's first draw only (else None)."""
        if key in st.session_state:
            return None
        return st.query_params.get(key)

    def _accept(
        self, key: str, label: str, value: Any, default: Any, allowed: Allowed, raw: str | None
    ) -> Any:
        if default not in allowed:  # a page's own mistake: refusing to it would never end
            raise ValueError(f"the default of {key!r} ({default!r}) is not {allowed.text()}")
        if value not in allowed:
            # The last accepted value may come from another page that binds the same key
            # with a wider range (the vanishing lab's depth 361 on Update sizes, which
            # allows 200): refusing back to it would rerun forever. Only a value this
            # control allows can be the fallback.
            last = st.session_state.get(_LAST, {}).get(key)
            fallback = last if last in allowed else default
            source = "from the link" if raw is not None else "typed"
            shown = fmt(value, 6) if isinstance(value, int | float) else "empty"
            self._refuse(
                key,
                fallback,
                f"**{label}**: the value {source} ({shown}) is not allowed here; "
                f"it must be {allowed.text()}. It was put back to {fmt(fallback, 6)}.",
            )
        if raw is not None and not _same(raw, value):
            self._note(
                f"The link's value for **{label}** is not {allowed.text()}, "
                f"so the page uses {fmt(value, 6)}."
            )
        st.session_state.setdefault(_LAST, {})[key] = value
        self._defaults[key], self._values[key] = default, value
        return value

    def _note(self, message: str) -> None:
        self._notes.warning(message, icon=":material/link_off:")
        self._shown.append(message)

    def _refuse(self, key: str, fallback: Any, message: str) -> None:
        """Put key back to fallback before it is drawn again, and say why (reruns now)."""
        st.session_state.setdefault(_PENDING, {})[key] = fallback
        # The rerun discards this run's output: carry its notes over.
        st.session_state.setdefault(_NOTES, []).extend([*self._shown, message])
        st.rerun()


def _with_range(help: str | None, allowed: Allowed) -> str:
    rule = f"Allowed: {allowed.text()}."
    return f"{help} {rule}" if help else rule
