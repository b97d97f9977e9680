"""Training diagnostics recorded per epoch: weight and gradient norms per layer,
saturated tanh/sigmoid units, dead ReLUs.

A unit is *saturated* when ``σ'(Z) < 0.05``: for tanh ``1 − A² < 0.05``
(``|Z| > 2.18``), for sigmoid ``A (1 − A) < 0.05``. A ReLU unit is *dead* when it
outputs 0 for every probe sample, so no gradient reaches its weights. Loss
spikes and divergence are read from the History (see
:meth:`ffnn.History.loss_increases`).
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from ffnn.activations import ReLU, Sigmoid, Tanh
from ffnn.layers import Dense
from ffnn.network import Network
from ffnn.training import Callback, History

#: σ'(Z) below this counts as saturated
SATURATION_THRESHOLD = 0.05


def saturated_fraction(activation: Tanh | Sigmoid, A: np.ndarray) -> float:
    """Share of the entries of ``A = σ(Z)`` where ``σ'(Z) < 0.05``."""
    derivative = activation.derivative_from_output(A)
    return float(np.mean(derivative < SATURATION_THRESHOLD))


def dead_fraction(A: np.ndarray) -> float:
    """Share of ReLU units (columns of ``A``) that are 0 for every sample."""
    return float(np.mean(np.all(A <= 0, axis=0)))


class Diagnostics(Callback):
    """Record per-layer diagnostics after every epoch into :attr:`records`.

    Keys are ``weight_norm_l``, ``grad_norm_l`` (Frobenius norms of ``W`` and of
    the last step's ``dW`` of Dense layer ``l``, from 1), ``saturated_l`` and
    ``dead_relu_l`` (for hidden layer ``l``, measured by an inference pass over
    ``X_probe``, normally the training inputs).
    """

    def __init__(self, X_probe: np.ndarray) -> None:
        self.X_probe = X_probe
        self.records: dict[str, list[float]] = defaultdict(list)

    def on_train_begin(self, net: Network, history: History, epochs: int) -> None:
        self.records = defaultdict(list)
        self.X_probe = np.ascontiguousarray(self.X_probe, dtype=net.dtype)

    def on_epoch_end(self, epoch: int, net: Network, history: History) -> bool:
        dense_index = 0
        A = self.X_probe
        for layer in net.layers:
            A = layer.forward(A, training=False)
            if isinstance(layer, Dense):
                dense_index += 1
                self.records[f"weight_norm_{dense_index}"].append(
                    float(np.linalg.norm(layer.W))
                )
                self.records[f"grad_norm_{dense_index}"].append(
                    float(np.linalg.norm(layer.dW))
                )
            elif isinstance(layer, Tanh | Sigmoid):
                self.records[f"saturated_{dense_index}"].append(
                    saturated_fraction(layer, A)
                )
            elif isinstance(layer, ReLU):
                self.records[f"dead_relu_{dense_index}"].append(dead_fraction(A))
        return False
