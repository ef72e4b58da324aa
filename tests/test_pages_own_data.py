"""The training lab on a class's own data, in AppTest: a link carrying a stored data set's
digest trains on those points and its share link carries the digest; an unknown or
malformed digest says so and falls back to the toy data sets; the numbers are core's."""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np
import pytest
import sqlalchemy as sa

from core.points import points
from core.training import train_points
from core.variants import variant_spec
from dashboard import class_store
from dashboard.plots.format import fmt
from tests.share import open_app_page, ui_share_link, ui_tables

SMALL = {"steps": "40", "depth": "2", "width": "4", "variants": "plain_relu", "batch": "16"}


@pytest.fixture
def stored(tmp_path: Path, monkeypatch):
    """Points stored in the default class database (a fresh SQLite file), as an upload
    would store them."""
    monkeypatch.setenv("BACKPROP_DATA_DIR", str(tmp_path / "data"))
    (tmp_path / "data").mkdir()
    rng = np.random.default_rng(3)
    X = rng.normal(size=(40, 2))
    p = points(X, ["yes" if a * b > 0 else "no" for a, b in X])
    engine = class_store.prepare_engine(
        sa.create_engine(f"sqlite:///{os.environ['BACKPROP_DATA_DIR']}/classes.sqlite3")
    )
    class_store.ensure_schema(engine)
    class_store.put_dataset(engine, p.digest, p.text, p.n, time.time())
    engine.dispose()
    return p


def infos(at) -> str:
    return "\n".join(m.value for m in (*at.info, *at.warning, *at.error))


def test_a_link_with_a_stored_digest_trains_on_those_points(stored):
    at = open_app_page("training_lab.py", {**SMALL, "data": stored.digest})
    assert not at.exception
    said = "Training on your own data: 40 points, label no as class 0 and yes as class 1"
    assert said in infos(at)
    assert f"data={stored.digest}" in ui_share_link(at)
    summary = ui_tables(at)[0]
    specs = {"plain_relu": variant_spec("plain_relu", 2, 4, n_in=2, activation="sigmoid")}
    expected = train_points(specs, stored, steps=40, lr=0.5, batch=16, seed=0)
    accuracy = expected.runs["plain_relu"].history.iloc[-1]["accuracy"]
    assert summary["accuracy"].iloc[0] == f"{fmt(100 * accuracy)}%"  # core's run, shown


@pytest.mark.parametrize(
    ("digest", "said"),
    [
        ("0" * 32, "not on this server"),
        ("<script>alert(1)</script>", "not valid"),
        ("A" * 32, "not valid"),
        ("f" * 5000, "not valid"),
    ],
)
def test_unknown_or_malformed_digests_fall_back_to_toy_data(stored, digest, said):
    at = open_app_page("training_lab.py", {**SMALL, "data": digest})
    assert not at.exception
    assert said in infos(at) and "Training on your own data" not in infos(at)
    assert "data=" not in ui_share_link(at) and "<script>" not in infos(at)
    assert ui_tables(at), "the toy data set trained instead"


def test_a_refused_file_after_a_good_one_says_the_earlier_data_still_trains(stored):
    """A bad upload showed its error while the page went on training the earlier points
    without a word."""
    at = open_app_page("training_lab.py", {**SMALL, "data": stored.digest})
    at.file_uploader[0].set_value(("bad.csv", b"x1;x2;label\n1,5;2,5;0\n", "text/csv"))
    at.run()
    assert not at.exception
    box = next(e for e in at.expander if e.label == "Your own data")  # under the refusal
    assert [e.value[:24] for e in box.error] == ["This file cannot be used"]
    assert [i.value for i in box.info] == [
        "Still training on your earlier data (40 points, label no as class 0 and yes as class 1)."
    ]
    assert at.query_params["data"] == stored.digest and ui_tables(at)
