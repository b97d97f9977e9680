"""Tests of ffnn.datasets.synthetic: the notes' moons exactly, and the other sets'
definitions, shapes, labels and seeds."""

import numpy as np
import pytest
import sklearn.datasets

from ffnn.datasets import (
    DATASETS,
    load_dataset,
    make_circles,
    make_moons,
    make_spiral,
    make_xor,
)

#: the synthetic 2-D sets of this module (the registry may grow beyond them)
GENERATORS = ["circles", "moons", "spiral", "xor"]


def test_registry_holds_the_synthetic_sets():
    assert DATASETS["moons"] is make_moons
    assert DATASETS["circles"] is make_circles
    assert DATASETS["xor"] is make_xor
    assert DATASETS["spiral"] is make_spiral


def test_moons_are_the_notes_data(notes_data):
    """The notes drew make_moons(200, noise=0.20) right after np.random.seed(0)."""
    X, y = make_moons(200, noise=0.2, seed=0)
    X_notes, y_notes = notes_data
    assert np.array_equal(X, X_notes)
    assert np.array_equal(y, y_notes)


def test_moons_and_circles_are_sklearns():
    X, y = make_moons(50, noise=0.1, seed=3)
    X_ref, y_ref = sklearn.datasets.make_moons(50, noise=0.1, random_state=3)
    assert np.array_equal(X, X_ref) and np.array_equal(y, y_ref)
    X, y = make_circles(50, noise=0.05, seed=4, factor=0.3)
    X_ref, y_ref = sklearn.datasets.make_circles(
        50, noise=0.05, factor=0.3, random_state=4
    )
    assert np.array_equal(X, X_ref) and np.array_equal(y, y_ref)


@pytest.mark.parametrize("name", GENERATORS)
def test_shapes_dtypes_and_labels(name):
    X, y = DATASETS[name](n_samples=90, seed=1)
    assert X.shape == (90, 2) and X.dtype == np.float64
    assert y.shape == (90,) and np.issubdtype(y.dtype, np.integer)
    n_classes = 3 if name == "spiral" else 2
    assert set(np.unique(y)) == set(range(n_classes))
    assert np.all(np.isfinite(X))


@pytest.mark.parametrize("name", GENERATORS)
def test_same_seed_same_data_different_seed_differs(name):
    X_a, y_a = DATASETS[name](n_samples=40, seed=5)
    X_b, y_b = DATASETS[name](n_samples=40, seed=5)
    X_c, _ = DATASETS[name](n_samples=40, seed=6)
    assert np.array_equal(X_a, X_b) and np.array_equal(y_a, y_b)
    assert not np.array_equal(X_a, X_c)


@pytest.mark.parametrize("name", GENERATORS)
def test_noise_zero_is_noise_free(name):
    X0, y0 = DATASETS[name](n_samples=60, noise=0.0, seed=7)
    X1, y1 = DATASETS[name](n_samples=60, noise=0.3, seed=7)
    assert np.array_equal(y0, y1)
    assert not np.allclose(X0, X1)


def test_xor_labels_are_the_sign_xor_before_noise():
    X, y = make_xor(500, noise=0.0, seed=8)
    assert np.all(np.abs(X) <= 1.0)
    assert np.array_equal(y, (X[:, 0] * X[:, 1] < 0).astype(int))
    # both classes about equally common on the square
    assert 0.4 < y.mean() < 0.6


def test_xor_noise_is_added_after_labelling():
    clean, y_clean = make_xor(300, noise=0.0, seed=9)
    noisy, y_noisy = make_xor(300, noise=0.5, seed=9)
    assert np.array_equal(y_clean, y_noisy)
    assert np.std(noisy - clean) == pytest.approx(0.5, rel=0.1)


def test_spiral_geometry():
    X, y = make_spiral(300, noise=0.0, seed=10, n_classes=3)
    radius = np.hypot(X[:, 0], X[:, 1])
    assert np.all(radius <= 1.0)
    assert np.array_equal(np.bincount(y), [100, 100, 100])
    # θ = 4r + 2πk/K, measured from the y axis: (r sin θ, r cos θ)
    angle = 4.0 * radius + 2.0 * np.pi * y / 3
    np.testing.assert_allclose(X[:, 0], radius * np.sin(angle), atol=1e-12)
    np.testing.assert_allclose(X[:, 1], radius * np.cos(angle), atol=1e-12)


@pytest.mark.parametrize("n_classes", [2, 4, 5])
def test_spiral_class_count(n_classes):
    _, y = make_spiral(100, seed=11, n_classes=n_classes)
    assert set(y) == set(range(n_classes))


def test_circles_radii():
    X, y = make_circles(200, noise=0.0, seed=12, factor=0.4)
    radius = np.hypot(X[:, 0], X[:, 1])
    np.testing.assert_allclose(radius[y == 0], 1.0, rtol=1e-12)
    np.testing.assert_allclose(radius[y == 1], 0.4, rtol=1e-12)


def test_load_dataset_by_name():
    X, y = load_dataset("moons", n_samples=50, noise=0.1, seed=2)
    X_ref, y_ref = make_moons(50, noise=0.1, seed=2)
    assert np.array_equal(X, X_ref) and np.array_equal(y, y_ref)
    # noise=None keeps each set's own default
    X, _ = load_dataset("Spiral", n_samples=30, seed=2)
    assert np.array_equal(X, make_spiral(30, seed=2)[0])
    X, _ = load_dataset("xor", n_samples=30, seed=2)
    assert np.array_equal(X, make_xor(30, noise=0.1, seed=2)[0])


def test_unknown_dataset_lists_valid_names():
    with pytest.raises(ValueError, match="unknown dataset 'mnist'") as info:
        load_dataset("mnist")
    for name in GENERATORS:
        assert name in str(info.value)


@pytest.mark.parametrize("name", GENERATORS)
@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"n_samples": 1}, ValueError, "n_samples must be >= 2"),
        ({"n_samples": 10.5}, TypeError, "n_samples must be an integer"),
        ({"noise": -0.1}, ValueError, "noise must be a finite number >= 0"),
        ({"noise": float("inf")}, ValueError, "noise"),
        ({"seed": "abc"}, TypeError, "seed must be an int >= 0 or None, got 'abc'"),
        ({"seed": 1.5}, TypeError, "seed must be an int"),
        ({"seed": -1}, ValueError, r"seed must be an int in \[0, 4294967295\]"),
        ({"seed": 2**32}, ValueError, r"seed must be an int in \[0, 4294967295\]"),
    ],
)
def test_bad_arguments(name, kwargs, error, match):
    with pytest.raises(error, match=match):
        DATASETS[name](**kwargs)


def test_spiral_needs_two_classes():
    with pytest.raises(ValueError, match="n_classes must be >= 2"):
        make_spiral(30, n_classes=1)


@pytest.mark.parametrize(
    ("factor", "error"), [(1.0, ValueError), (-0.5, ValueError), ("0.5", TypeError)]
)
def test_circles_factor_is_a_fraction(factor, error):
    with pytest.raises(error, match="factor must be"):
        make_circles(30, factor=factor)


def test_friedman1_seed_is_named():
    from ffnn.datasets import make_friedman1

    with pytest.raises(TypeError, match="seed must be an int >= 0 or None"):
        make_friedman1(30, seed="abc")
