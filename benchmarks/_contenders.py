"""The four contenders of the MNIST benchmarks, each a function that trains one
model in the worker process of :mod:`_mlp`.

Each takes the data, the :class:`Setup` and the worker's clock, calls
``clock.ready()`` once its model is built and ``clock.begin_epoch()`` /
``clock.end_epoch()`` around every epoch, and returns a predict function and the
dtype it computed in.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass
from itertools import pairwise
from typing import TYPE_CHECKING

import _common
import numpy as np

if TYPE_CHECKING:
    from _mlp import Clock

BETA1, BETA2, EPSILON = 0.9, 0.999, 1e-8  # Adam's defaults, the same everywhere


@dataclass
class Setup:
    """What every contender trains: layer sizes, epochs, batch size, Adam's η."""

    sizes: list[int]
    epochs: int
    batch_size: int
    learning_rate: float


Data = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]
Predict = Callable[[np.ndarray], np.ndarray]  # X (n, 784) -> class labels (n,)


def train_ffnn(
    data: Data, setup: Setup, clock: Clock, fused: bool | None = None
) -> tuple[Predict, str]:
    """ffnn as installed: Adam's update compiled with Numba (``fused=None`` picks
    it for this many parameters); ``fused=False`` is the NumPy-only update."""
    import ffnn

    X, y = data[:2]

    class Lockstep(ffnn.Callback):
        def on_train_begin(self, net, history, epochs):
            clock.ready()
            clock.begin_epoch()

        def on_epoch_end(self, epoch, net, history):
            clock.end_epoch()
            if epoch + 1 < setup.epochs:
                clock.begin_epoch()
            return False

    net = ffnn.Network.mlp(
        setup.sizes, activation="relu", init="he_normal", dtype="float32", seed=0
    )
    ffnn.train(
        net,
        X,
        y,
        optimizer=ffnn.Adam(setup.learning_rate, fused=fused),
        epochs=setup.epochs,
        batch_size=setup.batch_size,
        reduction="mean",
        seed=0,
        callbacks=[Lockstep()],
    )
    return net.predict, net.dtype.name


def train_numpy(data: Data, setup: Setup, clock: Clock) -> tuple[Predict, str]:
    """The minimal loop: float32, a gathered mini-batch, Adam per parameter."""
    X, y = data[:2]
    rng = np.random.default_rng(0)
    weights = [  # He normal: N(0, 2/n_in)
        rng.standard_normal((n_in, n_out), dtype=np.float32) * math.sqrt(2.0 / n_in)
        for n_in, n_out in pairwise(setup.sizes)
    ]
    biases = [np.zeros(n_out, dtype=np.float32) for n_out in setup.sizes[1:]]
    params = weights + biases
    m_state = [np.zeros_like(p) for p in params]
    v_state = [np.zeros_like(p) for p in params]
    eta, t, n, depth = setup.learning_rate, 0, len(X), len(weights)

    clock.ready()
    for _ in range(setup.epochs):
        clock.begin_epoch()
        order = rng.permutation(n)
        for start in range(0, n, setup.batch_size):
            index = order[start : start + setup.batch_size]
            X_batch, y_batch = X[index], y[index]
            m = len(index)
            # forward: A[l+1] = relu(A[l] W + b), logits Z from the last layer
            A = [X_batch]
            for W, b in zip(weights[:-1], biases[:-1], strict=True):
                A.append(np.maximum(A[-1] @ W + b, 0.0))
            Z = A[-1] @ weights[-1] + biases[-1]
            Z -= Z.max(axis=1, keepdims=True)  # softmax is shift-invariant
            P = np.exp(Z)
            P /= P.sum(axis=1, keepdims=True)
            P[np.arange(m), y_batch] -= 1.0  # delta = ŷ − y
            delta = P / m  # gradient of the mean loss
            # backward
            dW, db = [None] * depth, [None] * depth
            for layer in reversed(range(depth)):
                dW[layer] = A[layer].T @ delta
                db[layer] = delta.sum(axis=0)
                if layer > 0:
                    delta = (delta @ weights[layer].T) * (A[layer] > 0)
            # Adam (Kingma & Ba 2015)
            t += 1
            for p, g, m_, v_ in zip(params, dW + db, m_state, v_state, strict=True):
                m_ *= BETA1
                m_ += (1 - BETA1) * g
                v_ *= BETA2
                v_ += (1 - BETA2) * g * g
                m_hat = m_ / (1 - BETA1**t)
                v_hat = v_ / (1 - BETA2**t)
                p -= eta * m_hat / (np.sqrt(v_hat) + EPSILON)
        clock.end_epoch()

    def predict(X_new):
        A = X_new
        for W, b in zip(weights[:-1], biases[:-1], strict=True):
            A = np.maximum(A @ W + b, 0.0)
        return np.argmax(A @ weights[-1] + biases[-1], axis=1)

    return predict, weights[0].dtype.name


def train_sklearn(data: Data, setup: Setup, clock: Clock) -> tuple[Predict, str]:
    """MLPClassifier, one ``partial_fit`` (one epoch of Adam) per epoch."""
    from sklearn.neural_network import MLPClassifier

    X, y = data[:2]
    model = MLPClassifier(
        hidden_layer_sizes=tuple(setup.sizes[1:-1]),
        activation="relu",
        solver="adam",
        batch_size=setup.batch_size,
        learning_rate_init=setup.learning_rate,
        max_iter=setup.epochs,
        alpha=0.0,
        tol=0.0,
        n_iter_no_change=10**9,
        # a RandomState object (not an int) draws a new shuffle every partial_fit
        random_state=np.random.RandomState(0),
    )
    classes = np.unique(y)
    clock.ready()
    for _ in range(setup.epochs):
        clock.begin_epoch()
        model.partial_fit(X, y, classes=classes)
        clock.end_epoch()
    return model.predict, model.coefs_[0].dtype.name


def train_torch(data: Data, setup: Setup, clock: Clock) -> tuple[Predict, str]:
    """float32 nn.Sequential, manual shuffling and slicing (no DataLoader)."""
    import torch

    _common.set_torch_threads(torch)
    torch.manual_seed(0)
    X_np, y_np = data[:2]
    layers: list[torch.nn.Module] = []
    for n_in, n_out in pairwise(setup.sizes):
        layers += [torch.nn.Linear(n_in, n_out), torch.nn.ReLU()]
    model = torch.nn.Sequential(*layers[:-1])  # logits from the last Linear
    loss_function = torch.nn.CrossEntropyLoss()  # mean over the batch
    optimizer = torch.optim.Adam(
        model.parameters(), lr=setup.learning_rate, betas=(BETA1, BETA2), eps=EPSILON
    )
    X, y = torch.from_numpy(X_np), torch.from_numpy(y_np)
    generator = torch.Generator().manual_seed(0)
    clock.ready()
    for _ in range(setup.epochs):
        clock.begin_epoch()
        order = torch.randperm(len(X), generator=generator)
        for start in range(0, len(X), setup.batch_size):
            index = order[start : start + setup.batch_size]
            optimizer.zero_grad()
            loss = loss_function(model(X[index]), y[index])
            loss.backward()
            optimizer.step()
        clock.end_epoch()

    def predict(X_new):
        with torch.no_grad():
            return model(torch.from_numpy(X_new)).argmax(dim=1).numpy()

    return predict, str(X.dtype).removeprefix("torch.")


TRAINERS = {
    "ffnn": train_ffnn,
    "ffnn-numpy": functools.partial(train_ffnn, fused=False),
    "numpy": train_numpy,
    "sklearn": train_sklearn,
    "torch": train_torch,
}
