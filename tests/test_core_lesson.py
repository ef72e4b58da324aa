"""core.lesson: the numbers the guided lesson asks about, checked against core's own
functions and, where the article prints them, against the article."""

from __future__ import annotations

import math

import numpy as np
import pytest

from core import lesson
from core.activations import sigmoid_derivative
from core.network import NetworkSpec
from core.updates import update_size_table
from core.worked_example import worked_example

COURSE = worked_example()


@pytest.fixture(scope="module")
def course() -> lesson.CourseNumbers:
    return lesson.course_numbers()


def test_the_course_numbers_are_the_worked_example(course):
    assert course.step == COURSE
    assert course.gradients == {n: COURSE.gradient(n) for n in course.gradients}
    assert course.error_slope == -(COURSE.y - COURSE.y_hat)
    assert course.slope_a1 == pytest.approx(COURSE.h1 * (1 - COURSE.h1), rel=1e-12)
    assert course.slope_b == pytest.approx(COURSE.y_hat * (1 - COURSE.y_hat), rel=1e-12)
    assert course.chain_w11.product == pytest.approx(course.gradients["w11"], rel=1e-12)
    assert len(course.chain_w11.factors) == 5 and len(course.chain_v1.factors) == 3


@pytest.mark.parametrize(
    ("source", "target", "name"), [(1, 1, "w11"), (1, 2, "w12"), (2, 1, "w21"), (2, 2, "w22")]
)
def test_the_wire_between_an_input_and_a_hidden_neuron_is_found_by_the_forward_pass(
    source, target, name
):
    assert lesson.wire(source, target) == name


def test_the_wrong_sums_are_the_mistakes_they_stand_for(course):
    s = COURSE
    assert course.a1_swapped == pytest.approx(s.w11 * s.x1 + s.w12 * s.x2)
    assert course.a1_unweighted == pytest.approx(s.w11 + s.w21)
    assert len({round(v, 9) for v in (s.a1, s.h1, course.a1_swapped, course.a1_unweighted)}) == 4


def test_a_stronger_v2_takes_the_blame_and_a_doubled_v1_brings_more(course):
    assert course.strong.v2 == lesson.V2_STRONG and course.strong.v1 == COURSE.v1
    assert COURSE.delta1 > COURSE.delta2  # the article's observation
    assert course.strong.delta2 > course.strong.delta1  # reversed by the stronger wire
    assert course.strong.a1 == COURSE.a1  # the forward sums do not depend on v
    assert course.doubled_v1.v1 == 2 * COURSE.v1
    assert course.doubled_v1.delta1 > COURSE.delta1


def test_the_key_observation_ratios_match_the_science_notes(course):
    assert course.single_ratio == pytest.approx(COURSE.dv1 / COURSE.dw11)
    assert course.single_ratio == pytest.approx(7.66, abs=0.01)  # SCIENCE.md
    assert course.mean_ratio == pytest.approx(11.6, abs=0.05)
    assert course.rounded_ratio == pytest.approx(0.024 / 0.003)  # the article's printed values
    assert course.claim == 10
    assert course.error_after_one < COURSE.E


def test_article_rounding_gives_the_article_s_printed_numbers():
    printed = {"delta_out": 0.083, "dv1": 0.024, "delta1": 0.012, "delta2": 0.008, "dw11": 0.003}
    for name, value in printed.items():
        assert lesson.article_rounding(getattr(COURSE, name)) == value, name


def test_deep_updates_are_the_update_size_table_and_ignore_the_learning_rate():
    d = lesson.deep_updates()
    table = update_size_table(d.setup.spec(), lr=d.setup.lr, batch=d.setup.batch, seed=0)
    logs = table["log10_mean_abs_update"]
    assert d.first_log10 == pytest.approx(logs.iloc[-1] - logs.iloc[0], abs=1e-12)
    assert d.output_update == table["mean_abs_update"].iloc[0]
    assert -12 < d.first_log10 < -3  # a 10-layer sigmoid net: many decades, not all
    assert 0 < d.typical_shrink < 0.5
    assert d.boosted_first_log10 == pytest.approx(d.first_log10, abs=1e-9)


def test_deep_setup_is_the_update_sizes_page_network():
    spec = lesson.DEEP.spec()
    assert spec == NetworkSpec(
        sizes=(32, *([32] * 10), 1), activation="sigmoid", output_activation="sigmoid"
    )


def test_theory_numbers():
    t = lesson.theory_numbers(100)
    assert t.sigmoid_at_zero == 0.5 and t.sigmoid_peak == 0.25 and t.relu_slope == 1.0
    assert t.article_log10 == pytest.approx(math.log10(0.5**100))
    assert t.bound_log10 == pytest.approx(math.log10(0.25**100))
    assert t.sigmoid_xavier == pytest.approx(0.236, abs=1e-3)  # SCIENCE.md
    assert t.relu_he == pytest.approx(1.0) and t.relu_lecun == pytest.approx(math.sqrt(0.5))


def test_slope_curves_put_the_sigmoid_s_peak_at_zero_and_relu_s_step_there():
    curves = lesson.slope_curves()
    assert (curves["z"] == 0).sum() == 1
    top = curves.loc[curves["sigmoid"].idxmax()]
    assert top["z"] == 0 and top["sigmoid"] == lesson.theory_numbers().sigmoid_peak
    z = curves["z"].to_numpy()
    expected = sigmoid_derivative(z, 1 / (1 + np.exp(-z)))
    assert np.allclose(curves["sigmoid"], expected, rtol=1e-12)
    assert set(curves.loc[curves["z"] > 0, "relu"]) == {1.0}
    assert set(curves.loc[curves["z"] <= 0, "relu"]) == {0.0}


def test_training_outcome_plain_sigmoid_stays_at_chance_the_others_learn():
    outcome = lesson.training_outcome()
    assert outcome.worst == "plain_sigmoid"
    assert not outcome.learned("plain_sigmoid")
    assert outcome.accuracy["plain_sigmoid"] == pytest.approx(0.5, abs=0.05)
    assert all(outcome.learned(v) for v in ("plain_relu", "residual", "batchnorm"))
