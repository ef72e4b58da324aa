"""The training lab's "your own data": a CSV of 2-D points uploaded, checked by core
(core.points.parse_csv), kept in the class database under its content digest, and named
in the address bar (URL key: data), so that a share link reopens the same points for the
rest of the class. The networks then train on those points (the training lab's own
per-network cache, core.training.train_network with the points)
instead of a toy data set.

A refused file after a good one leaves the earlier points training, and the page says
so under the refusal. A link whose data is unknown (never stored, or stored more than a
week ago) says so and the page shows the toy data sets. If the database is down,
uploaded points still train in this tab; the page says the link will not carry them.
"""

from __future__ import annotations

import time

import streamlit as st

from core.limits import Refused
from core.points import ALLOWED, Points, is_digest, parse_csv
from dashboard import class_db, class_store, ui
from dashboard.class_model import Refusal, StoreDown

KEY = "data"
_KEPT = "_own_points"  # digest -> Points this session uploaded or loaded
_READ = "_own_file"  # the uploaded file already read (its id): each file is stored once
_UPLOADER = "_own_uploader"  # a counter in the uploader's key: "back to toy data" clears it
UPLOAD_HELP = (
    "A CSV file with the header x1,x2,label and one point per line: two numbers and a "
    "label with two values (0/1, or two words). At most 5,000 points and 1 MB. "
    "The link then names your data, so your class can open it too; it is kept a week."
)


def _load(digest: str) -> Points | None:
    """The points of a digest: this session's copy, or the database's (None if unknown)."""
    kept = st.session_state.setdefault(_KEPT, {})
    if digest not in kept:
        text = class_store.get_dataset(class_db.engine(), digest, time.time())
        if text is None:
            return None
        kept[digest] = parse_csv(text.encode())  # checked again: the database is outside
    return kept[digest]


def _read_upload(upload) -> str | None:
    """Check and store an uploaded file once; its digest, or None if it was refused."""
    try:
        points = parse_csv(upload.getvalue())
    except Refused as e:
        st.error(f"This file cannot be used. {ui.plain(str(e))}", icon=":material/error:")
        return None
    st.session_state.setdefault(_KEPT, {})[points.digest] = points
    try:
        class_store.put_dataset(
            class_db.engine(), points.digest, points.text, points.n, time.time()
        )
    except (StoreDown, Refusal) as e:
        st.warning(
            f"Your points train here, but the link will not open them for others: "
            f"{class_db.DOWN if isinstance(e, StoreDown) else e}",
            icon=":material/cloud_off:",
        )
    return points.digest


def _back_to_toys() -> None:
    st.query_params.pop(KEY, None)
    st.session_state[_UPLOADER] = st.session_state.get(_UPLOADER, 0) + 1


def section(controls: ui.Controls) -> Points | None:
    """The upload box; the points the page trains on, or None for the toy data sets."""
    raw = st.query_params.get(KEY)
    digest = raw if is_digest(raw) else None
    with st.expander("Your own data", expanded=bool(raw), icon=":material/upload_file:"):
        upload = st.file_uploader(
            "A CSV file of points",
            type=["csv", "txt"],
            max_upload_size=1,
            key=f"own_data_{st.session_state.get(_UPLOADER, 0)}",
            help=UPLOAD_HELP,
        )
        st.caption(
            f"For example, a first line `x1,x2,label`, then lines like `0.5,1.2,0`. {ALLOWED}"
        )
        refused = False
        if upload is not None and st.session_state.get(_READ) != upload.file_id:
            st.session_state[_READ] = upload.file_id
            read = _read_upload(upload)
            refused = read is None
            digest = read or digest
            if digest:
                st.query_params[KEY] = digest
        still = st.empty()  # under a refusal: what the page trains on instead
    if raw and not digest:
        st.warning("The link's data id is not valid, so the page shows the toy data sets.")
        st.query_params.pop(KEY, None)
    points = None
    if digest:
        try:
            points = _load(digest)
        except StoreDown as e:
            class_db.down_note(e)
        if points is None:
            st.warning(
                "The link's data is not on this server (uploaded data is kept for a week), "
                "so the page shows the toy data sets.",
                icon=":material/link_off:",
            )
            st.query_params.pop(KEY, None)
    controls.extra(KEY, points.digest if points else "")
    if points is not None:
        zero, one = (ui.plain(c) for c in points.classes)
        if refused:  # else the page trains the earlier points as if nothing happened
            still.info(
                f"Still training on your earlier data ({points.n:,} points, label {zero} as "
                f"class 0 and {one} as class 1).",
                icon=":material/history:",
            )
        st.info(
            f"Training on your own data: {points.n:,} points, label {zero} as class 0 and "
            f"{one} as class 1. Data set, Points and Noise do not apply to it.",
            icon=":material/dataset:",
        )
        st.button("Back to the toy data sets", on_click=_back_to_toys, icon=":material/undo:")
    return points
