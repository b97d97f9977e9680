"""Tests of ffnn.optimizers.adam: Kingma & Ba's Algorithm 1, line by line."""

import numpy as np
import pytest

from ffnn.optimizers import Adam
from tests.support.optimizer_steps import LEARNING_RATES, problem, run_steps

# results depend on BLAS rounding: .ci/run repeats them with other kernels
pytestmark = pytest.mark.numerics


def _adam_algorithm_1(params, grad_sequence, learning_rates, b1, b2, eps):
    """Kingma & Ba (2015), Algorithm 1, line by line."""
    theta = [p.copy() for p in params]
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    t = 0
    history = []
    for g, alpha in zip(grad_sequence, learning_rates, strict=True):
        t = t + 1
        m = [b1 * mi + (1 - b1) * gi for mi, gi in zip(m, g, strict=True)]
        v = [b2 * vi + (1 - b2) * gi**2 for vi, gi in zip(v, g, strict=True)]
        m_hat = [mi / (1 - b1**t) for mi in m]
        v_hat = [vi / (1 - b2**t) for vi in v]
        theta = [
            th - alpha * mh / (np.sqrt(vh) + eps)
            for th, mh, vh in zip(theta, m_hat, v_hat, strict=True)
        ]
        history.append([th.copy() for th in theta])
    return history, m, v, t


@pytest.mark.parametrize(
    ("b1", "b2", "eps", "gradient_scale"),
    [
        (0.9, 0.999, 1e-8, 1.0),  # the paper's defaults
        (0.5, 0.9, 1e-8, 1.0),
        # ε comparable to √v̂: tells ε added to √v̂ (the paper) from ε added to √v
        (0.9, 0.999, 0.1, 0.05),
    ],
)
def test_adam_matches_algorithm_1(b1, b2, eps, gradient_scale):
    params, grads = problem(5)
    grads = [[gradient_scale * g for g in step] for step in grads]
    optimizer = Adam(0.1, beta1=b1, beta2=b2, epsilon=eps)
    got = run_steps(optimizer, params, grads, LEARNING_RATES)
    expected, m, v, t = _adam_algorithm_1(params, grads, LEARNING_RATES, b1, b2, eps)
    for step in range(len(grads)):
        for a, b in zip(got[step], expected[step], strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=0)
    assert optimizer.t == t == 5
    for a, b in zip(optimizer.m, m, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12)
    for a, b in zip(optimizer.v, v, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12)


def test_adam_first_step_moves_every_weight_by_about_eta():
    """Bias correction makes step 1 ``η g / (|g| + ε)``: about η, whatever g's size."""
    params, grads = problem(6)
    tiny = [1e-3 * g for g in grads[0]]
    got = run_steps(Adam(0.01), params, [tiny], [0.01])[0]
    for before, after, g in zip(params, got, tiny, strict=True):
        step = before - after
        np.testing.assert_allclose(step, 0.01 * g / (np.abs(g) + 1e-8), rtol=1e-9)
        np.testing.assert_allclose(step, 0.01 * np.sign(g), rtol=1e-2)


def test_adam_reset():
    params, grads = problem(7)
    optimizer = Adam(0.01)
    optimizer.step(params, grads[0], 0.01)
    assert optimizer.t == 1
    optimizer.reset()
    assert optimizer.t == 0 and optimizer.m is None and optimizer.v is None
