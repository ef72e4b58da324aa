"""A whole class in real headless Chromium: a teacher's browser and three students' phones
against one server. The teacher makes a class and asks the lesson's first prediction;
the students open the student link and answer; the teacher's live chart counts them by
itself; vote again; reveal; the shift between the rounds; the results CSV. A student who
moves to another page keeps the class panel, and a reload there keeps it as the same
voter; a teacher's reload names the class; the teacher link opens the class in a fresh
browser and leaves the address bar without its key.

The generic page checks (themes, phone, hostile URLs) cover both class pages too, as
pages of dashboard.navigation.PAGES (tests/e2e/test_browser.py).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from dashboard.class_questions import stop_label
from dashboard.content.lesson import STOPS, asked
from dashboard.content.lesson_facts import Facts
from dashboard.navigation import page as page_info
from tests.e2e import appdriver
from tests.e2e.test_browser import exception_report, exceptions_on, goto_drawn, open_page

pytestmark = pytest.mark.browser

TEACH, JOIN = page_info("teach.py"), page_info("join.py")
PANEL = ".st-key-class_panel"
WAIT_MS = 20_000  # a panel refreshes every 4 s, the teacher's every 3 s
METRIC_IS = """n => {
  const m = document.querySelector('[data-testid="stMetricValue"]');
  return !!m && m.innerText.trim() === n;
}"""


def first_stop():
    """The stop the teacher's lesson picker opens on: the lesson's first with questions."""
    return next(s for s in STOPS if s.questions)


def first_question():
    """The question the teacher's "Ask the class" puts first: the lesson's first stop."""
    return next(iter(asked(first_stop(), Facts())))


def vote(page, choice: int) -> None:
    page.locator(f'{PANEL} [data-testid="stRadioOption"]').nth(choice).click()
    page.locator(PANEL).get_by_text("Your answer is in").wait_for(timeout=WAIT_MS)


def follow_panel_link(page, tries: int = 5) -> None:
    """Click the panel's link until the page moves: the panel redraws itself every few
    seconds, and a click that lands while it redraws hits a link about to be replaced."""
    path = urlsplit(page.url).path
    for _ in range(tries):
        page.locator(PANEL).get_by_role("link").first.click()
        try:
            page.wait_for_function("p => location.pathname !== p", arg=path, timeout=WAIT_MS)
            return
        except PlaywrightTimeout:
            continue
    raise AssertionError(f"the class panel's link never left {path} in {tries} clicks")


def wait_for_text(page, text: str, where: str = "body") -> None:
    page.locator(where).get_by_text(text, exact=False).first.wait_for(timeout=WAIT_MS)


def test_a_class_votes_twice_and_the_teacher_downloads_the_results(
    warm_app: str, browser, server_log: Path, screenshot_dir: Path
) -> None:
    q = first_question()
    ids = [c for c, _ in q.choices]
    right, wrong = ids.index(q.correct), next(i for i, c in enumerate(ids) if c != q.correct)
    with (
        open_page(browser) as (teacher, teacher_errors),
        open_page(browser, "dark", "phone") as (s1, e1),
        open_page(browser, "light", "phone") as (s2, e2),
        open_page(browser, "dark", "phone") as (s3, e3),
    ):
        students = (s1, s2, s3)
        goto_drawn(teacher, appdriver.page_url(warm_app, TEACH))
        teacher.get_by_role("button", name="Create a class").click()
        link = teacher.locator('[data-testid="stCode"]').first
        link.wait_for(timeout=WAIT_MS)
        teacher_link = link.inner_text().strip()
        code = parse_qs(urlsplit(teacher_link).query)["class"][0]
        teacher.get_by_role("button", name="Ask the class").first.click()
        wait_for_text(teacher, "Question 1, round 1")

        for s in students:
            goto_drawn(s, f"{appdriver.page_url(warm_app, JOIN)}?class={code}")
            wait_for_text(s, q.text, PANEL)
        vote(s1, wrong)
        vote(s2, wrong)
        vote(s3, right)
        teacher.wait_for_function(METRIC_IS, arg="3", timeout=WAIT_MS)  # by itself: no click
        assert teacher.locator('[data-testid="stPlotlyChart"] .main-svg').count() >= 1

        teacher.get_by_role("button", name="Vote again").click()
        for s in students:
            wait_for_text(s, "vote again", PANEL)
            vote(s, right)
        wait_for_text(teacher, "Between the rounds")
        assert teacher.get_by_text("Right answers").count() == 0, "not before the reveal"
        teacher.get_by_role("button", name="Reveal the answer").click()
        wait_for_text(teacher, "Right answers: 1 of 3 (33%) in round 1, 3 of 3 (100%) in round 2")
        for s in students:
            wait_for_text(s, "You got it", PANEL)
        s1.locator(PANEL).get_by_role("link").first.wait_for(timeout=WAIT_MS)
        teacher.screenshot(path=str(screenshot_dir / "class-teacher.png"), full_page=True)
        s1.screenshot(path=str(screenshot_dir / "class-student.png"), full_page=True)

        with teacher.expect_download(timeout=WAIT_MS) as download:
            teacher.get_by_role("button", name="Download the class's results (CSV)").click()
        raw = Path(download.value.path()).read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf"), "a byte-order mark, for Excel"
        rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
        votes = {(r["round"], r["choice"]): int(r["votes"]) for r in rows}
        assert votes[("1", q.correct)] == 1 and votes[("1", ids[wrong])] == 2
        assert votes[("2", q.correct)] == 3 and sum(votes.values()) == 6
        assert {r["question_text"] for r in rows} == {q.text}
        assert {r["from_lesson"] for r in rows} == {f"Stop {stop_label(first_stop())}"}

        # A student follows the panel's link to the view that shows the answer: another
        # page of the app, in the same session, and the panel is still above it.
        follow_panel_link(s2)
        wait_for_text(s2, "You got it", PANEL)
        assert JOIN.title not in s2.locator("h1").first.inner_text()

        # A reload there (a phone that dropped the tab) is a new session: the address
        # kept the class and the voter token, so it is back in as the same voter.
        s2.wait_for_function(
            "() => new URL(location.href).searchParams.has('voter')", timeout=WAIT_MS
        )  # Streamlit writes the address once the new page's run is over
        seat = parse_qs(urlsplit(s2.url).query)
        assert seat["class"] == [code] and len(seat["voter"][0]) == 22, s2.url
        s2.reload()
        wait_for_text(s2, "You got it", PANEL)  # its answer, from the database
        share = s2.locator('[data-testid="stSidebar"]').get_by_text("Share this view")
        if share.count():
            assert "voter=" not in s2.locator('[data-testid="stSidebar"]').inner_text()

        teacher.reload()  # F5: the key is gone from the address, the code is not
        wait_for_text(teacher, f"This is class {code[:3]}-{code[3:]}")

        for page, errors in ((teacher, teacher_errors), (s1, e1), (s2, e2), (s3, e3)):
            assert exceptions_on(page) == [], exception_report(page, server_log)
            assert errors == []

    with open_page(browser) as (again, errors):  # the teacher link, in another browser
        goto_drawn(again, teacher_link)
        wait_for_text(again, "Live answers")
        assert "key" not in parse_qs(urlsplit(again.url).query), "the key left the address bar"
        assert errors == []


def test_uploaded_points_reopen_from_the_share_link(
    warm_app: str, browser, server_log: Path, tmp_path: Path
) -> None:
    """A student uploads a CSV in the training lab; the address bar then names the data,
    and that link opens the same points in a classmate's fresh browser. A bad file is
    refused with its reason."""
    lab = appdriver.page_url(warm_app, page_info("training_lab.py"))
    small = "?steps=40&depth=2&width=4&variants=Plain+ReLU&batch=16"
    good, bad = tmp_path / "points.csv", tmp_path / "bad.csv"
    good.write_text("x1,x2,label\n" + "".join(f"{i / 10},{(-1) ** i},{i % 2}\n" for i in range(30)))
    bad.write_text("x1;x2;label\n1,5;2,5;0\n")
    with open_page(browser) as (page, errors):
        goto_drawn(page, lab + small)
        page.get_by_text("Your own data").first.click()
        upload = page.locator('[data-testid="stFileUploaderDropzoneInput"]')
        upload.set_input_files(str(bad))
        wait_for_text(page, "separated by semicolons")
        upload.set_input_files(str(good))
        page.wait_for_function("() => new URL(location.href).searchParams.has('data')")
        wait_for_text(page, "Training on your own data: 30 points")
        shared = page.url
        assert exceptions_on(page) == [], exception_report(page, server_log)
        assert errors == []
    with open_page(browser, "dark", "phone") as (classmate, errors):
        goto_drawn(classmate, shared)
        wait_for_text(classmate, "Training on your own data: 30 points")
        assert exceptions_on(classmate) == [], exception_report(classmate, server_log)
        assert errors == []
