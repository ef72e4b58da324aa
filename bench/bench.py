"""Benchmarks of the engine and the depth experiments (a script, not a test).

    python bench/bench.py            # full run, about a minute
    python bench/bench.py --quick    # tiny sizes, a few seconds: proves the script works

Everything is measured side by side in one run and printed as a table:

1. engine forward + backward against the same three matrix products per layer done with
   raw numpy (h @ W, delta @ W.T, h.T @ delta: the BLAS bound), as a ratio: the public
   core.network.forward + backward (validated), and the profiles' passes
   (forward_unchecked + backward_scaled with the per-layer rescaling);
2. the vanishing lab's default variant comparison (core.experiments.variant_profiles
   with its defaults, plus summarize_profile);
3. a depth-1000, width-128 sigmoid profile, and the 4-variant comparison at that size;
4. the training lab's default run (core.experiments.train_variants);
5. calls at the limit: for each kind of call a page makes (profiles, the lab page and
   its depth story, training, update sizes, a myth), the biggest the page's controls
   and the cost model admit, to check that it finishes within 1.25x MAX_SECONDS here;
6. peak memory (tracemalloc) of the calls above;
7. two of the app's calls at once, as two students would start them: in two threads of
   one process (how Streamlit runs scripts) against two worker processes
   (dashboard.workers, how the app runs them), beside one call alone.

Each timing is the best of --repeat runs (the machine may be shared; the best run is
the one least disturbed), and the cost model's estimate is printed beside it. The
calls run in this process with the memory allocator set as the app's worker processes
set it (dashboard.workers.tune_allocator; --default-malloc keeps glibc's defaults).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import threading
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from anywhere: make `core` importable
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from core import calibration, myths  # noqa: E402
from core import experiments as ex  # noqa: E402
from core import lab as lab_core  # noqa: E402
from core.limits import MAX_TRAIN_STEPS, largest_fitting  # noqa: E402
from core.losses import binary_cross_entropy  # noqa: E402
from core.network import (  # noqa: E402
    NetworkSpec,
    backward,
    backward_scaled,
    forward,
    forward_unchecked,
    init_params,
)
from dashboard import workers  # noqa: E402

LIMIT_FACTOR = 1.25  # a call at the limit may take this times MAX_SECONDS (DESIGN.md)
GOALS = {256: 1.25, 1024: 1.1}  # public forward + backward / raw products, by width (issue 10)


def best_time(fn: Callable[[], object], repeat: int) -> float:
    """Best wall time of `repeat` calls, in seconds."""
    return best_times(fn, repeat)[0]


def best_times(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    """Best wall time and best CPU time (this process) of `repeat` calls, in seconds."""
    wall = cpu = float("inf")
    for _ in range(repeat):
        start_cpu, start = time.process_time(), time.perf_counter()
        fn()
        wall = min(wall, time.perf_counter() - start)
        cpu = min(cpu, time.process_time() - start_cpu)
    return wall, cpu


@dataclass(frozen=True)
class Call:
    """A core call to run in a worker process: fn(*args, **kwargs)."""

    fn: Callable[..., object]
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)


def best_worker_times(worker: workers.Worker, call: Call, repeat: int) -> tuple[float, float]:
    """Best wall time (request to answer, the result pickled back included) and best CPU
    time of the worker process, of `repeat` calls; the worker gives its memory back
    after each, as in the app."""
    stat = Path(f"/proc/{worker.process.pid}/stat")

    def cpu() -> float:  # utime + stime, fields 14 and 15
        fields = stat.read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    wall = used = float("inf")
    for _ in range(repeat):
        start_cpu, start = cpu(), time.perf_counter()
        worker.call(call.fn, call.args, call.kwargs, None)
        wall = min(wall, time.perf_counter() - start)
        used = min(used, cpu() - start_cpu)
    return wall, used


def limit_calls() -> list[tuple[str, Call, float]]:
    """(name, call, estimate): for each kind of call a page makes, the biggest its
    controls and the cost model admit (the deepest network, the most steps)."""
    calls = []
    for width, batch, n_seeds in ((1024, 64, 3), (1024, 512, 1), (256, 512, 20), (32, 64, 20)):
        depth = ex.largest_depth(width, batch, n_seeds)
        specs = {v: ex.variant_spec(v, depth, width) for v in ex.VARIANTS}
        calls.append(
            (
                f"profile: 4 variants, depth {depth}, width {width}, batch {batch}, "
                f"{n_seeds} seeds",
                Call(ex.gradient_profile, (specs, batch, tuple(range(n_seeds)))),
                ex.estimate_profile_seconds(specs, batch, n_seeds),
            )
        )
    for kw in (dict(width=512, activation="tanh"), dict(width=64, batch=512, n_seeds=20)):
        settings = lab_core.LabSettings(**kw)
        settings = settings.with_depth(lab_core.deepest(settings))
        s = settings
        calls.append(
            (
                f"lab page: {len(lab_core.lab_specs(s))} networks ({s.activation}), depth "
                f"{s.depth}, width {s.width}, batch {s.batch}, {s.n_seeds} seeds",
                Call(lab_core.lab_profiles, (s,)),
                ex.estimate_profile_seconds(lab_core.lab_specs(s), s.batch, s.n_seeds),
            )
        )
    story = lab_core.LabSettings(depth=600, width=128)  # five frames, near its budget
    frames = lab_core.story_depths(story)
    calls.append(
        (
            f"lab page, depth story: {len(frames)} depths up to {story.depth}, width "
            f"{story.width}, batch {story.batch}",
            Call(lab_core.depth_story, (story,)),
            sum(
                ex.estimate_profile_seconds(lab_core.lab_specs(story.with_depth(d)), story.batch, 1)
                for d in frames
            ),
        )
    )
    grid = ex.TrainingSettings().grid_size  # the training lab's maps (it keeps the default)
    for depth, width, batch, n, k in ((20, 64, 64, 400, 4), (40, 128, 32, 2000, 2)):
        specs = {v: ex.variant_spec(v, depth, width, n_in=2) for v in ex.VARIANTS[:k]}

        def estimate(steps: int, specs=specs, batch=batch, n=n) -> float:
            every = max(1, steps // 100)
            return ex.estimate_training_seconds(specs, steps, batch, n, every, grid)

        steps = largest_fitting(lambda m: estimate(m) <= ex.MAX_SECONDS, high=MAX_TRAIN_STEPS)
        calls.append(
            (
                f"training lab: {k} networks, depth {depth}, width {width}, {steps} steps, "
                f"batch {batch}, {n} points",
                Call(
                    ex.train_variants,
                    (specs, "spirals"),
                    dict(n_samples=n, steps=steps, batch=batch, lr=0.05, grid_size=grid),
                ),
                estimate(steps),
            )
        )
    tall = NetworkSpec(sizes=(256,) * 201 + (1,), activation="sigmoid")  # the page's maxima
    calls.append(
        (
            "update sizes: depth 200, width 256, batch 256 (the page's largest)",
            Call(ex.update_size_table, (tall,), {"batch": 256}),
            ex.estimate_profile_seconds({"spec": tall}, 256, 1),
        )
    )

    def myth_specs(batch: int) -> dict:
        settings = lab_core.LabSettings(
            500, batch=max(batch, lab_core.MIN_BATCH), activation="relu"
        )
        networks = lab_core.lab_specs(settings)
        return {"bn": networks["batchnorm"], "plain": networks["plain_relu"]}

    n_seeds = lab_core.LabSettings().n_seeds
    batch = largest_fitting(
        lambda b: ex.estimate_profile_seconds(myth_specs(b), b, n_seeds) <= ex.MAX_SECONDS,
        high=ex.MAX_BATCH,
    )
    calls.append(
        (
            f"myths: batch norm at depth 500, batch {batch} (the largest that fits)",
            Call(myths.batchnorm_myth, (500, batch)),
            ex.estimate_profile_seconds(myth_specs(batch), batch, n_seeds),
        )
    )
    return calls


@dataclass(frozen=True)
class EngineTimes:
    """Seconds per layer (best of the runs) of the raw products, the public forward +
    backward and the profile's passes, in CPU time and in wall time."""

    cpu: dict[str, float]
    wall: dict[str, float]


def engine_vs_raw(width: int, depth: int, batch: int, activation: str, repeat: int) -> EngineTimes:
    """The raw matrix products, the public forward + backward (validated, what any caller
    gets) and the profile's passes (forward_unchecked + backward_scaled with rescaling),
    measured in turn, `repeat` rounds, so that all three see the same machine load."""
    init = "he" if activation == "relu" else "xavier"
    spec = NetworkSpec(sizes=(width,) * (depth + 1), activation=activation, init=init)
    params = init_params(spec, 0)
    rng = np.random.default_rng(1)
    x = rng.standard_normal((batch, width))
    target = rng.integers(0, 2, size=(batch, width)).astype(np.float64)
    dy_hat = rng.standard_normal((batch, width))
    weights = [p.W for p in params]

    def public() -> None:
        _, cache = forward(params, spec, x)
        backward(params, spec, cache, dy_hat)

    def profile() -> None:
        _, cache = forward_unchecked(params, spec, x)
        _, delta_out = binary_cross_entropy(cache.logits, target)
        backward_scaled(params, spec, cache, delta_out, rescale=True)

    def raw() -> None:
        hs = [x]
        for W in weights:  # forward: keep every layer's input, as a cache must
            hs.append(hs[-1] @ W)
        g = dy_hat
        grads = []
        for W, h in zip(reversed(weights), reversed(hs[:-1]), strict=True):
            grads.append(h.T @ g)
            g = g @ W.T

    calls = {"raw": raw, "public": public, "profile": profile}
    cpu = dict.fromkeys(calls, float("inf"))
    wall = dict.fromkeys(calls, float("inf"))
    for fn in calls.values():
        fn()
    for _ in range(repeat):
        for name, fn in calls.items():
            start_cpu, start = time.process_time(), time.perf_counter()
            fn()
            cpu[name] = min(cpu[name], (time.process_time() - start_cpu) / depth)
            wall[name] = min(wall[name], (time.perf_counter() - start) / depth)
    return EngineTimes(cpu, wall)


def peak_bytes(fn: Callable[[], object]) -> int:
    tracemalloc.start()
    tracemalloc.reset_peak()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak


def both(first: Callable[[], object], second: Callable[[], object] | None = None) -> None:
    """Run first and second (or first twice) in two threads; return when both are done."""
    threads = [threading.Thread(target=f) for f in (first, second or first)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def header(default_malloc: bool) -> None:
    config = np.show_config(mode="dicts")
    blas = config.get("Build Dependencies", {}).get("blas", {})
    env = {k: v for k, v in os.environ.items() if k.startswith(("OPENBLAS", "OMP", "MKL"))}
    print(f"python {platform.python_version()}, numpy {np.__version__}, ", end="")
    print(f"BLAS {blas.get('name', '?')} {blas.get('version', '')}, {os.cpu_count()} CPUs")
    print(f"BLAS environment: {env or 'none'}")
    if default_malloc:
        print("memory allocator: glibc's defaults (--default-malloc)")
    else:
        tuned = workers.tune_allocator()
        print(
            "memory allocator: the app's workers' settings (dashboard.workers.tune_allocator)"
            if tuned
            else "memory allocator: defaults (not glibc: the workers' settings do not apply)"
        )
    scale = calibration.cost_scale()
    print(
        f"cost model scaled to this machine ({scale.source}): products x{scale.products:.3f}, "
        f"the rest x{scale.rest:.3f} the reference machine's time"
    )
    print(f"load average at start: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes, to prove it runs")
    parser.add_argument("--repeat", type=int, default=None, help="runs per timing (best kept)")
    parser.add_argument(
        "--default-malloc",
        action="store_true",
        help="keep glibc's allocator defaults instead of the workers' settings",
    )
    args = parser.parse_args(argv)
    quick = args.quick
    repeat = args.repeat or (2 if quick else 5)

    header(args.default_malloc)

    print("\n1. Engine forward+backward vs the same matrix products in raw numpy")
    widths = (8, 16) if quick else (64, 256, 1024)
    depth = 3 if quick else 20
    batch = 8 if quick else 64
    engine_repeat = 3 * repeat  # cheap, and the ratios want the least disturbed runs
    print(f"   depth {depth}, batch {batch}; ms per layer of CPU time, best of {engine_repeat};")
    print("   public = forward + backward (validated), profile = the profiles' passes;")
    print("   ratio = engine / raw, in CPU time and (in brackets) in wall time")
    print(
        f"   {'width':>6} {'activation':>10} {'raw':>8} {'public':>8} {'ratio':>13} {'goal':>6}"
        f" {'profile':>8} {'ratio':>13}"
    )
    for width in widths:
        for activation in ("sigmoid", "relu"):
            t = engine_vs_raw(width, depth, batch, activation, engine_repeat)
            goal = f"<={GOALS[width]}" if width in GOALS else ""

            def ratio(name: str, t: EngineTimes = t) -> str:
                cpu, wall = t.cpu[name] / t.cpu["raw"], t.wall[name] / t.wall["raw"]
                return f"{cpu:5.2f} ({wall:5.2f})"

            print(
                f"   {width:>6} {activation:>10} {t.cpu['raw'] * 1e3:>8.3f} "
                f"{t.cpu['public'] * 1e3:>8.3f} {ratio('public'):>13} {goal:>6} "
                f"{t.cpu['profile'] * 1e3:>8.3f} {ratio('profile'):>13}"
            )

    print("\n2-5. Calls the app makes (best of runs; estimate = the cost model's limit check)")
    print(f"   {'call':<70} {'seconds':>8} {'CPU s':>7} {'estimate':>8} {'goal':>6}")
    lab = dict(depth=50, width=128, batch=64, seeds=(0, 1, 2))
    deep = dict(depth=1000, width=128, batch=64, seeds=(0, 1, 2))
    train = dict(depth=6, width=16, steps=500, batch=32)
    if quick:
        lab = dict(depth=5, width=8, batch=8, seeds=(0, 1))
        deep = dict(depth=40, width=8, batch=8, seeds=(0, 1))
        train = dict(depth=2, width=4, steps=20, batch=8)

    def row(
        name: str, fn: Callable[[], object], estimate: float, goal: str = "", runs: int = repeat
    ) -> None:
        seconds, cpu = best_times(fn, runs)
        print(f"   {name:<70} {seconds:>8.3f} {cpu:>7.3f} {estimate:>8.3f} {goal:>6}")

    def specs(depth: int, width: int, variants=ex.VARIANTS, n_in=None) -> dict:
        return {v: ex.variant_spec(v, depth, width, n_in=n_in) for v in variants}

    lab_specs = specs(lab["depth"], lab["width"])
    row(
        f"lab default: 4 variants, depth {lab['depth']}, width {lab['width']}, "
        f"{len(lab['seeds'])} seeds",
        lambda: ex.summarize_profile(ex.variant_profiles(**lab)),
        ex.estimate_profile_seconds(lab_specs, lab["batch"], len(lab["seeds"])),
        "<0.3",
    )
    sigmoid_deep = specs(deep["depth"], deep["width"], ("plain_sigmoid",))
    row(
        f"sigmoid profile, depth {deep['depth']}, width {deep['width']}, "
        f"{len(deep['seeds'])} seeds",
        lambda: ex.gradient_profile(sigmoid_deep, deep["batch"], deep["seeds"]),
        ex.estimate_profile_seconds(sigmoid_deep, deep["batch"], len(deep["seeds"])),
        "<3",
    )
    deep4 = {**deep, "seeds": deep["seeds"][:1]}  # three seeds: about 6 s, refused
    row(
        f"4 variants, depth {deep['depth']}, width {deep['width']}, {len(deep4['seeds'])} seed",
        lambda: ex.summarize_profile(ex.variant_profiles(**deep4)),
        ex.estimate_profile_seconds(specs(deep["depth"], deep["width"]), 64, len(deep4["seeds"])),
        f"<{ex.MAX_SECONDS:g}",
    )
    train_specs = specs(train["depth"], train["width"], n_in=2)
    row(
        f"training: 4 variants, depth {train['depth']}, width {train['width']}, "
        f"{train['steps']} steps",
        lambda: ex.train_variants(
            train_specs, "moons", steps=train["steps"], batch=train["batch"], lr=0.5
        ),
        ex.estimate_training_seconds(
            train_specs, train["steps"], train["batch"], 400, max(1, train["steps"] // 100), 60
        ),
        "<5",
    )
    if not quick:
        limit = LIMIT_FACTOR * ex.MAX_SECONDS
        runs = min(repeat, 3)
        print(
            f"\n5. At the limit: the biggest call each page admits, in a worker process as the "
            f"app runs it (seconds: wall time from the request to the answer, best of {runs};"
            f" CPU s: the worker's). Goal: within {LIMIT_FACTOR:g}x MAX_SECONDS = {limit:g} s"
        )
        worker = workers.Worker()
        worker.wait_ready()
        try:
            for name, call, estimate in limit_calls():
                seconds, cpu = best_worker_times(worker, call, runs)
                print(f"   {name:<70} {seconds:>8.3f} {cpu:>7.3f} {estimate:>8.3f} <={limit:g}")
        finally:
            worker.stop()

    print("\n6. Peak memory (tracemalloc: numpy and Python allocations)")
    peak_lab = peak_bytes(lambda: ex.summarize_profile(ex.variant_profiles(**lab)))
    peak_deep = peak_bytes(lambda: ex.variant_profiles(**deep4))
    deep_name = f"4 variants at depth {deep['depth']}, one seed"
    print(f"   {'lab default comparison':<38} {peak_lab / 1e6:8.1f} MB")
    print(f"   {deep_name:<38} {peak_deep / 1e6:8.1f} MB")
    estimate = ex.estimate_profile_bytes(specs(deep["depth"], deep["width"]), deep["batch"])
    print(f"   {'(the cost model estimates the latter at':<38} {estimate / 1e6:8.1f} MB)")

    print("\n7. Two calls at once: threads of one process vs two worker processes")
    print("   seconds for both to finish; ratio = both / one alone (1.0: two cores used)")
    print(f"   {'call':<44} {'one':>7} {'threads':>8} {'ratio':>6} {'workers':>8} {'ratio':>6}")
    pair = [workers.Worker() for _ in range(2)]
    for w in pair:
        w.wait_ready()
    at_once = (
        (f"lab default (depth {lab['depth']})", ex.variant_profiles, (), lab),
        (
            f"training default ({train['steps']} steps)",
            ex.train_variants,
            (train_specs, "moons"),
            dict(steps=train["steps"], batch=train["batch"], lr=0.5),
        ),
    )
    for name, fn, fn_args, fn_kwargs in at_once:
        one = best_time(lambda f=fn, a=fn_args, k=fn_kwargs: f(*a, **k), repeat)
        threads = best_time(lambda f=fn, a=fn_args, k=fn_kwargs: both(lambda: f(*a, **k)), repeat)
        procs = best_time(
            lambda f=fn, a=fn_args, k=fn_kwargs: both(
                *(lambda w=w: w.call(f, a, k, None) for w in pair)
            ),
            repeat,
        )
        print(
            f"   {name:<44} {one:>7.3f} {threads:>8.3f} {threads / one:>6.2f} "
            f"{procs:>8.3f} {procs / one:>6.2f}"
        )
    for w in pair:
        w.stop()
    if hasattr(os, "getloadavg"):
        print(f"\nload average at end: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
