"""Validated, URL-bound controls for the lab and myths pages: dashboard.ui.Controls plus
a toggle, a row of radio buttons, and a note about link parameters the page ignores."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import streamlit as st

from dashboard import ui
from dashboard.ui import url_text

# Streamlit's own parameters (embedding), never a page's.
_STREAMLIT_KEYS = ("embed", "embed_options")
_PLAIN_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,19}")  # safe to show as it is


class LabControls(ui.Controls):
    """ui.Controls plus a toggle and a row of radio buttons, both bound to the URL and
    checked like the others, and note_unknown for parameters the page does not use."""

    def toggle(self, label: str, key: str, default: bool, *, help: str | None = None) -> bool:
        self._before(key)
        raw = self._link_text(key)
        value = st.toggle(label, value=default, key=key, bind="query-params", help=help)
        if raw is not None and raw != url_text(value):
            self._note(
                f"The link's value for **{label}** is not true or false, so the page shows "
                f"it {'on' if value else 'off'}."
            )
        self._defaults[key], self._values[key] = default, value
        return value

    def radio(
        self, label: str, key: str, options: Sequence[str], default: str, *, help: str
    ) -> str:
        self._before(key)
        raw = self._link_text(key)
        options = list(options)
        value = st.radio(
            label,
            options,
            index=options.index(default),
            key=key,
            bind="query-params",
            horizontal=True,
            help=help,
        )
        if raw is not None and raw != value:
            self._note(
                f"The link's value for **{label}** is not one of the choices, "
                f"so the page shows {value}."
            )
        self._defaults[key], self._values[key] = default, value
        return value

    def note_unknown(self, known: Iterable[str]) -> None:
        """Say, once per visit, that the link carries parameters this page does not know
        (a typo such as "dept=100" would otherwise go unnoticed). Only plain short names
        are shown; anything else (it may be a script) is only counted."""
        known = set(known)
        if any(key in st.session_state for key in known):
            return  # not the first run of this visit: the link has been read already
        unknown = [
            k for k in st.query_params if k not in known and k.lower() not in _STREAMLIT_KEYS
        ]
        if not unknown:
            return
        plain = sorted({k for k in unknown if _PLAIN_NAME.fullmatch(k)})
        others = len(unknown) - len(plain)
        parts = [", ".join(f"`{k}`" for k in plain)] if plain else []
        if others:
            parts.append(f"{others} other{'s' if others > 1 else ''}")
        self._note(
            f"This link carries settings this page does not know ({' and '.join(parts)}); "
            "they are ignored."
        )
