"""Settings for every test.

The cost model scales itself to the machine it runs on (core.calibration). Tests pin
its factors to 1, the reference machine's, so that the limits they assert stay put
whatever the machine or its load; processes the tests start (workers, servers) inherit
the variable. tests/test_calibration.py takes it away to test the measuring itself.

Fixtures shared by the class-mode tests: a real PostgreSQL server, and a fresh empty
database on it or on SQLite for each test that asks.

PostgreSQL: BACKPROP_TEST_POSTGRES_URL if set (.ci/run starts a throwaway cluster and
sets it); else a throwaway cluster started here (tests/pgcluster.py) when PostgreSQL's
binaries are installed. Without either, a local run skips the PostgreSQL tests and says
why; in CI (CI=true) that is a failure, never a skip.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from core.calibration import COST_SCALE_ENV
from tests import pgcluster

os.environ[COST_SCALE_ENV] = "1"

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
POSTGRES_ENV = "BACKPROP_TEST_POSTGRES_URL"
DATA_DIR_ENV = "BACKPROP_DATA_DIR"  # dashboard.class_db.DATA_DIR_ENV


@pytest.fixture(scope="session", autouse=True)
def class_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Every test, and every app server a test starts, keeps its class database (the
    default SQLite file) in a temporary folder, never in the repository's data/."""
    folder = tmp_path_factory.mktemp("class-data")
    before = os.environ.get(DATA_DIR_ENV)
    os.environ[DATA_DIR_ENV] = str(folder)
    yield folder
    if before is None:
        os.environ.pop(DATA_DIR_ENV, None)
    else:
        os.environ[DATA_DIR_ENV] = before


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """The URL of a PostgreSQL server the tests may create databases on."""
    if url := os.environ.get(POSTGRES_ENV):
        yield url
        return
    if pgcluster.bin_dir() is None:
        reason = f"no PostgreSQL: set {POSTGRES_ENV} or install Debian's postgresql"
        if IN_CI:
            pytest.fail(f"{reason} (CI=true: the PostgreSQL tests must run)", pytrace=False)
        pytest.skip(reason)
    folder = Path(tempfile.gettempdir()) / f"bp-pg-{secrets.token_hex(6)}"
    try:
        yield pgcluster.start(folder)
    finally:
        pgcluster.stop(folder)


def new_postgres_database(server_url: str) -> str:
    """A new empty database on the server; its URL."""
    name = f"t_{secrets.token_hex(6)}"
    admin = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f"CREATE DATABASE {name}")
    admin.dispose()
    return sa.make_url(server_url).set(database=name).render_as_string(hide_password=False)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path: Path) -> str:
    """A fresh, empty class database: a SQLite file, or a new PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'classes.sqlite3'}"
    return new_postgres_database(request.getfixturevalue("postgres_server"))
