"""Tests of ffnn.engines.layers: training runs the network's own layer objects;
its batches carry each row's targets and sample weight."""

from __future__ import annotations

import numpy as np
import pytest

import ffnn
from ffnn.engines.layers import LayerEngine
from ffnn.penalties import PenaltyGradient


def test_the_layers_engine_runs_the_layer_objects(monkeypatch):
    calls = []
    for layer_class in (ffnn.Dense, ffnn.Tanh, ffnn.Dropout):
        for method in ("forward", "backward"):
            real = getattr(layer_class, method)

            def spy(self, *args, _real=real, _name=f"{layer_class.__name__}.{method}"):
                calls.append(_name)
                return _real(self, *args)

            monkeypatch.setattr(layer_class, method, spy)
    X, y = ffnn.datasets.make_moons(40, seed=0)
    net = ffnn.Network.mlp([2, 5, 2], dropout=0.2, seed=0)
    # without the divergence rule's passes over the data (its own test below)
    ffnn.train(net, X, y, epochs=2, engine="layers", seed=0, divergence_factor=None)
    one_step = [
        "Dense.forward",
        "Tanh.forward",
        "Dropout.forward",
        "Dense.forward",
        "Dense.backward",
        "Dropout.backward",
        "Tanh.backward",
        "Dense.backward",
    ]
    assert calls == one_step * 2  # two epochs of one full batch
    calls.clear()
    ffnn.train(net, X, y, epochs=2, engine="fast", seed=0, divergence_factor=None)
    assert calls == []  # the fast engine runs its own twins of the layers
    # the divergence rule measures the loss before the first update and after
    # the last with the network's own forward pass (no dropout: no Dropout call
    # draws anything, and the training steps run in the engine)
    ffnn.train(net, X, y, epochs=2, engine="fast", seed=0)
    one_pass = ["Dense.forward", "Tanh.forward", "Dropout.forward", "Dense.forward"]
    assert calls == one_pass * 2


def _regression(n=30, k=2, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 3))
    X[:, 0] = np.arange(n)  # tag each row by its first feature
    return X, rng.standard_normal((n, k)), rng.uniform(0.0, 2.0, n)


def test_shuffled_batches_carry_each_rows_targets_and_weight(monkeypatch):
    X, Y, weights = _regression()
    seen = []
    forward = LayerEngine.forward

    def spy(self, batch, rng):
        rows = batch.X[:, 0].astype(int)
        np.testing.assert_array_equal(batch.y, Y[rows])
        np.testing.assert_array_equal(batch.s, weights[rows])
        seen.append(rows.tolist())
        return forward(self, batch, rng)

    monkeypatch.setattr(LayerEngine, "forward", spy)
    net = ffnn.Network.mlp([3, 4, 2], seed=0, output="identity")
    ffnn.train(
        net, X, Y, epochs=2, batch_size=8, seed=1, sample_weight=weights,
        engine="layers",
    )  # fmt: skip
    assert [len(rows) for rows in seen] == [8, 8, 8, 6] * 2
    first_epoch = [row for rows in seen[:4] for row in rows]
    assert sorted(first_epoch) == list(range(30))
    assert first_epoch != list(range(30))  # shuffled


def test_fixed_batches_are_views_of_the_data_and_weights():
    X, Y, weights = _regression()
    net = ffnn.Network.mlp([3, 4, 2], seed=0, output="identity")
    engine = LayerEngine(net, X, Y, 8, False, "mean", 0.0, 0.0, sample_weight=weights)
    batches = list(engine.batches(np.random.default_rng(0)))
    assert [batch.m for batch in batches] == [8, 8, 8, 6]
    for batch, start in zip(batches, (0, 8, 16, 24), strict=True):
        assert np.shares_memory(batch.s, weights) and np.shares_memory(batch.y, Y)
        np.testing.assert_array_equal(batch.s, weights[start : start + batch.m])
    unweighted = LayerEngine(net, X, Y, 8, False, "mean", 0.0, 0.0)
    assert all(batch.s is None for batch in unweighted.batches(None))


@pytest.mark.parametrize("shuffle", [False, True])
def test_each_batch_passes_its_weight_sum_to_the_loss_and_the_penalty(
    shuffle, monkeypatch
):
    """m in the penalty, and the divisor of the mean, is the batch's Σ s_i."""
    X, Y, weights = _regression()
    added = []
    add = PenaltyGradient.add

    def spy(self, m):
        added.append(m)
        return add(self, m)

    monkeypatch.setattr(PenaltyGradient, "add", spy)
    net = ffnn.Network.mlp([3, 4, 2], seed=0, output="identity")
    engine = LayerEngine(net, X, Y, 8, shuffle, "sum", 0.3, 0.0, sample_weight=weights)
    assert engine.penalty.n_total == pytest.approx(weights.sum(), rel=1e-15)
    for batch in engine.batches(np.random.default_rng(2)):
        engine.forward(batch, None)
        summed = engine.loss(batch)
        Z = net.forward(batch.X)
        expected = 0.5 * np.sum(batch.s * np.sum((Z - batch.y) ** 2, axis=1))
        assert summed == pytest.approx(expected, rel=1e-13)
        engine.backward(batch)
        assert added[-1] == pytest.approx(batch.s.sum(), rel=1e-15)
    assert len(added) == 4
