"""Tests of ffnn.penalties: the L2/L1 weight penalty and its gradient."""

import numpy as np
import pytest

import ffnn
from ffnn.penalties import PenaltyGradient, check_penalty_scale, weight_penalty

# results depend on BLAS rounding: .ci/run repeats them with other kernels
pytestmark = pytest.mark.numerics


def test_weight_penalty_l2_and_l1():
    W1 = np.array([[1.0, -2.0], [3.0, 0.5]])
    W2 = np.array([[-1.5], [2.0]])
    squares = 1 + 4 + 9 + 0.25 + 2.25 + 4
    absolutes = 1 + 2 + 3 + 0.5 + 1.5 + 2
    n = 8
    assert weight_penalty([W1, W2], 0.0, 0.0, n) == 0.0
    assert weight_penalty([W1, W2], 0.3, 0.0, n) == pytest.approx(0.3 / 16 * squares)
    assert weight_penalty([W1, W2], 0.0, 0.2, n) == pytest.approx(0.2 / 8 * absolutes)
    assert weight_penalty([W1, W2], 0.3, 0.2, n) == pytest.approx(
        0.3 / 16 * squares + 0.2 / 8 * absolutes
    )


@pytest.mark.parametrize("reduction, m", [("mean", 1), ("sum", 7)])
def test_gradient_is_the_penalty_differentiated_and_skips_biases(reduction, m):
    net = ffnn.Network.mlp([3, 4, 2], seed=0)
    net.biases = [np.full(4, 0.5), np.full(2, -0.5)]
    alpha, l1, n = 0.3, 0.2, 20
    PenaltyGradient(net, alpha, l1, n, reduction).add(m)
    scale = m if reduction == "sum" else 1
    h = 1e-6
    for W, dW, b, db in zip(
        net.weights,
        *[[*net.gradients()[0::2]], net.biases, net.gradients()[1::2]],
        strict=True,
    ):
        numeric = np.zeros_like(W)
        for index in np.ndindex(W.shape):
            saved = W[index]
            W[index] = saved + h
            up = weight_penalty(net.weights, alpha, l1, n)
            W[index] = saved - h
            down = weight_penalty(net.weights, alpha, l1, n)
            W[index] = saved
            numeric[index] = (up - down) / (2 * h)
        np.testing.assert_allclose(dW, scale * numeric, rtol=1e-6)
        assert not db.any()  # biases carry no penalty
        assert b.any()


def test_no_penalty_adds_nothing_and_allocates_nothing():
    net = ffnn.Network.mlp([2, 3, 2], seed=0)
    penalty = PenaltyGradient(net, 0.0, 0.0, 10, "mean")
    penalty.add(10)
    assert not net.flat_gradients.any()
    assert not hasattr(penalty, "work")


# ------------------------------------------------------------- penalty scale
@pytest.mark.parametrize(
    ("reduction", "penalty_scale", "expected"),
    [
        ("mean", "training_set", 1 / 40),  # the notes': λ/N
        ("sum", "training_set", 10 / 40),  # m times it
        ("mean", "batch", 1 / 10),  # scikit-learn's alpha: λ/m
        ("sum", "batch", 1.0),  # m times it
    ],
)
def test_scale_divides_by_the_training_set_or_the_batch(
    reduction, penalty_scale, expected
):
    net = ffnn.Network.mlp([2, 3, 2], seed=0)
    penalty = PenaltyGradient(net, 0.5, 0.0, 40, reduction, penalty_scale)
    assert penalty.scale(10) == expected
    notes = PenaltyGradient(net, 0.5, 0.0, 40, reduction)
    assert penalty.scale(40.0) == notes.scale(40.0)  # the full batch: both agree


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_batch_scale_adds_the_penalty_of_the_batch(reduction):
    """With penalty_scale='batch' a batch of m rows adds the gradient of
    α/(2m) Σ w² + α₁/m Σ |w| (m times it for the sum): the training-set penalty
    of a training set of m rows."""
    alpha, l1, m = 0.3, 0.2, 7.5  # a weight sum need not be an integer
    per_batch = ffnn.Network.mlp([3, 4, 2], seed=1)
    per_set = ffnn.Network.mlp([3, 4, 2], seed=1)
    PenaltyGradient(per_batch, alpha, l1, 1000.0, reduction, "batch").add(m)
    PenaltyGradient(per_set, alpha, l1, m, reduction).add(m)
    assert np.array_equal(per_batch.flat_gradients, per_set.flat_gradients)
    assert per_batch.flat_gradients.any()


def test_check_penalty_scale():
    assert check_penalty_scale("training_set") == "training_set"
    assert check_penalty_scale(" Batch") == "batch"
    with pytest.raises(
        ValueError, match=r"unknown penalty_scale 'sample'.*batch, training_set"
    ):
        check_penalty_scale("sample")
    with pytest.raises(TypeError, match="penalty_scale must be given by name"):
        check_penalty_scale(None)
    net = ffnn.Network.mlp([2, 2], seed=0)
    with pytest.raises(ValueError, match="unknown penalty_scale"):
        PenaltyGradient(net, 0.1, 0.0, 10, "mean", "per_batch")
