"""The class database, reached through Streamlit's connection API:
st.connection("classes", type="sql"), a SQLAlchemy engine kept for the server's life.

With no configuration it is a SQLite file, DATA_DIR/classes.sqlite3, where DATA_DIR is
$BACKPROP_DATA_DIR or the repository's data/ folder (git ignores it). A
[connections.classes] section in .streamlit/secrets.toml (or Community Cloud's secrets)
points it elsewhere, e.g. url = "postgresql+psycopg://user:password@host:5432/db",
which is how several replicas of the app share one class. The SQL itself is in
dashboard/class_store.py.

Nothing here shows or logs the database's address: a failure becomes
class_store.StoreDown with our own words, and pages say that class features are
unavailable while the rest of the app works on.
"""

from __future__ import annotations

import hashlib
import logging
import os
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import streamlit as st

from dashboard import class_store
from dashboard.class_model import StoreDown

CONNECTION = "classes"
DATA_DIR_ENV = "BACKPROP_DATA_DIR"
DOWN = (
    "Class features are unavailable right now: the class database does not answer. "
    "Everything else in the app works; try again in a minute."
)
# The connection parameters st.connection takes from a secrets section (the rest, such
# as create_engine_kwargs, it reads from the secrets itself).
_PARAMS = ("url", "driver", "dialect", "username", "password", "host", "port", "database", "query")
log = logging.getLogger(__name__)


def data_dir() -> Path:
    """Where the default SQLite database lives."""
    configured = os.environ.get(DATA_DIR_ENV)
    return Path(configured) if configured else Path(__file__).resolve().parents[1] / "data"


def _configured() -> dict[str, Any] | None:
    """The [connections.classes] section's connection parameters, or None."""
    if not st.secrets.load_if_toml_exists():
        return None
    section = st.secrets.get("connections", {}).get(CONNECTION)
    if not section:
        return None
    return {k: section[k] for k in _PARAMS if k in section}


def engine() -> sa.Engine:
    """The class database's engine, its schema made or upgraded on first use; StoreDown if
    it cannot be opened (a bad URL, a missing driver, a server that does not answer).

    The secrets section is also passed as arguments: st.connection reads Streamlit's own
    secrets store, which AppTest's at.secrets does not reach, and arguments win over it
    (they hold the same values in a real run).
    """
    try:
        params = _configured()
        if params is None:
            data_dir().mkdir(parents=True, exist_ok=True)
            params = {"url": f"sqlite:///{data_dir() / 'classes.sqlite3'}"}
        conn = st.connection(CONNECTION, type="sql", pool_pre_ping=True, **params)
        eng = class_store.prepare_engine(conn.engine)
    # Anything from a driver or a bad URL: its text may hold the address or password, so
    # the log gets only its type, and the page our own message.
    except Exception as e:
        log.error("class database: could not open the connection (%s)", type(e).__name__)
        raise StoreDown("the class database could not be opened") from None
    _schema_ready(eng, _fingerprint(eng))
    return eng


def _fingerprint(eng: sa.Engine) -> str:
    """A name for the database that holds no secret (the schema check's cache key)."""
    shown = eng.url.render_as_string(hide_password=True)
    return hashlib.sha256(shown.encode()).hexdigest()[:16]


@st.cache_resource(max_entries=4, show_spinner=False)
def _schema_ready(_engine: sa.Engine, fingerprint: str) -> int:
    """ensure_schema once per database and server (a failure is not kept: retried)."""
    return class_store.ensure_schema(_engine)


def down_note(error: StoreDown) -> None:
    """What a page shows when the class database fails; the server log gets the kind."""
    log.warning("class database: %s", error)
    st.warning(DOWN, icon=":material/cloud_off:")
