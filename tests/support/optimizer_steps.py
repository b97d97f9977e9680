"""Plain helpers of the optimizer tests: a problem of parameters and gradients,
and a run of an optimizer's steps over it."""

import numpy as np


def problem(seed, shapes=((3, 4), (4,), (2, 2))):
    """Parameters and a sequence of gradients for them (five steps)."""
    rng = np.random.default_rng(seed)
    params = [rng.standard_normal(shape) for shape in shapes]
    grads = [[rng.standard_normal(shape) for shape in shapes] for _ in range(5)]
    return params, grads


def run_steps(optimizer, params, grad_sequence, learning_rates):
    """Apply the optimizer's steps to copies; returns the parameters after each."""
    live = [p.copy() for p in params]
    history = []
    for grads, eta in zip(grad_sequence, learning_rates, strict=True):
        optimizer.step(live, [g.copy() for g in grads], eta)
        history.append([p.copy() for p in live])
    return history


LEARNING_RATES = [0.1, 0.1, 0.05, 0.05, 0.02]
