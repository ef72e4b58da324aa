"""Measured backward signals agree with mean-field theory (issue 3, "Numbers to reach").

Plain networks at width 512, batch 64, depth 30, three seeds: the per-layer ratio of
backward-signal norms is within 3% of sqrt(chi_1) (core.theory.per_layer_factor).
Batch-normalized ReLU at batch 32 grows toward the input within 3% of the square root of
Yang et al.'s rate (core.theory.batchnorm_rate gives the growth of the SQUARED norm).

The fits skip 5 layers at each end (per_layer_factor_measured's default): next to the
input the forward variance has not yet settled at q* (standard normal inputs start
elsewhere), and next to the output the signal starts from one unit and needs a few
layers to spread over the width. Theory describes the settled middle.

Residual networks have no closed form here; what the labs claim about them is checked
directly: unscaled ReLU branches make the signal grow toward the input, branches scaled
by 1/sqrt(depth) keep the total change small, and sigmoid residual nets do not vanish.
"""

from __future__ import annotations

import math

import pytest

from core import experiments as ex
from core import lab, lab_theory, propagation, theory
from core.network import NetworkSpec

WIDTH, DEPTH, SEEDS = 512, 30, (0, 1, 2)
TOLERANCE = 0.03

PLAIN = {
    "sigmoid, sigma_w^2 = 1": (
        ex.variant_spec("plain_sigmoid", DEPTH, WIDTH, init=1.0),
        "sigmoid",
        1.0,
    ),
    "tanh, sigma_w^2 = 2": (
        NetworkSpec(sizes=(WIDTH,) * (DEPTH + 1) + (1,), activation="tanh", init=2.0),
        "tanh",
        2.0,
    ),
    "relu, He": (ex.variant_spec("plain_relu", DEPTH, WIDTH), "relu", 2.0),
    "relu, sigma_w^2 = 1": (ex.variant_spec("plain_relu", DEPTH, WIDTH, init=1.0), "relu", 1.0),
}


@pytest.fixture(scope="module")
def plain_profile() -> ex.ProfileResult:
    specs = {name: spec for name, (spec, _, _) in PLAIN.items()}
    return ex.gradient_profile(specs, batch=64, seeds=SEEDS)


@pytest.fixture(scope="module")
def batchnorm_profile() -> ex.ProfileResult:
    spec = ex.variant_spec("batchnorm", DEPTH, WIDTH, activation="relu")
    return ex.gradient_profile({"bn relu": spec}, batch=32, seeds=SEEDS)


def _per_seed(result: ex.ProfileResult, name: str) -> list[float]:
    frame = result.frame
    return [ex.per_layer_factor_measured(frame[frame["seed"] == s])[name] for s in result.seeds]


@pytest.mark.parametrize("name", list(PLAIN))
def test_plain_networks_follow_sqrt_chi_1(plain_profile, name):
    _, activation, sigma_w2 = PLAIN[name]
    predicted = theory.per_layer_factor(activation, sigma_w2)
    measured = ex.per_layer_factor_measured(plain_profile)[name]
    assert abs(measured / predicted - 1) < TOLERANCE, (
        f"{name}: measured {measured:.4f}, theory sqrt(chi_1) {predicted:.4f}"
    )
    for seed, one in zip(SEEDS, _per_seed(plain_profile, name), strict=True):
        assert abs(one / predicted - 1) < TOLERANCE, f"{name}, seed {seed}: {one:.4f}"
    assert plain_profile.issues == ()


def test_he_init_is_what_keeps_relu_from_vanishing(plain_profile):
    measured = ex.per_layer_factor_measured(plain_profile)
    assert measured["relu, sigma_w^2 = 1"] < 0.75 < 0.97 < measured["relu, He"]
    # ... and sigmoid stays below its weighted bound sigma_w / 4 = 0.25 per layer.
    assert measured["sigmoid, sigma_w^2 = 1"] < 0.25


def test_batchnorm_relu_explodes_at_the_yang_rate(batchnorm_profile):
    predicted = math.sqrt(theory.batchnorm_rate("relu", 32))
    measured = ex.per_layer_factor_measured(batchnorm_profile)["bn relu"]
    assert measured > 1.2  # grows toward the input
    assert abs(measured / predicted - 1) < TOLERANCE, (
        f"measured {measured:.4f}, Yang et al. sqrt(rate) {predicted:.4f}"
    )
    for seed, one in zip(SEEDS, _per_seed(batchnorm_profile, "bn relu"), strict=True):
        assert abs(one / predicted - 1) < TOLERANCE, f"seed {seed}: {one:.4f}"


def test_summary_medians_give_the_same_factor(plain_profile):
    tidy = ex.per_layer_factor_measured(plain_profile)
    summary = ex.per_layer_factor_measured(ex.summarize_profile(plain_profile))
    for name in PLAIN:
        assert summary[name] == pytest.approx(tidy[name], rel=0.01)


def test_depth_1000_sigmoid_profile_matches_theory_across_600_decades():
    depth = 1000
    spec = ex.variant_spec("plain_sigmoid", depth, 128)  # Xavier: sigma_w^2 = 1 inside
    result = ex.gradient_profile({"deep": spec}, batch=32, seeds=(0,))
    ratio = ex.first_layer_ratio(result, reference="last_hidden")["deep"]
    predicted = (depth - 1) * math.log10(theory.per_layer_factor("sigmoid", 1.0))
    assert ratio.factor == 0.0  # as a plain float64 number, nothing reaches layer 1 ...
    assert abs(ratio.log10 / predicted - 1) < 0.01, (ratio.log10, predicted)  # ... but exactly


@pytest.fixture(scope="module")
def residual_profile() -> ex.ProfileResult:
    depth, width = 50, 128

    def res(activation: str, scale: str) -> NetworkSpec:
        return ex.variant_spec(
            "residual", depth, width, activation=activation, residual_scale=scale
        )

    specs = {
        "relu x1": res("relu", "1"),
        "relu x1/sqrt(L)": res("relu", "1/sqrt(depth)"),
        "sigmoid x1": res("sigmoid", "1"),
        "plain sigmoid": ex.variant_spec("plain_sigmoid", depth, width),
    }
    return ex.gradient_profile(specs, batch=32, seeds=SEEDS)


def test_unscaled_relu_residual_grows_toward_the_input(residual_profile):
    factor = ex.per_layer_factor_measured(residual_profile)["relu x1"]
    total = ex.first_layer_ratio(residual_profile, reference="last_hidden")["relu x1"]
    assert factor > math.sqrt(2) * 0.95  # variance at least doubles per layer
    assert total.log10 > 6  # over 49 layers: more than a million times larger


def test_scaled_relu_residual_stays_within_a_small_factor(residual_profile):
    total = ex.first_layer_ratio(residual_profile, reference="last_hidden")
    assert 1 / 4 < total["relu x1/sqrt(L)"].factor < 4
    assert total["relu x1"].factor > 1e5 * total["relu x1/sqrt(L)"].factor


def test_sigmoid_residual_does_not_vanish(residual_profile):
    total = ex.first_layer_ratio(residual_profile, reference="last_hidden")
    assert total["sigmoid x1"].factor > 0.5  # the skips carry the signal through
    assert total["plain sigmoid"].factor < 1e-25  # the same depth without them: gone
    assert residual_profile.issues == ()


def test_pre_activation_relu_residual_follows_its_prediction(residual_profile):
    """He-initialized ReLU blocks, unscaled: x sqrt(2) per layer in both passes (2^L in
    variance), within 3% in every seed; the updates stay level (what came forward grows
    as fast as what came back shrinks); 1/sqrt(depth) keeps the whole depth within the
    predicted (1 + 1/L)^(L/2) ~ sqrt(e)."""
    depth = 50
    unscaled = propagation.residual_profile("relu", 2.0, 1.0, depth)
    predicted = lab_theory.fitted_factor(unscaled.signal)
    assert predicted == pytest.approx(math.sqrt(2))
    for seed, one in zip(SEEDS, _per_seed(residual_profile, "relu x1"), strict=True):
        assert abs(one / predicted - 1) < 0.05, f"seed {seed}: {one:.4f}"  # width 128
    update = ex.per_layer_factor_measured(residual_profile, "log10_update")["relu x1"]
    assert abs(update / lab_theory.fitted_factor(unscaled.update) - 1) < TOLERANCE
    scaled = propagation.residual_profile("relu", 2.0, 1 / math.sqrt(depth), depth)
    total = ex.first_layer_ratio(residual_profile, reference="last_hidden")["relu x1/sqrt(L)"]
    assert abs(total.log10 - scaled.signal[0]) < math.log10(1.5), (total.log10, scaled.signal[0])
    assert 10 ** scaled.signal[0] < 2  # the whole depth within a small constant factor


def test_the_labs_residual_preset_measures_sqrt_2_with_its_theory_line():
    """The vanishing lab's "unscaled residual" view (its defaults, ReLU, He): x1.41 per
    layer within 3%, and the theory line drawn through it."""
    settings = lab.LabSettings(activation="relu", residual_scale="1")
    result = lab.lab_profiles(settings)
    signal = result.factors[result.factors["quantity"] == "signal"].set_index("variant")
    assert signal.loc["residual", "predicted"] == pytest.approx(math.sqrt(2))
    assert abs(signal.loc["residual", "measured"] / math.sqrt(2) - 1) < TOLERANCE
    line = result.theory[result.theory["variant"] == "residual"]
    assert set(line["kind"]) == {"mean_field_residual"} and len(line) == settings.depth


def test_how_alike_inputs_look_follows_the_correlation_map():
    """The forward half: at width 512 the measured similarity of two inputs follows the
    mean-field correlation map within 0.03 at every hidden layer; the ordered sigmoid net
    makes every input look the same (similarity 1 - tiny), tanh at sigma_w^2 = 2 keeps
    unrelated inputs unrelated."""
    settings = lab.LabSettings(
        depth=30, width=512, batch=64, n_seeds=3, activation="tanh", init="custom", sigma_w2=2.0
    )
    result = lab.lab_profiles(settings)
    theory_lines = result.similarity_theory
    assert set(theory_lines["variant"]) == {"plain_sigmoid", "plain_relu", "plain_tanh"}
    for variant, line in theory_lines.groupby("variant"):
        measured = result.summary[result.summary["variant"] == variant].set_index("layer")
        predicted = line.set_index("layer")["similarity"]
        gap = (measured.loc[predicted.index, "similarity_median"] - predicted).abs()
        assert gap.max() < 0.03, (variant, gap.max())
    last = result.summary[result.summary["layer"] == 30].set_index("variant")["similarity_median"]
    assert last["plain_sigmoid"] > 0.9999 and abs(last["plain_tanh"]) < 0.05
