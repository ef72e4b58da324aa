"""Registering an activation in core.activations is all it takes: it appears, labelled,
in every page that offers activations, its networks are measured and trained, and
theory says clearly that it has no prediction for it (no silent wrong number)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from core import activations, lab, theory
from core.limits import Refused
from dashboard import compute, gate
from tests.share import APPTEST_TIMEOUT, open_app_page

APP = str(Path(__file__).resolve().parents[1] / "dashboard" / "app.py")
NAME, LABEL = "softplus_test", "softplus (test)"
# Each page with an activation choice, and a small view of it.
PAGES = {
    "vanishing_lab.py": {"depth": "6", "width": "16", "batch": "8", "seeds": "1"},
    "training_lab.py": {"depth": "2", "width": "8", "steps": "20", "n": "60", "batch": "12"},
    "update_sizes.py": {"depth": "3", "width": "8", "batch": "8"},
}


def _softplus(z: np.ndarray) -> np.ndarray:
    return np.logaddexp(0.0, z)


def _softplus_slope(z: np.ndarray, h: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


@pytest.fixture
def softplus(monkeypatch):
    """A throwaway activation, registered for this test only. Worker processes would not
    know it (it lives in this process), so the pages compute in this process here."""
    activations.register(
        activations.Activation(NAME, _softplus, _softplus_slope, label=LABEL, default_init="he")
    )
    in_process = gate.Pool(n_workers=0)
    monkeypatch.setattr(compute, "worker_pool", lambda: in_process)
    st.cache_data.clear()
    yield
    activations.unregister(NAME)
    st.cache_data.clear()


def open_page(file: str, query: dict[str, str]) -> AppTest:
    return open_app_page(file, query, timeout=APPTEST_TIMEOUT)


@pytest.mark.parametrize("file", list(PAGES))
def test_a_registered_activation_appears_labelled_on_every_page(softplus, file):
    at = open_page(file, PAGES[file])
    box = at.selectbox(key="act")
    assert NAME in box.options or LABEL in box.options
    assert LABEL in box.options  # what a student reads is its label, not its code name
    box.set_value(NAME).run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert at.selectbox(key="act").value == NAME


def test_the_lab_measures_it_and_says_theory_has_no_prediction(softplus):
    at = open_page("vanishing_lab.py", {**PAGES["vanishing_lab.py"], "act": LABEL})
    assert not at.exception and at.selectbox(key="act").value == NAME
    result = lab.lab_profiles(
        lab.LabSettings(depth=6, width=16, batch=8, n_seeds=1, activation=NAME)
    )
    assert result.labels[f"plain_{NAME}"] == f"Plain {LABEL} (He)"
    signal = result.factors[result.factors["quantity"] == "signal"].set_index("variant")
    assert signal.loc[f"plain_{NAME}", "predicted_kind"] == ""  # nothing predicted ...
    assert np.isfinite(signal.loc[f"plain_{NAME}", "measured"])  # ... but measured
    text = " ".join(m.value for m in at.markdown)
    assert f"Plain {LABEL}" in text


def test_theory_refuses_it_clearly(softplus):
    for call in (
        lambda: theory.chi_1(NAME, 2.0),
        lambda: theory.fixed_point_q(NAME, 2.0),
        lambda: theory.length_map(1.0, NAME, 2.0),
    ):
        with pytest.raises(Refused, match=rf"{re.escape(LABEL)}: .*no prediction"):
            call()
    with pytest.raises(Refused, match="ReLU and the identity only"):
        theory.batchnorm_rate(NAME, 32)
    assert not theory.can_predict(NAME)
