"""The glossary on any page, in one line: an inline "what does this mean?" popover, or a
tooltip text.

    from dashboard import glossary
    glossary.explain("fan_in", "seed")             # a popover beside the text
    st.number_input(..., help=glossary.define("seed"))

Term ids are those of dashboard/content/glossary.py (a KeyError names them all); the
popover links to the glossary page, which lists every term with entry().
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from dashboard.content.glossary import term
from dashboard.navigation import page

GLOSSARY_PAGE = page("glossary.py")


def define(term_id: str) -> str:
    """The term as plain text, "name: definition" (for a widget's help= tooltip)."""
    t = term(term_id)
    return f"{t.name}: {t.definition}"


def label(*term_ids: str) -> str:
    """The popover's button text: the one word it explains, or "these words"."""
    if len(term_ids) == 1:
        return f"What does “{term(term_ids[0]).name}” mean?"
    return "What do these words mean?"


def entry(term_id: str, where: Any = None) -> None:
    """One term written out: its name in bold, then its definition."""
    t = term(term_id)
    (where or st).markdown(f"**{t.name}**: {t.definition}")


def explain(*term_ids: str, where: Any = None) -> None:
    """A small popover with the definitions of these terms and a link to the glossary.

    where: a container (default: the current one).
    """
    if not term_ids:
        raise ValueError("name at least one glossary term")
    for term_id in term_ids:
        term(term_id)  # an unknown id fails before anything is drawn
    box = (where or st).popover(label(*term_ids), icon=":material/help:")
    for term_id in term_ids:
        entry(term_id, box)
    box.page_link(
        GLOSSARY_PAGE.link_target, label="Every word in the glossary", icon=GLOSSARY_PAGE.icon
    )
