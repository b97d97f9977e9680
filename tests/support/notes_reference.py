"""An independent re-implementation of the notes' training loop (pt4, January 2017).

Written from the notes' equations, not from ffnn: one tanh hidden layer, softmax
output, summed gradients ``delta2 = ŷ − y``, L2 added as ``dW += λ W``, plain
gradient descent, and the loss recorded after every update. It imports nothing
from ffnn, so that a test comparing the two compares two independent codes; the
tests reach it through the ``notes_data`` and ``notes_reference`` fixtures of
``tests/conftest.py``.
"""

from __future__ import annotations

import numpy as np
import sklearn.datasets


def notes_data() -> tuple[np.ndarray, np.ndarray]:
    """make_moons(200, noise=0.2) drawn right after ``np.random.seed(0)``."""
    state = np.random.get_state()
    try:
        np.random.seed(0)
        return sklearn.datasets.make_moons(200, noise=0.20)
    finally:
        np.random.set_state(state)


def notes_initial_weights(n_hidden: int) -> dict[str, np.ndarray]:
    """``W1 = randn(2, h)/√2``, ``W2 = randn(h, 2)/√h`` after ``np.random.seed(0)``."""
    rng = np.random.RandomState(0)  # the same stream as np.random.seed(0)
    W1 = rng.randn(2, n_hidden) / np.sqrt(2)
    W2 = rng.randn(n_hidden, 2) / np.sqrt(n_hidden)
    return {"W1": W1, "b1": np.zeros((1, n_hidden)), "W2": W2, "b2": np.zeros((1, 2))}


def _softmax(Z: np.ndarray) -> np.ndarray:
    e = np.exp(Z)
    return e / np.sum(e, axis=1, keepdims=True)


def notes_loss(model: dict[str, np.ndarray], X: np.ndarray, y: np.ndarray) -> float:
    a1 = np.tanh(X.dot(model["W1"]) + model["b1"])
    probs = _softmax(a1.dot(model["W2"]) + model["b2"])
    return float(np.sum(-np.log(probs[range(len(X)), y])) / len(X))


def notes_train(X, y, n_hidden, n_iter=2000, learning_rate=0.01, regularisation=0.0):
    """The notes' ``calculate``: returns the loss after each update and the model."""
    model = notes_initial_weights(n_hidden)
    W1, b1, W2, b2 = model["W1"], model["b1"], model["W2"], model["b2"]
    n = len(X)
    losses = []
    for _ in range(n_iter):
        a1 = np.tanh(X.dot(W1) + b1)
        d2 = _softmax(a1.dot(W2) + b2)
        d2[range(n), y] -= 1
        d1 = (1 - a1**2) * d2.dot(W2.T)
        dW2 = a1.T.dot(d2)
        db2 = np.sum(d2, axis=0, keepdims=True)
        dW1 = X.T.dot(d1)
        db1 = np.sum(d1, axis=0)
        dW1 += regularisation * W1
        dW2 += regularisation * W2
        W1 = W1 - learning_rate * dW1
        b1 = b1 - learning_rate * db1
        W2 = W2 - learning_rate * dW2
        b2 = b2 - learning_rate * db2
        model = {"W1": W1, "b1": b1, "W2": W2, "b2": b2}
        losses.append(notes_loss(model, X, y))
    return np.array(losses), model
