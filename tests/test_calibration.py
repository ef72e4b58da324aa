"""The cost model scaled to the machine it runs on (core.calibration, core.limits).

No test here asserts how long anything takes: the factors are checked for what they
do to the estimates, how they are read and set, and that a worker uses its server's.
"""

from __future__ import annotations

import pytest

from core import calibration, cli, lab, limits
from core import experiments as ex
from core.calibration import COST_SCALE_ENV, CostScale
from dashboard import workers


@pytest.fixture
def unpinned(monkeypatch):
    """No factors given: the next cost_scale() measures them. Restored afterwards."""
    monkeypatch.delenv(COST_SCALE_ENV)
    calibration.set_cost_scale(None)
    yield
    calibration.set_cost_scale(None)  # the next test reads the pinned environment again


@pytest.fixture
def rescaled():
    """set_cost_scale for one test, then back to the environment's factors."""
    yield calibration.set_cost_scale
    calibration.set_cost_scale(None)


@pytest.mark.parametrize(("text", "factors"), [("1", (1.0, 1.0)), (" 0.5, 3 ", (0.5, 3.0))])
def test_the_variable_gives_one_factor_or_two(text, factors):
    assert calibration.parse(text) == factors


@pytest.mark.parametrize("text", ["", "fast", "1,2,3", "0", "-1", "nan", "inf", "1,100"])
def test_nonsense_factors_are_refused(text):
    with pytest.raises(ValueError, match=COST_SCALE_ENV):
        calibration.parse(text)


def test_tests_run_at_the_reference_machines_speed():
    assert calibration.cost_scale() == CostScale(1.0, 1.0, "environment")


def test_factors_scale_the_products_and_the_rest_apart(rescaled):
    wide = {v: ex.variant_spec(v, 20, 1024) for v in ex.VARIANTS}  # mostly products
    narrow = {v: ex.variant_spec(v, 200, 8) for v in ex.VARIANTS}  # mostly the rest
    cases = ((wide, 512), (narrow, 64))
    base = [ex.estimate_profile_seconds(s, batch, 3) for s, batch in cases]
    rescaled(2.0)
    assert [ex.estimate_profile_seconds(s, batch, 3) for s, batch in cases] == pytest.approx(
        [2 * b for b in base]
    )
    rescaled(3.0, 1.0)  # slow products only: the wide call takes almost 3x, the narrow not
    wide3, narrow3 = (ex.estimate_profile_seconds(s, batch, 3) for s, batch in cases)
    assert 2.5 < wide3 / base[0] < 3.0 and 1.0 < narrow3 / base[1] < 1.5


def test_a_slower_machine_admits_less_and_the_refusal_still_names_the_deepest(rescaled):
    settings = lab.LabSettings(depth=1000, width=512, batch=64, n_seeds=3)
    here = lab.deepest(settings)
    rescaled(2.0)
    slower = lab.deepest(settings)
    assert 0 < slower < here
    with pytest.raises(
        limits.Refused,
        match=rf"at most {limits.MAX_SECONDS:g} s on this machine.*at most {slower}\b",
    ):
        lab.lab_profiles(settings)
    steps = lambda: limits.largest_fitting(  # noqa: E731
        lambda n: (
            ex.estimate_training_seconds(
                {"n": ex.variant_spec("plain_relu", 30, 64, n_in=2)}, n, 64, 400, 10, 60
            )
            <= limits.MAX_SECONDS
        ),
        high=limits.MAX_TRAIN_STEPS,
    )
    slow_steps = steps()
    rescaled(1.0)
    assert slow_steps < steps()


def test_without_factors_given_the_machine_is_timed_once(unpinned):
    first = calibration.cost_scale()
    assert first.source == "measured"
    assert calibration.MIN_SCALE < first.products < calibration.MAX_SCALE
    assert calibration.MIN_SCALE < first.rest < calibration.MAX_SCALE
    assert calibration.cost_scale() is first  # once per process
    assert calibration.parse(first.as_env()) == pytest.approx((first.products, first.rest))


def test_a_measurement_out_of_all_reason_is_clamped_and_logged(unpinned, monkeypatch, caplog):
    monkeypatch.setattr(calibration, "time_products", lambda: 1e3)  # a million times slower
    first = calibration.cost_scale()
    assert (first.products, first.source) == (calibration.MAX_SCALE, "measured")
    assert COST_SCALE_ENV in caplog.text


def test_a_worker_decides_with_the_factors_of_the_process_that_started_it(rescaled):
    rescaled(1.7, 0.6)  # not what the worker would measure, nor the tests' environment
    worker = workers.Worker()
    try:
        worker.wait_ready()
        theirs = worker.call(calibration.cost_scale, (), {}, None)
        assert (theirs.products, theirs.rest) == (1.7, 0.6)
        specs = {v: ex.variant_spec(v, 300, 256) for v in ex.VARIANTS}
        estimate = worker.call(ex.estimate_profile_seconds, (specs, 64, 3), {}, None)
        assert estimate == ex.estimate_profile_seconds(specs, 64, 3)
    finally:
        worker.stop()


def test_the_command_prints_each_reading_and_the_lowest_pair_to_pin(capsys):
    assert cli.main(["factors", "--times", "3", "--gap", "0"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert [line.split(":")[0] for line in lines[:-1]] == ["reading 1", "reading 2", "reading 3"]
    read = [
        tuple(float(x.split("x")[1]) for x in line.split(": ")[1].split(", "))
        for line in lines[:-1]
    ]
    name, value = lines[-1].split("=")
    assert name == calibration.COST_SCALE_ENV
    products, rest = calibration.parse(value)
    assert (products, rest) == (min(p for p, _ in read), min(r for _, r in read))


def test_the_lowest_of_readings_takes_each_factor_on_its_own():
    readings = [calibration.CostScale(1.2, 0.9, "measured"), calibration.CostScale(0.8, 1.5, "x")]
    assert calibration.lowest(readings) == calibration.CostScale(0.8, 0.9, "measured")
    with pytest.raises(ValueError):
        calibration.lowest([])


@pytest.mark.parametrize("bad", [["--times", "0"], ["--times", "101"], ["--gap", "-1"]])
def test_the_command_refuses_readings_out_of_range(bad, capsys):
    with pytest.raises(SystemExit) as stop:
        cli.main(["factors", *bad])
    assert stop.value.code == 2
    assert "--times must be 1..100 and --gap 0..60" in capsys.readouterr().err
