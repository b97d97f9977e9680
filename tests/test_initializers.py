"""Tests of ffnn.initializers: distributions, the registry, and why the notes' choice
matters (saturation of a wide tanh layer)."""

import numpy as np
import pytest

import ffnn
from ffnn.initializers import (
    INITIALIZERS,
    get_initializer,
    glorot_uniform,
    he_normal,
    lecun_normal,
    standard_normal,
    zeros,
)

# results depend on BLAS rounding: .ci/run repeats them with other kernels
pytestmark = pytest.mark.numerics


def _mean_tanh_derivative(init, seed, n_in=1000, n_out=500, n_rows=4):
    """Mean ``tanh'(Z) = 1 − tanh(Z)²`` over ``Z = X W + b`` with ``X`` all ones."""
    layer = ffnn.Dense(n_in, n_out, init=init, rng=np.random.default_rng(seed))
    X = np.ones((n_rows, n_in))
    Z = layer.forward(X)
    return float(np.mean(1.0 - np.tanh(Z) ** 2)), float(np.std(Z))


def test_registry_names():
    assert set(INITIALIZERS) == {
        "lecun_normal",
        "standard_normal",
        "zeros",
        "glorot_uniform",
        "he_normal",
    }
    assert get_initializer("lecun_normal") is lecun_normal
    assert get_initializer("He-Normal") is he_normal


def test_unknown_initializer_lists_valid_names():
    with pytest.raises(ValueError, match="unknown initializer 'orthogonal'") as info:
        get_initializer("orthogonal")
    for name in INITIALIZERS:
        assert name in str(info.value)


@pytest.mark.parametrize("name", sorted(INITIALIZERS))
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_shape_and_dtype(name, dtype):
    W = get_initializer(name)(7, 3, np.random.default_rng(0), dtype)
    assert W.shape == (7, 3)
    assert W.dtype == dtype


@pytest.mark.parametrize(
    ("init", "expected_std"),
    [
        (lecun_normal, 1 / np.sqrt(400)),
        (standard_normal, 1.0),
        (he_normal, np.sqrt(2 / 400)),
        (glorot_uniform, np.sqrt(6 / (400 + 300)) / np.sqrt(3)),
    ],
)
def test_standard_deviations(init, expected_std):
    W = init(400, 300, np.random.default_rng(1), np.float64)  # 120 000 draws
    assert abs(W.mean()) < 5 * expected_std / np.sqrt(W.size)  # 5 standard errors
    assert W.std() == pytest.approx(expected_std, rel=0.01)


def test_glorot_uniform_bounds():
    limit = np.sqrt(6 / (50 + 30))
    W = glorot_uniform(50, 30, np.random.default_rng(2), np.float64)
    assert np.all(np.abs(W) <= limit)
    assert np.abs(W).max() > 0.95 * limit


def test_lecun_normal_is_standard_normal_scaled_by_sqrt_n_in():
    """The notes' N(0, 1/√n_in): the same draws, divided by √n_in."""
    a = lecun_normal(9, 4, np.random.default_rng(3), np.float64)
    b = standard_normal(9, 4, np.random.default_rng(3), np.float64)
    np.testing.assert_allclose(a, b / 3.0, rtol=1e-15)


def test_zeros_is_zero():
    assert not np.any(zeros(5, 4, np.random.default_rng(0), np.float64))


def test_same_seed_same_weights():
    for init in INITIALIZERS.values():
        a = init(6, 5, np.random.default_rng(4), np.float64)
        b = init(6, 5, np.random.default_rng(4), np.float64)
        assert np.array_equal(a, b)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_standard_normal_saturates_a_wide_tanh_layer_lecun_does_not(seed):
    """With 1000 inputs of 1, ``Z`` has std ≈ √1000 ≈ 31.6 under N(0, 1) weights but
    ≈ 1 under the notes' N(0, 1/√n_in).

    For ``Z ~ N(0, s²)``, ``E[1 − tanh²(Z)]`` is about ``2/(s √(2π)) ≈ 0.025`` for
    ``s = 31.6`` (∫ sech² = 2 against a density ≈ 1/(s√(2π)) near 0), but ≈ 0.61
    for ``s = 1``: the standard-normal layer learns through a derivative some 24
    times smaller.
    """
    lecun_derivative, lecun_std = _mean_tanh_derivative("lecun_normal", seed)
    normal_derivative, normal_std = _mean_tanh_derivative("standard_normal", seed)
    assert lecun_std == pytest.approx(1.0, rel=0.15)
    assert normal_std == pytest.approx(np.sqrt(1000), rel=0.15)
    assert 0.5 < lecun_derivative < 0.7
    assert 0.01 < normal_derivative < 0.05
    assert lecun_derivative > 3 * normal_derivative
    assert lecun_derivative > 10 * normal_derivative


def test_a_single_row_shows_the_same_saturation():
    lecun_derivative, _ = _mean_tanh_derivative("lecun_normal", 5, n_rows=1)
    normal_derivative, _ = _mean_tanh_derivative("standard_normal", 5, n_rows=1)
    assert lecun_derivative > 3 * normal_derivative
    assert normal_derivative < 0.06


def _imbalanced_moons():
    X, y = ffnn.datasets.make_moons(200, noise=0.2, seed=0)
    # with balanced classes Σ (ŷ − y) = 0 at the start and nothing moves at all;
    # dropping two thirds of class 1 makes the zero network learn something
    keep = (y == 0) | (np.arange(200) % 3 == 0)
    return X[keep], y[keep]


def _assert_hidden_units_identical(W1, b1, W2):
    """Every hidden unit a copy of the first: columns of W1, entries of b1, rows
    of W2. (Bit-identical with OpenBLAS; the 1e-12 only spares a BLAS that sums
    one column in another order. Random initial weights differ at order 1.)"""
    n_hidden = W1.shape[1]
    tight = {"rtol": 1e-12, "atol": 1e-14}
    np.testing.assert_allclose(W1, np.repeat(W1[:, :1], n_hidden, axis=1), **tight)
    np.testing.assert_allclose(b1, np.full(n_hidden, b1[0]), **tight)
    np.testing.assert_allclose(W2, np.repeat(W2[:1, :], n_hidden, axis=0), **tight)


@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "relu"])
def test_zero_initialisation_never_breaks_the_symmetry(activation):
    X, y = _imbalanced_moons()
    net = ffnn.Network.mlp([2, 5, 2], activation=activation, init="zeros", seed=0)
    history = ffnn.train(
        net, X, y, optimizer=ffnn.SGD(0.01), epochs=300, reduction="sum"
    )
    W1, b1, W2 = net.weights[0], net.biases[0], net.weights[1]
    assert history.loss[-1] < history.loss[0]  # it did train (the output bias)
    _assert_hidden_units_identical(W1, b1, W2)


def test_zero_initialisation_symmetry_holds_even_when_weights_move():
    """Sigmoid(0) = 1/2 ≠ 0, so the hidden weights do change, but all alike."""
    X, y = _imbalanced_moons()
    net = ffnn.Network.mlp([2, 5, 2], activation="sigmoid", init="zeros", seed=0)
    ffnn.train(net, X, y, optimizer=ffnn.SGD(0.01), epochs=300, reduction="sum")
    W1, W2 = net.weights
    assert np.abs(W1).max() > 0.1 and np.abs(W2).max() > 0.1
    _assert_hidden_units_identical(W1, net.biases[0], W2)


def test_random_initialisation_breaks_the_symmetry():
    X, y = _imbalanced_moons()
    net = ffnn.Network.mlp([2, 5, 2], activation="sigmoid", seed=0)
    ffnn.train(net, X, y, optimizer=ffnn.SGD(0.01), epochs=50, reduction="sum")
    W1 = net.weights[0]
    assert not np.allclose(W1, W1[:, :1])
