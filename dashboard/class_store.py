"""Every SQL statement of class mode, for SQLite and PostgreSQL alike (DESIGN.md: all SQL
in one module). No streamlit here: functions take a SQLAlchemy Engine (the one that
st.connection("classes", type="sql") holds, see dashboard/class_db.py) and plain values,
so tests run them against both databases directly.

Tables (schema version SCHEMA_VERSION, created on first use by ensure_schema):
- bp_schema     the version, one row
- bp_classes    code, key_hash (SHA-256 of the teacher key), times, the question on
                screen (current_qid), its round (1 or 2) and whether it is revealed
- bp_questions  each question a class was asked: text, choices (JSON), right choice
                (or none), the explanation, the lesson question's id if it is one
- bp_votes      one row per (class, question, round, voter): the choice. voter is a
                random token per browser tab (class_keys.new_voter, kept in the tab's
                address, so a reload votes as the same voter); nothing personal is stored
- bp_datasets   uploaded points by content digest (core.points), as canonical CSV text

Bounds: MAX_CLASSES live classes, MAX_QUESTIONS per class, MAX_VOTERS per question and
round (so at most MAX_QUESTIONS * 2 * MAX_VOTERS votes per class), MAX_DATASETS data
sets. Classes and data sets expire TTL_SECONDS after they were made or stored; expired
rows are deleted whenever a class is made or data is stored, and never read.

Each public function runs in one transaction of its own: it is called with an Engine in
place of its first parameter, the transaction's connection (see _transactional). Every
teacher operation takes the key and checks it in that transaction (WrongKey); a vote is
acknowledged (the function returns) only after its transaction committed.
Database failures (down, locked past the busy timeout, misconfigured) raise StoreDown,
whose message never holds the database's address or the driver's text.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Concatenate, ParamSpec, TypeVar

import sqlalchemy as sa
from sqlalchemy import event, exc

from dashboard.class_keys import key_matches
from dashboard.class_model import ClassState, Question, Refusal, StoreDown, Tally, WrongKey

T = TypeVar("T")
P = ParamSpec("P")
SCHEMA_VERSION = 1
TTL_SECONDS = 7 * 24 * 3600
MAX_CLASSES = 2000
MAX_QUESTIONS = 40
MAX_VOTERS = 400
MAX_DATASETS = 1000
BUSY_TIMEOUT_MS = 5000  # SQLite: how long a writer waits for the lock before "locked"
CONNECT_TIMEOUT_S = 5  # PostgreSQL: how long a connection attempt may take
_PG_SCHEMA_LOCK = 727_011  # pg_advisory_xact_lock id: one replica migrates at a time
_TIME = "DOUBLE PRECISION NOT NULL"  # epoch seconds
_MIGRATIONS: dict[int, tuple[str, ...]] = {
    1: (
        "CREATE TABLE bp_classes (code VARCHAR(8) PRIMARY KEY, key_hash VARCHAR(64) NOT NULL, "
        f"created_at {_TIME}, expires_at {_TIME}, touched_at {_TIME}, current_qid INTEGER, "
        "round_no INTEGER NOT NULL, revealed INTEGER NOT NULL, n_questions INTEGER NOT NULL)",
        "CREATE INDEX bp_classes_expiry ON bp_classes (expires_at)",
        "CREATE TABLE bp_questions (code VARCHAR(8) NOT NULL, qid INTEGER NOT NULL, "
        "lesson_id VARCHAR(64), text VARCHAR(2000) NOT NULL, choices TEXT NOT NULL, "
        f"correct VARCHAR(16), explain TEXT NOT NULL, asked_at {_TIME}, PRIMARY KEY (code, qid))",
        "CREATE TABLE bp_votes (code VARCHAR(8) NOT NULL, qid INTEGER NOT NULL, "
        "round_no INTEGER NOT NULL, voter VARCHAR(64) NOT NULL, choice VARCHAR(16) NOT NULL, "
        f"voted_at {_TIME}, PRIMARY KEY (code, qid, round_no, voter))",
        "CREATE TABLE bp_datasets (digest VARCHAR(64) PRIMARY KEY, points TEXT NOT NULL, "
        f"n_points INTEGER NOT NULL, stored_at {_TIME}, expires_at {_TIME})",
        "CREATE INDEX bp_datasets_expiry ON bp_datasets (expires_at)",
    ),
}
assert max(_MIGRATIONS) == SCHEMA_VERSION
_ROUND = "code = :code AND qid = :qid AND round_no = :round_no"  # one question's round


def _sql(conn: sa.Connection, statement: str, params: dict | None = None) -> sa.CursorResult:
    """One statement with named parameters (":name"); values never enter the SQL text."""
    return conn.execute(sa.text(statement), params or {})


# --- the engine and its transactions ------------------------------------------------------
def prepare_engine(engine: sa.Engine) -> sa.Engine:
    """Settings every connection needs (idempotent; call before first use).

    SQLite: write-ahead logging (readers never wait for the writer), a busy timeout,
    synchronous=FULL (a committed vote survives a power cut, not only a crash), and
    BEGIN IMMEDIATE: a transaction takes the write lock when it starts, so two writers
    queue on the busy timeout instead of one failing at once when it upgrades its read
    lock (SQLite's deferred default). PostgreSQL: a connection attempt gives up after
    CONNECT_TIMEOUT_S instead of hanging on an unreachable host.
    """
    if engine.dialect.name == "sqlite":
        if not event.contains(engine, "connect", _sqlite_connect):
            event.listen(engine, "connect", _sqlite_connect)
            event.listen(engine, "begin", _sqlite_begin)
    elif engine.dialect.name == "postgresql" and not event.contains(
        engine, "do_connect", _pg_connect
    ):
        event.listen(engine, "do_connect", _pg_connect)
    return engine


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # SQLAlchemy's "begin" event says BEGIN
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = FULL")
    cursor.close()


def _sqlite_begin(connection: sa.Connection) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def _pg_connect(_dialect: Any, _record: Any, _cargs: Any, cparams: dict) -> None:
    cparams.setdefault("connect_timeout", CONNECT_TIMEOUT_S)


@contextmanager
def _transaction(engine: sa.Engine) -> Iterator[sa.Connection]:
    """One transaction, committed when the block ends without an exception. Database
    errors become StoreDown with our own words: the driver's text may carry the host or
    user, and the address must never reach a page or a log."""
    try:
        with engine.begin() as conn:
            yield conn
    except exc.SQLAlchemyError as e:
        kind = type(getattr(e, "orig", None) or e).__name__
        down = StoreDown(f"the class database did not answer ({kind})")
        down.dead_connection = bool(getattr(e, "connection_invalidated", False))
        raise down from None


def _retrying(engine: sa.Engine, fn: Callable[[sa.Connection], T]) -> T:
    """fn(conn) in a transaction, tried once more if the first try failed on a dead pooled
    connection (the database restarted since): nothing of that try was committed."""
    try:
        with _transaction(engine) as conn:
            return fn(conn)
    except StoreDown as e:
        if not getattr(e, "dead_connection", False):
            raise
    with _transaction(engine) as conn:
        return fn(conn)


def _transactional(
    fn: Callable[Concatenate[sa.Connection, P], T],
) -> Callable[Concatenate[sa.Engine, P], T]:
    """fn(conn, ...) as f(engine, ...): the body runs in a transaction of its own."""

    @functools.wraps(fn)
    def run(engine: sa.Engine, *args: P.args, **kwargs: P.kwargs) -> T:
        return _retrying(engine, lambda conn: fn(conn, *args, **kwargs))

    return run


def ensure_schema(engine: sa.Engine) -> int:
    """Create or upgrade the tables to SCHEMA_VERSION; returns the version found before.
    StoreDown if the database holds a newer schema than this app knows."""
    prepare_engine(engine)

    def migrate(conn: sa.Connection) -> int:
        if engine.dialect.name == "postgresql":
            _sql(conn, "SELECT pg_advisory_xact_lock(:id)", {"id": _PG_SCHEMA_LOCK})
        _sql(conn, "CREATE TABLE IF NOT EXISTS bp_schema (version INTEGER NOT NULL)")
        found = _sql(conn, "SELECT MAX(version) FROM bp_schema").scalar() or 0
        if found > SCHEMA_VERSION:
            raise StoreDown(f"the class database has schema {found}, newer than this app's")
        for version in range(found + 1, SCHEMA_VERSION + 1):
            for statement in _MIGRATIONS[version]:
                _sql(conn, statement)
        if found < SCHEMA_VERSION:
            _sql(conn, "DELETE FROM bp_schema")
            _sql(conn, "INSERT INTO bp_schema VALUES (:v)", {"v": SCHEMA_VERSION})
        return found

    return _retrying(engine, migrate)


@_transactional
def ping(conn: sa.Connection) -> None:
    """StoreDown unless the database answers a trivial query."""
    _sql(conn, "SELECT 1").scalar()


# --- classes ------------------------------------------------------------------------------
@_transactional
def purge(conn: sa.Connection, now: float) -> None:
    """Delete expired classes (with their questions and votes) and data sets."""
    _purge(conn, now)


def _purge(conn: sa.Connection, now: float) -> None:
    old = "SELECT code FROM bp_classes WHERE expires_at <= :now"
    for table in ("bp_votes", "bp_questions"):
        _sql(conn, f"DELETE FROM {table} WHERE code IN ({old})", {"now": now})
    for table in ("bp_classes", "bp_datasets"):
        _sql(conn, f"DELETE FROM {table} WHERE expires_at <= :now", {"now": now})


@_transactional
def create_class(conn: sa.Connection, code: str, key_hash: str, now: float) -> bool:
    """Store a new class; False if the code is taken (pick another). Refusal when
    MAX_CLASSES live classes exist."""
    _purge(conn, now)
    if _sql(conn, "SELECT COUNT(*) FROM bp_classes").scalar() >= MAX_CLASSES:
        raise Refusal(
            f"This server already hosts {MAX_CLASSES} classes, its limit; one frees up when "
            "a class is a week old."
        )
    inserted = _sql(
        conn,
        "INSERT INTO bp_classes (code, key_hash, created_at, expires_at, touched_at, "
        "current_qid, round_no, revealed, n_questions) VALUES (:code, :hash, :now, :expires, "
        ":now, NULL, 1, 0, 0) ON CONFLICT (code) DO NOTHING",
        {"code": code, "hash": key_hash, "now": now, "expires": now + TTL_SECONDS},
    )
    return inserted.rowcount == 1


def _class_row(conn: sa.Connection, code: str, now: float) -> Any:
    return _sql(
        conn,
        "SELECT code, key_hash, expires_at, current_qid, round_no, revealed, n_questions "
        "FROM bp_classes WHERE code = :code AND expires_at > :now",
        {"code": code, "now": now},
    ).first()


def _question(conn: sa.Connection, code: str, qid: int | None) -> Question | None:
    row = _sql(
        conn,
        "SELECT qid, text, choices, correct, explain, lesson_id FROM bp_questions "
        "WHERE code = :code AND qid = :qid",
        {"code": code, "qid": qid},
    ).first()
    if row is None:
        return None
    choices = tuple((str(i), str(t)) for i, t in json.loads(row.choices))
    return Question(row.text, choices, row.correct, row.explain, row.lesson_id, row.qid)


@_transactional
def class_state(conn: sa.Connection, code: str, now: float) -> ClassState | None:
    """The class as everyone sees it now, or None if there is no such live class."""
    row = _class_row(conn, code, now)
    if row is None:
        return None
    question = _question(conn, code, row.current_qid)
    return ClassState(code, question, row.round_no, bool(row.revealed), row.expires_at)


def _locked_row(conn: sa.Connection, code: str, now: float) -> Any:
    """The live class's row, locked for this transaction (the UPDATE takes PostgreSQL's
    row lock, so concurrent votes are checked one after the other; SQLite's BEGIN
    IMMEDIATE already holds the database's write lock), or None."""
    _sql(
        conn,
        "UPDATE bp_classes SET touched_at = :now WHERE code = :code AND expires_at > :now",
        {"code": code, "now": now},
    )
    return _class_row(conn, code, now)


def _teacher_row(conn: sa.Connection, code: str, key: str, now: float) -> Any:
    """The class's locked row if key is its teacher's; else WrongKey."""
    row = _locked_row(conn, code, now)
    if row is None or not key_matches(key, row.key_hash):
        raise WrongKey("no class with this code and key")
    return row


# --- the teacher's operations (each checks the key) ---------------------------------------
@_transactional
def check_key(conn: sa.Connection, code: str, key: str, now: float) -> None:
    """WrongKey unless key is the teacher key of the live class code."""
    _teacher_row(conn, code, key, now)


@_transactional
def ask(
    conn: sa.Connection,
    code: str,
    key: str,
    now: float,
    question: Question,
) -> int:
    """Put a new question (qid 0) on screen, round 1, not revealed, and return its number
    in the class. Refusal past MAX_QUESTIONS. Texts are stored as given (the page bounded
    them) and escaped wherever they are shown."""
    if question.qid != 0:
        raise ValueError(f"question {question.qid} was asked already; ask a new one")
    row = _teacher_row(conn, code, key, now)
    if row.n_questions >= MAX_QUESTIONS:
        raise Refusal(
            f"This class has asked {MAX_QUESTIONS} questions, its limit: make a new class "
            "to ask more."
        )
    q, qid = question, row.n_questions + 1
    _sql(
        conn,
        "INSERT INTO bp_questions (code, qid, lesson_id, text, choices, correct, explain, "
        "asked_at) VALUES (:code, :qid, :lesson_id, :text, :choices, :correct, :explain, :now)",
        {
            **{"code": code, "qid": qid, "lesson_id": q.lesson_id, "text": q.text},
            **{"choices": json.dumps(q.choices), "correct": q.correct, "explain": q.explain},
            "now": now,
        },
    )
    _sql(
        conn,
        "UPDATE bp_classes SET current_qid = :qid, round_no = 1, revealed = 0, "
        "n_questions = :qid WHERE code = :code",
        {"code": code, "qid": qid},
    )
    return qid


@_transactional
def reveal(conn: sa.Connection, code: str, key: str, now: float) -> None:
    """Show everyone the answer to the question on screen; its round takes no more votes."""
    if _teacher_row(conn, code, key, now).current_qid is None:
        raise Refusal("There is no question on screen to reveal.")
    _sql(conn, "UPDATE bp_classes SET revealed = 1 WHERE code = :code", {"code": code})


@_transactional
def vote_again(conn: sa.Connection, code: str, key: str, now: float) -> None:
    """Open round 2 of the question on screen (peer instruction: discuss, then vote
    again), answer hidden until the next reveal. Refusal if it is round 2 already."""
    row = _teacher_row(conn, code, key, now)
    if row.current_qid is None or row.round_no >= 2:
        raise Refusal("Only a question on screen in its first round can be voted on again.")
    _sql(
        conn, "UPDATE bp_classes SET round_no = 2, revealed = 0 WHERE code = :code", {"code": code}
    )


@_transactional
def close_question(conn: sa.Connection, code: str, key: str, now: float) -> None:
    """Take the question off screen (students see "wait for the next question")."""
    _teacher_row(conn, code, key, now)
    _sql(conn, "UPDATE bp_classes SET current_qid = NULL WHERE code = :code", {"code": code})


@_transactional
def tally(conn: sa.Connection, code: str, key: str, qid: int, now: float) -> Tally:
    """The votes on one of the class's questions, by round, and the moves between rounds."""
    _teacher_row(conn, code, key, now)
    return _tally(conn, code, qid)


def _tally(conn: sa.Connection, code: str, qid: int) -> Tally:
    where = {"code": code, "qid": qid}
    counts: dict[int, dict[str, int]] = {}
    for r in _sql(
        conn,
        "SELECT round_no, choice, COUNT(*) AS n FROM bp_votes WHERE code = :code AND "
        "qid = :qid GROUP BY round_no, choice",
        where,
    ):
        counts.setdefault(r.round_no, {})[r.choice] = r.n
    moved = _sql(
        conn,
        "SELECT a.choice AS first, b.choice AS second, COUNT(*) AS n FROM bp_votes a "
        "JOIN bp_votes b ON b.code = a.code AND b.qid = a.qid AND b.voter = a.voter "
        "AND b.round_no = 2 WHERE a.code = :code AND a.qid = :qid AND a.round_no = 1 "
        "GROUP BY a.choice, b.choice",
        where,
    )
    return Tally(counts, {(r.first, r.second): r.n for r in moved})


@_transactional
def results(conn: sa.Connection, code: str, key: str, now: float) -> list[tuple[Question, Tally]]:
    """Every question the class was asked, in order, with its votes (for the CSV)."""
    n = _teacher_row(conn, code, key, now).n_questions
    questions = [_question(conn, code, qid) for qid in range(1, n + 1)]
    return [(q, _tally(conn, code, q.qid)) for q in questions if q is not None]


# --- the students' side --------------------------------------------------------------------
@_transactional
def vote(
    conn: sa.Connection, code: str, qid: int, round_no: int, voter: str, choice: str, now: float
) -> None:
    """Record (or replace) voter's answer to question qid in round round_no. Returns once
    it is committed; Refusal if that question and round no longer take votes, the choice
    is not one of its choices, or MAX_VOTERS already answered."""
    row = _locked_row(conn, code, now)
    if row is None:
        raise Refusal("This class has ended.")
    if row.current_qid == qid and row.round_no > round_no:
        raise Refusal("A new round has started: answer again.")
    if row.current_qid != qid or row.round_no != round_no or row.revealed:
        raise Refusal("This question no longer takes answers: the teacher moved on.")
    question = _question(conn, code, qid)
    if question is None or choice not in dict(question.choices):
        raise Refusal("That is not one of this question's choices.")
    key = {"code": code, "qid": qid, "round_no": round_no, "voter": voter}
    if not _sql(conn, f"SELECT 1 FROM bp_votes WHERE {_ROUND} AND voter = :voter", key).first():
        voters = _sql(conn, f"SELECT COUNT(*) FROM bp_votes WHERE {_ROUND}", key).scalar()
        if voters >= MAX_VOTERS:
            raise Refusal(f"{MAX_VOTERS} students have answered, this question's limit.")
    _sql(
        conn,
        "INSERT INTO bp_votes (code, qid, round_no, voter, choice, voted_at) VALUES "
        "(:code, :qid, :round_no, :voter, :choice, :now) ON CONFLICT (code, qid, round_no, "
        "voter) DO UPDATE SET choice = excluded.choice, voted_at = excluded.voted_at",
        {**key, "choice": choice, "now": now},
    )


@_transactional
def my_vote(conn: sa.Connection, code: str, qid: int, round_no: int, voter: str) -> str | None:
    """voter's recorded choice on that question and round, or None."""
    key = {"code": code, "qid": qid, "round_no": round_no, "voter": voter}
    return _sql(
        conn, f"SELECT choice FROM bp_votes WHERE {_ROUND} AND voter = :voter", key
    ).scalar()


@_transactional
def count_votes(conn: sa.Connection, code: str) -> int:
    """Every vote row of a class (for checks and the load script: no key needed, it
    reveals nothing but a number)."""
    return _sql(conn, "SELECT COUNT(*) FROM bp_votes WHERE code = :code", {"code": code}).scalar()


# --- uploaded data --------------------------------------------------------------------------
@_transactional
def put_dataset(conn: sa.Connection, digest: str, text: str, n_points: int, now: float) -> None:
    """Keep a data set's canonical text under its digest for TTL_SECONDS from now (storing
    it again renews it). Refusal when MAX_DATASETS are kept."""
    _purge(conn, now)
    found = _sql(conn, "SELECT 1 FROM bp_datasets WHERE digest = :d", {"d": digest}).first()
    if not found and _sql(conn, "SELECT COUNT(*) FROM bp_datasets").scalar() >= MAX_DATASETS:
        raise Refusal(
            f"This server already keeps {MAX_DATASETS} uploaded data sets, its limit; space "
            "frees up as they turn a week old."
        )
    _sql(
        conn,
        "INSERT INTO bp_datasets (digest, points, n_points, stored_at, expires_at) VALUES "
        "(:d, :text, :n, :now, :expires) ON CONFLICT (digest) DO UPDATE SET "
        "stored_at = excluded.stored_at, expires_at = excluded.expires_at",
        {"d": digest, "text": text, "n": n_points, "now": now, "expires": now + TTL_SECONDS},
    )


@_transactional
def get_dataset(conn: sa.Connection, digest: str, now: float) -> str | None:
    """The canonical text stored under digest, or None (never stored, or expired)."""
    return _sql(
        conn,
        "SELECT points FROM bp_datasets WHERE digest = :d AND expires_at > :now",
        {"d": digest, "now": now},
    ).scalar()
