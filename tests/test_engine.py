"""The fused training engine computes what the layer path computes."""

from __future__ import annotations

import numpy as np
import pytest

import ffnn
from ffnn import engine, training

CASES = [
    (["tanh"], 0.0, None, "sum", 0.0, 0.0),
    (["relu", "tanh"], 0.3, 16, "mean", 0.2, 0.05),
    (["sigmoid", "leaky_relu"], 0.3, 16, "sum", 0.1, 0.0),
    (["identity", "tanh"], 0.0, 7, "mean", 0.0, 0.1),
    (["leaky_relu", "relu", "sigmoid"], 0.2, None, "mean", 0.5, 0.0),
    ([], 0.0, 10, "mean", 0.3, 0.0),  # no hidden layer: softmax regression
]


def _train(
    use_engine,
    activations,
    dropout,
    batch_size,
    reduction,
    alpha,
    l1,
    monkeypatch,
    optimizer,
):
    X, y = ffnn.datasets.make_spiral(90, noise=0.2, seed=2)
    sizes = [2, *[12] * len(activations), 3]
    net = ffnn.Network.mlp(sizes, activation=activations, dropout=dropout, seed=1)
    with monkeypatch.context() as patch:
        if not use_engine:
            patch.setattr(training, "supports", lambda network: False)
        history = ffnn.train(
            net,
            X,
            y,
            optimizer=optimizer,
            epochs=15,
            batch_size=batch_size,
            reduction=reduction,
            alpha=alpha,
            l1=l1,
            seed=4,
        )
    return history, net


@pytest.mark.parametrize("case", CASES, ids=lambda c: "-".join(c[0]) or "linear")
@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_engine_trains_exactly_like_the_layer_path(case, optimizer, monkeypatch):
    make = {
        "sgd": lambda: ffnn.SGD(0.05, momentum=0.5),
        "adam": lambda: ffnn.Adam(0.01),
    }
    fused, fused_net = _train(True, *case, monkeypatch, make[optimizer]())
    layered, layered_net = _train(False, *case, monkeypatch, make[optimizer]())
    np.testing.assert_allclose(fused.loss, layered.loss, rtol=1e-10, atol=1e-13)
    for a, b in zip(fused_net.parameters(), layered_net.parameters(), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("case", CASES, ids=lambda c: "-".join(c[0]) or "linear")
def test_row_major_hidden_buffers_train_like_the_layer_path(case, monkeypatch):
    """Large products get C-order hidden buffers; force them on these small
    cases (dropout, full batch and L1 included) to check that layout too."""
    monkeypatch.setattr(engine, "C_ORDER_MIN_PRODUCT", 0)
    fused, fused_net = _train(True, *case, monkeypatch, ffnn.Adam(0.01))
    layered, layered_net = _train(False, *case, monkeypatch, ffnn.Adam(0.01))
    np.testing.assert_allclose(fused.loss, layered.loss, rtol=1e-10, atol=1e-13)
    for a, b in zip(fused_net.parameters(), layered_net.parameters(), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)


def test_hidden_order_follows_the_size_of_the_product():
    assert engine._hidden_order(128, 784, 100) == "C"  # MNIST's first layer
    assert engine._hidden_order(200, 2, 10) == "F"  # the notes' 2-10-2


def test_engine_gradients_equal_backpropagation_of_one_batch():
    X, y = ffnn.datasets.make_moons(40, seed=3)
    net = ffnn.Network.mlp([2, 6, 5, 2], activation=["tanh", "relu"], seed=3)
    fused = engine.Engine(
        net, X, y, batch_size=40, shuffle=False, reduction="mean", alpha=0.4, l1=0.0
    )
    loss_sum = next(fused.batches(np.random.default_rng(0))).run(None)
    from_engine = net.flat_gradients.copy()
    loss = net.compute_gradients(X, y, reduction="mean", alpha=0.4, training=False)
    np.testing.assert_allclose(from_engine, net.flat_gradients, rtol=1e-12, atol=1e-15)
    assert loss_sum / 40 == pytest.approx(loss, rel=1e-13)


def test_logits_of_1e4_stay_finite_in_the_engine():
    X = np.array([[1.0, 0.0], [0.0, 1.0]])
    net = ffnn.Network.mlp([2, 2], seed=0)
    net.weights = [np.array([[1e4, -1e4], [-1e4, 1e4]])]
    fused = engine.Engine(
        net,
        X,
        np.array([1, 1]),
        batch_size=2,
        shuffle=False,
        reduction="sum",
        alpha=0.0,
        l1=0.0,
    )
    loss = next(fused.batches(np.random.default_rng(0))).run(None)
    assert loss == pytest.approx(2e4)  # one row is right, one wrong by 2e4
    assert np.isfinite(net.flat_gradients).all()


def test_engine_covers_mlps_and_not_custom_stacks():
    assert engine.supports(ffnn.Network.mlp([2, 3, 2], dropout=0.5))
    odd = ffnn.Network([ffnn.Dense(2, 3), ffnn.Tanh(), ffnn.Dense(3, 2), ffnn.Tanh()])
    assert not engine.supports(odd)
    assert not engine.supports(
        ffnn.Network([ffnn.Dense(2, 3), ffnn.Tanh(), ffnn.ReLU(), ffnn.Dense(3, 2)])
    )
    X, y = ffnn.datasets.make_moons(30, seed=0)
    history = ffnn.train(odd, X, y, epochs=5)  # the layer path trains it
    assert len(history.loss) == 5
