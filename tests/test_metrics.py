"""Tests of ffnn.metrics: R², as scikit-learn computes it, with sample weights."""

import numpy as np
import pytest
from sklearn.metrics import r2_score as sklearn_r2

from ffnn.metrics import r2_score


@pytest.mark.parametrize("outputs", [1, 3])
@pytest.mark.parametrize("weighted", [False, True])
def test_r2_matches_scikit_learn(outputs, weighted):
    rng = np.random.default_rng(0)
    Y = rng.normal(size=(30, outputs))
    Y_hat = Y + rng.normal(scale=0.5, size=Y.shape)
    weights = rng.uniform(0.1, 3.0, 30) if weighted else None
    assert r2_score(Y, Y_hat, weights) == pytest.approx(
        sklearn_r2(Y, Y_hat, sample_weight=weights), rel=1e-12
    )


def test_integer_weights_equal_repeated_rows():
    rng = np.random.default_rng(1)
    Y, Y_hat = rng.normal(size=(10, 2)), rng.normal(size=(10, 2))
    k = rng.integers(1, 4, 10)
    repeated = np.repeat(np.arange(10), k)
    assert r2_score(Y, Y_hat, k) == pytest.approx(
        r2_score(Y[repeated], Y_hat[repeated]), rel=1e-12
    )
