"""core.myths: each claim's numbers come from core, follow their inputs, and agree with the lab.

The last point matters for the myths page: each claim links to a lab view, and that view
must show the same numbers (same networks, seeds and batch).
"""

from __future__ import annotations

import math

import pytest

from core import experiments as ex
from core import lab, myths, theory
from core.worked_example import worked_example

DEPTH = 20  # small networks keep this file fast; the behaviour shows already


def _lab_signal(settings: lab.LabSettings, variant: str, quantity: str = "signal"):
    factors = lab.lab_profiles(settings).factors
    return factors[(factors["variant"] == variant) & (factors["quantity"] == quantity)].iloc[0]


def test_update_ratio_on_the_course_network_and_a_deeper_one():
    m = myths.update_ratio_myth(DEPTH)
    step = worked_example()
    assert m.single_ratio == step.dv1 / step.dw11
    course = ex.update_size_table(None, lr=step.lr)
    assert m.mean_ratio == pytest.approx(1 / course["shrink_per_layer"].iloc[1])
    assert 7 < m.single_ratio < 8.5 and 11 < m.mean_ratio < 12  # SCIENCE.md: ~7.7 and ~11.6
    assert m.holds_on_course
    # The lab's update-size factor for the same network, at the myth's depth.
    row = _lab_signal(lab.LabSettings(depth=DEPTH), "plain_sigmoid", "update")
    assert m.deep_times == pytest.approx(1 / row["measured"], rel=1e-12)
    assert not m.holds_deep  # a sigmoid network loses about 4x per layer, not 10x
    assert myths.update_ratio_myth(4).deep_times != m.deep_times


def test_power_myth_numbers_follow_the_depth_and_match_the_lab():
    m = myths.power_myth(DEPTH)
    assert m.course_log10 == pytest.approx(DEPTH * math.log10(0.5))
    assert m.bound_log10 == theory.sigmoid_bound_log10(DEPTH)
    assert m.decades_apart == pytest.approx(DEPTH * math.log10(2))
    assert m.sigma_w == pytest.approx(1.0) and m.weighted_bound_factor == pytest.approx(0.25)
    assert m.mean_field_factor == theory.per_layer_factor("sigmoid", 1.0)
    row = _lab_signal(lab.LabSettings(depth=DEPTH), "plain_sigmoid")
    assert m.measured_log10 == row["first_log10"]
    assert m.measured_factor == row["measured"]
    assert m.within_bound and abs(m.measured_factor / m.mean_field_factor - 1) < 0.05
    deeper = myths.power_myth(2 * DEPTH)
    assert deeper.course_log10 == pytest.approx(2 * m.course_log10)
    assert deeper.measured_log10 < m.measured_log10 - 10


def test_relu_needs_he_initialization():
    m = myths.relu_init_myth(DEPTH, 1.0)
    assert m.he_is_flat and m.other_vanishes and not m.other_explodes
    assert m.other_predicted == pytest.approx(math.sqrt(0.5))
    assert abs(m.other_factor / m.other_predicted - 1) < 0.05
    assert m.other_log10 < m.he_log10 - 2
    # The lab's "ReLU without He" view (LeCun = sigma_w^2 1) shows the same network.
    row = _lab_signal(lab.LabSettings(depth=DEPTH, activation="relu", init="lecun"), "plain_relu")
    assert m.other_factor == pytest.approx(row["measured"], rel=1e-12)
    hot = myths.relu_init_myth(DEPTH, 4.0)
    assert hot.other_explodes and hot.other_predicted == pytest.approx(math.sqrt(2))
    assert hot.he_factor == m.he_factor  # the He network does not depend on the other's init


def test_unscaled_residual_grows_at_the_two_to_the_l_estimate_and_its_updates_stay_level():
    # Pre-activation blocks (the branch ends in a weight layer, so it adds zero-mean
    # noise): the old block's ReLU branch pushed the sum one way and grew x1.7 per layer.
    depth = 40
    m = myths.residual_myth(depth)
    assert m.claim_factor == pytest.approx(math.sqrt(2))
    assert m.scaled_claim_factor == pytest.approx(math.sqrt(1 + 1 / depth))
    assert m.claim_log10 == pytest.approx(depth * math.log10(math.sqrt(2)))
    assert m.grows and m.agrees and m.tamed
    assert abs(m.forward_factor / m.claim_factor - 1) < 0.05  # the activations: sqrt(2) too
    assert abs(m.unscaled.update - 1) < 0.06 and m.update_predicted == pytest.approx(1.0)
    assert abs(m.unscaled_log10 - m.predicted_unscaled_log10) < 1
    shallow = myths.residual_myth(DEPTH)
    assert shallow.grows and shallow.unscaled_log10 < m.unscaled_log10 - 2
    row = _lab_signal(lab.LabSettings(depth=DEPTH, activation="relu"), "residual")
    assert shallow.unscaled_log10 == row["first_log10"]


def test_batchnorm_explodes_at_the_yang_rate_and_faster_for_small_batches():
    m = myths.batchnorm_myth(DEPTH, 16)
    assert m.predicted == math.sqrt(theory.batchnorm_rate("relu", 16))
    assert m.large_batch == pytest.approx(math.sqrt(math.pi / (math.pi - 1)))
    assert m.explodes and abs(m.plain_factor - 1) < 0.05
    assert abs(m.measured / m.predicted - 1) < 0.06
    assert m.predicted_log10 == pytest.approx(DEPTH * math.log10(m.predicted))
    row = _lab_signal(lab.LabSettings(depth=DEPTH, activation="relu", batch=16), "batchnorm")
    assert m.measured == row["measured"]
    big = myths.batchnorm_myth(DEPTH, 128)
    assert big.predicted < m.predicted and big.measured < m.measured


@pytest.mark.parametrize(
    ("call", "args"),
    [
        (myths.update_ratio_myth, (2,)),
        (myths.power_myth, (501,)),
        (myths.relu_init_myth, (10, -1.0)),
        (myths.relu_init_myth, (10, math.nan)),
        (myths.residual_myth, (10.5,)),
        (myths.batchnorm_myth, (10, 3)),
        (myths.batchnorm_myth, ("10", 16)),
    ],
)
def test_inputs_out_of_range_are_refused(call, args):
    with pytest.raises(ValueError):
        call(*args)


# Each myth's inputs change what it measures: both factors shown (signal and update).
@pytest.mark.parametrize(
    ("name", "call", "first", "second", "networks"),
    [
        ("1", myths.update_ratio_myth, (DEPTH,), (2 * DEPTH,), ("deep",)),
        ("2", myths.power_myth, (DEPTH, 1.0), (DEPTH, 4.0), ("network",)),
        ("3", myths.relu_init_myth, (DEPTH, 1.0), (DEPTH, 3.0), ("other",)),
        ("4", myths.residual_myth, (DEPTH,), (2 * DEPTH,), ("unscaled", "scaled")),
        ("5", myths.batchnorm_myth, (DEPTH, 16), (DEPTH, 64), ("bn",)),
    ],
)
def test_changing_a_myths_inputs_changes_both_factors(name, call, first, second, networks):
    a, b = call(*first), call(*second)
    for network in networks:
        one, two = getattr(a, network), getattr(b, network)
        assert one.ok and two.ok, (name, network)
        assert one.signal != two.signal and one.update != two.update, (name, network)
        assert one.signal_log10 != two.signal_log10, (name, network)


def test_the_rule_needs_small_weights():
    # SCIENCE.md: at sigma_w^2 = 4 a sigmoid layer shrinks the blame about x0.41, not 0.25.
    m = myths.power_myth(DEPTH, 4.0)
    assert not m.rule_holds and 0.36 < m.measured_factor < 0.46
    assert m.weighted_bound_factor == pytest.approx(0.5)
    assert myths.power_myth(DEPTH).rule_holds


@pytest.mark.parametrize(
    ("myth", "kwargs", "expected"),
    [
        ("update_ratio", {}, {"plain_sigmoid": ("plain_sigmoid", {})}),
        ("power", {"sigma_w2": 1.0}, {"plain_sigmoid": ("plain_sigmoid", {})}),
        (
            "power",
            {"sigma_w2": 3.0},
            {"plain_sigmoid": ("plain_sigmoid", {"init": "custom", "sigma_w2": 3.0})},
        ),
        (
            "relu_init",
            {"sigma_w2": 0.5},
            {
                "he": ("plain_relu", {}),
                "other": ("plain_relu", {"init": "custom", "sigma_w2": 0.5}),
            },
        ),
        (
            "residual",
            {},
            {
                "unscaled": ("residual", {"activation": "relu"}),
                "scaled": ("residual", {"activation": "relu", "residual_scale": "1/sqrt(depth)"}),
            },
        ),
        (
            "batchnorm",
            {"batch": 8},
            {
                "bn": ("batchnorm", {"activation": "relu", "batch": 8}),
                "plain": ("plain_relu", {"batch": 8}),
            },
        ),
    ],
)
def test_a_myths_memory_estimate_counts_the_networks_it_measures(myth, kwargs, expected):
    """The myths page tells the worker pool how much memory each call holds (two big
    ones must not run at once): the estimate is the lab's for the myth's own networks."""
    from core.limits import estimate_profile_bytes

    networks = myths.myth_networks(myth, DEPTH, **kwargs)
    built = {
        name: lab.lab_specs(lab.LabSettings(depth=DEPTH, **settings))[variant]
        for name, (variant, settings) in expected.items()
    }
    assert networks == built
    batch = kwargs.get("batch", myths.LAB.batch)
    assert myths.memory_bytes(myth, DEPTH, **kwargs) == estimate_profile_bytes(built, batch)
    deeper = myths.memory_bytes(myth, 10 * DEPTH, **kwargs)
    assert deeper > myths.memory_bytes(myth, DEPTH, **kwargs)
    with pytest.raises(ValueError):
        myths.memory_bytes(myth, myths.MAX_DEPTH + 1, **kwargs)
    with pytest.raises(ValueError):
        myths.myth_networks("no such myth", DEPTH)
