"""A class's own data (core.points): every refusal the issue lists says what is wrong and
what is allowed; what is accepted trains through core.training.train_points; hypothesis
throws random and hostile bytes at the parser, which answers Points or Refused only."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.limits import Refused
from core.points import ALLOWED, MAX_POINTS, MIN_POINTS, Points, is_digest, parse_csv, points
from core.training import train_points
from core.variants import variant_spec


def csv_bytes(rows: list[tuple], header: str = "x1,x2,label", encoding: str = "utf-8") -> bytes:
    lines = [header, *(",".join(map(str, r)) for r in rows)]
    return ("\n".join(lines) + "\n").encode(encoding)


GOOD = [(0.1 * i, -0.2 * i, i % 2) for i in range(20)]


def refusal(raw: bytes) -> str:
    with pytest.raises(Refused) as info:
        parse_csv(raw)
    message = str(info.value)
    assert message.endswith(ALLOWED), "every refusal says what is allowed"
    return message


def test_good_file_gives_points_in_file_order():
    p = parse_csv(csv_bytes(GOOD))
    assert p.X.shape == (20, 2) and p.y.shape == (20, 1)
    assert p.X.dtype == np.float64 and set(np.unique(p.y)) == {0.0, 1.0}
    assert p.X[3].tolist() == [0.1 * 3, -0.2 * 3]
    assert p.y[:4, 0].tolist() == [0.0, 1.0, 0.0, 1.0]
    assert p.classes == ("0", "1") and is_digest(p.digest)


def test_columns_in_any_order_with_bom_spaces_and_crlf_name_the_same_data():
    shuffled = "\r\n".join(
        ["\ufeffLabel , X2,x1 ", *(f"{lab}, {b} ,{a}" for a, b, lab in GOOD)]
    ).encode()
    assert parse_csv(shuffled).digest == parse_csv(csv_bytes(GOOD)).digest
    assert (
        parse_csv(csv_bytes(GOOD)).text == parse_csv(parse_csv(csv_bytes(GOOD)).text.encode()).text
    )


def test_the_digest_changes_with_any_point():
    moved = [*GOOD[:-1], (GOOD[-1][0] + 1e-12, GOOD[-1][1], GOOD[-1][2])]
    assert parse_csv(csv_bytes(moved)).digest != parse_csv(csv_bytes(GOOD)).digest


def test_word_labels_sorted_into_classes():
    rows = [(r[0], r[1], "dog" if r[2] else "cat") for r in GOOD]
    p = parse_csv(csv_bytes(rows))
    assert p.classes == ("cat", "dog") and p.y[1, 0] == 1.0
    assert parse_csv(csv_bytes([(r[0], r[1], -1 if r[2] else 10) for r in GOOD])).classes == (
        "-1",
        "10",
    )  # numbers in number order, not text order


@pytest.mark.parametrize(
    ("raw", "said"),
    [
        (b"", "empty"),
        (b"  \n\n", "empty"),
        (csv_bytes(GOOD, header="x1,x2"), "lacks the column label"),
        (csv_bytes([(a, b) for a, b, _ in GOOD], header="x1,label"), "lacks the column x2"),
        (
            csv_bytes([(*r, 5) for r in GOOD], header="x1,x2,label,weight"),
            "extra columns: 'weight'",
        ),
        (csv_bytes(GOOD, header="Merkmal1,Merkmal2,Klasse"), "in English"),
        (csv_bytes(GOOD, header="x1,x2,classe"), "in English"),
        (csv_bytes(GOOD, header="x1,x1,label"), "names a column twice"),
        (csv_bytes(GOOD, header="0.5,0.2,1"), "first line holds numbers"),
        (csv_bytes([*GOOD, ("abc", 1, 0)]), "Line 22, column x1: 'abc' is not a number"),
        (csv_bytes([*GOOD, ('"1,5"', 1, 0)]), "decimal comma"),
        (csv_bytes([*GOOD, ("nan", 1, 0)]), "must be finite"),
        (csv_bytes([*GOOD, (1, "-inf", 0)]), "must be finite"),
        (csv_bytes([*GOOD, (1, 1e300, 0)]), "beyond"),
        (csv_bytes([*GOOD, (1, 1, "nan")]), "not a finite number"),
        (csv_bytes([*GOOD, (1, 1)]), "Line 22 has 2 values"),
        (csv_bytes([*GOOD, (1, 1, 0, 4)]), "Line 22 has 4 values"),
        (csv_bytes([*GOOD, (1, 1, "")]), "empty label"),
        (csv_bytes([(a, b, 1) for a, b, _ in GOOD]), "two classes are needed"),
        (csv_bytes([(a, b, i % 3) for i, (a, b, _) in enumerate(GOOD)]), "take 3 values"),
        (csv_bytes(GOOD[: MIN_POINTS - 1]), f"fewer than {MIN_POINTS}"),
        (csv_bytes(GOOD * (MAX_POINTS // 20 + 1)), "more than 5,000"),
        (b"x1,x2,label\n" + b"0.0000000001,0.0000000001,0\n" * 40_000, "more than 1 MB"),
        ("x1;x2;label\n" + "1,5;2,5;0\n" * 20, "separated by semicolons"),
        ("x1\tx2\tlabel\n" + "1\t2\t0\n" * 20, "separated by tabs"),
        (
            csv_bytes([(r[0], r[1], "é" if r[2] else "a") for r in GOOD], encoding="latin-1"),
            "UTF-8",
        ),
        (csv_bytes(GOOD, encoding="utf-16"), "UTF-16"),
        (b"PK\x03\x04" + b"\x00" * 100, "spreadsheet"),
        (b"%PDF-1.4 ...", "PDF"),
        (csv_bytes([(a, b, "x" * 41 if c else "y") for a, b, c in GOOD]), "longer than 40"),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_each_refusal_says_what_is_wrong(raw, said):
    raw = raw.encode() if isinstance(raw, str) else raw
    assert said in refusal(raw)


def test_a_hostile_value_is_quoted_short_never_whole():
    payload = "<script>alert(1)</script>" * 10
    message = refusal(csv_bytes([*GOOD, (payload, 1, 0)]))
    assert payload not in message and "<script>alert(1)</sc…" in message


CELLS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(-(10**12), 10**12).map(str),
    st.sampled_from(["", " ", "nan", "inf", "1,5", "x1", "label", '"', "<b>", "\x00", "é", "١"]),
    st.text(max_size=8),
)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400))
def test_any_bytes_give_points_or_a_refusal(raw):
    try:
        p = parse_csv(raw)
    except Refused as exc:
        assert str(exc).endswith(ALLOWED)
        return
    assert isinstance(p, Points) and MIN_POINTS <= p.n <= MAX_POINTS  # pragma: no cover


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.tuples(CELLS, CELLS, CELLS), min_size=0, max_size=30),
    st.sampled_from(["x1,x2,label", "label,x1,x2", "x1,x2,label,z", "a,b,c", "x1,x2"]),
)
def test_random_tables_are_parsed_or_refused_and_accepted_ones_are_clean(rows, header):
    raw = "\n".join([header, *(",".join(r) for r in rows)]).encode("utf-8", "surrogatepass")
    try:
        p = parse_csv(raw)
    except (Refused, UnicodeEncodeError):
        return
    assert np.isfinite(p.X).all() and set(np.unique(p.y)) == {0.0, 1.0}
    assert len(set(p.classes)) == 2
    assert parse_csv(p.text.encode()).digest == p.digest  # the canonical text reads back


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(st.floats(-1e6, 1e6, allow_nan=False), st.floats(-1e6, 1e6, allow_nan=False)),
        min_size=MIN_POINTS,
        max_size=60,
    )
)
def test_any_finite_points_round_trip_exactly(coords):
    labels = [str(i % 2) for i in range(len(coords))]
    p = points(np.array(coords, dtype=np.float64).reshape(-1, 2), labels)
    again = parse_csv(p.text.encode())
    assert np.array_equal(again.X, p.X) and again.digest == p.digest


def test_uploaded_points_train_like_any_data_set():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 2))
    labels = [str(int(a + b > 0)) for a, b in X]
    p = points(X, labels)
    specs = {"plain_relu": variant_spec("plain_relu", 2, 8, n_in=2)}
    result = train_points(specs, p, steps=200, lr=0.5, batch=16, seed=0)
    assert result.dataset == f"upload:{p.digest}"
    assert np.array_equal(result.X, p.X)
    final = result.runs["plain_relu"].history.iloc[-1]
    assert final["accuracy"] > 0.9, "a linearly separable set is learned"
    assert math.isfinite(final["loss"])


def test_train_points_refuses_what_is_not_checked_points():
    specs = {"plain_relu": variant_spec("plain_relu", 2, 8, n_in=2)}
    with pytest.raises(Refused, match=r"core\.points\.Points"):
        train_points(specs, np.zeros((10, 3)))
    small = points(np.zeros((10, 2)), ["a", "b"] * 5)
    with pytest.raises(Refused, match="batch"):
        train_points(specs, small, batch=11)
