"""Tests of ffnn.engines.fast: its memory layout and its buffers, one meaning each;
its squared error and sample weights train as the layers engine does."""

from __future__ import annotations

import numpy as np
import pytest

import ffnn
from ffnn.engines import fast
from ffnn.engines.fast import FastEngine, FastSoftmaxCrossEntropy, FastSquaredError

# results depend on BLAS rounding: .ci/run repeats them with other kernels
pytestmark = pytest.mark.numerics


def test_hidden_order_follows_the_size_of_the_product():
    assert fast.hidden_order(128, 784, 100) == "C"  # MNIST's first layer
    assert fast.hidden_order(200, 2, 10) == "F"  # the notes' 2-10-2


def test_fast_buffers_have_one_meaning_each():
    """Every twin's gradient buffer is the one the layer before reads: no buffer
    holds two quantities."""
    X, y = ffnn.datasets.make_moons(20, seed=0)
    net = ffnn.Network.mlp([2, 4, 3, 2], activation=["tanh", "relu"], dropout=0.3)
    engine = FastEngine(net, X, y, 20, False, "mean", 0.0, 0.0)
    (batch,) = engine.by_size.values()
    dense1, tanh, dropout1, dense2, _, _, dense3 = batch.layers
    assert tanh.delta_Z is dense1.delta_Z and tanh.Z is dense1.Z
    assert dropout1.A is tanh.A and dropout1.delta_A is tanh.delta_A
    assert dense2.delta_A_prev is dropout1.delta_A_kept
    assert dense3.delta_Z is batch.output.delta_Z
    assert dense1.delta_A_prev is None  # nobody needs ∂L/∂X
    buffers = [
        buffer
        for twin in batch.layers
        for buffer in (getattr(twin, name, None) for name in ("Z", "A", "A_kept"))
        if buffer is not None
    ]
    assert all(not np.shares_memory(batch.output.Y_hat, b) for b in buffers)
    assert not np.shares_memory(batch.output.Y_hat, batch.output.delta_Z)


# ------------------------------------------------ regression and sample weights
def _data(output, n=60, k=2, seed=2):
    """Spiral classes (output 'softmax'), or k smooth real targets of the same
    points ('identity'); 3 features either way."""
    X, y = ffnn.datasets.make_spiral(n, noise=0.2, seed=seed)
    X = np.column_stack([X, X[:, 0] * X[:, 1]])
    if output == "softmax":
        return X, y
    Y = np.column_stack([np.sin(X[:, 0]) + X[:, 2], X[:, 1] ** 2, X[:, 0]])[:, :k]
    return X, (Y[:, 0] if k == 1 else Y)


def _weights(n=60, seed=7):
    """Non-integer weights with zeros among them."""
    weights = np.random.default_rng(seed).uniform(0.0, 3.0, n)
    weights[::11] = 0.0
    return weights


# output, k, activations, dropout, batch size, reduction, alpha, l1, weighted
CASES = [
    ("identity", 1, ["tanh"], 0.0, None, "sum", 0.0, 0.0, False),
    ("identity", 1, ["relu", "tanh"], 0.3, 16, "mean", 0.2, 0.05, False),
    ("identity", 3, ["sigmoid"], 0.0, None, "mean", 0.3, 0.0, False),
    ("identity", 3, ["leaky_relu", "relu"], 0.2, 16, "sum", 0.0, 0.1, False),
    ("identity", 2, [], 0.0, 7, "mean", 0.1, 0.0, False),  # linear regression
    ("identity", 2, ["tanh"], 0.0, None, "mean", 0.2, 0.05, True),
    ("identity", 2, ["relu", "tanh"], 0.3, 16, "sum", 0.3, 0.0, True),
    ("softmax", 3, ["tanh"], 0.0, None, "sum", 0.3, 0.1, True),
    ("softmax", 3, ["relu", "sigmoid"], 0.3, 16, "mean", 0.2, 0.0, True),
    ("softmax", 3, [], 0.0, 7, "sum", 0.0, 0.1, True),
]


def _case_id(case):
    output, k, activations, dropout, batch_size, reduction, _, _, weighted = case
    name = "-".join(activations) or "linear"
    weights = "-weighted" if weighted else ""
    return f"{output}{k}-{name}-p{dropout}-b{batch_size}-{reduction}{weights}"


def _train(engine, case, penalty_scale="training_set"):
    output, k, activations, dropout, batch_size, reduction, alpha, l1, weighted = case
    X, y = _data(output, k=k)
    sizes = [3, *[8] * len(activations), k]
    net = ffnn.Network.mlp(
        sizes, activation=activations, dropout=dropout, seed=1, output=output
    )
    optimizer = ffnn.Adam(0.01)
    history = ffnn.train(
        net, X, y, optimizer=optimizer, epochs=12, batch_size=batch_size,
        reduction=reduction, alpha=alpha, l1=l1, seed=4, engine=engine,
        sample_weight=_weights() if weighted else None, penalty_scale=penalty_scale,
    )  # fmt: skip
    return history, net


def _assert_same_run(fast_run, layers_run):
    (fast_history, fast_net), (layers_history, layers_net) = fast_run, layers_run
    assert (fast_history.engine, layers_history.engine) == ("fast", "layers")
    np.testing.assert_allclose(
        fast_history.loss, layers_history.loss, rtol=1e-12, atol=1e-14
    )
    for a, b in zip(fast_net.parameters(), layers_net.parameters(), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)
    assert fast_history.loss[-1] != fast_history.loss[0]  # the weights moved


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_regression_and_weights_train_as_the_layers_engine(case):
    _assert_same_run(_train("fast", case), _train("layers", case))


@pytest.mark.parametrize("case", [CASES[1], CASES[6], CASES[8]], ids=_case_id)
def test_batch_penalty_scale_trains_as_the_layers_engine(case):
    _assert_same_run(
        _train("fast", case, penalty_scale="batch"),
        _train("layers", case, penalty_scale="batch"),
    )


@pytest.mark.parametrize("case", [CASES[3], CASES[6]], ids=_case_id)
def test_row_major_buffers_train_a_regressor_as_the_layers_engine(case, monkeypatch):
    monkeypatch.setattr(fast, "C_ORDER_MIN_PRODUCT", 0)
    _assert_same_run(_train("fast", case), _train("layers", case))


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("output", ["softmax", "identity"])
def test_one_batch_gives_the_backpropagated_gradient(output, weighted):
    X, y = _data(output, k=3)
    net = ffnn.Network.mlp(
        [3, 6, 5, 3], activation=["tanh", "relu"], seed=3, output=output
    )
    weights = _weights() if weighted else None
    engine = FastEngine(net, X, y, 60, False, "mean", 0.4, 0.1, sample_weight=weights)
    (batch,) = engine.batches(np.random.default_rng(0))
    engine.forward(batch, None)
    loss_sum = engine.loss(batch)
    engine.backward(batch)
    from_engine = net.flat_gradients.copy()
    loss = net.compute_gradients(
        X, y, reduction="mean", alpha=0.4, l1=0.1, training=False,
        sample_weight=weights,
    )  # fmt: skip
    np.testing.assert_allclose(from_engine, net.flat_gradients, rtol=1e-12, atol=1e-15)
    total = 60 if weights is None else weights.sum()
    assert loss_sum / total == pytest.approx(loss, rel=1e-13)


def test_squared_error_keeps_its_residual_in_delta_z_without_weights():
    X, Y = _data("identity", k=2)
    net = ffnn.Network.mlp([3, 4, 2], seed=0, output="identity")
    engine = FastEngine(net, X, Y, 60, False, "sum", 0.0, 0.0)
    (batch,) = engine.by_size.values()
    output = batch.output
    assert isinstance(output, FastSquaredError)
    assert output.R is output.delta_Z and output.s is None
    engine.forward(batch, None)
    loss = engine.loss(batch)
    np.testing.assert_allclose(output.delta_Z, net.forward(X) - Y, rtol=1e-13)
    assert loss == pytest.approx(0.5 * np.sum((net.forward(X) - Y) ** 2), rel=1e-13)


def test_weighted_squared_error_keeps_the_residual_apart_from_delta_z():
    X, Y = _data("identity", k=2)
    weights = _weights()
    net = ffnn.Network.mlp([3, 4, 2], seed=0, output="identity")
    engine = FastEngine(net, X, Y, 60, False, "mean", 0.0, 0.0, sample_weight=weights)
    (batch,) = engine.by_size.values()
    output = batch.output
    assert not np.shares_memory(output.R, output.delta_Z)
    engine.forward(batch, None)
    loss = engine.loss(batch)
    residual = net.forward(X) - Y
    np.testing.assert_allclose(output.R, residual, rtol=1e-13)
    np.testing.assert_allclose(output.delta_Z, weights[:, None] * residual, rtol=1e-13)
    assert loss == pytest.approx(
        0.5 * np.sum(weights * np.sum(residual**2, axis=1)), rel=1e-13
    )
    assert output.weight_sum == pytest.approx(weights.sum(), rel=1e-15)
    output.backward()  # the mean: divided by Σ s
    np.testing.assert_allclose(
        output.delta_Z, weights[:, None] * residual / weights.sum(), rtol=1e-13
    )


def test_weighted_one_hot_targets_hold_the_sample_weights():
    X, y = _data("softmax")
    weights = _weights()
    net = ffnn.Network.mlp([3, 4, 3], seed=0)
    engine = FastEngine(net, X, y, 60, False, "mean", 0.0, 0.0, sample_weight=weights)
    (batch,) = engine.by_size.values()
    assert isinstance(batch.output, FastSoftmaxCrossEntropy)
    np.testing.assert_array_equal(batch.Y, weights[:, None] * np.eye(3)[y])
    np.testing.assert_array_equal(batch.s[:, 0], weights)


def test_shuffled_batches_carry_each_rows_targets_and_weight(monkeypatch):
    X, Y = _data("identity", k=2)
    X = X.copy()
    X[:, 0] = np.arange(60)  # tag each row by its first feature
    weights = _weights()
    seen = []
    forward = FastEngine.forward

    def spy(self, batch, rng):
        rows = batch.X[:, 0].astype(int)
        np.testing.assert_array_equal(batch.Y, Y[rows])
        np.testing.assert_array_equal(batch.s[:, 0], weights[rows])
        seen.extend(rows.tolist())
        return forward(self, batch, rng)

    monkeypatch.setattr(FastEngine, "forward", spy)
    net = ffnn.Network.mlp([3, 4, 2], seed=0, output="identity")
    ffnn.train(
        net, X, Y, epochs=2, batch_size=16, seed=1, sample_weight=weights,
        engine="fast",
    )  # fmt: skip
    assert sorted(seen) == sorted(list(range(60)) * 2)
    assert seen[:60] != list(range(60))  # shuffled


def test_the_engines_agree_in_float32():
    X, Y = _data("identity", k=2)
    runs = {}
    for engine in ("fast", "layers"):
        net = ffnn.Network.mlp([3, 6, 2], seed=5, output="identity", dtype="float32")
        history = ffnn.train(
            net, X, Y, optimizer=ffnn.Adam(0.01), epochs=10, batch_size=16, seed=3,
            engine=engine, sample_weight=_weights(),
        )  # fmt: skip
        assert all(p.dtype == np.float32 for p in net.parameters())
        runs[engine] = (history, net)
    np.testing.assert_allclose(runs["fast"][0].loss, runs["layers"][0].loss, rtol=1e-5)
    for a, b in zip(
        runs["fast"][1].parameters(), runs["layers"][1].parameters(), strict=True
    ):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)
