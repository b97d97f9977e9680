"""The layers engine: training runs the network's own layer objects.

``forward`` is :meth:`Network.forward` (each layer's ``forward``, caching what
its ``backward`` needs), ``loss`` the :class:`~ffnn.losses.SoftmaxCrossEntropy`
layer, ``backward`` :meth:`Network.backward` (each layer's ``backward``, last to
first). A breakpoint in :meth:`ffnn.layers.Dense.backward` stops here: this is
the engine to step through beside the notes. It trains any stack of layers.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

import numpy as np

from ffnn.engines.base import BatchOrder
from ffnn.losses import SoftmaxCrossEntropy
from ffnn.network import Network
from ffnn.penalties import PenaltyGradient


class LayerBatch:
    """A batch's rows ``X`` (m, n_inputs), labels ``y`` (m,) as output indices,
    and the logits ``Z`` (m, n_outputs) of its forward pass."""

    __slots__ = ("X", "Z", "m", "y")

    def __init__(self, X: np.ndarray, y: np.ndarray) -> None:
        self.X, self.y, self.m = X, y, X.shape[0]
        self.Z: np.ndarray | None = None


class LayerEngine:
    """Trains ``net`` on ``(X, y_index)`` through its layers (see the module)."""

    name: ClassVar[str] = "layers"

    def __init__(
        self,
        net: Network,
        X: np.ndarray,
        y_index: np.ndarray,
        batch_size: int,
        shuffle: bool,
        reduction: str,
        alpha: float,
        l1: float,
        *,
        n_total: int | None = None,
        training: bool = True,
    ) -> None:
        self.net, self.X, self.y, self.reduction = net, X, y_index, reduction
        self.training = training  # False: dropout off (see Network.compute_gradients)
        self.params, self.grads = net.parameters(), net.gradients()
        self.loss_function = SoftmaxCrossEntropy()
        n_total = X.shape[0] if n_total is None else n_total
        self.penalty = PenaltyGradient(net, alpha, l1, n_total, reduction)
        self.order = BatchOrder(X.shape[0], batch_size, shuffle)
        if self.order.shuffle:  # each batch is gathered into reused arrays
            self._by_size = {
                m: LayerBatch(
                    np.empty((m, X.shape[1]), dtype=X.dtype),
                    np.empty(m, dtype=y_index.dtype),
                )
                for m in self.order.sizes
            }
        else:  # the batches never move: views of the data
            self._fixed = [
                LayerBatch(X[start:stop], y_index[start:stop])
                for start, stop in self.order.bounds
            ]

    def batches(self, rng: np.random.Generator) -> Iterable[LayerBatch]:
        if not self.order.shuffle:
            return self._fixed
        return self.order.gathered(rng, {"X": self.X, "y": self.y}, self._by_size)

    def forward(self, batch: LayerBatch, rng: np.random.Generator) -> None:
        batch.Z = self.net.forward(batch.X, training=self.training, rng=rng)

    def loss(self, batch: LayerBatch) -> float:
        return self.loss_function.forward(batch.Z, batch.y) * batch.m

    def backward(self, batch: LayerBatch) -> None:
        delta = self.loss_function.backward(self.reduction)  # ŷ − y (÷ m)
        self.net.backward(delta)
        self.penalty.add(batch.m)
