"""core.lab: the lab's measurement and everything derived from it, checked against core."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from core import experiments as ex
from core import lab, lab_theory, propagation, theory
from core.limits import Refused

SMALL = lab.LabSettings(depth=12, width=32, batch=16, n_seeds=2)


@pytest.fixture(scope="module")
def small() -> lab.LabResult:
    return lab.lab_profiles(SMALL)


@pytest.fixture(scope="module")
def tanh_relu() -> lab.LabResult:
    """tanh for residual/batchnorm adds a plain tanh network; custom init everywhere."""
    return lab.lab_profiles(
        lab.LabSettings(depth=12, width=32, batch=16, n_seeds=2, activation="tanh", init="custom")
    )


def test_profiles_are_core_profiles_of_the_lab_networks(small):
    specs = lab.lab_specs(SMALL)
    assert list(specs) == list(ex.VARIANTS)
    direct = ex.gradient_profile(specs, SMALL.batch, SMALL.seeds, SMALL.lr)
    assert small.frame.equals(direct.frame)
    summary = ex.summarize_profile(direct)
    for column in ("log10_delta_rms_median", "act_rms_p90", "log10_update_p10"):
        np.testing.assert_array_equal(small.summary[column], summary[column])
    # inactive = saturated (sigmoid, tanh) or dead (ReLU): whichever the layer can have
    np.testing.assert_array_equal(
        small.summary["inactive_frac_median"],
        summary["saturated_frac_median"] + summary["dead_frac_median"],
    )


def test_factor_table_comes_from_core_fits(small):
    factors = small.factors
    assert len(factors) == len(ex.VARIANTS) * len(lab.QUANTITIES)
    for quantity, column in lab.QUANTITIES.items():
        rows = factors[factors["quantity"] == quantity].set_index("variant")
        measured = ex.per_layer_factor_measured(small.summary, column)
        first = ex.first_layer_ratio(small.summary, column)
        for variant in ex.VARIANTS:
            assert rows.loc[variant, "measured"] == measured[variant]
            assert rows.loc[variant, "first_log10"] == first[variant].log10
    signal = factors[factors["quantity"] == "signal"].set_index("variant")
    sigmoid_w2 = theory.init_sigma_w2("xavier", SMALL.width, SMALL.width)
    assert signal.loc["plain_sigmoid", "predicted"] == theory.per_layer_factor(
        "sigmoid", sigmoid_w2
    )
    assert signal.loc["plain_relu", "predicted"] == theory.per_layer_factor("relu", 2.0)
    assert signal.loc["plain_relu", "agreement"] == pytest.approx(
        signal.loc["plain_relu", "measured"] / signal.loc["plain_relu", "predicted"]
    )
    assert signal.loc["plain_sigmoid", "bound_log10"] == theory.sigmoid_bound_log10(SMALL.depth)
    # Sigmoid batchnorm has no closed form: no prediction, said so. Residual networks are
    # followed layer by layer (core.propagation), fitted over the same middle layers.
    assert signal.loc["batchnorm", "predicted_kind"] == ""
    assert math.isnan(signal.loc["batchnorm", "predicted"])
    assert signal.loc["residual", "predicted_kind"] == "mean_field_residual"
    profile = propagation.residual_profile("sigmoid", sigmoid_w2, 1.0, SMALL.depth)
    assert signal.loc["residual", "predicted"] == lab_theory.fitted_factor(profile.signal)
    # The update's prediction, for the update and the weight gradient alike.
    found = lab.predictions(SMALL)
    for quantity in ("update", "weight_grad"):
        rows = factors[factors["quantity"] == quantity].set_index("variant")
        for variant in ex.VARIANTS:
            models = [p for p in found[variant] if p.kind in lab_theory.MODELS]
            expected = models[0].update_factor if models else math.nan
            assert rows.loc[variant, "predicted"] == pytest.approx(expected, nan_ok=True)
    plain = propagation.plain_profile("relu", 2.0, SMALL.depth)
    update = factors[factors["quantity"] == "update"].set_index("variant")
    assert update.loc["plain_relu", "predicted"] == lab_theory.fitted_factor(plain.update)


def test_theory_lines_start_at_the_measured_last_hidden_layer(small):
    lines = small.theory
    kinds = set(zip(lines["variant"], lines["kind"], strict=True))
    # Xavier between square layers: sigma_w = 1, so sigma_w/4 is the 0.25 line itself.
    assert kinds == {
        ("plain_sigmoid", "mean_field"),
        ("plain_sigmoid", "bound_quarter"),
        ("plain_relu", "mean_field"),
        ("residual", "mean_field_residual"),
    }
    median = small.summary.set_index(["variant", "layer"])["log10_delta_rms_median"]
    for (variant, kind), line in lines.groupby(["variant", "kind"]):
        line = line.set_index("layer")["log10_delta_rms"]
        assert list(line.index) == list(range(1, SMALL.depth + 1))
        assert line[SMALL.depth] == median[(variant, SMALL.depth)]
        if kind == "mean_field_residual":  # a curve: the layer-by-layer prediction
            sw2 = theory.init_sigma_w2("xavier", SMALL.width, SMALL.width)
            offsets = propagation.residual_profile("sigmoid", sw2, 1.0, SMALL.depth).signal
            assert list(line - line[SMALL.depth]) == pytest.approx(list(offsets))
            continue
        factor = lines[(lines["variant"] == variant) & (lines["kind"] == kind)]["factor"].iloc[0]
        assert line[1] - line[SMALL.depth] == pytest.approx((SMALL.depth - 1) * math.log10(factor))


def test_a_weighted_bound_and_the_batchnorm_rate_appear_when_they_apply():
    found = lab.predictions(lab.LabSettings(activation="relu", init="custom", sigma_w2=4.0))
    kinds = {p.kind: p.factor for p in found["plain_sigmoid"]}
    assert kinds["bound_sigma"] == pytest.approx(0.5)  # sigma_w / 4 with sigma_w = 2
    assert kinds["bound_quarter"] == 0.25
    [rate] = found["batchnorm"]
    assert rate.factor == math.sqrt(theory.batchnorm_rate("relu", lab.LabSettings().batch))
    # Pre-activation ReLU blocks at sigma_w^2 = 4: sqrt(1 + 4 / 2) per layer, updates level.
    [residual] = found["residual"]
    assert residual.factor == pytest.approx(math.sqrt(3.0))
    assert residual.update_factor == pytest.approx(1.0)


def test_tanh_adds_a_plain_tanh_network_with_its_own_theory(tanh_relu):
    assert list(tanh_relu.labels) == [*ex.VARIANTS, "plain_tanh"]
    assert tanh_relu.labels["plain_tanh"] == "Plain tanh (σw² = 1)"
    assert tanh_relu.short_labels["plain_tanh"] == "Plain tanh"
    # The networks that take the lab's activation say which (a tester mistook the
    # sigmoid residual network of the defaults for the lesson's ReLU one).
    assert tanh_relu.short_labels["residual"] == "Residual (tanh)"
    assert tanh_relu.short_labels["batchnorm"] == "Batch norm (tanh)"
    spec = lab.lab_specs(tanh_relu.settings)["plain_tanh"]
    assert spec.activation == "tanh" and spec.init == 1.0 and not spec.residual
    signal = tanh_relu.factors[tanh_relu.factors["quantity"] == "signal"].set_index("variant")
    assert signal.loc["plain_tanh", "predicted"] == theory.per_layer_factor("tanh", 1.0)
    assert "plain_tanh" not in lab.lab_specs(lab.LabSettings(activation="relu"))
    leaky = lab.lab_specs(lab.LabSettings(activation="leaky_relu"))["plain_leaky_relu"]
    assert leaky.init == "he"  # a ReLU-like network's default, as for the variants


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"depth": 0}, "depth"),
        ({"depth": 1001}, "MAX_DEPTH"),
        ({"width": 2000}, "MAX_WIDTH"),
        ({"batch": 3}, "batch"),
        ({"n_seeds": 21}, "MAX_SEEDS"),
        ({"activation": "softmax"}, "activation"),
        ({"init": "orthogonal"}, "init"),
        ({"sigma_w2": math.inf}, "sigma_w2"),
        ({"sigma_w2": 0.0}, "sigma_w2"),
        ({"residual_scale": "2"}, "residual_scale"),
        ({"depth": 5.5}, "depth"),
    ],
)
def test_settings_refuse_what_core_cannot_measure(change, words):
    with pytest.raises(ValueError, match=words):
        lab.LabSettings(**change)


def test_too_big_names_the_deepest_depth_that_fits():
    settings = lab.LabSettings(depth=1000, width=1024, batch=64, n_seeds=3)
    deepest = lab.deepest(settings)
    assert 0 < deepest < 1000
    with pytest.raises(ValueError, match=f"depth can be at most {deepest}") as error:
        lab.lab_profiles(settings)
    assert f"may take at most {ex.MAX_SECONDS:g} s" in str(error.value)
    assert "MAX_" not in str(error.value)  # no code name where a student reads
    # The cost model agrees: the deepest fits, one more does not.
    assert lab.fits(settings.with_depth(deepest))
    assert not lab.fits(settings.with_depth(deepest + 1))
    nothing = lab.LabSettings(depth=5, width=1024, batch=512, n_seeds=20)
    assert lab.deepest(nothing) == 0
    with pytest.raises(ValueError, match="Lower the width"):
        lab.lab_profiles(nothing)


def test_overflow_becomes_short_notes_and_gaps_not_an_error():
    settings = lab.LabSettings(
        depth=400, width=16, batch=8, n_seeds=2, activation="relu", init="custom", sigma_w2=100.0
    )
    result = lab.lab_profiles(settings)
    kinds = {(i.variant, i.kind) for i in result.issues}
    assert ("plain_relu", "forward_overflow") in kinds
    first = min(i.layer for i in result.issues if i.variant == "plain_relu")
    note = next(n for n in result.notes if n.startswith("Plain ReLU"))
    assert (
        note
        == f"Plain ReLU (σw² = 100): forward pass overflowed in 2 of 2 seeds, from layer {first} on"
    )
    assert all(len(n) < 90 for n in result.notes)  # short enough for a chart annotation
    plain = result.summary[result.summary["variant"] == "plain_relu"]
    assert plain["log10_delta_rms_median"].isna().all()  # no seed has backward values
    assert result.messages == tuple(i.message for i in result.issues)


def test_issue_notes_count_seeds_and_say_where_it_starts():
    issues = (
        ex.ProfileIssue("plain_relu", 0, "zero_gradient", 40, "..."),
        ex.ProfileIssue("plain_relu", 2, "zero_gradient", 45, "..."),
    )
    notes = lab.issue_notes(issues, {"plain_relu": "Plain ReLU (He)"}, 3)
    assert notes == ("Plain ReLU (He): gradient exactly zero in 2 of 3 seeds, from layer 45 down",)


def test_story_grows_the_same_networks_one_depth_at_a_time():
    settings = lab.LabSettings(depth=10, width=16, batch=8, n_seeds=3)
    story = lab.depth_story(settings)
    assert story.depths == tuple(range(1, 11)) and story.skipped == ""
    frame = story.frame
    for depth in story.depths:
        rows = frame[frame["depth"] == depth]
        assert sorted(set(rows["layer"])) == list(range(1, depth + 2))
        at_output = rows[rows["layer"] == depth + 1]["relative_log10"]
        assert (at_output == 0).all()  # each frame is relative to its own output layer
    # Frame 10 is seed 0 of the full network, measured on its own.
    one = ex.gradient_profile(lab.lab_specs(settings), settings.batch, (0,), settings.lr).frame
    sig = one[one["variant"] == "plain_sigmoid"].set_index("layer")["log10_delta_rms"]
    mine = frame[(frame["depth"] == 10) & (frame["variant"] == "plain_sigmoid")]
    assert mine.set_index("layer")["relative_log10"][1] == pytest.approx(sig[1] - sig[11])


def test_story_stays_within_its_budget_or_says_why_not():
    depths = lab.story_depths(lab.LabSettings(depth=300, width=256, batch=64))
    assert 2 <= len(depths) < lab.STORY_FRAMES and depths[-1] == 300
    seconds = sum(
        ex.estimate_profile_seconds(lab.lab_specs(lab.LabSettings(depth=d, width=256)), 64, 1)
        for d in depths
    )
    assert seconds <= lab.STORY_SECONDS
    huge = lab.depth_story(lab.LabSettings(depth=1000, width=1024, batch=512))
    assert huge.depths == () and "budget" in huge.skipped
    assert "nothing to grow" in lab.depth_story(lab.LabSettings(depth=1)).skipped


@pytest.mark.parametrize(
    "settings",
    [
        lab.LabSettings(depth=12, width=16, batch=8),
        lab.LabSettings(depth=10, width=16, batch=8, activation="tanh"),  # five networks
        lab.LabSettings(  # overflow: issues and notes in every network but one
            depth=400,
            width=16,
            batch=8,
            n_seeds=2,
            activation="relu",
            init="custom",
            sigma_w2=100.0,
        ),
    ],
)
def test_the_lab_measured_in_parts_gives_the_same_answer_as_in_one_call(settings):
    whole = lab.lab_profiles(settings)
    groups = lab.lab_groups(settings)
    assert sorted(n for g in groups for n in g) == sorted(lab.network_names(settings))
    assert len(groups) == 2 and all(groups)
    split = lab.lab_result(settings, [lab.lab_part(settings, g) for g in reversed(groups)])
    pd.testing.assert_frame_equal(split.frame, whole.frame)
    pd.testing.assert_frame_equal(split.summary, whole.summary)
    assert split.issues == whole.issues and split.notes == whole.notes
    pd.testing.assert_frame_equal(split.factors, whole.factors)
    assert len(lab.lab_groups(settings, 1)) == 1


def test_a_comparison_too_big_to_hold_twice_is_measured_in_one_part():
    wide = lab.LabSettings(depth=30, width=1024, batch=64, n_seeds=1)
    assert ex.estimate_profile_bytes(lab.lab_specs(wide), 64) > lab.SPLIT_MAX_BYTES
    assert lab.lab_groups(wide) == (lab.network_names(wide),)
    default = lab.LabSettings()
    assert ex.estimate_profile_bytes(lab.lab_specs(default), 64) <= lab.SPLIT_MAX_BYTES
    assert len(lab.lab_groups(default)) == 2


def test_lab_parts_are_checked():
    settings = lab.LabSettings(depth=5, width=8, batch=8)
    with pytest.raises(ValueError, match="names must be some of"):
        lab.lab_part(settings, ("plain_sigmoid", "nonsense"))
    part = lab.lab_part(settings, ("plain_sigmoid",))
    with pytest.raises(ValueError, match="not each of"):
        lab.lab_result(settings, [part])  # the other networks are missing
    with pytest.raises(ValueError, match="not each of"):
        lab.lab_result(settings, [part, part, lab.lab_part(settings, lab.network_names(settings))])
    huge = lab.LabSettings(depth=1000, width=1024, batch=64, n_seeds=3)
    with pytest.raises(Refused, match="at most"):
        lab.lab_part(huge, ("plain_sigmoid",))  # the whole comparison is checked
