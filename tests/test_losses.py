"""Tests of ffnn.losses: softmax cross-entropy as one function, and its stability."""

import numpy as np
import pytest
from sklearn.metrics import log_loss

from ffnn.losses import (
    SoftmaxCrossEntropy,
    check_reduction,
    cross_entropy,
    log_softmax,
    softmax,
)

# results depend on BLAS rounding: .ci/run repeats them with other kernels
pytestmark = pytest.mark.numerics


def _logits(seed, n=12, k=4, scale=3.0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, k)) * scale, rng.integers(0, k, n)


# ---------------------------------------------------------------------- softmax
def test_softmax_rows_sum_to_one_and_match_definition():
    Z, _ = _logits(0)
    P = softmax(Z)
    expected = np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(P, expected, rtol=1e-14)
    np.testing.assert_allclose(P.sum(axis=1), 1.0, rtol=1e-15)
    np.testing.assert_allclose(log_softmax(Z), np.log(expected), rtol=1e-13)


def test_softmax_is_shift_invariant_and_does_not_modify_input():
    Z, _ = _logits(1)
    before = Z.copy()
    np.testing.assert_allclose(softmax(Z + 1000.0), softmax(Z), rtol=1e-12)
    assert np.array_equal(Z, before)


def test_softmax_of_huge_logits_is_finite_with_exact_zero_and_one():
    Z = np.array([[1e4, -1e4], [-1e4, 1e4], [1e4, 1e4]])
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # underflow ok
        P = softmax(Z)
        log_P = log_softmax(Z)
    assert np.array_equal(P, [[1.0, 0.0], [0.0, 1.0], [0.5, 0.5]])
    assert np.array_equal(log_P, [[0.0, -2e4], [-2e4, 0.0], [-np.log(2), -np.log(2)]])


# ------------------------------------------------------------------ the loss
@pytest.mark.parametrize("seed", range(5))
def test_loss_matches_sklearn_log_loss(seed):
    Z, y = _logits(seed)
    loss = SoftmaxCrossEntropy().forward(Z, y)
    expected = log_loss(y, softmax(Z), labels=np.arange(Z.shape[1]))
    assert loss == pytest.approx(expected, rel=1e-12)


def test_loss_is_mean_negative_log_probability_of_true_class():
    Z, y = _logits(6, n=9, k=3)
    P = np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True)
    expected = -np.mean(np.log(P[np.arange(9), y]))
    assert SoftmaxCrossEntropy().forward(Z, y) == pytest.approx(expected, rel=1e-13)


def test_forward_keeps_probabilities():
    Z, y = _logits(7)
    loss = SoftmaxCrossEntropy()
    loss.forward(Z, y)
    np.testing.assert_allclose(loss.probabilities, softmax(Z), rtol=1e-14)


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_backward_is_y_hat_minus_y(reduction):
    Z, y = _logits(8, n=10, k=3)
    loss = SoftmaxCrossEntropy()
    loss.forward(Z, y)
    delta = loss.backward(reduction)
    expected = softmax(Z) - np.eye(3)[y]  # the notes' delta = ŷ − y
    if reduction == "mean":
        expected /= 10
    np.testing.assert_allclose(delta, expected, rtol=1e-13, atol=1e-16)


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_backward_matches_finite_differences(
    reduction, numeric_gradient, relative_error
):
    Z, y = _logits(9, n=8, k=4)
    n = Z.shape[0]
    loss = SoftmaxCrossEntropy()
    loss.forward(Z, y)
    delta = loss.backward(reduction).copy()
    factor = n if reduction == "sum" else 1.0

    def objective():
        return factor * SoftmaxCrossEntropy().forward(Z, y)

    assert relative_error(delta, numeric_gradient(objective, Z)) < 1e-8


@pytest.mark.parametrize("value", [1e4, -1e4, 1e300])
def test_extreme_logits_give_finite_loss_and_delta(value):
    Z = np.array([[value, -value, 0.0], [0.0, value, -value], [-value, 0.0, value]])
    y = np.array([1, 1, 1])
    loss = SoftmaxCrossEntropy()
    with np.errstate(over="raise", invalid="raise"):
        value_of_loss = loss.forward(Z, y)
        delta = loss.backward("sum")
    assert np.isfinite(value_of_loss)
    assert np.all(np.isfinite(delta))
    assert np.all(np.abs(delta) <= 1.0)


def test_logits_of_plus_minus_1e4_give_the_exact_loss():
    Z = np.array([[1e4, -1e4], [-1e4, 1e4]])
    loss = SoftmaxCrossEntropy()
    # right for the second row (−log 1 = 0), wrong by 2e4 for the first
    assert loss.forward(Z, np.array([1, 1])) == pytest.approx(1e4, rel=1e-15)
    delta = loss.backward("sum")
    assert np.array_equal(delta, [[1.0, -1.0], [0.0, 0.0]])


def test_perfect_prediction_has_zero_loss():
    Z = np.array([[1e4, 0.0], [0.0, 1e4]])
    assert SoftmaxCrossEntropy().forward(Z, np.array([0, 1])) == 0.0


def test_backward_before_forward_or_twice_raises():
    loss = SoftmaxCrossEntropy()
    with pytest.raises(RuntimeError, match="before forward"):
        loss.backward()
    with pytest.raises(RuntimeError, match="no forward pass"):
        _ = loss.probabilities
    Z, y = _logits(10)
    loss.forward(Z, y)
    loss.backward()
    with pytest.raises(RuntimeError, match="before forward"):
        loss.backward()  # delta overwrote ŷ; a second backward would be wrong


def test_float32_logits_stay_float32():
    Z, y = _logits(11)
    loss = SoftmaxCrossEntropy()
    value = loss.forward(Z.astype(np.float32), y)
    assert loss.backward().dtype == np.float32
    assert value == pytest.approx(SoftmaxCrossEntropy().forward(Z, y), rel=1e-5)


# ----------------------------------------------------- cross_entropy on probabilities
def test_cross_entropy_of_exact_one_is_zero():
    P = np.array([[1.0, 0.0], [0.0, 1.0]])
    assert cross_entropy(P, np.array([0, 1])) == 0.0


def test_cross_entropy_of_exact_zero_is_finite():
    P = np.array([[1.0, 0.0], [0.0, 1.0]])
    with np.errstate(divide="raise"):
        value = cross_entropy(P, np.array([1, 1]))
    assert np.isfinite(value)
    # half the rows cost −log(tiny) ≈ 708.4
    assert value == pytest.approx(-np.log(np.finfo(np.float64).tiny) / 2, rel=1e-12)


def test_cross_entropy_matches_sklearn_log_loss():
    Z, y = _logits(12)
    P = softmax(Z)
    expected = log_loss(y, P, labels=np.arange(Z.shape[1]))
    assert cross_entropy(P, y) == pytest.approx(expected, rel=1e-12)


# ---------------------------------------------------------------- reductions
def test_check_reduction():
    assert check_reduction("mean") == "mean"
    assert check_reduction("SUM") == "sum"
    with pytest.raises(ValueError, match=r"unknown reduction 'avg'.*mean, sum"):
        check_reduction("avg")
