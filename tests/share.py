"""What AppTest sees of dashboard.ui's shared pieces: the share box's link and the tables."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
from streamlit.testing.v1 import AppTest

# Bounds on waiting, never speed checks: a test fails on them only when something does not
# happen at all. Generous, because the suite runs on small shared machines (2 cores beside
# other test runs, load 10 and more): a page run that takes 2 s alone can take a minute.
APPTEST_TIMEOUT = 300  # seconds for one AppTest script run
WAIT_TIMEOUT = 120  # seconds for a pool, a worker or a server to reach a state

APP = str(Path(__file__).resolve().parents[1] / "dashboard" / "app.py")


def open_app_page(file: str, query: dict | None = None, timeout: float | None = None) -> AppTest:
    """The app run once, then switched to app_pages/<file> with this link's query."""
    at = AppTest.from_file(APP, default_timeout=timeout or APPTEST_TIMEOUT)
    at.run()
    at.switch_page(f"app_pages/{file}")
    at.query_params = dict(query or {})
    return at.run()


LINK = re.compile(r"^\[`(?P<text>[^`]*)`\]\((?P<href>[^)]*)\)$")
ALIGN = re.compile(r"^\|(?:-{3,}:?\|)+$")  # a Markdown table's second line
CELL = re.compile(r"(?<!\\)\|")  # a cell border: a | not escaped
UNESCAPE = re.compile(r"\\(.)")


def ui_share_link(at: AppTest) -> str:
    """The link in the sidebar's share box; its text and its target must be the same."""
    box = [m.value for m in at.sidebar.markdown]
    start = box.index("**Share this view**")
    shown = box[start + 1]
    if shown == "(this page's address)":  # no query and no address (AppTest has none)
        return ""
    match = LINK.match(shown)
    assert match, f"the share box should hold one link, not {shown!r}"
    assert match["text"] == match["href"]
    return match["href"]


def ui_tables(at: AppTest) -> list[pd.DataFrame]:
    """Every table dashboard.ui.table wrote on the main page, in page order, as text the
    way it reads (headers and cells unescaped, a missing value as "—")."""
    found = []
    for element in at.main.markdown:
        lines = element.value.split("\n")
        if len(lines) < 2 or not lines[0].startswith("| ") or not ALIGN.match(lines[1]):
            continue
        rows = [[UNESCAPE.sub(r"\1", c.strip()) for c in CELL.split(line[1:-1])] for line in lines]
        found.append(pd.DataFrame(rows[2:], columns=rows[0]))
    return found
