"""Entrypoint and router: `streamlit run dashboard/app.py`."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # streamlit only puts dashboard/ on the path
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402

from dashboard.navigation import PAGES  # noqa: E402

st.set_page_config(
    page_title="Backprop, by hand",
    page_icon=":material/school:",
    layout="wide",
    menu_items={"About": "Backprop, by hand: every number computed live by a small numpy engine."},
)

pages = [
    st.Page(p.path, title=p.title, url_path=p.url_path, icon=p.icon, default=(i == 0))
    for i, p in enumerate(PAGES)
]
st.navigation(pages).run()
