"""Tests of ffnn.engines: the layers engine and the fast engine train to the same
weights, 'auto' picks the fast one where it can, and each runs what it says."""

from __future__ import annotations

import numpy as np
import pytest

import ffnn
from ffnn.engines import ENGINE_CHOICES, fast, make_engine
from ffnn.engines.fast import FastEngine
from ffnn.engines.layers import LayerEngine

# results depend on BLAS rounding: .ci/run repeats them with other kernels
pytestmark = pytest.mark.numerics

# activations, dropout, batch size, reduction, alpha (L2 λ), l1
CASES = [
    (["tanh"], 0.0, None, "sum", 0.0, 0.0),
    (["tanh"], 0.0, None, "mean", 0.3, 0.0),
    (["relu", "tanh"], 0.3, 16, "mean", 0.2, 0.05),
    (["sigmoid", "leaky_relu"], 0.3, 16, "sum", 0.1, 0.0),
    (["identity", "tanh"], 0.0, 7, "mean", 0.0, 0.1),
    (["leaky_relu", "relu", "sigmoid"], 0.2, None, "mean", 0.5, 0.0),
    (["relu", "relu"], 0.5, 32, "sum", 0.0, 0.2),
    ([], 0.0, 10, "mean", 0.3, 0.0),  # no hidden layer: softmax regression
]
OPTIMIZERS = {
    "sgd": lambda: ffnn.SGD(0.05, momentum=0.5),
    "adam": lambda: ffnn.Adam(0.01),
}


def _train(engine, activations, dropout, batch_size, reduction, alpha, l1, optimizer):
    X, y = ffnn.datasets.make_spiral(90, noise=0.2, seed=2)
    sizes = [2, *[12] * len(activations), 3]
    net = ffnn.Network.mlp(sizes, activation=activations, dropout=dropout, seed=1)
    optimizer = OPTIMIZERS[optimizer]()
    if reduction == "sum":  # the same step sizes as the mean: η / m
        m = batch_size or len(y)
        optimizer.schedule = ffnn.Constant(optimizer.learning_rate / m)
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
        engine=engine,
    )
    return history, net


@pytest.mark.parametrize("case", CASES, ids=lambda c: "-".join(c[0]) or "linear")
@pytest.mark.parametrize("optimizer", sorted(OPTIMIZERS))
def test_both_engines_train_to_the_same_weights(case, optimizer):
    fast_history, fast_net = _train("fast", *case, optimizer)
    layers_history, layers_net = _train("layers", *case, optimizer)
    assert (fast_history.engine, layers_history.engine) == ("fast", "layers")
    np.testing.assert_allclose(fast_history.loss, layers_history.loss, atol=1e-12)
    for a, b in zip(fast_net.parameters(), layers_net.parameters(), strict=True):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-12)
    assert fast_history.loss[-1] != fast_history.loss[0]  # the weights moved


@pytest.mark.parametrize("case", CASES[2:5], ids=lambda c: "-".join(c[0]))
def test_row_major_hidden_buffers_train_like_the_layers(case, monkeypatch):
    """Large products get C-order hidden buffers; force them on these small
    cases (dropout and L1 included) to check that layout too."""
    monkeypatch.setattr(fast, "C_ORDER_MIN_PRODUCT", 0)
    fast_history, fast_net = _train("fast", *case, "adam")
    layers_history, layers_net = _train("layers", *case, "adam")
    np.testing.assert_allclose(fast_history.loss, layers_history.loss, atol=1e-12)
    for a, b in zip(fast_net.parameters(), layers_net.parameters(), strict=True):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-12)


def test_auto_picks_the_fast_engine_where_it_supports_the_stack():
    X, y = ffnn.datasets.make_moons(30, seed=0)
    plain = ffnn.Network.mlp([2, 3, 2], dropout=0.5, seed=0)
    assert ffnn.train(plain, X, y, epochs=1).engine == "fast"

    class Scale(ffnn.Layer):  # a layer only the layers engine knows how to run
        def forward(self, A_prev, training=False, rng=None):
            return 2.0 * A_prev

        def backward(self, dA):
            return 2.0 * dA

    custom = ffnn.Network([ffnn.Dense(2, 3), Scale(), ffnn.Dense(3, 2)])
    assert not fast.supports(custom)
    assert ffnn.train(custom, X, y, epochs=3).engine == "layers"
    fresh = ffnn.Network([ffnn.Dense(2, 3), Scale(), ffnn.Dense(3, 2)])
    with pytest.raises(ValueError, match="engine='fast' trains stacks of ffnn's"):
        ffnn.train(fresh, X, y, epochs=1, engine="fast")
    assert fresh.classes is None  # refused before anything changed

    class Doubled(ffnn.Tanh):  # a subclass whose equations the fast engine can't know
        def forward(self, A_prev, training=False, rng=None):
            return 2.0 * super().forward(A_prev, training, rng)

        def backward(self, dA):
            return super().backward(2.0 * dA)

    subclassed = ffnn.Network([ffnn.Dense(2, 3), Doubled(), ffnn.Dense(3, 2)])
    assert ffnn.train(subclassed, X, y, epochs=2).engine == "layers"


def test_odd_stacks_of_known_layers_run_fast_and_agree():
    """Two activations in a row, and logits through a final activation."""
    X, y = ffnn.datasets.make_moons(30, seed=1)
    nets = {}
    for engine in ("fast", "layers"):
        nets[engine] = ffnn.Network(
            [
                ffnn.Dense(2, 4, rng=np.random.default_rng(0)),
                ffnn.Tanh(),
                ffnn.ReLU(),
                ffnn.Dense(4, 2, rng=np.random.default_rng(1)),
                ffnn.Tanh(),
            ]
        )
        history = ffnn.train(nets[engine], X, y, epochs=20, engine=engine)
        assert history.engine == engine
    for a, b in zip(
        nets["fast"].parameters(), nets["layers"].parameters(), strict=True
    ):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-13)


def test_unknown_engine_is_refused_by_name():
    X, y = ffnn.datasets.make_moons(10, seed=0)
    net = ffnn.Network.mlp([2, 3, 2], seed=0)
    with pytest.raises(ValueError, match=r"unknown engine 'turbo'.*auto, fast, layers"):
        ffnn.train(net, X, y, engine="turbo")
    assert ENGINE_CHOICES == ("auto", "layers", "fast")


@pytest.mark.parametrize("engine_class", [LayerEngine, FastEngine])
def test_one_batch_gives_the_backpropagated_gradient(engine_class):
    X, y = ffnn.datasets.make_moons(40, seed=3)
    net = ffnn.Network.mlp([2, 6, 5, 2], activation=["tanh", "relu"], seed=3)
    engine = engine_class(net, X, y, 40, False, "mean", 0.4, 0.0)
    (batch,) = engine.batches(np.random.default_rng(0))
    engine.forward(batch, None)
    loss_sum = engine.loss(batch)
    engine.backward(batch)
    from_engine = net.flat_gradients.copy()
    loss = net.compute_gradients(X, y, reduction="mean", alpha=0.4, training=False)
    np.testing.assert_allclose(from_engine, net.flat_gradients, rtol=1e-12, atol=1e-15)
    assert loss_sum / 40 == pytest.approx(loss, rel=1e-13)


@pytest.mark.parametrize("engine", ["fast", "layers"])
def test_logits_of_1e4_stay_finite(engine):
    X = np.array([[1.0, 0.0], [0.0, 1.0]])
    net = ffnn.Network.mlp([2, 2], seed=0)
    net.weights = [np.array([[1e4, -1e4], [-1e4, 1e4]])]
    passes = make_engine(engine, net, X, np.array([1, 1]), 2, False, "sum", 0.0, 0.0)
    (batch,) = passes.batches(np.random.default_rng(0))
    passes.forward(batch, None)
    assert passes.loss(batch) == pytest.approx(2e4)  # one row right, one off by 2e4
    passes.backward(batch)
    assert np.isfinite(net.flat_gradients).all()
