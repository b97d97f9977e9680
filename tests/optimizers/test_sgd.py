"""Tests of ffnn.optimizers.sgd: plain, momentum and Nesterov steps against the
equations written out here."""

import numpy as np
import pytest

from ffnn.optimizers import SGD
from tests.support.optimizer_steps import LEARNING_RATES, problem, run_steps

# results depend on BLAS rounding: .ci/run repeats them with other kernels
pytestmark = pytest.mark.numerics


def test_sgd_plain_step():
    params, grads = problem(0)
    got = run_steps(SGD(0.1), params, grads, LEARNING_RATES)
    w = [p.copy() for p in params]
    for step, (g, eta) in enumerate(zip(grads, LEARNING_RATES, strict=True)):
        w = [wi - eta * gi for wi, gi in zip(w, g, strict=True)]
        for a, b in zip(got[step], w, strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=0)


def test_sgd_momentum_steps():
    """Polyak momentum: v ← μ v − η g, w ← w + v."""
    mu = 0.9
    params, grads = problem(1)
    got = run_steps(SGD(0.1, momentum=mu), params, grads, LEARNING_RATES)
    w = [p.copy() for p in params]
    v = [np.zeros_like(p) for p in params]
    for step, (g, eta) in enumerate(zip(grads, LEARNING_RATES, strict=True)):
        v = [mu * vi - eta * gi for vi, gi in zip(v, g, strict=True)]
        w = [wi + vi for wi, vi in zip(w, v, strict=True)]
        for a, b in zip(got[step], w, strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=0)


def test_sgd_nesterov_steps():
    """Nesterov (Sutskever et al. 2013, in the form used by Keras/PyTorch):
    v ← μ v − η g, w ← w + μ v − η g."""
    mu = 0.8
    params, grads = problem(2)
    got = run_steps(SGD(0.1, momentum=mu, nesterov=True), params, grads, LEARNING_RATES)
    w = [p.copy() for p in params]
    v = [np.zeros_like(p) for p in params]
    for step, (g, eta) in enumerate(zip(grads, LEARNING_RATES, strict=True)):
        v = [mu * vi - eta * gi for vi, gi in zip(v, g, strict=True)]
        w = [wi + mu * vi - eta * gi for wi, vi, gi in zip(w, v, g, strict=True)]
        for a, b in zip(got[step], w, strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=0)


def test_sgd_momentum_first_step_equals_plain_sgd_then_differs():
    params, grads = problem(3)
    plain = run_steps(SGD(0.1), params, grads, LEARNING_RATES)
    heavy = run_steps(SGD(0.1, momentum=0.9), params, grads, LEARNING_RATES)
    for a, b in zip(plain[0], heavy[0], strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-15)
    assert not np.allclose(plain[1][0], heavy[1][0])


def test_sgd_velocity_state_and_reset():
    params, grads = problem(4)
    optimizer = SGD(0.1, momentum=0.5)
    assert optimizer.velocity is None
    optimizer.step(params, grads[0], 0.1)
    assert [v.shape for v in optimizer.velocity] == [p.shape for p in params]
    np.testing.assert_allclose(optimizer.velocity[0], -0.1 * grads[0][0], rtol=1e-15)
    optimizer.reset()
    assert optimizer.velocity is None
