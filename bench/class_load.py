"""A live class over Streamlit's own websocket protocol (bench/server_load.py --class N):
a teacher and N students, two rounds of one question, no browser.

The teacher opens "Teach a class", clicks "Create a class" (a button's trigger value, as
the browser sends it), reads the code and key from the teacher link on the page, and
asks the lesson's first prediction. Each student opens the student link (/join?class=)
and, at a random moment within --window seconds, does what the browser does when the
class panel's run_every timer fires (a rerun of that fragment alone), then picks an
answer (the radio's new value, a rerun of the fragment). A vote counts as acknowledged
when the panel's rerun shows "Your answer is in"; it is timed from the pick to the end
of that rerun. Then the teacher clicks "Vote again" and round 2 runs the same way.

With --restart, the server is stopped after round 1 and started again on the same port
and database: every browser has lost its session, so each student reopens the student
link and the teacher the teacher link (a new session each; votes are per session).

At the end the database itself is read (dashboard.class_store.tally, with the key):
each round's counts per choice must equal the acknowledged votes, each exactly once.
"""

from __future__ import annotations

import asyncio
import math
import os
import random
import secrets
import shutil
import tempfile
import time
from argparse import ArgumentParser, Namespace
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from streamlit.proto.WidgetStates_pb2 import WidgetState

from dashboard import class_live, class_store, class_student, ui
from tests import pgcluster
from tests.e2e import appdriver

ROOT = Path(__file__).resolve().parents[1]

ACK = "Your answer is in"
REFRESH_SECONDS = class_student.REFRESH_SECONDS
LIVE_SECONDS = class_live.LIVE_SECONDS


@dataclass
class Round:
    seconds: list[float] = field(default_factory=list)  # pick -> acknowledged rerun done
    acked: dict[int, str] = field(default_factory=dict)  # student -> the option acknowledged
    refreshes: list[float] = field(default_factory=list)  # run_every reruns of the panels
    errors: list[str] = field(default_factory=list)


def elements(session, kind: str) -> list:
    """The session's last run's elements of one type (e.g. "button", "radio")."""
    return [(f, el) for f, el in session.elements if el.WhichOneof("type") == kind]


def button_id(session, label: str) -> str:
    found = [el.button.id for _, el in elements(session, "button") if el.button.label == label]
    if not found:
        labels = [el.button.label for _, el in elements(session, "button")]
        raise LookupError(f"no button {label!r} on the page; buttons: {labels}")
    return found[0]


async def click(session, path: str, label: str) -> float:
    state = WidgetState(id=button_id(session, label), trigger_value=True)
    return await session.run(path, "widget", widgets=(state,))


def texts(session) -> str:
    out = []
    for _, el in session.elements:
        kind = el.WhichOneof("type")
        if kind == "markdown":
            out.append(el.markdown.body)
        elif kind == "alert":
            out.append(el.alert.body)
    return "\n".join(out)


async def teacher_signs_in(session, link_query: str | None) -> tuple[str, str]:
    """A class made (or reopened from its teacher link); (code, key)."""
    await session.run("teach", "link", link_query or "")
    if link_query is None:
        await click(session, "teach", "Create a class")
        link = next(el.code.code_text for _, el in elements(session, "code"))
        query = link.split("?", 1)[1]
    else:
        query = link_query
    params = dict(p.split("=", 1) for p in query.split("&"))
    return params["class"], params["key"]


def fragment_of(session) -> str:
    """The id of the fragment the session's page shows (the class panel on the Join
    page, the live answers on the teacher's page), from its last run's elements."""
    found = [f for f, _ in session.elements if f]
    if not found:
        raise LookupError(f"no fragment on the page: {texts(session)[-200:]!r}")
    return found[0]


async def refresh(session, path: str, result: Round) -> None:
    """What the browser does when the fragment's run_every timer fires."""
    fragment = session.fragment or fragment_of(session)
    session.fragment = fragment
    result.refreshes.append(await session.run(path, "widget", fragment=fragment))


async def vote(session, i: int, choice: int, result: Round) -> None:
    """Pick a choice in the class panel (its radio), as a tap does; check the ack."""
    radios = elements(session, "radio")
    if not radios:
        await refresh(session, "join", result)
        radios = elements(session, "radio")
    if not radios:
        raise LookupError(f"no question in the class panel: {texts(session)[-200:]!r}")
    fragment, radio = radios[-1]
    option = radio.radio.options[choice % len(radio.radio.options)]
    state = WidgetState(id=radio.radio.id, string_value=option)
    seconds = await session.run("join", "widget", widgets=(state,), fragment=fragment)
    if ACK not in "\n".join(el.markdown.body for _, el in elements(session, "markdown")):
        raise LookupError(f"not acknowledged: {texts(session)[-200:]!r}")
    result.seconds.append(seconds)
    result.acked[i] = option


async def student(session, i: int, choice: int, delay: float, window: float, result: Round):
    """A student through one round: the panel refreshes every REFRESH_SECONDS (from a
    random phase) as the browser's timer makes it, and the student picks at `delay`, or
    at the first refresh after it (a student answers what the panel shows: after "vote
    again", round 2 appears at the panel's next refresh)."""
    rng, start = random.Random(i), time.monotonic()
    tick = start + rng.uniform(0, REFRESH_SECONDS)
    seen = voted = False
    try:
        while time.monotonic() < start + window + REFRESH_SECONDS:
            if seen and not voted and start + delay <= tick:
                await asyncio.sleep(max(0.0, start + delay - time.monotonic()))
                await vote(session, i, choice, result)
                voted = True
                continue
            await asyncio.sleep(max(0.0, tick - time.monotonic()))
            await refresh(session, "join", result)
            seen, tick = True, tick + REFRESH_SECONDS
    except Exception as e:
        result.errors.append(f"student {i}: {type(e).__name__}: {e}"[:200])


async def teacher_watches(session, until: float, result: Round) -> None:
    """The teacher's live answers, refreshing every LIVE_SECONDS."""
    while time.monotonic() < until:
        await asyncio.sleep(LIVE_SECONDS)
        await refresh(session, "teach", result)


async def students_join(new_session, code: str, n: int) -> list:
    sessions = []
    for _ in range(n):
        s = new_session()
        await s.run("join", "link", f"class={code}")
        if "Class " not in texts(s):
            raise LookupError(f"a student could not join: {texts(s)[-200:]!r}")
        sessions.append(s)
    return sessions


async def a_round(teacher, sessions: list, window: float, seed: int) -> Round:
    result, rng = Round(), random.Random(seed)
    students = [
        student(s, i, rng.randrange(4), rng.uniform(0, window), window, result)
        for i, s in enumerate(sessions)
    ]
    until = time.monotonic() + window + REFRESH_SECONDS
    await asyncio.gather(*students, teacher_watches(teacher, until, result))
    return result


async def run_class(
    new_session: Callable[[], object],
    n: int,
    window: float,
    restart: Callable[[], Awaitable[None]] | None,
    database_url: str,
) -> tuple[list[Round], bool]:
    """The scenario; returns the rounds and whether the database holds exactly the
    acknowledged votes."""
    teacher = new_session()
    code, key = await teacher_signs_in(teacher, None)
    await click(teacher, "teach", "Ask the class")
    students = await students_join(new_session, code, n)
    first = await a_round(teacher, students, window, seed=1)
    if restart is not None:
        for s in (teacher, *students):
            await s.close()
        await restart()
        teacher = new_session()
        await teacher_signs_in(teacher, f"class={code}&key={key}")
        students = await students_join(new_session, code, n)
    await teacher.run("teach", "widget")  # the whole page: the live panel's buttons
    await click(teacher, "teach", "Vote again")
    teacher.fragment = ""
    second = await a_round(teacher, students, window, seed=2)
    for s in (teacher, *students):
        await s.close()
    return [first, second], counted_once(database_url, code, key, [first, second])


def counted_once(database_url: str, code: str, key: str, rounds: list[Round]) -> bool:
    """Does the database hold each round's acknowledged votes, each exactly once?"""
    engine = class_store.prepare_engine(sa.create_engine(database_url))
    try:
        state = class_store.class_state(engine, code, time.time())
        tally = class_store.tally(engine, code, key, 1, time.time())
    finally:
        engine.dispose()
    choice_of = {ui.plain(text): c for c, text in state.question.choices}  # as the radio shows
    ok = True
    for round_no, r in enumerate(rounds, start=1):
        expected = dict(Counter(choice_of[option] for option in r.acked.values()))
        found = tally.counts.get(round_no, {})
        print(f"round {round_no}: in the database {dict(sorted(found.items()))}, "
              f"acknowledged {dict(sorted(expected.items()))}")  # fmt: skip
        ok = ok and found == expected
    return ok


def add_arguments(parser: ArgumentParser) -> None:
    """server_load.py's options for a class."""
    parser.add_argument(
        "--class", dest="class_students", type=int, default=0, metavar="N",
        help="instead: a live class, a teacher and N students, two rounds (bench/class_load.py)",
    )  # fmt: skip
    parser.add_argument("--window", type=float, default=10, help="--class: s to answer in")
    parser.add_argument("--restart", action="store_true", help="--class: restart between rounds")
    parser.add_argument("--postgres", action="store_true", help="--class: a PostgreSQL database")


def p50_p95_max(values: list[float]) -> str:
    if not values:
        return "no votes"
    s = sorted(values)
    pick = [s[max(0, math.ceil(q * len(s)) - 1)] for q in (0.5, 0.95)]
    return f"p50 {pick[0]:.2f} s, p95 {pick[1]:.2f} s, max {s[-1]:.2f} s"


def _database(folder: Path, postgres: bool) -> tuple[str, tuple[str, ...], Path | None]:
    """(the class database's URL, streamlit's extra arguments, the PostgreSQL folder)."""
    if not postgres:
        return f"sqlite:///{folder / 'data' / 'classes.sqlite3'}", (), None
    cluster = Path(tempfile.gettempdir()) / f"bp-class-load-pg-{secrets.token_hex(4)}"
    url = pgcluster.start(cluster)
    config = folder / "secrets.toml"
    config.write_text(f'[connections.classes]\nurl = "{url}"\n')
    config.chmod(0o600)
    return url, ("--secrets.files", str(config)), cluster


def main(args: Namespace, new_session: Callable[[str, Any], object], stats: Any) -> int:
    """Start a server of our own (a throwaway SQLite or PostgreSQL class database), run
    the class, print the figures; 1 if anything failed or p95 of a vote is 1 s or more."""
    folder = Path(tempfile.mkdtemp(prefix="bp-class-load-"))
    os.environ["BACKPROP_DATA_DIR"] = str(folder / "data")
    database_url, extra, cluster = _database(folder, args.postgres)
    port = appdriver.free_port()
    base, log = f"http://127.0.0.1:{port}", ROOT / "test-output" / "class-load-server.log"
    server = [appdriver.start_app(port, log, extra)]

    async def restart() -> None:
        appdriver.stop_app(server[0])
        started = time.monotonic()
        server[0] = appdriver.start_app(port, log.with_suffix(".restarted.log"), extra)
        await asyncio.to_thread(appdriver.wait_healthy, base, server[0])
        print(f"server restarted between the rounds in {time.monotonic() - started:.1f} s")

    kind = "PostgreSQL (a throwaway cluster)" if cluster else "SQLite"
    restarted = ", server restarted between them" if args.restart else ""
    print(f"class load: 1 teacher, {args.class_students} students answering within "
          f"{args.window:g} s, two rounds{restarted}; class database: {kind}; "
          f"server {base}", flush=True)  # fmt: skip
    try:
        appdriver.wait_healthy(base, server[0])
        rounds, once = asyncio.run(
            run_class(
                lambda: new_session(base, stats),
                args.class_students,
                args.window,
                restart if args.restart else None,
                database_url,
            )
        )
    finally:
        appdriver.stop_app(server[0])
        if cluster is not None:
            pgcluster.stop(cluster)
        shutil.rmtree(folder, ignore_errors=True)
    errors = [e for r in rounds for e in r.errors] + [f"{k}: {d}" for k, d in stats.errors]
    for n, r in enumerate(rounds, start=1):
        print(f"round {n}: {len(r.acked)} of {args.class_students} votes acknowledged; "
              f"seconds from a pick to its acknowledgement: {p50_p95_max(r.seconds)}; "
              f"{len(r.refreshes)} panel refreshes: {p50_p95_max(r.refreshes)}")  # fmt: skip
    every = [s for r in rounds for s in r.seconds]
    print(f"all votes: {p50_p95_max(every)}")
    print(f"errors: {len(errors) or 'none'}" + "".join(f"\n  {e}" for e in errors[:5]))
    print(f"every acknowledged vote in the database exactly once: {'yes' if once else 'NO'}")
    slow = bool(every) and sorted(every)[max(0, math.ceil(0.95 * len(every)) - 1)] >= 1.0
    return 1 if errors or not once or slow or len(every) < 2 * args.class_students else 0
