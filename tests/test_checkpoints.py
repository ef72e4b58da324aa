"""Snapshots recorded during training for playback (core.checkpoints, core.training)."""

from __future__ import annotations

import numpy as np
import pytest

from core import experiments as ex
from core.checkpoints import (
    CHECKPOINT_COUNT,
    MAX_CHECKPOINT_GRID,
    checkpoint_steps,
    checkpoint_stride,
)

SMALL = {"n_samples": 80, "batch": 16, "seed": 2}


@pytest.mark.parametrize("steps", [1, 5, 28, 29, 30, 31, 100, 500, 1500, ex.MAX_TRAIN_STEPS])
def test_checkpoint_steps_start_at_0_end_at_the_last_step_and_increase(steps):
    chosen = checkpoint_steps(steps)
    assert chosen[0] == 0 and chosen[-1] == steps
    assert (np.diff(chosen) > 0).all(), chosen
    assert len(chosen) == min(steps + 1, CHECKPOINT_COUNT) >= min(steps + 1, 25)


def test_checkpoint_steps_are_geometric_so_the_early_changes_show():
    chosen = np.array(checkpoint_steps(500))
    assert (chosen <= 50).sum() >= 14  # half of the snapshots in the first tenth
    ratios = chosen[10:] / chosen[9:-1]  # past the crowded start: a steady ratio
    assert ratios.max() / ratios.min() < 1.15, ratios
    assert 1.1 < ratios.mean() < 1.4


def test_checkpoint_steps_refuse_nonsense():
    with pytest.raises(ValueError, match="count"):
        checkpoint_steps(10, 1)


def _run(variant="plain_relu", activation="relu", steps=60, lr=0.5, grid_size=20, depth=3, width=6):
    spec = ex.variant_spec(variant, depth, width, n_in=2, activation=activation)
    settings = ex.TrainingSettings("moons", steps=steps, lr=lr, grid_size=grid_size, **SMALL)
    return ex.train_network(variant, spec, settings), settings


@pytest.mark.parametrize("variant", ["plain_relu", "batchnorm"])
def test_snapshots_match_the_history_and_the_last_is_the_final_map(variant):
    run, _ = _run(variant)
    snaps = run.checkpoints
    assert snaps.steps == checkpoint_steps(60) and snaps.stride == 1
    assert snaps.grid_prob.shape == (CHECKPOINT_COUNT, 20, 20)
    assert snaps.grid_prob.dtype == np.float32
    np.testing.assert_array_equal(snaps.grid_prob[-1], run.grid_prob.astype(np.float32))
    by_step = run.history.set_index("step")
    common = [s for s in snaps.steps if s in by_step.index]
    assert len(common) >= 5
    for step in common:  # the same whole-set numbers as the history at that step
        k = snaps.steps.index(step)
        assert snaps.loss[k] == by_step.loss[step] and snaps.accuracy[k] == by_step.accuracy[step]
    assert not np.array_equal(snaps.grid_prob[0], snaps.grid_prob[-1])  # it learned


@pytest.mark.parametrize("variant", ["plain_sigmoid", "batchnorm"])
def test_a_snapshot_is_the_map_of_a_run_stopped_at_that_step(variant):
    # A run of k steps takes the first k batches of a longer one, so its final map is the
    # longer run's snapshot at k; for batch norm that checks that snapshots judge the grid
    # with the training set's statistics, as the final map does.
    long, _ = _run(variant, "sigmoid", steps=200)
    k = long.checkpoints.steps.index(36)
    short, _ = _run(variant, "sigmoid", steps=36)
    np.testing.assert_allclose(long.checkpoints.grid_prob[k], short.grid_prob, rtol=0, atol=1e-6)
    assert long.checkpoints.loss[k] == pytest.approx(short.history["loss"].iloc[-1], rel=1e-12)


def test_a_fine_grid_is_kept_coarser_in_the_snapshots():
    side = MAX_CHECKPOINT_GRID
    assert checkpoint_stride(side) == 1 and checkpoint_stride(side + 1) == 2
    run, _ = _run(steps=30, grid_size=100)
    stride = checkpoint_stride(100)
    assert run.checkpoints.stride == stride > 2
    kept = len(range(0, 100, stride))
    assert run.checkpoints.grid_prob.shape == (CHECKPOINT_COUNT, kept, kept)
    np.testing.assert_array_equal(
        run.checkpoints.grid_prob[-1], run.grid_prob[::stride, ::stride].astype(np.float32)
    )


def test_the_default_grid_keeps_its_edges_in_every_snapshot():
    # The playback draws a snapshot's 50% line up to its outermost points: a grid whose
    # last row and column a snapshot skipped would end the line short of the map's edge.
    grid = ex.TrainingSettings().grid_size
    stride = checkpoint_stride(grid)
    assert stride == 2 and (grid - 1) % stride == 0
    run, _ = _run(steps=30, grid_size=grid)
    assert run.checkpoints.grid_prob.shape[1:] == (MAX_CHECKPOINT_GRID, MAX_CHECKPOINT_GRID)
    np.testing.assert_array_equal(
        run.checkpoints.grid_prob[-1], run.grid_prob[::stride, ::stride].astype(np.float32)
    )
    corners = run.grid_prob[[0, 0, -1, -1], [0, -1, 0, -1]].astype(np.float32)
    np.testing.assert_array_equal(
        run.checkpoints.grid_prob[-1][[0, 0, -1, -1], [0, -1, 0, -1]], corners
    )


def test_a_diverged_network_stops_recording_before_its_divergence():
    run, _ = _run("plain_relu", "relu", steps=200, lr=100.0, depth=10, width=32)
    assert run.diverged_at is not None and run.grid_prob is None
    snaps = run.checkpoints
    assert 0 < len(snaps.steps) < CHECKPOINT_COUNT
    assert max(snaps.steps) < run.diverged_at
    assert snaps.grid_prob.shape[0] == len(snaps.steps) == len(snaps.loss)
    assert np.isfinite(snaps.loss).all()


def test_snapshots_cost_time_in_the_estimate():
    spec = {"r": ex.variant_spec("plain_relu", 6, 16, n_in=2)}
    few = ex.estimate_training_seconds(spec, 20, 32, 400, 1, 60)  # 21 snapshots
    many = ex.estimate_training_seconds(spec, 29, 32, 400, 1, 60)  # 30 snapshots
    more = ex.estimate_training_seconds(spec, 38, 32, 400, 1, 60)  # still 30
    assert many - few > more - many > 0
