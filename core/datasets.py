"""Seeded toy 2-D binary classification data sets.

    X, y = make_dataset(name, n_samples, noise=0.1, seed=0)

X has shape (n_samples, 2), y has shape (n_samples, 1); both float64, y in {0, 1}.
Class 0 gets n_samples // 2 points and class 1 the rest (balanced, off by at most one
for odd n_samples); the rows are shuffled so any slice mixes both classes. The clean
shapes lie within about [-1.5, 1.5]^2 with per-coordinate spread of order 1; noise is
the standard deviation of Gaussian jitter added to each coordinate, in those units.
Everything random comes from np.random.default_rng(seed), so a seed fixes the data.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

DATASETS = ("moons", "circles", "spirals", "xor")
MIN_SAMPLES = 4
MAX_SAMPLES = 100_000


def _moons(rng: np.random.Generator, n0: int, n1: int) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaved half circles of radius 1, centred so the pair sits around 0.

    class 0: (cos t - 1/2, sin t - 1/4), t ~ U[0, pi]   (upper arc)
    class 1: (1/2 - cos t, 1/4 - sin t), t ~ U[0, pi]   (the same arc turned over)
    """
    t0 = rng.uniform(0.0, math.pi, n0)
    t1 = rng.uniform(0.0, math.pi, n1)
    upper = np.column_stack([np.cos(t0) - 0.5, np.sin(t0) - 0.25])
    lower = np.column_stack([0.5 - np.cos(t1), 0.25 - np.sin(t1)])
    return upper, lower


def _circles(rng: np.random.Generator, n0: int, n1: int) -> tuple[np.ndarray, np.ndarray]:
    """Two concentric circles: class 0 on radius 1, class 1 on radius 1/2, angles uniform."""
    a0 = rng.uniform(0.0, 2.0 * math.pi, n0)
    a1 = rng.uniform(0.0, 2.0 * math.pi, n1)
    outer = np.column_stack([np.cos(a0), np.sin(a0)])
    inner = 0.5 * np.column_stack([np.cos(a1), np.sin(a1)])
    return outer, inner


def _spiral_arm(rng: np.random.Generator, n: int, phase: float) -> np.ndarray:
    """One arm of 1.5 turns: r = t, angle = 3 pi t + phase, with t ~ U[0.1, 1]."""
    t = rng.uniform(0.1, 1.0, n)
    angle = 3.0 * math.pi * t + phase
    return 1.5 * np.column_stack([t * np.cos(angle), t * np.sin(angle)])


def _spirals(rng: np.random.Generator, n0: int, n1: int) -> tuple[np.ndarray, np.ndarray]:
    """Two spiral arms wound into each other, the second turned by pi."""
    return _spiral_arm(rng, n0, 0.0), _spiral_arm(rng, n1, math.pi)


def _xor(rng: np.random.Generator, n0: int, n1: int) -> tuple[np.ndarray, np.ndarray]:
    """Points uniform in [-1, 1]^2; class 1 where x1 x2 > 0, class 0 where x1 x2 < 0.

    Magnitudes are drawn from U[0, 1] and signs chosen per class, so the class sizes
    are exact rather than left to chance.
    """

    def quadrant_points(n: int, same_sign: bool) -> np.ndarray:
        magnitude = rng.uniform(0.0, 1.0, (n, 2))
        s1 = rng.choice([-1.0, 1.0], n)
        s2 = s1 if same_sign else -s1
        return magnitude * np.column_stack([s1, s2])

    return quadrant_points(n0, same_sign=False), quadrant_points(n1, same_sign=True)


_GENERATORS: dict[str, Callable[[np.random.Generator, int, int], tuple[np.ndarray, np.ndarray]]] = {
    "moons": _moons,
    "circles": _circles,
    "spirals": _spirals,
    "xor": _xor,
}


def make_dataset(
    name: str, n_samples: int, noise: float = 0.1, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """A shuffled, balanced 2-D data set: X of shape (n_samples, 2), y of shape (n_samples, 1).

    name: one of DATASETS ("moons", "circles", "spirals", "xor").
    n_samples: integer in [4, 100_000].
    noise: standard deviation of the Gaussian added to every coordinate; finite, >= 0.
    seed: integer >= 0 for np.random.default_rng.
    """
    if name not in DATASETS:
        raise ValueError(f"name must be one of {DATASETS}, got {name!r}")
    if (
        isinstance(n_samples, bool)
        or not isinstance(n_samples, int | np.integer)
        or not MIN_SAMPLES <= n_samples <= MAX_SAMPLES
    ):
        raise ValueError(
            f"n_samples must be an integer in [{MIN_SAMPLES}, {MAX_SAMPLES}], got {n_samples!r}"
        )
    if (
        isinstance(noise, bool)
        or not isinstance(noise, int | float | np.integer | np.floating)
        or not (math.isfinite(noise) and noise >= 0)
    ):
        raise ValueError(f"noise must be a finite number >= 0, got {noise!r}")
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ValueError(f"seed must be an integer >= 0, got {seed!r}")

    rng = np.random.default_rng(seed)
    n0 = int(n_samples) // 2
    n1 = int(n_samples) - n0
    x0, x1 = _GENERATORS[name](rng, n0, n1)
    X = np.concatenate([x0, x1]).astype(np.float64)
    X += float(noise) * rng.standard_normal(X.shape)
    y = np.concatenate([np.zeros(n0), np.ones(n1)]).reshape(-1, 1)
    order = rng.permutation(n_samples)
    return X[order], y[order]
