"""Glossary: every technical word the app uses that the article never taught, in one
plain sentence each (dashboard/content/glossary.py). No URL keys.
"""

from __future__ import annotations

import streamlit as st

from dashboard import glossary, ui
from dashboard.content.glossary import GROUPS, TERMS

ui.page_header(
    "Glossary",
    "Words the app uses that the article does not explain, each in one sentence built from "
    "the article's own words. The lesson opens these definitions from its “What does … "
    "mean?” buttons.",
)
for group in GROUPS:
    st.subheader(group)
    for t in sorted((t for t in TERMS if t.group == group), key=lambda t: t.name.lower()):
        glossary.entry(t.id)

ui.Controls().share_box()
