"""Hostile query strings never break a page nor reach it as raw HTML (AppTest + hypothesis).

Every page in dashboard.navigation.PAGES gets random query strings: its own widget keys
(found by running the page at its defaults) and random ones, with huge numbers, nan/inf,
unicode, very long values, HTML and JavaScript payloads and repeated keys. Each must run
without an exception, on the page asked for, and no element that renders raw HTML
(st.markdown(unsafe_allow_html=True), st.html) may carry a payload or script markup.
The same payloads are opened in a real browser by tests/e2e/test_browser.py.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Html, Markdown, Widget
from streamlit.testing.v1.util import patch_config_options

from core.checkpoints import CHECKPOINT_COUNT
from dashboard import training_playback, worked_training
from dashboard.navigation import PAGES, PageInfo
from dashboard.ui import url_text
from tests.share import APPTEST_TIMEOUT

APP = str(Path(__file__).resolve().parents[1] / "dashboard" / "app.py")
EXAMPLES_PER_PAGE = 8  # with the sweep below: about 40 s for six pages
TIMEOUT = APPTEST_TIMEOUT

HTML_PAYLOADS = (
    "<script>window.__pwned=1</script>",
    '<img src=x onerror="window.__pwned=1">',
    "javascript:alert(1)",
    '"><svg onload=alert(1)>',
    "[click](javascript:alert(1))",
    "<iframe src=javascript:alert(1)></iframe>",
    "</textarea><b>bold</b>",
    "{{7*7}}${7*7}<%= 7*7 %>",
    "__import__('os').system('id')",
)
ODD_NUMBERS = (
    "nan", "NaN", "-nan", "inf", "-inf", "Infinity", "1e308", "-1e308", "1e309",
    "1e-320", "5e-324", "0", "-0", "00", "-1", "0.0", "1e400", "9" * 400, "", " ",
    "true", "false", "None", "null", "[]", "{}", "0x1F", "1_000", "1,5", "١٢٣", "½",
    "%00", "\x00", "\u202e", "𝟙𝟚",
)  # fmt: skip
# Parameter names a page might read with st.query_params besides its widget keys.
ODD_KEYS = (
    "page", "embed", "embed_options", "theme", "__proto__", "", " ", "key[]",
    "msg", "q", "title", "name", "text", "label", "url", "next", "preset", "lang",
)  # fmt: skip
MARKUP = ("<script", "onerror=", "onload=", "javascript:", "<iframe")

values = st.one_of(
    st.sampled_from(ODD_NUMBERS),
    st.sampled_from(HTML_PAYLOADS),
    st.integers(-(10**30), 10**30).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.text(max_size=40),
    st.builds(
        lambda piece, n: piece * n,
        st.sampled_from(["9", "a", "é", "<b>", "-"]),
        st.integers(1_000, 20_000),
    ),
)


@functools.cache
def page_keys(info: PageInfo) -> tuple[str, ...]:
    """The keys of the widgets a page shows at its defaults (its URL parameters)."""
    at = open_page(info, {})
    assert not at.exception, f"{info.url_path} fails at its defaults: {at.exception}"
    return tuple(
        sorted({n.key for n in (*at.main, *at.sidebar) if isinstance(n, Widget) and n.key})
    )


def open_page(info: PageInfo, query: dict[str, str | list[str]]) -> AppTest:
    """Start the app, switch to the page, and run it with the given query parameters."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    # config.toml hides error details from visitors; a failing test needs them
    with patch_config_options({"client.showErrorDetails": "full"}):
        at.run()
        at.switch_page(f"app_pages/{info.file}")
        at.query_params = dict(query)
        return at.run()


def current_script(at: AppTest) -> Path:
    """The page script the last run finished on (AppTest keeps it in private state)."""
    info = at._registered_pages[at._finished_page_script_hash]
    return Path(str(info["script_path"])).resolve()


def queries(keys: tuple[str, ...]) -> st.SearchStrategy[dict[str, str | list[str]]]:
    key = st.one_of(
        *([st.sampled_from(keys)] if keys else []),
        st.sampled_from(ODD_KEYS),
        st.text(min_size=1, max_size=20),
    )
    return st.dictionaries(
        key, st.one_of(values, st.lists(values, min_size=2, max_size=3)), max_size=6
    )


# The app's own scripts, exactly as it writes them (the keys of the training lab's and the
# worked example's playbacks): a payload that reached one would change it.
OWN_SCRIPTS = {
    script(n)
    for n in range(1, CHECKPOINT_COUNT + 1)
    for script in (
        lambda n: training_playback.script(n, training_playback.CHART_KEY),
        worked_training.playback_script,
    )
}


def raw_html_bodies(at: AppTest) -> list[str]:
    """Bodies of every element the frontend renders as HTML rather than as text, but for
    the app's own scripts (OWN_SCRIPTS)."""
    bodies = []
    for node in (*at.main, *at.sidebar):
        if isinstance(node, Html) or (isinstance(node, Markdown) and node.proto.allow_html):
            bodies.append(node.value)
    return [b for b in bodies if b not in OWN_SCRIPTS]


def check_page(info: PageInfo, at: AppTest, query: dict[str, str | list[str]]) -> None:
    """No exception, still on the page asked for, something rendered, no raw HTML payload."""
    shown = "&".join(f"{k}={str(v)[:40]}" for k, v in query.items())
    assert not at.exception, (
        f"{info.url_path}?{shown} raised: {at.exception[0].value}\n"
        + "\n".join(at.exception[0].stack_trace)
    )
    assert current_script(at) == info.path.resolve(), "the run did not end on the page asked for"
    assert len(at.main) > 0, "the page rendered nothing"

    sent = [v for vs in query.values() for v in (vs if isinstance(vs, list) else [vs])]
    for body in raw_html_bodies(at):
        low = body.lower()
        assert not any(m in low for m in MARKUP), f"markup in raw HTML: {body[:300]!r}"
        for value in sent:
            if "<" in value and len(value) >= 6:
                assert value not in body, f"query value {value[:80]!r} rendered as raw HTML"


SWEEP = (
    *HTML_PAYLOADS[:5],
    "<iframe src=javascript:alert(1)></iframe>{{7*7}}__import__('os').system('id')",
    "nan",
    "-inf",
    "1e308",
    "",
    "9" * 5000,
)


@pytest.mark.parametrize("info", PAGES, ids=lambda p: p.url_path)
def test_every_parameter_meets_every_payload(info: PageInfo) -> None:
    """Deterministic sweep: each widget key and each likely name gets each payload once."""
    names = [*page_keys(info), *ODD_KEYS]
    for shift in range(len(SWEEP)):
        query = {k: SWEEP[(i + shift) % len(SWEEP)] for i, k in enumerate(names)}
        check_page(info, open_page(info, query), query)


@pytest.mark.parametrize("info", PAGES, ids=lambda p: p.url_path)
@settings(
    max_examples=EXAMPLES_PER_PAGE,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_hostile_query_string_never_breaks_a_page(info: PageInfo, data) -> None:
    query = data.draw(queries(page_keys(info)), label="query")
    check_page(info, open_page(info, query), query)


ALLOWED = re.compile(
    r"Allowed: a (?:whole )?number (?:from|above) (\S+) (?:to|and at most) (\S+?)\."
)


@functools.cache
def number_fields(info: PageInfo) -> dict[str, tuple[float, float, float]]:
    """Each number field's (lowest, highest) allowed, read from its help ("Allowed: ..."),
    and its value at the page's defaults."""
    at = open_page(info, {})
    out = {}
    for field in at.number_input:
        match = ALLOWED.search(field.help or "")
        if field.key and match:
            out[field.key] = (float(match[1]), float(match[2]), float(field.value))
    return out


def shared_number_keys() -> list[tuple[PageInfo, PageInfo, tuple[str, ...]]]:
    pairs = []
    for first in PAGES:
        for then in PAGES:
            shared = set(number_fields(first)) & set(number_fields(then))
            if first != then and shared:
                pairs.append((first, then, tuple(sorted(shared))))
    return pairs


@pytest.mark.parametrize("extreme", [0, 1], ids=["lowest", "highest"])
def test_a_value_set_on_one_page_never_follows_its_key_to_another(extreme: int) -> None:
    """Pages reuse keys with their own meaning and range (depth: up to 1000 in the
    vanishing lab, 200 on Update sizes; n: training steps or data points). Each page at
    its extremes, then a sidebar click to every page sharing a key: that page starts from
    its own default, with no exception, no refusal message about a value nobody typed
    there, and no endless refuse-and-rerun (AppTest times out on one)."""
    pairs = shared_number_keys()
    assert pairs, "no two pages share a number key: this test checks nothing"
    for first, then, keys in pairs:
        query = {k: url_text(number_fields(first)[k][extreme]) for k in keys}
        at = open_page(first, query)
        assert not at.exception, f"{first.url_path}?{query}: {at.exception}"
        at.switch_page(f"app_pages/{then.file}")
        at.run()
        where = f"{first.url_path}?{query}, then {then.url_path}"
        assert not at.exception, f"{where}: {at.exception}"
        assert not [w.value for w in at.warning if "not allowed" in w.value], where
        for key in keys:
            assert at.number_input(key=key).value == number_fields(then)[key][2], (where, key)
