"""Tests of ffnn.datasets.digits: scikit-learn's 8 × 8 digits scaled to [0, 1],
split with stratification, and learnable by a small ffnn network."""

import numpy as np
import pytest
import sklearn.datasets
from sklearn.model_selection import train_test_split

import ffnn
from ffnn.datasets import load_digits

# results depend on BLAS rounding: .ci/run repeats them with other kernels
pytestmark = pytest.mark.numerics


def test_shapes_and_dtypes():
    X, y, X_test, y_test = load_digits()
    assert X.shape == (1347, 64) and X_test.shape == (450, 64)
    assert y.shape == (1347,) and y_test.shape == (450,)
    assert X.dtype == np.float64 and X_test.dtype == np.float64
    assert y.dtype == np.int64 and y_test.dtype == np.int64
    assert X.flags.c_contiguous and X_test.flags.c_contiguous
    X32, *_ = load_digits(dtype="float32")
    assert X32.dtype == np.float32


def test_features_are_sklearn_pixels_over_16():
    X, y, X_test, y_test = load_digits(seed=3)
    digits = sklearn.datasets.load_digits()
    X_ref, X_test_ref, y_ref, y_test_ref = train_test_split(
        digits.data / 16,
        digits.target,
        test_size=0.25,
        stratify=digits.target,
        random_state=3,
    )
    assert np.array_equal(X, X_ref) and np.array_equal(X_test, X_test_ref)
    assert np.array_equal(y, y_ref) and np.array_equal(y_test, y_test_ref)
    both = np.vstack([X, X_test])
    assert both.min() == 0.0 and both.max() == 1.0


@pytest.mark.parametrize("fraction", [0.1, 0.25, 0.5])
def test_split_is_stratified(fraction):
    X, y, X_test, y_test = load_digits(test_fraction=fraction, seed=1)
    counts = np.bincount(np.concatenate([y, y_test]), minlength=10)
    assert len(X) + len(X_test) == 1797 == counts.sum()
    # each digit's share of the test set is its share of the whole, to one image
    assert np.all(np.abs(np.bincount(y_test, minlength=10) - fraction * counts) <= 1)


def test_same_seed_same_split_other_seed_differs():
    X_a, y_a, _, _ = load_digits(seed=5)
    X_b, y_b, _, _ = load_digits(seed=5)
    X_c, _, _, _ = load_digits(seed=6)
    assert np.array_equal(X_a, X_b) and np.array_equal(y_a, y_b)
    assert not np.array_equal(X_a, X_c)


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"test_fraction": 0.0}, ValueError),
        ({"test_fraction": 1.0}, ValueError),
        ({"test_fraction": -0.2}, ValueError),
        ({"test_fraction": "half"}, TypeError),
        ({"dtype": "int32"}, ValueError),
        ({"seed": 1.5}, TypeError),
    ],
)
def test_invalid_options(kwargs, error):
    name = next(iter(kwargs))
    with pytest.raises(error, match=name):
        load_digits(**kwargs)


@pytest.mark.parametrize(("epochs", "target"), [(20, 0.95), (50, 0.97)])
def test_a_small_mlp_learns_the_digits(epochs, target):
    """[64, 64, 10] ReLU, He init, Adam(1e-3), batches of 32: 0.964 test accuracy
    after 20 epochs and 0.978 after 50 (seed 0; < 0.5 s)."""
    X, y, X_test, y_test = load_digits(seed=0)
    net = ffnn.Network.mlp([64, 64, 10], activation="relu", init="he_normal", seed=0)
    ffnn.train(
        net, X, y, optimizer=ffnn.Adam(1e-3), epochs=epochs, batch_size=32, seed=0
    )
    assert net.accuracy(X_test, y_test) >= target
