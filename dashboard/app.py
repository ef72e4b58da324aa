"""Entrypoint and router: `streamlit run dashboard/app.py`."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # streamlit only puts dashboard/ on the path
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402

from dashboard import class_student, compute, ui  # noqa: E402
from dashboard.navigation import PAGES  # noqa: E402

st.set_page_config(
    page_title="Backprop, by hand",
    # A file in the repository: a ":material/...:" icon would make every browser fetch
    # the favicon from fonts.gstatic.com, which fails offline (a classroom without
    # internet) and is the app's only request to another host.
    page_icon=str(ROOT / "dashboard" / "favicon.png"),
    layout="wide",
    menu_items={"About": "Backprop, by hand: every number computed live by a small numpy engine."},
)

# The default page is served at "/". Streamlit would answer its url_path with "Page not
# found", so that path goes to a hidden page that sends the visitor (a typed /home) to
# "/"; the default page's own url_path only names it internally.
pages = [
    st.Page(
        p.path,
        title=p.title,
        url_path=f"{p.url_path}-default" if i == 0 else p.url_path,
        icon=p.icon,
        default=i == 0,
    )
    for i, p in enumerate(PAGES)
]


def _to_default_page() -> None:
    st.switch_page(pages[0], query_params=st.query_params.to_dict())


pages.append(st.Page(_to_default_page, url_path=PAGES[0].url_path, visibility="hidden"))
current = st.navigation(pages)
ui.on_page(current.title)  # controls forget values other pages left under the same keys
ui.page_style()  # contrast, wide tables and keyboard focus, on every page
compute.worker_pool()  # the server's one pool, started on the first run: none need wait
# The class's question, above every page, once this session joined a class. Drawn after
# the page, so that a class joined on this run (the Join page) shows at once.
class_panel = st.container()
current.run()
with class_panel:
    class_student.banner()
