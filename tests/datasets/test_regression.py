"""Tests of ffnn.datasets.regression: Friedman's first problem, its formula,
shapes, seeds and argument checks."""

import numpy as np
import pytest
import sklearn.datasets

from ffnn.datasets import REGRESSION_DATASETS, make_friedman1


def test_registry_holds_friedman1():
    assert REGRESSION_DATASETS == {"friedman1": make_friedman1}


def test_shapes_and_dtypes():
    X, y = make_friedman1(n_samples=60, seed=1)
    assert X.shape == (60, 10) and X.dtype == np.float64
    assert y.shape == (60,) and y.dtype == np.float64
    assert np.all((X >= 0) & (X <= 1))
    assert np.all(np.isfinite(y))


def test_is_sklearns():
    X, y = make_friedman1(50, noise=0.5, seed=3)
    X_ref, y_ref = sklearn.datasets.make_friedman1(50, noise=0.5, random_state=3)
    assert np.array_equal(X, X_ref) and np.array_equal(y, y_ref)


def test_same_seed_same_data_different_seed_differs():
    X_a, y_a = make_friedman1(40, seed=5)
    X_b, y_b = make_friedman1(40, seed=5)
    X_c, y_c = make_friedman1(40, seed=6)
    assert np.array_equal(X_a, X_b) and np.array_equal(y_a, y_b)
    assert not np.array_equal(X_a, X_c)
    assert not np.array_equal(y_a, y_c)


def test_target_is_friedmans_formula_without_noise():
    X, y = make_friedman1(100, noise=0.0, seed=2)
    x1, x2, x3, x4, x5 = X[:, :5].T
    expected = 10 * np.sin(np.pi * x1 * x2) + 20 * (x3 - 0.5) ** 2 + 10 * x4 + 5 * x5
    np.testing.assert_allclose(y, expected, rtol=1e-12, atol=1e-12)


def test_noise_is_added_to_the_formula():
    X, y = make_friedman1(2000, noise=1.0, seed=4)
    x1, x2, x3, x4, x5 = X[:, :5].T
    clean = 10 * np.sin(np.pi * x1 * x2) + 20 * (x3 - 0.5) ** 2 + 10 * x4 + 5 * x5
    residual = y - clean
    # 2000 draws of N(0, 1): the sample standard deviation is within 0.1 of 1
    assert abs(np.std(residual) - 1.0) < 0.1


@pytest.mark.parametrize(
    ("kwargs", "error", "name"),
    [
        ({"n_samples": 1}, ValueError, "n_samples"),
        ({"n_samples": 10.0}, TypeError, "n_samples"),
        ({"n_samples": True}, TypeError, "n_samples"),
        ({"noise": -0.1}, ValueError, "noise"),
        ({"noise": float("nan")}, ValueError, "noise"),
        ({"noise": "1"}, TypeError, "noise"),
    ],
)
def test_bad_arguments_raise_naming_the_argument(kwargs, error, name):
    with pytest.raises(error, match=name):
        make_friedman1(**kwargs)
