"""The app's pages as plain data, shared by app.py (st.navigation), the pages and the tests."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

PAGES_DIR = Path(__file__).resolve().parent / "app_pages"


@dataclass(frozen=True)
class PageInfo:
    """One page: its script in app_pages/, title, URL path (unique) and icon."""

    file: str
    title: str
    url_path: str
    icon: str

    @property
    def path(self) -> Path:
        return PAGES_DIR / self.file

    @property
    def link_target(self) -> str:
        """The page as st.page_link wants it: a path relative to dashboard/app.py."""
        return f"{PAGES_DIR.name}/{self.file}"


PAGES: tuple[PageInfo, ...] = (
    PageInfo("home.py", "Home", "home", ":material/home:"),
    PageInfo("lesson.py", "Follow the article", "lesson", ":material/route:"),
    PageInfo("worked_example.py", "Worked example", "worked-example", ":material/calculate:"),
    PageInfo("update_sizes.py", "Update sizes", "update-sizes", ":material/bar_chart:"),
    PageInfo("vanishing_lab.py", "Vanishing-gradient lab", "vanishing-lab", ":material/science:"),
    PageInfo("training_lab.py", "Training lab", "training-lab", ":material/model_training:"),
    PageInfo("myths.py", "Myths and measurements", "myths", ":material/fact_check:"),
    PageInfo("glossary.py", "Glossary", "glossary", ":material/menu_book:"),
    PageInfo("join.py", "Join a class", "join", ":material/login:"),
    PageInfo("teach.py", "Teach a class", "teach", ":material/groups:"),
)


def page(file: str) -> PageInfo:
    """The registered page whose script is app_pages/<file>."""
    for info in PAGES:
        if info.file == file:
            return info
    raise KeyError(f"no page {file!r}; pages are {', '.join(p.file for p in PAGES)}")
