"""Entrypoint: `streamlit run dashboard/app.py`."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # streamlit only puts dashboard/ on the path
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402

st.set_page_config(page_title="Backprop, by hand", layout="wide")
st.title("Backprop, by hand")
st.write("The pages are coming: the worked example, update sizes, and the gradient labs.")
