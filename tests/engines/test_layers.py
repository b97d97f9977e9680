"""Tests of ffnn.engines.layers: training runs the network's own layer objects."""

from __future__ import annotations

import ffnn


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
    ffnn.train(net, X, y, epochs=2, engine="layers", seed=0)
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
    ffnn.train(net, X, y, epochs=2, engine="fast", seed=0)
    assert calls == []  # the fast engine runs its own twins of the layers
