"""core.experiments: profiles, summaries, update sizes, training, limits and failure reports.

The agreement with mean-field theory lives in test_theory_vs_measurement.py; here every
number is checked against a direct computation with the engine on the same weights.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from core import experiments as ex
from core.activations import sigmoid
from core.network import (
    NetworkSpec,
    draw_normals,
    forward_unchecked,
    init_params,
    loss_and_grads,
    params_from_normals,
)
from core.profile import mean_pair_cosine
from core.training import minibatch_order
from core.worked_example import worked_example

SMALL = {"sig": ex.variant_spec("plain_sigmoid", 4, 6), "relu": ex.variant_spec("plain_relu", 4, 6)}


def _inputs(spec: NetworkSpec, batch: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The batch gradient_profile documents for this seed, rebuilt independently."""
    rng = np.random.default_rng(seed + ex.INPUT_SEED_OFFSET)
    x = rng.standard_normal((batch, spec.sizes[0]))
    return x, rng.integers(0, 2, size=(batch, spec.sizes[-1])).astype(np.float64)


# ------------------------------------------------------------------------ variants


def test_named_variants_have_the_documented_shape_and_defaults():
    expected = {
        "plain_sigmoid": ("sigmoid", "xavier", False, False),
        "plain_relu": ("relu", "he", False, False),
        "residual": ("sigmoid", "xavier", True, False),
        "batchnorm": ("sigmoid", "xavier", False, True),
    }
    assert set(ex.VARIANT_LABELS) == set(ex.VARIANTS) == set(expected)
    for variant, (act, init, residual, bn) in expected.items():
        spec = ex.variant_spec(variant, 7, 12)
        assert spec.sizes == (12, *[12] * 7, 1)
        assert (spec.activation, spec.init, spec.residual, spec.batchnorm) == (
            act,
            init,
            residual,
            bn,
        ), variant
        assert spec.output_activation == "sigmoid" and spec.bias
    relu_res = ex.variant_spec("residual", 16, 8, activation="relu", residual_scale="1/sqrt(depth)")
    assert relu_res.init == "he" and relu_res.residual_scale == pytest.approx(0.25)
    assert all(relu_res.has_skip(i) for i in range(16)) and not relu_res.has_skip(16)
    assert ex.variant_spec("plain_relu", 3, 8, init=1.0).init == 1.0
    assert ex.variant_spec("batchnorm", 3, 8, n_in=2).sizes == (2, 8, 8, 8, 1)
    assert ex.variant_label("plain_relu") == "Plain ReLU (He)"
    assert ex.variant_label("plain_sigmoid", init=1.0) == "Plain sigmoid (σw² = 1)"
    assert ex.variant_label("residual", "relu", "1/sqrt(depth)") == (
        "Residual (ReLU, He, branch × 1/√depth)"
    )
    assert ex.variant_label("batchnorm") == "Batch norm (sigmoid, Xavier)"


@pytest.mark.parametrize(
    "kwargs,needle",
    [
        (dict(variant="deep", depth=3, width=4), "variant must be one of"),
        (dict(variant="residual", depth=0, width=4), "from 1 to 1000"),
        (dict(variant="residual", depth=1001, width=4), "MAX_DEPTH"),
        (dict(variant="residual", depth=3, width=1025), "MAX_WIDTH"),
        (dict(variant="residual", depth=3, width=4.5), "whole number"),
        (dict(variant="residual", depth=3, width=4, residual_scale="2"), "residual_scale"),
        (dict(variant="batchnorm", depth=3, width=4, activation="swish"), "activation"),
        (dict(variant="residual", depth=1, width=4, n_in=2), "n_in = width"),
    ],
)
def test_variant_spec_refuses_bad_arguments_with_the_allowed_range(kwargs, needle):
    with pytest.raises(ValueError, match=needle.replace("(", r"\(")):
        ex.variant_spec(**kwargs)


def test_shared_weight_draws_reproduce_init_params_exactly():
    specs = [
        ex.variant_spec("plain_sigmoid", 3, 5),
        ex.variant_spec("batchnorm", 3, 5, activation="relu"),
        ex.variant_spec("residual", 3, 5, residual_scale="1/sqrt(depth)"),
        NetworkSpec(sizes=(3, 7, 2), init=0.3, bias=False),
    ]
    for spec in specs:
        fresh = params_from_normals(spec, draw_normals(spec.sizes, 11))
        # The reused buffers of gradient_profile, dirtied by another seed first:
        draws = draw_normals(spec.sizes, 99)
        weights = [np.full_like(z, np.nan) for z in draws]
        draw_normals(spec.sizes, 11, out=draws)
        reused = params_from_normals(spec, draws, out=weights)
        ref = init_params(spec, 11)
        for ours in (fresh, reused):
            for a, b in zip(ours, ref, strict=True):
                for name in ("W", "b", "gamma", "beta"):
                    x, y = getattr(a, name), getattr(b, name)
                    assert (x is None and y is None) or np.array_equal(x, y), (spec, name)


# ------------------------------------------------------------------------ profiles


def test_profile_frame_is_tidy_and_labelled():
    result = ex.gradient_profile(SMALL, batch=8, seeds=(3, 1))
    frame = result.frame
    assert list(frame.columns) == list(ex.PROFILE_COLUMNS)
    assert len(frame) == 2 * 2 * 5  # variants x seeds x weight layers
    assert list(frame["variant"].unique()) == ["sig", "relu"]
    assert list(frame["seed"].unique()) == [3, 1]
    assert (frame["layer"] + frame["distance"] == 6).all()
    assert frame["layer"].dtype == np.int64 and frame["log10_delta_rms"].dtype == np.float64
    assert np.isfinite(frame[list(ex.METRICS)].to_numpy()).all()
    assert result.issues == () and result.variants == ("sig", "relu")
    assert result.seeds == (3, 1) and result.batch == 8


@pytest.mark.parametrize(
    "spec",
    [
        ex.variant_spec("plain_sigmoid", 4, 6),
        ex.variant_spec("residual", 4, 6, activation="tanh", residual_scale="1/sqrt(depth)"),
        ex.variant_spec("batchnorm", 4, 6, activation="relu"),
        NetworkSpec(sizes=(3, 5, 4, 2), activation="leaky_relu", init=1.3),
    ],
    ids=["plain", "residual", "batchnorm", "custom"],
)
def test_profile_values_equal_a_direct_backward_pass(spec):
    seed, batch, lr = 4, 7, 0.3
    frame = ex.gradient_profile({"net": spec}, batch=batch, seeds=(seed,), lr=lr).frame
    x, y = _inputs(spec, batch, seed)
    params = init_params(spec, seed)
    direct = loss_and_grads(params, spec, x, y, "bce")
    _, cache = forward_unchecked(params, spec, x)
    for row, g, lc in zip(frame.itertuples(), direct.grads, cache.layers, strict=True):
        delta_rms = math.sqrt(np.sum(g.delta**2) / batch)
        assert row.log10_delta_rms == pytest.approx(math.log10(delta_rms), abs=1e-10)
        assert row.log10_grad_w == pytest.approx(math.log10(np.linalg.norm(g.W)), abs=1e-10)
        assert row.log10_update == pytest.approx(math.log10(lr * np.abs(g.W).mean()), abs=1e-10)
        assert row.act_rms == pytest.approx(math.sqrt(np.mean(lc.out**2)), rel=1e-12)


def test_profile_of_a_network_does_not_depend_on_its_company():
    alone = ex.gradient_profile({"relu": SMALL["relu"]}, batch=8, seeds=(0, 5)).frame
    together = ex.gradient_profile(SMALL, batch=8, seeds=(0, 5)).frame
    part = together[together["variant"] == "relu"].reset_index(drop=True)
    pd.testing.assert_frame_equal(alone, part)
    again = ex.gradient_profile(SMALL, batch=8, seeds=(0, 5)).frame
    pd.testing.assert_frame_equal(together, again)


def test_saturated_and_dead_fractions_count_what_they_say():
    saturating = NetworkSpec(sizes=(16, 16, 16, 1), activation="tanh", init=40.0)
    dying = NetworkSpec(sizes=(16, 3, 3, 3, 1), activation="relu", init="he")
    result = ex.gradient_profile({"tanh": saturating, "relu": dying}, batch=10, seeds=(2,))
    frame = result.frame
    for name, spec in (("tanh", saturating), ("relu", dying)):
        x, _ = _inputs(spec, 10, 2)
        _, cache = forward_unchecked(init_params(spec, 2), spec, x)
        rows = frame[frame["variant"] == name]
        for row, lc in zip(rows.itertuples(), cache.layers, strict=True):
            _, h, act = lc.act
            if act.name == "tanh":
                assert row.saturated_frac == pytest.approx(np.mean(np.abs(h) > 0.99))
            if act.name == "relu":
                assert row.dead_frac == pytest.approx(np.mean(np.all(h == 0, axis=0)))
            if act.name not in ("tanh", "sigmoid"):
                assert row.saturated_frac == 0
    assert frame[frame["variant"] == "tanh"]["saturated_frac"].iloc[1] > 0.5
    assert frame[frame["variant"] == "relu"]["dead_frac"].max() > 0  # a real dead unit


def test_forward_overflow_is_reported_not_raised():
    # ReLU branches with sigma_w^2 = 20 grow sqrt(11) ~ 3.3x per layer: float64 overflows
    # near layer 600. (At width 16 a seed can instead freeze: every unit of the stream
    # negative for every input, so every ReLU branch is off from there on.)
    spec = ex.variant_spec("residual", 1000, 32, activation="relu", init=20.0)
    result = ex.gradient_profile(
        {"res": spec, "ok": ex.variant_spec("plain_relu", 5, 16)}, batch=4, seeds=(0, 1)
    )
    overflow = [i for i in result.issues if i.kind == "forward_overflow"]
    assert [i.seed for i in overflow] == [0, 1] and all(i.variant == "res" for i in overflow)
    frame = result.frame
    for issue in overflow:
        rows = frame[(frame["variant"] == "res") & (frame["seed"] == issue.seed)]
        assert 100 < issue.layer < 1000
        assert f"layer {issue.layer} of 1001" in issue.message and "overflowed" in issue.message
        assert rows["log10_delta_rms"].isna().all()  # no made-up backward values
        before = rows[rows["layer"] < issue.layer]["act_rms"]
        assert np.isfinite(before).all() and before.iloc[-1] > 1e100
        assert rows[rows["layer"] >= issue.layer]["act_rms"].isna().all()
    ok = frame[frame["variant"] == "ok"]
    assert np.isfinite(ok["log10_delta_rms"]).all()
    assert result.messages("ok") == [] and len(result.messages("res")) == 2


def test_exactly_zero_gradient_is_reported():
    # One-unit ReLU layers: the unit is off for the whole batch about half of the time.
    spec = NetworkSpec(sizes=(4, *[1] * 12, 1), activation="relu", init="he")
    result = ex.gradient_profile({"thin": spec}, batch=4, seeds=tuple(range(6)))
    zero = [i for i in result.issues if i.kind == "zero_gradient"]
    assert zero, "a chain of single ReLU units should die somewhere for some seed"
    for issue in zero:
        rows = result.frame[result.frame["seed"] == issue.seed].set_index("layer")
        assert math.isnan(rows.loc[issue.layer, "log10_delta_rms"])
        assert rows.loc[issue.layer, "dead_frac"] == 1.0 or issue.layer == spec.n_layers
        assert "exactly zero" in issue.message


def test_depth_1000_sigmoid_profile_stays_finite():
    result = ex.gradient_profile(
        {"deep": ex.variant_spec("plain_sigmoid", 1000, 32)}, batch=16, seeds=(0,)
    )
    values = result.frame["log10_delta_rms"].to_numpy()
    assert np.isfinite(values).all() and result.issues == ()
    assert -700 < values[0] < -500  # 0.236^1000 ~ 1e-627: far below float64's 1e-308
    assert values[-1] > -3


@pytest.mark.parametrize(
    "kwargs,needle",
    [
        (dict(batch=513), "MAX_BATCH"),
        (dict(batch=0), "from 1 to 512"),
        (dict(seeds=tuple(range(21))), "MAX_SEEDS"),
        (dict(seeds=(1, 1)), "must all differ"),
        (dict(seeds=(-1,)), "seed"),
        (dict(seeds="012"), "sequence"),
        (dict(lr=0.0), "lr"),
        (dict(lr=float("nan")), "lr"),
        (dict(input_seed_offset=0), "input_seed_offset"),
    ],
)
def test_profile_refuses_out_of_range_arguments(kwargs, needle):
    with pytest.raises(ValueError, match=needle):
        ex.gradient_profile(SMALL, **kwargs)


def test_profile_refuses_malformed_specs():
    with pytest.raises(ValueError, match="non-empty mapping"):
        ex.gradient_profile({})
    with pytest.raises(ValueError, match="NetworkSpec"):
        ex.gradient_profile({"a": (2, 3, 1)})
    with pytest.raises(ValueError, match="MAX_DEPTH"):
        ex.gradient_profile({"a": NetworkSpec(sizes=(2,) * 1003)})
    with pytest.raises(ValueError, match="MAX_WIDTH"):
        ex.gradient_profile({"a": NetworkSpec(sizes=(2, 2000, 1))})
    with pytest.raises(ValueError, match="at least 2"):
        ex.gradient_profile({"bn": ex.variant_spec("batchnorm", 2, 4)}, batch=1)


def gram_mean_cosine(r: np.ndarray) -> float:
    """The definition: the mean over pairs i != j of cos(r_i, r_j), rows of zeros left out."""
    r = r[np.any(r != 0, axis=1)]
    unit = r / np.linalg.norm(r, axis=1, keepdims=True)
    gram = unit @ unit.T
    n = len(r)
    return float((gram.sum() - np.trace(gram)) / (n * (n - 1)))


@pytest.mark.parametrize("scale", [1.0, 1e-200, 1e200])  # the quick path and the careful one
def test_similarity_is_the_mean_pairwise_cosine(scale):
    rng = np.random.default_rng(3)
    r = rng.normal(size=(9, 5)) + 0.5  # alike rows: a mean cosine well above 0
    assert mean_pair_cosine(r * scale) == pytest.approx(gram_mean_cosine(r), rel=1e-12)
    r[[2, 6]] = 0.0  # rows with no direction are left out
    assert mean_pair_cosine(r * scale) == pytest.approx(gram_mean_cosine(r), rel=1e-12)
    for far in (1e250, 1e-250):  # one row out of range for its squares: cosines ignore size
        odd = r.copy()
        odd[1] *= far
        assert mean_pair_cosine(odd) == pytest.approx(gram_mean_cosine(r), rel=1e-12)
    assert math.isnan(mean_pair_cosine(np.zeros((4, 3))))
    assert math.isnan(mean_pair_cosine(np.ones((1, 3))))


def test_work_budget_refuses_big_calls_and_says_how_deep_is_allowed():
    deepest = ex.largest_depth(1024, 64, 3)
    assert 1 <= deepest < ex.MAX_DEPTH
    with pytest.raises(
        ValueError,
        match=rf"may take at most {ex.MAX_SECONDS:g} s.*depth can be at most {deepest}\b",
    ):
        ex.variant_profiles(depth=1000, width=1024, batch=64, seeds=(0, 1, 2))
    fits = {v: ex.variant_spec(v, deepest, 1024) for v in ex.VARIANTS}
    over = {v: ex.variant_spec(v, deepest + 1, 1024) for v in ex.VARIANTS}
    assert ex.estimate_profile_seconds(fits, 64, 3) <= ex.MAX_SECONDS
    assert ex.estimate_profile_seconds(over, 64, 3) > ex.MAX_SECONDS or (
        ex.estimate_profile_bytes(over, 64) > ex.MAX_MEMORY_BYTES
    )
    # The labs' default comparison fits easily, and at its width the four networks can go
    # 1000 layers deep with one seed (three take about 6 s on the reference machine).
    assert ex.largest_depth(128, 64, 1) == ex.MAX_DEPTH
    assert ex.largest_depth(128, 64, 3) < ex.MAX_DEPTH
    lab = {v: ex.variant_spec(v, 50, 128) for v in ex.VARIANTS}
    assert ex.estimate_profile_seconds(lab, 64, 3) < 0.5


def test_memory_budget_is_enforced():
    spec = NetworkSpec(sizes=(512,) * 400 + (1,))
    assert ex.estimate_profile_bytes({"a": spec}, 512) > ex.MAX_MEMORY_BYTES
    with pytest.raises(ValueError, match=r"may (take|use) at most"):
        ex.gradient_profile({"a": spec}, batch=512, seeds=(0,))


# ----------------------------------------------------------------------- summaries


def test_summary_has_median_and_band_per_layer():
    result = ex.gradient_profile(SMALL, batch=8, seeds=(0, 1, 2, 3, 4))
    summary = ex.summarize_profile(result)
    assert list(summary.columns[:4]) == ["variant", "layer", "distance", "n_seeds"]
    for m in ex.METRICS:
        assert {f"{m}_median", f"{m}_p10", f"{m}_p90"} <= set(summary.columns)
    assert len(summary) == 10 and list(summary["variant"].unique()) == ["sig", "relu"]
    assert (summary["n_seeds"] == 5).all()
    frame = result.frame
    for row in summary.itertuples():
        values = frame[(frame["variant"] == row.variant) & (frame["layer"] == row.layer)]
        v = values["log10_delta_rms"].to_numpy()
        assert row.log10_delta_rms_median == pytest.approx(np.median(v))
        assert row.log10_delta_rms_p10 == pytest.approx(np.quantile(v, 0.1))
        assert row.log10_delta_rms_p90 == pytest.approx(np.quantile(v, 0.9))
        assert row.log10_delta_rms_p10 <= row.log10_delta_rms_median <= row.log10_delta_rms_p90


def test_summary_leaves_out_missing_values():
    frame = ex.gradient_profile(SMALL, batch=8, seeds=(0, 1, 2)).frame.copy()
    frame.loc[(frame["seed"] == 0) & (frame["layer"] == 2), "log10_delta_rms"] = np.nan
    summary = ex.summarize_profile(frame)
    row = summary[(summary["variant"] == "sig") & (summary["layer"] == 2)].iloc[0]
    kept = frame[(frame["variant"] == "sig") & (frame["layer"] == 2) & (frame["seed"] > 0)]
    assert row["n_seeds"] == 2
    assert row["log10_delta_rms_median"] == pytest.approx(kept["log10_delta_rms"].median())
    with pytest.raises(ValueError, match="lacks the profile columns"):
        ex.summarize_profile(frame.drop(columns=["dead_frac"]))


def _synthetic(log_factor: dict[str, float], depth: int, seeds=(0, 1)) -> pd.DataFrame:
    rows = []
    for variant, slope in log_factor.items():
        for seed in seeds:
            for layer in range(1, depth + 2):
                # Transients at both ends that a fit must not see:
                bump = 3.0 if layer in (1, 2, depth, depth + 1) else 0.0
                value = 1.0 + seed - slope * layer + bump
                rows.append(
                    dict(
                        variant=variant,
                        seed=seed,
                        layer=layer,
                        distance=depth + 2 - layer,
                        log10_delta_rms=value,
                    )
                )
    frame = pd.DataFrame(rows)
    for m in ex.METRICS[1:]:
        frame[m] = 0.0
    return frame[list(ex.PROFILE_COLUMNS)]


def test_per_layer_factor_fits_the_interior_slope():
    frame = _synthetic({"half": math.log10(0.5), "grow": math.log10(1.25)}, depth=20)
    for data in (frame, ex.summarize_profile(frame)):
        measured = ex.per_layer_factor_measured(data, skip=3)
        assert measured["half"] == pytest.approx(0.5, rel=1e-12)
        assert measured["grow"] == pytest.approx(1.25, rel=1e-12)
    # Without skipping, the made-up transients bend the fit: skip is what removes them.
    assert ex.per_layer_factor_measured(frame, skip=0)["half"] != pytest.approx(0.5, rel=1e-3)
    tiny = _synthetic({"short": 0.1}, depth=1)
    assert math.isnan(ex.per_layer_factor_measured(tiny)["short"])
    with pytest.raises(ValueError, match="metric"):
        ex.per_layer_factor_measured(frame, metric="loss")


def test_first_layer_ratio_in_log10_and_as_a_factor():
    frame = _synthetic({"fade": -2.0}, depth=300)  # 300 layers of 1/100: 1e-600
    ratio = ex.first_layer_ratio(frame)["fade"]
    # layer 1 (bump 3) against the output (layer 301, bump 3): 300 steps of -2 decades
    assert ratio.log10 == pytest.approx(-600.0)
    assert ratio.factor == 0.0  # underflows as a plain number; the log10 carries it
    hidden = ex.first_layer_ratio(frame, reference="last_hidden")["fade"]
    assert hidden.log10 == pytest.approx(-598.0)
    real = ex.first_layer_ratio(ex.gradient_profile(SMALL, batch=8, seeds=(0,)))
    for name in SMALL:
        assert real[name].factor == pytest.approx(10 ** real[name].log10)
    with pytest.raises(ValueError, match="reference"):
        ex.first_layer_ratio(frame, reference="middle")


# -------------------------------------------------------------------- update sizes


def test_course_update_table_uses_the_worked_example():
    table = ex.update_size_table()
    step = worked_example()
    out = (abs(step.dv1) + abs(step.dv2)) / 2
    hidden = (abs(step.dw11) + abs(step.dw12) + abs(step.dw21) + abs(step.dw22)) / 4
    assert list(table.columns) == [
        "distance",
        "layer",
        "label",
        "mean_abs_update",
        "ratio_to_output",
        "log10_mean_abs_update",
        "shrink_per_layer",
    ]
    assert table["distance"].tolist() == [1, 2] and table["layer"].tolist() == [2, 1]
    assert table["mean_abs_update"].tolist() == pytest.approx([out, hidden], rel=1e-12)
    assert table["ratio_to_output"].tolist() == pytest.approx([1.0, hidden / out], rel=1e-12)
    assert 1 / table["ratio_to_output"].iloc[1] == pytest.approx(11.6, abs=0.05)  # SCIENCE.md
    assert math.isnan(table["shrink_per_layer"].iloc[0])
    assert table["shrink_per_layer"].iloc[1] == pytest.approx(hidden / out)
    # A different learning rate scales every update but no ratio.
    other = ex.update_size_table(lr=0.1)
    assert other["mean_abs_update"].iloc[0] == pytest.approx(out / 5)
    assert other["ratio_to_output"].tolist() == pytest.approx(table["ratio_to_output"].tolist())


def test_deep_update_table_matches_the_engine_and_survives_underflow():
    spec = ex.variant_spec("plain_sigmoid", 4, 8)
    table = ex.update_size_table(spec, lr=0.5, batch=16, seed=3)
    x, y = _inputs(spec, 16, 3)
    grads = loss_and_grads(init_params(spec, 3), spec, x, y, "bce").grads
    expected = [0.5 * np.abs(g.W).mean() for g in reversed(grads)]
    assert table["mean_abs_update"].tolist() == pytest.approx(expected, rel=1e-10)
    assert table["layer"].tolist() == [5, 4, 3, 2, 1]
    assert (table["shrink_per_layer"].iloc[1:] < 1).all()  # sigmoid: shrinks every layer
    deep = ex.update_size_table(ex.variant_spec("plain_sigmoid", 600, 16), batch=8)
    assert np.isfinite(deep["log10_mean_abs_update"]).all()
    assert deep["log10_mean_abs_update"].iloc[-1] < -330  # below float64's smallest number
    assert deep["mean_abs_update"].iloc[-1] == 0.0
    with pytest.raises(ValueError, match="MAX_BATCH"):
        ex.update_size_table(spec, batch=10_000)


# -------------------------------------------------------------------------- training


TRAIN_SPECS = {
    "relu": ex.variant_spec("plain_relu", 2, 16, n_in=2),
    "bn": ex.variant_spec("batchnorm", 2, 16, n_in=2, activation="relu"),
}


def test_training_learns_and_records_everything():
    calls: list[tuple[float, str]] = []
    result = ex.train_variants(
        TRAIN_SPECS,
        "moons",
        steps=300,
        lr=0.5,
        batch=32,
        record_every=50,
        grid_size=20,
        progress=lambda f, text: calls.append((f, text)),
    )
    assert set(result.runs) == {"relu", "bn"}
    assert result.X.shape == (400, 2) and result.y.shape == (400, 1)
    assert result.grid_x.shape == (20,) and result.grid_y.shape == (20,)
    for name, run in result.runs.items():
        assert run.diverged_at is None and "300 steps" in run.message
        assert run.history["step"].tolist() == [0, 50, 100, 150, 200, 250, 300]
        assert list(run.history.columns) == ["step", "loss", "accuracy"]
        assert run.history["loss"].iloc[-1] < 0.5 * run.history["loss"].iloc[0], name
        assert run.history["accuracy"].iloc[-1] > 0.85, name
        assert list(run.grad_norms.columns) == ["step", "layer", "distance", "log10_grad_norm"]
        assert len(run.grad_norms) == 7 * 3
        assert run.grid_prob.shape == (20, 20)
        assert ((run.grid_prob >= 0) & (run.grid_prob <= 1)).all()
    fractions = [f for f, _ in calls]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert len(result.history_frame()) == 14 and len(result.grad_norm_frame()) == 42


def test_training_is_seeded_and_fair():
    twins = {"a": TRAIN_SPECS["relu"], "b": TRAIN_SPECS["relu"]}
    one = ex.train_variants(twins, "xor", steps=40, lr=0.3, batch=16, seed=5, grid_size=10)
    two = ex.train_variants(twins, "xor", steps=40, lr=0.3, batch=16, seed=5, grid_size=10)
    pd.testing.assert_frame_equal(one.runs["a"].history, one.runs["b"].history)
    pd.testing.assert_frame_equal(one.runs["a"].history, two.runs["a"].history)
    np.testing.assert_array_equal(one.runs["a"].grid_prob, two.runs["b"].grid_prob)
    three = ex.train_variants(twins, "xor", steps=40, lr=0.3, batch=16, seed=6, grid_size=10)
    assert not np.array_equal(one.X, three.X)


@pytest.mark.parametrize(
    ("act", "depth", "width", "lr"), [("tanh", 3, 6, 0.5), ("relu", 10, 32, 30.0)]
)
def test_each_network_trained_alone_is_the_one_trained_beside_the_others(act, depth, width, lr):
    # The training lab keeps each network's run and trains only the new ones: that is
    # exact only if a network's run does not depend on which others train beside it.
    # (At lr 30 the deep ReLU and residual networks diverge.)
    specs = {v: ex.variant_spec(v, depth, width, n_in=2, activation=act) for v in ex.VARIANTS}
    settings = ex.TrainingSettings("spirals", n_samples=60, steps=40, lr=lr, batch=12, seed=3)
    together = ex.train_variants(specs, "spirals", n_samples=60, steps=40, lr=lr, batch=12, seed=3)
    fractions: dict[str, list[float]] = {name: [] for name in specs}
    alone = {
        name: ex.train_network(name, spec, settings, lambda f, _, n=name: fractions[n].append(f))
        for name, spec in reversed(specs.items())  # another order changes nothing
    }
    assert all(f == sorted(f) and f[-1] == 1.0 for f in fractions.values())
    assert lr < 1 or any(r.diverged_at is not None for r in together.runs.values())
    for name, run in together.runs.items():
        pd.testing.assert_frame_equal(alone[name].history, run.history)
        pd.testing.assert_frame_equal(alone[name].grad_norms, run.grad_norms)
        if run.grid_prob is None:
            assert alone[name].grid_prob is None
        else:
            np.testing.assert_array_equal(alone[name].grid_prob, run.grid_prob)
        assert (alone[name].diverged_at, alone[name].message) == (run.diverged_at, run.message)
        assert alone[name].start_spread == run.start_spread
    gathered = ex.training_result(alone, settings)
    np.testing.assert_array_equal(gathered.X, together.X)
    np.testing.assert_array_equal(gathered.grid_y, together.grid_y)
    with pytest.raises(ValueError, match="may take at most"):  # the set is checked as a whole
        ex.check_training(specs, ex.TrainingSettings(steps=5000, n_samples=2000, batch=512))


def test_training_records_whole_set_loss_and_minibatch_gradient_norms():
    spec = TRAIN_SPECS["relu"]
    result = ex.train_variants({"r": spec}, "circles", steps=5, lr=0.1, batch=8, grid_size=10)
    params = init_params(spec, 0)
    history = result.runs["r"].history
    assert history["loss"].iloc[0] == pytest.approx(
        loss_and_grads(params, spec, result.X, result.y, "bce").loss
    )
    rows = minibatch_order(400, 8, 6, seed=0)[0]  # the first step's batch
    grads = loss_and_grads(params, spec, result.X[rows], result.y[rows], "bce").grads
    first = result.runs["r"].grad_norms.query("step == 0")
    expected = [math.log10(np.linalg.norm(g.W)) for g in grads]
    assert first["log10_grad_norm"].tolist() == pytest.approx(expected, rel=1e-10)


def test_minibatches_cover_each_epoch_once():
    order = minibatch_order(10, 3, 7, seed=1)
    assert order.shape == (7, 3)
    for epoch in (order[:3], order[3:6]):  # 3 whole batches per epoch; the 10th row waits
        assert len(set(epoch.ravel())) == 9


def test_divergence_stops_one_network_and_says_when():
    # Bounded sigmoid units keep the calm network's logit finite even at this rate.
    calm = ex.variant_spec("plain_sigmoid", 2, 4, n_in=2)
    specs = {"wild": ex.variant_spec("plain_relu", 10, 32, n_in=2), "calm": calm}
    result = ex.train_variants(specs, "moons", steps=200, lr=100.0, batch=32, grid_size=10)
    wild = result.runs["wild"]
    assert wild.diverged_at is not None and 0 < wild.diverged_at < 200
    assert wild.grid_prob is None
    assert f"diverged at step {wild.diverged_at}" in wild.message
    assert wild.history["step"].max() <= wild.diverged_at
    assert np.isfinite(wild.history["loss"]).all()  # only finite values are recorded
    calm_run = result.runs["calm"]
    assert calm_run.diverged_at is None and calm_run.history["step"].iloc[-1] == 200
    assert calm_run.grid_prob is not None


def test_batchnorm_grid_uses_the_training_statistics():
    spec = TRAIN_SPECS["bn"]
    params = init_params(spec, 1)
    x = np.random.default_rng(0).normal(size=(50, 2))
    y_hat, cache = forward_unchecked(params, spec, x, "eval", _stats(params, spec, x))
    logits, stats = cache.logits, cache.bn_stats
    ref, _ = forward_unchecked(params, spec, x)
    np.testing.assert_allclose(y_hat, ref, rtol=1e-12)
    np.testing.assert_allclose(sigmoid(logits), ref, rtol=1e-12)
    # One point alone: its own batch statistics would be meaningless; the stored ones are not.
    _, single = forward_unchecked(params, spec, x[:1], "eval", stats)
    np.testing.assert_allclose(single.logits, logits[:1], rtol=1e-12)
    assert not forward_unchecked(params, spec, x[:1], "eval", stats)[1].layers  # nothing kept


def _stats(params, spec, x):
    """The batch statistics a training-mode pass over x normalized with."""
    return forward_unchecked(params, spec, x)[1].bn_stats


@pytest.mark.parametrize(
    "kwargs,needle",
    [
        (dict(steps=0), "steps"),
        (dict(steps=ex.MAX_TRAIN_STEPS + 1), "MAX_TRAIN_STEPS"),
        (dict(n_samples=3), "n_samples"),
        (dict(n_samples=ex.MAX_TRAIN_SAMPLES + 1), "MAX_TRAIN_SAMPLES"),
        (dict(batch=1), "batch"),  # batchnorm needs two rows
        (dict(batch=500), "batch"),  # more than the 400 samples
        (dict(lr=-1.0), "lr"),
        (dict(noise=float("inf")), "noise"),
        (dict(grid_size=5), "MAX_GRID"),
        (dict(loss="hinge"), "loss"),
        (dict(dataset="mnist"), "dataset"),
        (dict(record_every=0), "record_every"),
        (dict(progress="yes"), "progress"),
    ],
)
def test_training_refuses_out_of_range_arguments(kwargs, needle):
    args = dict(dataset="moons", steps=10, lr=0.1, batch=8)
    args.update(kwargs)
    with pytest.raises(ValueError, match=needle):
        ex.train_variants(TRAIN_SPECS, **args)


def test_training_needs_two_inputs_and_fits_the_time_budget():
    with pytest.raises(ValueError, match="2 inputs"):
        ex.train_variants({"x": ex.variant_spec("plain_relu", 2, 8)}, steps=5)
    big = {v: ex.variant_spec(v, 200, 256, n_in=2) for v in ex.VARIANTS}
    with pytest.raises(ValueError, match="may take at most"):
        ex.train_variants(big, steps=5000)
