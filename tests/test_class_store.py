"""Class mode's SQL (dashboard/class_store.py) against SQLite and a real PostgreSQL server:
the same tests, both databases. Schema creation and its version, a class's rounds,
votes replaced not added, teacher operations that a wrong key can never do, bounds,
expiry, concurrent votes all kept, and errors that never carry the database's address."""

from __future__ import annotations

import threading
import traceback
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from dashboard import class_keys
from dashboard import class_store as store
from dashboard.class_model import Question, Refusal, StoreDown, WrongKey

NOW = 1_000_000.0
Q = Question("Which is larger?", (("a", "Δv1"), ("b", "Δv2"), ("c", "equal")), "b", "h2 > h1")


@pytest.fixture
def engine(database_url: str) -> Iterator[sa.Engine]:
    eng = store.prepare_engine(sa.create_engine(database_url, pool_pre_ping=True))
    assert store.ensure_schema(eng) == 0
    yield eng
    eng.dispose()


def new_class(engine: sa.Engine, now: float = NOW) -> tuple[str, str]:
    code, key = class_keys.new_code(), class_keys.new_key()
    assert store.create_class(engine, code, class_keys.key_hash(key), now)
    return code, key


def test_schema_is_made_once_and_versioned(engine):
    assert store.ensure_schema(engine) == store.SCHEMA_VERSION  # found: already current
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT version FROM bp_schema")).scalars().all() == [1]


def test_a_newer_schema_is_refused_not_overwritten(engine):
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE bp_schema SET version = 99"))
    with pytest.raises(StoreDown, match="newer"):
        store.ensure_schema(engine)


def test_a_class_goes_through_two_rounds(engine):
    code, key = new_class(engine)
    state = store.class_state(engine, code, NOW)
    assert state.question is None and state.round_no == 1
    qid = store.ask(engine, code, key, NOW, Q)
    assert qid == 1
    state = store.class_state(engine, code, NOW)
    assert state.question == Question(Q.text, Q.choices, "b", Q.explain, None, qid)
    store.vote(engine, code, qid, 1, "s1", "a", NOW)
    store.vote(engine, code, qid, 1, "s2", "a", NOW)
    store.vote(engine, code, qid, 1, "s1", "b", NOW)  # s1 changes its mind: replaced
    assert store.my_vote(engine, code, qid, 1, "s1") == "b"
    assert store.tally(engine, code, key, qid, NOW).counts == {1: {"a": 1, "b": 1}}
    store.vote_again(engine, code, key, NOW)
    with pytest.raises(Refusal, match="new round"):
        store.vote(engine, code, qid, 1, "s3", "a", NOW)  # round 1 is over
    store.vote(engine, code, qid, 2, "s1", "b", NOW)
    store.vote(engine, code, qid, 2, "s2", "b", NOW)
    store.reveal(engine, code, key, NOW)
    assert store.class_state(engine, code, NOW).revealed
    with pytest.raises(Refusal, match="moved on"):
        store.vote(engine, code, qid, 2, "s3", "a", NOW)  # revealed: closed
    t = store.tally(engine, code, key, qid, NOW)
    assert t.counts == {1: {"a": 1, "b": 1}, 2: {"b": 2}} and t.total(2) == 2
    assert t.moves == {("b", "b"): 1, ("a", "b"): 1}
    with pytest.raises(Refusal):
        store.vote_again(engine, code, key, NOW)  # no third round
    assert store.count_votes(engine, code) == 4


def test_results_hold_every_question_in_order(engine):
    code, key = new_class(engine)
    first = store.ask(engine, code, key, NOW, Q)
    store.vote(engine, code, first, 1, "s1", "c", NOW)
    own = Question("<b>ours</b>", (("1", "yes"), ("2", "no")), None)
    second = store.ask(engine, code, key, NOW, own)
    rows = store.results(engine, code, key, NOW)
    assert [q.qid for q, _ in rows] == [first, second] == [1, 2]
    assert rows[0][1].counts == {1: {"c": 1}} and rows[1][1].counts == {}
    assert rows[1][0].text == "<b>ours</b>" and rows[1][0].correct is None


def test_a_wrong_key_can_do_nothing(engine):
    code, key = new_class(engine)
    other_code, other_key = new_class(engine)
    qid = store.ask(engine, code, key, NOW, Q)
    wrong = [
        class_keys.new_key(),
        other_key,  # another class's key
        key[:-1] + ("A" if key[-1] != "A" else "B"),
        key + "x",
        "",
        "' OR 1=1 --",
        key.upper() if key.upper() != key else key.lower(),
    ]
    for bad in wrong:
        with pytest.raises(WrongKey):
            store.check_key(engine, code, bad, NOW)
        for op in (store.reveal, store.vote_again, store.close_question, store.results):
            with pytest.raises(WrongKey):
                op(engine, code, bad, NOW)
        with pytest.raises(WrongKey):
            store.tally(engine, code, bad, qid, NOW)
        with pytest.raises(WrongKey):
            store.ask(engine, code, bad, NOW, Q)
    with pytest.raises(WrongKey):
        store.check_key(engine, "NOSUCH", key, NOW)
    state = store.class_state(engine, code, NOW)
    assert state.question.qid == qid and not state.revealed and state.round_no == 1
    store.check_key(engine, code, key, NOW)  # the right key still works
    store.check_key(engine, other_code, other_key, NOW)


def test_only_a_hash_of_the_key_is_stored(engine):
    _, key = new_class(engine)
    with engine.connect() as conn:
        row = conn.execute(sa.text("SELECT * FROM bp_classes")).mappings().one()
    assert key not in {str(v) for v in row.values()}
    assert row["key_hash"] == class_keys.key_hash(key) != key


def test_votes_must_name_a_choice_of_the_question_on_screen(engine):
    code, key = new_class(engine)
    qid = store.ask(engine, code, key, NOW, Q)
    for choice in ("z", "", "A", "a' OR '1'='1"):
        with pytest.raises(Refusal, match="not one of"):
            store.vote(engine, code, qid, 1, "s1", choice, NOW)
    with pytest.raises(Refusal):
        store.vote(engine, code, qid + 1, 1, "s1", "a", NOW)
    with pytest.raises(Refusal, match="ended"):
        store.vote(engine, "NOSUCH", qid, 1, "s1", "a", NOW)
    store.close_question(engine, code, key, NOW)
    with pytest.raises(Refusal, match="moved on"):
        store.vote(engine, code, qid, 1, "s1", "a", NOW)
    assert store.count_votes(engine, code) == 0


def test_bounds_on_questions_voters_and_classes(engine, monkeypatch):
    code, key = new_class(engine)
    monkeypatch.setattr(store, "MAX_QUESTIONS", 2)
    monkeypatch.setattr(store, "MAX_VOTERS", 3)
    qid = store.ask(engine, code, key, NOW, Q)
    for voter in ("s1", "s2", "s3"):
        store.vote(engine, code, qid, 1, voter, "a", NOW)
    with pytest.raises(Refusal, match="3 students"):
        store.vote(engine, code, qid, 1, "s4", "a", NOW)
    store.vote(engine, code, qid, 1, "s3", "b", NOW)  # changing an answer is not a new voter
    store.ask(engine, code, key, NOW, Q)
    with pytest.raises(Refusal, match="2 questions"):
        store.ask(engine, code, key, NOW, Q)
    monkeypatch.setattr(store, "MAX_CLASSES", 2)
    new_class(engine)
    with pytest.raises(Refusal, match="2 classes"):
        new_class(engine)


def test_classes_and_data_expire_after_a_week(engine):
    code, key = new_class(engine)
    qid = store.ask(engine, code, key, NOW, Q)
    store.vote(engine, code, qid, 1, "s1", "a", NOW)
    store.put_dataset(engine, "d" * 32, "x1,x2,label\n", 1, NOW)
    later = NOW + store.TTL_SECONDS + 1
    assert store.class_state(engine, code, later) is None
    assert store.get_dataset(engine, "d" * 32, later) is None
    with pytest.raises(WrongKey):
        store.check_key(engine, code, key, later)
    store.purge(engine, later)
    with engine.connect() as conn:
        for table in ("bp_classes", "bp_questions", "bp_votes", "bp_datasets"):
            assert conn.execute(sa.text(f"SELECT COUNT(*) FROM {table}")).scalar() == 0


def test_a_taken_code_is_not_overwritten(engine):
    code, key = new_class(engine)
    assert not store.create_class(engine, code, class_keys.key_hash("x" * 32), NOW)
    store.check_key(engine, code, key, NOW)


def test_datasets_by_digest_renewed_and_bounded(engine, monkeypatch):
    store.put_dataset(engine, "a" * 32, "first", 10, NOW)
    store.put_dataset(engine, "a" * 32, "first", 10, NOW + 100)  # stored again: renewed
    assert store.get_dataset(engine, "a" * 32, NOW + store.TTL_SECONDS + 50) == "first"
    monkeypatch.setattr(store, "MAX_DATASETS", 1)
    with pytest.raises(Refusal, match="1 uploaded"):
        store.put_dataset(engine, "b" * 32, "second", 10, NOW)
    assert store.get_dataset(engine, "b" * 32, NOW) is None


def test_concurrent_votes_are_all_kept(engine):
    """40 students vote at once, each twice (the second replaces the first): every
    acknowledged vote is in the database exactly once."""
    code, key = new_class(engine)
    qid = store.ask(engine, code, key, NOW, Q)
    acknowledged: dict[str, str] = {}
    errors: list[BaseException] = []
    lock = threading.Lock()

    def student(i: int) -> None:
        try:
            for choice in ("a", "bc"[i % 2]):
                store.vote(engine, code, qid, 1, f"s{i}", choice, NOW)
                with lock:
                    acknowledged[f"s{i}"] = choice
        except BaseException as e:
            errors.append(e)

    threads = [threading.Thread(target=student, args=(i,)) for i in range(40)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    counts = store.tally(engine, code, key, qid, NOW).counts[1]
    assert (
        counts
        == {"b": 20, "c": 20}
        == {c: sum(v == c for v in acknowledged.values()) for c in "bc"}
    )


def test_a_dead_database_says_so_without_its_address(database_url):
    if database_url.startswith("sqlite"):
        url = "sqlite:////nonexistent-folder-hunter2/classes.sqlite3"
    else:
        url = sa.make_url(database_url).set(port=1, password="hunter2-secret")
        url = url.render_as_string(hide_password=False)
    eng = store.prepare_engine(sa.create_engine(url))
    with pytest.raises(StoreDown) as info:
        store.ensure_schema(eng)
    # What a log shows of it: the traceback, which hides the driver's error ("from None").
    text = "".join(traceback.format_exception(info.value))
    assert "hunter2" not in text and "127.0.0.1" not in text and "did not answer" in text


def test_a_locked_sqlite_database_says_so_and_acknowledges_nothing(tmp_path, monkeypatch):
    """Another writer holds SQLite's lock past the busy timeout: the vote raises
    StoreDown (the page says class features are unavailable), nothing is half-stored,
    and once the lock is gone the same vote goes through."""
    monkeypatch.setattr(store, "BUSY_TIMEOUT_MS", 200)
    url = f"sqlite:///{tmp_path / 'classes.sqlite3'}"
    engine = store.prepare_engine(sa.create_engine(url))
    store.ensure_schema(engine)
    code, key = new_class(engine)
    qid = store.ask(engine, code, key, NOW, Q)
    other = store.prepare_engine(sa.create_engine(url))
    with other.begin() as holder:  # BEGIN IMMEDIATE: holds the write lock until the end
        holder.execute(sa.text("UPDATE bp_classes SET touched_at = 0"))
        with pytest.raises(StoreDown, match="did not answer"):
            store.vote(engine, code, qid, 1, "s1", "a", NOW)
    assert store.count_votes(engine, code) == 0
    store.vote(engine, code, qid, 1, "s1", "a", NOW)
    assert store.count_votes(engine, code) == 1
    other.dispose()
    engine.dispose()
