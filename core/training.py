"""Minibatch SGD on a 2-D toy data set, several networks side by side.

``train_variants(specs, dataset, ...)`` trains every named network on the same data,
from the same seed, on the same minibatches, and records as it goes: the loss and
accuracy on the whole training set, and the size of each layer's gradient. At the end
each network's predicted probability over a grid covering the data is its decision map.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from core.activations import sigmoid
from core.checkpoints import Checkpoints, Recorder
from core.datasets import DATASETS, make_dataset
from core.limits import (
    MAX_BATCH,
    MAX_GRID,
    MAX_LR,
    MAX_NOISE,
    MAX_SEED,
    MAX_TRAIN_SAMPLES,
    MAX_TRAIN_STEPS,
    MIN_GRID,
    MIN_TRAIN_SAMPLES,
    Refused,
    check_choice,
    check_float,
    check_int,
    check_specs,
    estimate_profile_bytes,
    estimate_training_seconds,
    too_big_message,
)
from core.logspace import log10_sum_squares
from core.losses import LOSSES
from core.network import (
    LayerParams,
    NetworkSpec,
    forward_unchecked,
    init_params,
    output_loss,
)
from core.points import Points
from core.trainer import Trainer
from core.variants import short_label

BATCH_SEED_OFFSET = 2_000_003  # minibatch order of train_variants(seed=s)
Progress = Callable[[float, str], None]


@dataclass(frozen=True, eq=False)
class VariantRun:
    """One network's training run.

    history: step (updates done so far), loss and accuracy on the whole training set.
    grad_norms: step, layer, distance, log10_grad_norm = log10 ||dL/dW||_F of the
    minibatch gradient at that step, the one the next update uses (NaN where it is not
    finite or is 0).
    grid_prob: (grid_size, grid_size) predicted probability of class 1 after training,
    grid_prob[i, j] at (grid_x[j], grid_y[i]); None if training diverged.
    diverged_at: the step at which the loss became inf or nan, or None.
    message: one sentence on how the run ended, for the UI.
    start_spread: before training, how much the last hidden layer's outputs vary across
    the training inputs (their standard deviation over the data, averaged over its
    units): near 0, every input reaches the output looking the same, and the network
    has forgotten which input it was given (NaN for a network without hidden layers).
    checkpoints: snapshots for playing the run back (core.checkpoints): the decision map,
    loss and accuracy at checkpoint_steps(steps), up to the last finite one.
    """

    history: pd.DataFrame
    grad_norms: pd.DataFrame
    grid_prob: np.ndarray | None
    diverged_at: int | None
    message: str
    start_spread: float = math.nan
    checkpoints: Checkpoints | None = None


@dataclass(frozen=True, eq=False)
class TrainingResult:
    """Output of train_variants: one VariantRun per network, the data and the grid axes."""

    runs: dict[str, VariantRun]
    X: np.ndarray  # (n_samples, 2) training inputs
    y: np.ndarray  # (n_samples, 1) labels 0/1
    grid_x: np.ndarray  # (grid_size,)
    grid_y: np.ndarray  # (grid_size,)
    dataset: str
    loss: str

    def history_frame(self) -> pd.DataFrame:
        """Every run's history in one table with a variant column."""
        return pd.concat(
            [r.history.assign(variant=name) for name, r in self.runs.items()], ignore_index=True
        )

    def grad_norm_frame(self) -> pd.DataFrame:
        """Every run's gradient norms in one table with a variant column."""
        return pd.concat(
            [r.grad_norms.assign(variant=name) for name, r in self.runs.items()],
            ignore_index=True,
        )


def minibatch_order(n_samples: int, batch: int, steps: int, seed: int) -> np.ndarray:
    """(steps, batch) row indices: epochs of a fresh permutation, cut into whole batches."""
    rng = np.random.default_rng(seed + BATCH_SEED_OFFSET)
    per_epoch = n_samples // batch
    epochs = -(-steps // per_epoch)
    rows = [rng.permutation(n_samples)[: per_epoch * batch] for _ in range(epochs)]
    return np.concatenate(rows).reshape(-1, batch)[:steps]


@dataclass(frozen=True)
class _Task:
    """What every network of one call trains on, and how."""

    X: np.ndarray
    Y: np.ndarray
    order: np.ndarray  # (steps + 1, batch): one more batch for the final gradient
    seed: int
    lr: float
    loss: str
    record_every: int
    grid_points: np.ndarray
    grid_size: int

    @property
    def steps(self) -> int:
        return len(self.order) - 1


def _whole_set(
    params: list[LayerParams], spec: NetworkSpec, task: _Task
) -> tuple[float, float] | None:
    """Loss and accuracy on the whole training set; None if the loss is not finite."""
    y_all, cache = forward_unchecked(params, spec, task.X)
    out = output_loss(y_all, cache, task.Y, task.loss)
    if not math.isfinite(out.value):
        return None
    return out.value, float(np.mean((out.prob > 0.5) == (task.Y > 0.5)))


def _spread(params: list[LayerParams], spec: NetworkSpec, task: _Task) -> float:
    """How much the last hidden layer's outputs vary across the training inputs."""
    if spec.n_layers < 2:
        return math.nan
    _, cache = forward_unchecked(params, spec, task.X)
    return float(np.mean(np.std(cache.layers[-2].out, axis=0)))


def _grid_prob(
    params: list[LayerParams], spec: NetworkSpec, task: _Task, points: np.ndarray | None = None
) -> tuple[float, float, np.ndarray] | None:
    """Loss and accuracy on the whole training set, and the network's probability of
    class 1 at the grid points (default: the whole grid, as (grid, grid)); None if the
    loss is not finite.

    Batchnorm layers judge the grid with the training set's statistics (mode "eval"):
    the grid's own would be meaningless. A network with huge weights may overflow on
    grid points far from the data; sigmoid maps +-inf to 1 and 0, and a nan stays nan
    (shown as a gap)."""
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        y_all, on_data = forward_unchecked(params, spec, task.X)  # as _whole_set
        out = output_loss(y_all, on_data, task.Y, task.loss)
        if not math.isfinite(out.value):
            return None
        grid = task.grid_points if points is None else points
        y_grid, cache = forward_unchecked(params, spec, grid, "eval", on_data.bn_stats)
        prob = sigmoid(cache.logits) if task.loss == "bce" else y_grid
    accuracy = float(np.mean((out.prob > 0.5) == (task.Y > 0.5)))
    if points is None:
        prob = prob.reshape(task.grid_size, task.grid_size)
    return out.value, accuracy, prob


def _run_tables(
    history: list[tuple[int, float, float]], norms: list[np.ndarray], n_layers: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The history and grad_norms tables of a VariantRun from the records."""
    record_steps = np.array([h[0] for h in history], dtype=np.int64)
    layers = np.arange(1, n_layers + 1)
    values = np.concatenate(norms) if norms else np.empty(0)
    grad_norms = pd.DataFrame(
        {
            "step": np.repeat(record_steps, n_layers),
            "layer": np.tile(layers, len(record_steps)),
            "distance": np.tile(n_layers + 1 - layers, len(record_steps)),
            "log10_grad_norm": np.where(np.isfinite(values), values, np.nan),
        }
    )
    frame = pd.DataFrame(history, columns=["step", "loss", "accuracy"])
    frame["step"] = frame["step"].astype(np.int64)
    return frame, grad_norms


def _train_one(
    name: str, spec: NetworkSpec, task: _Task, report: Callable[[int], None]
) -> VariantRun:
    steps = task.steps
    params = init_params(spec, task.seed)
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        spread = _spread(params, spec, task)
    history: list[tuple[int, float, float]] = []
    norms: list[np.ndarray] = []
    diverged_at = None
    snaps = Recorder(steps, task.grid_size)  # the last one is the final map, below
    snap_points = snaps.keep(task.grid_points, task.grid_size)
    trainer = Trainer(spec, params)  # core.network's steps, bit for bit, without its objects
    params, grads = trainer.params, trainer.grads  # views, updated in place by each step
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        for step in range(steps + 1):
            rows = task.order[step]
            out = trainer.loss_and_grads(task.X[rows], task.Y[rows], task.loss)
            if not math.isfinite(out.value):
                diverged_at = step
                break
            if step % task.record_every == 0 or step == steps:
                whole = _whole_set(params, spec, task)
                if whole is None:
                    diverged_at = step
                    break
                history.append((step, *whole))
                norms.append(np.array([0.5 * log10_sum_squares(g.W) for g in grads]))
                report(step)
            if step == steps:
                break
            # A snapshot with a non-finite loss is left out; training goes on as before.
            if step in snaps.wanted and (snap := _grid_prob(params, spec, task, snap_points)):
                snaps.add(step, *snap)
            trainer.sgd_step(task.lr)
    frame, grad_norms = _run_tables(history, norms, spec.n_layers)
    if diverged_at is not None:
        message = (
            f"{short_label(name)} diverged at step {diverged_at}: the loss became too large "
            "for float64 (inf or nan), so training stopped there. A smaller learning "
            "rate usually helps."
        )
        checkpoints = snaps.result(task.grid_size)
        return VariantRun(frame, grad_norms, None, diverged_at, message, spread, checkpoints)
    final = history[-1]
    message = (
        f"{short_label(name)}: after {steps} steps the training loss is {final[1]:.3g} and "
        f"{final[2]:.0%} of the points are classified correctly."
    )
    grid = _grid_prob(params, spec, task)[2]  # the history's last record: finite
    snaps.add(steps, final[1], final[2], grid[:: snaps.stride, :: snaps.stride])
    checkpoints = snaps.result(task.grid_size)
    return VariantRun(frame, grad_norms, grid, None, message, spread, checkpoints)


def _check_training_spec(name: str, spec: NetworkSpec) -> None:
    if spec.sizes[0] != 2 or spec.sizes[-1] != 1:
        raise Refused(
            f"network {name!r} must take 2 inputs and give 1 output for a 2-D data set; "
            f"its sizes are {spec.sizes} (variant_spec(..., n_in=2) builds one)"
        )


def _grid(X: np.ndarray, grid_size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Grid axes covering the data with a margin of 0.5, and the (grid^2, 2) points."""
    lo, hi = X.min(axis=0) - 0.5, X.max(axis=0) + 0.5
    grid_x = np.linspace(lo[0], hi[0], grid_size)
    grid_y = np.linspace(lo[1], hi[1], grid_size)
    gx, gy = np.meshgrid(grid_x, grid_y)
    return grid_x, grid_y, np.column_stack([gx.ravel(), gy.ravel()])


@dataclass(frozen=True)
class TrainingSettings:
    """Everything a training run depends on besides its networks (small and hashable);
    train_variants documents each. record_every None: about 100 records over the run."""

    dataset: str = "moons"
    n_samples: int = 400
    noise: float = 0.2
    steps: int = 500
    lr: float = 0.5
    batch: int = 32
    seed: int = 0
    record_every: int | None = None
    loss: str = "bce"
    grid_size: int = 61


UPLOAD = "upload:"  # a run on a class's own points: its dataset is UPLOAD + their digest


def check_training(
    specs: Mapping[str, NetworkSpec], settings: TrainingSettings, points: Points | None = None
) -> TrainingSettings:
    """settings checked against core.limits for these networks (record_every filled in),
    as train_variants checks them: Refused past any limit, the estimated time and memory
    of all the networks together included. With points (core.points.parse_csv's), the
    networks learn those instead of a toy data set: the checked settings name them
    (dataset UPLOAD + digest, n_samples their number, noise 0)."""
    specs = check_specs(specs)
    for name, spec in specs.items():
        _check_training_spec(name, spec)
    if not isinstance(settings, TrainingSettings):
        raise ValueError("settings must be a TrainingSettings")
    s = settings
    if points is None:
        check_choice("dataset", s.dataset, DATASETS)
        n_samples = check_int(
            "n_samples", s.n_samples, MIN_TRAIN_SAMPLES, MAX_TRAIN_SAMPLES, "MAX_TRAIN_SAMPLES"
        )
    elif not isinstance(points, Points):
        raise Refused(f"points must be core.points.Points (from parse_csv); got {points!r:.60}")
    else:
        s = replace(s, dataset=UPLOAD + points.digest, n_samples=points.n, noise=0.0)
        n_samples = points.n
    steps = check_int("steps", s.steps, 1, MAX_TRAIN_STEPS, "MAX_TRAIN_STEPS")
    low_batch = 2 if any(spec.batchnorm for spec in specs.values()) else 1
    batch = check_int("batch", s.batch, low_batch, min(MAX_BATCH, n_samples), "MAX_BATCH")
    every = max(1, steps // 100) if s.record_every is None else s.record_every
    checked = TrainingSettings(
        dataset=s.dataset,
        n_samples=n_samples,
        noise=check_float("noise", s.noise, 0.0, MAX_NOISE, low_open=False),
        steps=steps,
        lr=check_float("lr (learning rate)", s.lr, 0.0, MAX_LR, low_open=True),
        batch=batch,
        seed=check_int("seed", s.seed, 0, MAX_SEED),
        record_every=check_int("record_every", every, 1, steps),
        loss=check_choice("loss", s.loss, LOSSES),
        grid_size=check_int("grid_size", s.grid_size, MIN_GRID, MAX_GRID, "MAX_GRID"),
    )
    message = too_big_message(
        "This training run",
        estimate_training_seconds(specs, steps, batch, n_samples, every, checked.grid_size),
        max(estimate_profile_bytes({n: s}, max(batch, n_samples)) for n, s in specs.items()),
        "Use fewer steps, fewer or narrower layers, fewer networks or a smaller batch.",
    )
    if message:
        raise Refused(message)
    return checked


def _data(
    s: TrainingSettings, points: Points | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The training set X, Y (the toy data set, or the points) and the grid: its axes and
    its (grid^2, 2) points."""
    if points is None:
        X, Y = make_dataset(s.dataset, s.n_samples, s.noise, s.seed)
    else:
        X, Y = points.X, points.y
    return X, Y, *_grid(X, s.grid_size)


def _task(s: TrainingSettings, points: Points | None = None) -> _Task:
    X, Y, _, _, grid_points = _data(s, points)
    order = minibatch_order(s.n_samples, s.batch, s.steps + 1, s.seed)
    return _Task(X, Y, order, s.seed, s.lr, s.loss, s.record_every, grid_points, s.grid_size)


def _check_progress(progress: Progress | None) -> None:
    if progress is not None and not callable(progress):
        raise ValueError("progress must be a function (fraction, text) or None")


def train_network(
    name: str,
    spec: NetworkSpec,
    settings: TrainingSettings,
    progress: Progress | None = None,
    points: Points | None = None,
) -> VariantRun:
    """One network's run, bit for bit the one train_variants gives it beside any others:
    every network trains on its own, from the same data, start and batches. So a caller
    can keep each run and train only the networks it has not seen (the training lab).
    progress(fraction_done, text) is called after every record, if given. points: a
    class's own points instead of settings' toy data set (see check_training)."""
    settings = check_training({name: spec}, settings, points)
    _check_progress(progress)
    steps = settings.steps

    def report(step: int) -> None:
        if progress is not None:
            progress(step / steps, f"{short_label(name)}: step {step} of {steps}")

    run = _train_one(name, spec, _task(settings, points), report)
    if progress is not None:
        progress(1.0, "done")
    return run


def training_result(
    runs: Mapping[str, VariantRun], settings: TrainingSettings, points: Points | None = None
) -> TrainingResult:
    """A TrainingResult of runs that train_network made with these settings (and points,
    if they learned a class's own): the runs with the data set they learned and the axes
    of their maps' grid."""
    if not isinstance(settings, TrainingSettings):
        raise ValueError("settings must be a TrainingSettings")
    if not runs or not all(isinstance(r, VariantRun) for r in runs.values()):
        raise ValueError("runs must map each network's name to its VariantRun")
    if points is not None:
        settings = replace(settings, dataset=UPLOAD + points.digest, n_samples=points.n)
    X, Y, grid_x, grid_y, _ = _data(settings, points)
    return TrainingResult(dict(runs), X, Y, grid_x, grid_y, settings.dataset, settings.loss)


def train_variants(
    specs: Mapping[str, NetworkSpec],
    dataset: str = "moons",
    *,
    n_samples: int = 400,
    noise: float = 0.2,
    steps: int = 500,
    lr: float = 0.5,
    batch: int = 32,
    seed: int = 0,
    record_every: int | None = None,
    loss: str = "bce",
    grid_size: int = 61,
    progress: Progress | None = None,
) -> TrainingResult:
    """Minibatch SGD on a 2-D toy data set, for several networks side by side.

    Every network sees the same data (make_dataset(dataset, n_samples, noise, seed)),
    starts from init_params(spec, seed) and takes the same minibatches in the same
    order (reshuffled each epoch; an epoch's last incomplete batch is skipped so that
    every step uses `batch` rows). Each step is w <- w - lr * dL/dw on every parameter.
    loss: "bce" (cross-entropy on the output logit) or "squared_error" (the course's E).

    Every record_every steps (default: about 100 records over the run), and at step 0
    and the last step, the loss and accuracy on the whole training set and the per-layer
    norms of that step's minibatch gradient are recorded. Batchnorm layers evaluate the
    whole set with its own statistics, and the final grid (grid_size x grid_size points
    covering the data with a margin of 0.5) with those same statistics. If the loss
    becomes inf or nan the network stops there, diverged_at says the step and its grid
    is None; the others go on.
    progress(fraction_done, text) is called after every record, if given.

    Limits: 1..MAX_TRAIN_STEPS steps, MIN..MAX_TRAIN_SAMPLES samples, batch up to
    min(MAX_BATCH, n_samples), lr in (0, MAX_LR], noise in [0, MAX_NOISE], grid_size in
    MIN_GRID..MAX_GRID, networks of 2 inputs and 1 output within MAX_DEPTH / MAX_WIDTH,
    and the whole call within MAX_SECONDS (core.limits.estimate_training_seconds).
    Each network's run is the one train_network gives it alone.
    """
    given = TrainingSettings(
        dataset, n_samples, noise, steps, lr, batch, seed, record_every, loss, grid_size
    )
    return _train_all(specs, given, None, progress)


def train_points(
    specs: Mapping[str, NetworkSpec],
    points: Points,
    *,
    steps: int = 500,
    lr: float = 0.5,
    batch: int = 32,
    seed: int = 0,
    record_every: int | None = None,
    loss: str = "bce",
    grid_size: int = 61,
    progress: Progress | None = None,
) -> TrainingResult:
    """train_variants on a class's own points (core.points.parse_csv checked them), all
    of them, as they are; the seed picks the starting weights and the batch order.
    The result's dataset is UPLOAD ("upload:") and the points' digest."""
    given = TrainingSettings(UPLOAD, 0, 0.0, steps, lr, batch, seed, record_every, loss, grid_size)
    return _train_all(specs, given, points, progress)


def _train_all(
    specs: Mapping[str, NetworkSpec],
    given: TrainingSettings,
    points: Points | None,
    progress: Progress | None,
) -> TrainingResult:
    """Every network trained in turn on the same task (train_variants, train_points)."""
    settings = check_training(specs, given, points)
    specs = check_specs(specs)
    _check_progress(progress)
    task = _task(settings, points)
    runs = {}
    for k, (name, spec) in enumerate(specs.items()):

        def report(step: int, k: int = k, name: str = name) -> None:
            if progress is not None:
                done = (k + step / task.steps) / len(specs)
                progress(done, f"{short_label(name)}: step {step} of {task.steps}")

        runs[name] = _train_one(name, spec, task, report)
    if progress is not None:
        progress(1.0, "done")
    return training_result(runs, settings, points)
