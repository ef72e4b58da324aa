"""What importing dashboard.plots' modules loads, each time in a fresh interpreter."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _fresh_python(code: str) -> subprocess.CompletedProcess:
    """Run code in a new interpreter at the repository's root."""
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)


def test_plots_modules_do_not_need_streamlit():
    # In a fresh interpreter: importing every module of dashboard.plots and building a
    # figure must not import streamlit.
    code = (
        "import importlib, pkgutil, sys; import dashboard.plots as package; "
        "[importlib.import_module(f'dashboard.plots.{m.name}') "
        "for m in pkgutil.iter_modules(package.__path__)]; "
        "from core import worked_example; from dashboard.plots.network import network_figure; "
        "network_figure(worked_example()); assert 'streamlit' not in sys.modules"
    )
    done = _fresh_python(code)
    assert done.returncode == 0, done.stderr


def test_format_module_does_not_import_plotly():
    # In a fresh interpreter: pages that only print numbers (dashboard/ui.py) import this
    # module, and it must not bring the figure code (and plotly) with it.
    code = (
        "import sys; from dashboard.plots import format; "
        "assert format.fmt(0.5) == '0.5'; "
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('plotly', 'streamlit')); "
        "assert not loaded, loaded"
    )
    done = _fresh_python(code)
    assert done.returncode == 0, done.stderr
