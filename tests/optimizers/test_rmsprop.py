"""Tests of ffnn.optimizers.rmsprop: Tieleman & Hinton's update."""

import numpy as np
import pytest

from ffnn.optimizers import RMSProp
from tests.support.optimizer_steps import LEARNING_RATES, problem, run_steps

# results depend on BLAS rounding: .ci/run repeats them with other kernels
pytestmark = pytest.mark.numerics


@pytest.mark.parametrize(("rho", "eps"), [(0.9, 1e-8), (0.5, 0.1)])
def test_rmsprop_steps(rho, eps):
    """Tieleman & Hinton (2012): v ← ρ v + (1 − ρ) g², w ← w − η g / (√v + ε)."""
    params, grads = problem(8)
    got = run_steps(RMSProp(0.01, rho=rho, epsilon=eps), params, grads, LEARNING_RATES)
    w = [p.copy() for p in params]
    v = [np.zeros_like(p) for p in params]
    for step, (g, eta) in enumerate(zip(grads, LEARNING_RATES, strict=True)):
        v = [rho * vi + (1 - rho) * gi**2 for vi, gi in zip(v, g, strict=True)]
        w = [
            wi - eta * gi / (np.sqrt(vi) + eps)
            for wi, vi, gi in zip(w, v, g, strict=True)
        ]
        for a, b in zip(got[step], w, strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=0)


def test_rmsprop_reset():
    params, grads = problem(9)
    optimizer = RMSProp()
    optimizer.step(params, grads[0], 0.01)
    assert optimizer.v is not None
    optimizer.reset()
    assert optimizer.v is None
