"""Tests for core.datasets.make_dataset."""

from __future__ import annotations

import math

import numpy as np
import pytest

from core.datasets import DATASETS, make_dataset


def test_dataset_names() -> None:
    assert DATASETS == ("moons", "circles", "spirals", "xor")


@pytest.mark.parametrize("name", DATASETS)
@pytest.mark.parametrize("n_samples", [4, 7, 200])
def test_shapes_dtypes_and_balance(name: str, n_samples: int) -> None:
    X, y = make_dataset(name, n_samples, noise=0.1, seed=3)
    assert X.shape == (n_samples, 2)
    assert y.shape == (n_samples, 1)
    assert X.dtype == np.float64 and y.dtype == np.float64
    assert set(np.unique(y)) <= {0.0, 1.0}
    n_ones = int(y.sum())
    assert abs(n_ones - (n_samples - n_ones)) <= 1
    assert np.all(np.isfinite(X))


@pytest.mark.parametrize("name", DATASETS)
def test_inputs_are_order_one(name: str) -> None:
    X, _ = make_dataset(name, 2000, noise=0.1, seed=0)
    assert np.all(np.abs(X.mean(axis=0)) < 0.5), X.mean(axis=0)
    assert np.all((X.std(axis=0) > 0.2) & (X.std(axis=0) < 2.0)), X.std(axis=0)


@pytest.mark.parametrize("name", DATASETS)
def test_same_seed_same_data(name: str) -> None:
    X1, y1 = make_dataset(name, 100, noise=0.2, seed=42)
    X2, y2 = make_dataset(name, 100, noise=0.2, seed=42)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)


@pytest.mark.parametrize("name", DATASETS)
def test_different_seeds_differ(name: str) -> None:
    X1, _ = make_dataset(name, 100, seed=0)
    X2, _ = make_dataset(name, 100, seed=1)
    assert not np.allclose(X1, X2)


def test_rows_are_shuffled() -> None:
    _, y = make_dataset("moons", 200, seed=0)
    # an unshuffled set would have all zeros first; a shuffled one switches class often
    switches = int(np.sum(y[1:] != y[:-1]))
    assert switches > 50


def test_noise_zero_gives_the_clean_shapes() -> None:
    X, y = make_dataset("circles", 400, noise=0.0, seed=0)
    radius = np.hypot(X[:, 0], X[:, 1])
    np.testing.assert_allclose(radius[y[:, 0] == 0], 1.0)
    np.testing.assert_allclose(radius[y[:, 0] == 1], 0.5)
    X, y = make_dataset("xor", 400, noise=0.0, seed=0)
    same_sign = (X[:, 0] * X[:, 1] > 0).astype(np.float64)
    np.testing.assert_array_equal(same_sign, y[:, 0])


def test_classes_are_separated_without_noise() -> None:
    # nearest neighbour in a noiseless set almost always shares the label
    for name in DATASETS:
        X, y = make_dataset(name, 400, noise=0.0, seed=0)
        d2 = np.sum((X[:, None, :] - X[None, :, :]) ** 2, axis=-1)
        np.fill_diagonal(d2, np.inf)
        agreement = np.mean(y[np.argmin(d2, axis=1), 0] == y[:, 0])
        assert agreement > 0.95, f"{name}: nearest-neighbour agreement {agreement}"


@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [
        ({"name": "swiss_roll"}, "name"),
        ({"n_samples": 3}, "n_samples"),
        ({"n_samples": 100_001}, "n_samples"),
        ({"n_samples": 10.0}, "n_samples"),
        ({"noise": -0.1}, "noise"),
        ({"noise": math.nan}, "noise"),
        ({"noise": math.inf}, "noise"),
        ({"seed": -1}, "seed"),
    ],
)
def test_bad_input_names_the_argument(kwargs: dict, argument: str) -> None:
    call = {"name": "moons", "n_samples": 10, "noise": 0.1, "seed": 0} | kwargs
    with pytest.raises(ValueError, match=rf"^{argument}\b"):
        make_dataset(**call)
