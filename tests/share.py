"""The "Share this view" link as AppTest sees it (dashboard.ui.Controls.share_box)."""

from __future__ import annotations

import re

from streamlit.testing.v1 import AppTest

LINK = re.compile(r"^\[`(?P<text>[^`]*)`\]\((?P<href>[^)]*)\)$")


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
