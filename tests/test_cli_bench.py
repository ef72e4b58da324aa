"""The command line (python -m core.experiments) and the benchmark script run as documented."""

from __future__ import annotations

import importlib.util
import io
import os
import re
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from core import experiments as ex
from core.calibration import COST_SCALE_ENV
from core.network import NetworkSpec
from tests.share import APPTEST_TIMEOUT

ROOT = Path(__file__).resolve().parents[1]


def _run_main(capsys, *argv: str) -> tuple[pd.DataFrame, str]:
    assert ex.main(list(argv)) == 0
    captured = capsys.readouterr()
    return pd.read_csv(io.StringIO(captured.out)), captured.err


def _subprocess(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=APPTEST_TIMEOUT,
    )


def test_module_runs_from_the_command_line_with_help():
    done = _subprocess("-m", "core.experiments", "--help")
    assert done.returncode == 0, done.stderr
    for command in ("profile", "compare", "updates"):
        assert command in done.stdout
    done = _subprocess("-m", "core.experiments", "updates")
    assert done.returncode == 0, done.stderr
    table = pd.read_csv(io.StringIO(done.stdout))
    assert 1 / table["ratio_to_output"].iloc[1] == pytest.approx(11.6, abs=0.05)


def test_compare_writes_the_summary_as_csv(capsys):
    summary, err = _run_main(capsys, "compare", "--depth", "6", "--width", "8", "--seeds", "0,1")
    assert list(summary["variant"].unique()) == list(ex.VARIANTS)
    assert len(summary) == 4 * 7 and "log10_delta_rms_p90" in summary.columns
    assert err == ""
    tidy, _ = _run_main(
        capsys, "compare", "--depth", "6", "--width", "8", "--seeds", "3", "--tidy",
        "--variants", "plain_relu,residual", "--activation", "relu",
    )  # fmt: skip
    assert list(tidy.columns) == list(ex.PROFILE_COLUMNS)
    assert set(tidy["variant"]) == {"plain_relu", "residual"} and set(tidy["seed"]) == {3}


def test_profile_matches_the_library_and_writes_a_file(capsys, tmp_path):
    out = tmp_path / "profile.csv"
    assert ex.main(["profile", "--depth", "5", "--width", "8", "--activation", "tanh",
                    "--residual", "--residual-scale", "1/sqrt(depth)", "--seeds", "0,2",
                    "--out", str(out)]) == 0  # fmt: skip
    assert capsys.readouterr().out == ""
    written = pd.read_csv(out)
    spec = ex.variant_spec("residual", 5, 8, activation="tanh", residual_scale="1/sqrt(depth)")
    expected = ex.gradient_profile({"network": spec}, 64, (0, 2)).frame
    assert written["log10_delta_rms"].tolist() == pytest.approx(
        expected["log10_delta_rms"].tolist(), rel=1e-7
    )


def test_overflow_is_reported_on_stderr(capsys):
    frame, err = _run_main(
        capsys, "profile", "--depth", "1000", "--width", "16", "--activation", "relu",
        "--init", "8", "--residual", "--seeds", "0", "--batch", "4",
    )  # fmt: skip
    assert "overflowed" in err and frame["log10_delta_rms"].isna().all()


@pytest.mark.parametrize(
    "argv,needle",
    [
        (["compare", "--depth", "5000"], "MAX_DEPTH"),
        (["compare", "--width", "4096"], "MAX_WIDTH"),
        (["compare", "--depth", "1000", "--width", "1024"], "may take at most"),
        (["profile", "--seeds", "a,b"], "seeds must be whole numbers"),
        (["profile", "--init", "glorot"], "init must be one of"),
        (["updates", "--depth", "3", "--batch", "0"], "batch"),
        (["compare", "--variants", "plain_sigmoid,deep"], "variant must be one of"),
    ],
)
def test_bad_arguments_exit_with_a_message(capsys, argv, needle):
    with pytest.raises(SystemExit) as stop:
        ex.main(argv)
    assert stop.value.code == 2
    assert needle in capsys.readouterr().err


def test_updates_for_a_deeper_network(capsys):
    table, _ = _run_main(capsys, "updates", "--depth", "4", "--width", "8", "--seed", "2")
    spec = NetworkSpec(sizes=(8,) * 5 + (1,))  # a plain sigmoid net, Xavier init
    expected = ex.update_size_table(spec, lr=0.5, batch=64, seed=2)
    assert table["log10_mean_abs_update"].tolist() == pytest.approx(
        expected["log10_mean_abs_update"].tolist(), rel=1e-7
    )


def test_bench_quick_runs_and_prints_every_section():
    done = _subprocess(str(ROOT / "bench" / "bench.py"), "--quick")
    assert done.returncode == 0, done.stderr
    for section in ("1. Engine", "ratio", "lab default", "depth 40", "training", "Peak memory"):
        assert section in done.stdout, section


def test_the_benchs_training_calls_at_the_limit_are_ones_core_admits(monkeypatch):
    """bench.py's "at the limit" training calls are the biggest the cost model admits, as
    core checks them: once the bench estimated with a grid of 60 after the training's
    default became 61, and its own call was refused."""
    spec = importlib.util.spec_from_file_location("bench_script", ROOT / "bench" / "bench.py")
    bench = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, bench)  # its dataclasses look it up there
    spec.loader.exec_module(bench)
    training = [c for _, c, _ in bench.limit_calls() if c.fn is ex.train_variants]
    assert len(training) == 2
    for call in training:
        specs, dataset = call.args
        settings = ex.TrainingSettings(dataset, **call.kwargs)
        ex.check_training(specs, settings)  # admitted: no Refused
        one_more = replace(settings, steps=settings.steps + 1)
        with pytest.raises(ex.Refused):
            ex.check_training(specs, one_more)


def test_server_load_runs_a_short_class_without_errors():
    """bench/server_load.py as documented, tiny: two sessions for a few seconds against a
    server it starts and stops. It reads every page's URL keys from the server's widgets,
    and exits 1 on any error (exception element, failed run, timeout)."""
    done = _subprocess(
        str(ROOT / "bench" / "server_load.py"), "--users", "2", "--seconds", "6", "--ramp", "1"
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    out = done.stdout
    assert "errors: none" in out
    # The server it started admits with the factors it was given (the tests' pinned ones),
    # not with ones measured at its start: runs compared with each other admit alike.
    assert f"cost-model factors (products,rest) {os.environ[COST_SCALE_ENV]}\n" in out
    for path in ("worked-example", "update-sizes", "vanishing-lab", "training-lab", "myths"):
        assert f"'{path}': " in out, path  # its URL keys were found
    assert "server memory (PSS, server and workers): after warm-up" in out and "server CPU:" in out
    # The slowest steps listed are the timed ones (not the warm-up visits before them):
    # each is within its page and kind's row of the table, the first is its slowest.
    rows = re.findall(r"^  ([a-z-]+) +(link|nav|set) +\d+ +[\d.]+ +[\d.]+ +([\d.]+)$", out, re.M)
    most = {(page, kind): float(s) for page, kind, s in rows}
    table_max = float(re.search(r"^  all +\d+ +[\d.]+ +[\d.]+ +([\d.]+)$", out, re.M).group(1))
    listed = re.findall(
        r"^ +([\d.]+) s  (link|nav|set) +/([a-z-]*)", out.split("slowest steps:")[1], re.M
    )
    assert listed and float(listed[0][0]) == table_max, out[-3000:]
    for seconds, kind, page in listed:
        assert float(seconds) <= most[(page or "home", kind)], (seconds, kind, page)


def test_server_load_runs_a_small_live_class_with_a_restart():
    """bench/server_load.py --class as documented, small: a teacher and 6 students, two
    rounds with the server restarted between them, on its own throwaway SQLite database
    (--postgres, the same on PostgreSQL, is left to the README's load runs: the class's
    SQL is tested on PostgreSQL in tests/test_class_store.py). It exits 1 unless every
    vote was acknowledged and is in the database exactly once."""
    done = _subprocess(
        str(ROOT / "bench" / "server_load.py"), "--class", "6", "--window", "3", "--restart"
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    out = done.stdout
    assert "round 1: 6 of 6 votes acknowledged" in out and "round 2: 6 of 6" in out
    assert "server restarted between the rounds" in out and "errors: none" in out
    assert "in the database exactly once: yes" in out
