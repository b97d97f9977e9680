"""Tests of ffnn.engines.fast: its memory layout and its buffers, one meaning each."""

from __future__ import annotations

import numpy as np

import ffnn
from ffnn.engines import fast
from ffnn.engines.fast import FastEngine


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
