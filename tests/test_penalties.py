"""Tests of ffnn.penalties: the L2/L1 weight penalty and its gradient."""

import numpy as np
import pytest

import ffnn
from ffnn.penalties import PenaltyGradient, weight_penalty

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
