"""Snapshots of a network while it trains, for playing its learning back.

At a few steps of a run (checkpoint_steps: geometric, so the fast changes of the first
updates get as many pictures as the slow ones later) the training records the loss and
accuracy on the whole training set and the decision map: the predicted probability of
class 1 on the grid, at most MAX_CHECKPOINT_GRID points a side (a coarser grid than the
final map's when that one is finer), as float32.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

CHECKPOINT_COUNT = 30  # snapshots of a run (all of its steps when it has fewer)
# A side of a snapshot's grid: 30 snapshots of 31 x 31 float32 are 115 kB a network.
# The training's default grid, 61 points a side, is kept every other point, its edges
# included: a quarter of the work of full-size snapshots (with those, the training lab's
# runs took 5% longer on its default moons and 20-45% on spirals), a picture the eye
# cannot tell from the full one at the size the playback draws it, and the final map's
# corners in every snapshot.
MAX_CHECKPOINT_GRID = 31
CHECKPOINT_DTYPE = np.float32  # 7 digits: far more than a color or the 50% line shows


def checkpoint_steps(steps: int, count: int = CHECKPOINT_COUNT) -> tuple[int, ...]:
    """The steps of a run of `steps` updates that get a snapshot: step 0 (before any
    update), then steps spaced geometrically from 1 to `steps` (each at least one after
    the one before), `count` in all; every step 0..steps when there are no more than
    count of them. Strictly increasing, first 0, last `steps`."""
    if steps < 0 or count < 2:
        raise ValueError(f"need steps >= 0 and count >= 2; got steps={steps}, count={count}")
    if steps + 1 <= count:
        return tuple(range(steps + 1))
    chosen = [0, 1]
    while len(chosen) < count:
        left = count - len(chosen)  # slots still to fill, the last one included
        here = chosen[-1]
        # The ratio that would reach `steps` in `left` equal geometric strides; at least
        # one step further, and room left for the slots after this one.
        target = round(here * (steps / here) ** (1 / left))
        chosen.append(min(max(here + 1, target), steps - (left - 1)))
    return tuple(chosen)


def checkpoint_stride(grid_size: int) -> int:
    """Every how many grid points (along each axis) a snapshot keeps: 1 up to
    MAX_CHECKPOINT_GRID points a side, more for a finer grid."""
    return max(1, math.ceil(grid_size / MAX_CHECKPOINT_GRID))


@dataclass(frozen=True, eq=False)
class Checkpoints:
    """A run's snapshots, in step order (a diverged run stops before its divergence).

    steps: the steps (updates done so far) of the snapshots.
    loss, accuracy: on the whole training set at each step, as the run's history has them.
    grid_prob: (len(steps), g, g) predicted probability of class 1, grid_prob[k, i, j] at
    the final map's grid point (stride * j, stride * i); g = ceil(grid_size / stride).
    stride: see checkpoint_stride (1: the snapshot grid is the final map's grid, and the
    last snapshot of a run that went through equals its final map).
    """

    steps: tuple[int, ...]
    loss: tuple[float, ...]
    accuracy: tuple[float, ...]
    grid_prob: np.ndarray
    stride: int


class Recorder:
    """Collects a run's snapshots as it trains (core.training._train_one)."""

    def __init__(self, steps: int, grid_size: int) -> None:
        self.wanted = frozenset(checkpoint_steps(steps))
        self.stride = checkpoint_stride(grid_size)
        self._records: list[tuple[int, float, float, np.ndarray]] = []

    def add(self, step: int, loss: float, accuracy: float, grid_prob: np.ndarray) -> None:
        """One snapshot; grid_prob is on the subsampled grid (see keep) or the full one."""
        prob = grid_prob.astype(CHECKPOINT_DTYPE)
        self._records.append((step, loss, accuracy, prob))

    def keep(self, grid_points: np.ndarray, grid_size: int) -> np.ndarray:
        """The (g^2, 2) grid points a snapshot evaluates, from the final map's (grid^2, 2)."""
        index = np.arange(0, grid_size, self.stride)
        rows = (index[:, None] * grid_size + index[None, :]).ravel()
        return grid_points[rows]

    def result(self, grid_size: int) -> Checkpoints:
        side = len(range(0, grid_size, self.stride))
        grids = [r[3].reshape(side, side) for r in self._records]
        stacked = np.stack(grids) if grids else np.empty((0, side, side), CHECKPOINT_DTYPE)
        return Checkpoints(
            steps=tuple(r[0] for r in self._records),
            loss=tuple(r[1] for r in self._records),
            accuracy=tuple(r[2] for r in self._records),
            grid_prob=stacked,
            stride=self.stride,
        )
