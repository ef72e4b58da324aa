"""Refit core.limits' cost model on this machine (a script for whoever changes the engine).

    OPENBLAS_NUM_THREADS=1 .venv/bin/python bench/fit_costs.py [--quick] [--repeat 3]

Times, in CPU seconds of this process (best of --repeat), a grid of gradient profiles and
training runs from width 8 to 1024 and batch 8 to 512, each about as long as a call the
app admits; fits the cost model's constants to them (least squares on the relative
error, no constant below zero) and prints them with each call's measured time beside
the old and the new estimate; then times core.calibration's two reference workloads in
the same conditions. Paste the constants, times MARGIN, into core/limits.py and the two
reference times into core/calibration.py: a machine then scales the model by its own
speed. (A least-squares fit errs low for half the calls; the margin makes the
model err high, so that a call the model admits at the limit stays within it.)
The allocator is set as the app's workers set it (dashboard.workers.tune_allocator).
"""

from __future__ import annotations

import argparse
import functools
import itertools
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from core import calibration, limits  # noqa: E402
from core.profile import gradient_profile  # noqa: E402
from core.training import train_variants  # noqa: E402
from core.variants import VARIANTS, variant_spec  # noqa: E402
from dashboard import workers  # noqa: E402

PROFILE_TERMS = ("mac", "weight", "draw", "entry", "bn_entry", "row", "layer", "call")
TRAIN_TERMS = ("mac", "update", "t_entry", "t_layer", "t_call")
ALL_TERMS = tuple(dict.fromkeys(PROFILE_TERMS + TRAIN_TERMS))
MARGIN = 1.1


def cpu_seconds(fn: Callable[[], object], repeat: int) -> float:
    """Best CPU time of `repeat` calls, each started as a worker starts one: with the
    memory of the previous call given back (its first touches are part of the cost)."""
    best = float("inf")
    for _ in range(repeat):
        workers.give_memory_back()
        start = time.process_time()
        fn()
        best = min(best, time.process_time() - start)
    return best


def profile_features(specs: dict, batch: int, n_seeds: int) -> dict[str, float]:
    """Each cost term's count for one gradient_profile call (core.limits' model)."""
    f = dict.fromkeys(ALL_TERMS, 0.0)
    for sizes in {s.sizes for s in specs.values()}:
        f["draw"] += n_seeds * sum(fi * fo for fi, fo in itertools.pairwise(sizes))
    for spec in specs.values():
        for i, (fi, fo) in enumerate(itertools.pairwise(spec.sizes)):
            f["mac"] += n_seeds * 3 * batch * fi * fo
            f["weight"] += n_seeds * fi * fo
            f["entry"] += n_seeds * batch * fo
            f["bn_entry"] += n_seeds * batch * fo * spec.has_batchnorm(i)
            f["row"] += n_seeds * batch
            f["layer"] += n_seeds
    f["call"] = 1.0
    return f


def training_features(specs: dict, steps: int, batch: int, n: int, grid: int) -> dict:
    """Each cost term's count for one train_variants call (record_every by default)."""
    f = dict.fromkeys(ALL_TERMS, 0.0)
    records = steps // max(1, steps // 100) + 2
    for spec in specs.values():
        for fi, fo in itertools.pairwise(spec.sizes):
            f["mac"] += (steps + 1) * 3 * batch * fi * fo
            f["update"] += (steps + 1) * fi * fo
            f["t_entry"] += (steps + 1) * batch * fo
            f["t_layer"] += steps + 1
            for rows in [n] * (records + 1) + [grid * grid]:  # forward passes only
                f["mac"] += rows * fi * fo
                f["t_entry"] += rows * fo / 2
                f["t_layer"] += 0.5
    f["t_call"] = 1.0
    return f


def profile_grid(quick: bool) -> list[tuple[str, dict, int, int]]:
    """(name, specs, batch, n_seeds): the four variants or one plain net, each near a
    second of work by the old model."""
    cases = []
    widths = (8, 128) if quick else (8, 32, 128, 512, 1024)
    batches = (8, 64) if quick else (8, 64, 512)
    for width, batch, n_seeds, four in itertools.product(widths, batches, (1, 5), (True, False)):
        names = VARIANTS if four else ("plain_sigmoid",)
        target = 0.1 if quick else 0.8

        def fits(
            depth: int, names=names, width=width, batch=batch, n_seeds=n_seeds, target=target
        ) -> bool:
            specs = {v: variant_spec(v, depth, width) for v in names}
            return (
                limits.estimate_profile_seconds(specs, batch, n_seeds) <= target
                and limits.estimate_profile_bytes(specs, batch) <= limits.MAX_MEMORY_BYTES
            )

        depth = limits.largest_fitting(fits)
        if depth:
            specs = {v: variant_spec(v, depth, width) for v in names}
            name = f"profile {len(names)} x depth {depth}, width {width}, batch {batch}"
            cases.append((f"{name}, {n_seeds} seeds", specs, batch, n_seeds))
    return cases


def training_grid(quick: bool) -> list[tuple[str, dict, dict]]:
    """(name, specs, train_variants keywords)."""
    shapes = [(6, 16, 500, 32, 400, 4), (2, 4, 2000, 8, 100, 1), (20, 16, 300, 32, 400, 4)]
    shapes += [(12, 64, 300, 64, 800, 4), (4, 256, 200, 256, 2000, 2), (60, 16, 100, 32, 400, 4)]
    shapes += [(3, 128, 1000, 128, 1000, 1), (30, 64, 200, 16, 200, 4), (8, 32, 2000, 32, 400, 1)]
    if quick:
        shapes = [(2, 4, 50, 8, 100, 1), (6, 16, 50, 32, 400, 2)]
    cases = []
    for depth, width, steps, batch, n, k in shapes:
        specs = {v: variant_spec(v, depth, width, n_in=2) for v in VARIANTS[:k]}
        kwargs = dict(steps=steps, batch=batch, n_samples=n, lr=0.1)
        name = f"training {k} x depth {depth}, width {width}, {steps} steps, batch {batch}, n {n}"
        cases.append((name, specs, kwargs))
    return cases


def nnls(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """min ||a x - b|| with x >= 0: least squares, dropping any term that comes out
    negative and solving again (enough for a handful of terms)."""
    active = list(range(a.shape[1]))
    while True:
        x = np.zeros(a.shape[1])
        x[active] = np.linalg.lstsq(a[:, active], b, rcond=None)[0]
        negative = [j for j in active if x[j] < 0]
        if not negative:
            return x
        active.remove(min(negative, key=lambda j: x[j]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a few small calls, to prove it runs")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    workers.tune_allocator()
    calibration.set_cost_scale(1.0)  # estimates in the old constants, as fitted
    limits.MAX_SECONDS = 1e9  # measure every call of the grid, admitted or not
    print(f"load average at start: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    rows, names, measured, old = [], [], [], []
    for name, specs, batch, n_seeds in profile_grid(args.quick):
        seeds = tuple(range(n_seeds))
        call = functools.partial(gradient_profile, specs, batch, seeds)
        measured.append(cpu_seconds(call, args.repeat))
        old.append(limits.estimate_profile_seconds(specs, batch, n_seeds))
        rows.append(profile_features(specs, batch, n_seeds))
        names.append(name)
        print(f"{name:<78} {measured[-1]:7.3f} {old[-1]:7.3f}", flush=True)
    for name, specs, kwargs in training_grid(args.quick):
        measured.append(
            cpu_seconds(functools.partial(train_variants, specs, **kwargs), args.repeat)
        )
        old.append(
            limits.estimate_training_seconds(
                specs,
                kwargs["steps"],
                kwargs["batch"],
                kwargs["n_samples"],
                max(1, kwargs["steps"] // 100),
                60,
            )
        )
        rows.append(
            training_features(specs, kwargs["steps"], kwargs["batch"], kwargs["n_samples"], 60)
        )
        names.append(name)
        print(f"{name:<78} {measured[-1]:7.3f} {old[-1]:7.3f}", flush=True)
    t = np.array(measured)
    a = np.array([[r[k] for k in ALL_TERMS] for r in rows]) / t[:, None]
    fitted = dict(zip(ALL_TERMS, nnls(a, np.ones(len(t))), strict=True))
    new = np.array([sum(fitted[k] * r[k] for k in ALL_TERMS) for r in rows])
    print(f"\n{'call':<78} {'CPU s':>7} {'old':>7} {'new':>7} {'new/CPU':>7}")
    for name, m, o, n in zip(names, t, old, new, strict=True):
        print(f"{name:<78} {m:7.3f} {o:7.3f} {n:7.3f} {n / m:7.2f}")
    ratio = new / t
    spread = f"min {ratio.min():.2f}, median {np.median(ratio):.2f}, max {ratio.max():.2f}"
    print(f"\nnew / measured: {spread}")
    print(f"\nfitted constants (seconds per unit), and times the margin of {MARGIN:g}:")
    for k, v in fitted.items():
        print(f"  {k:<9} {v:.4g}  {v * MARGIN:.3g}")
    products = min(calibration.time_products() for _ in range(3))
    layers = min(calibration.time_layers() for _ in range(3))
    print(f"\nREFERENCE_PRODUCTS_SECONDS = {products:.4g}\nREFERENCE_LAYERS_SECONDS = {layers:.4g}")
    print(f"load average at end: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
