"""The layers engine: training runs the network's own layer objects.

``forward`` is :meth:`Network.forward` (each layer's ``forward``, caching what
its ``backward`` needs), ``loss`` the network's output and loss
(:class:`~ffnn.losses.SoftmaxCrossEntropy` or
:class:`~ffnn.losses.SquaredError`), ``backward`` :meth:`Network.backward` (each
layer's ``backward``, last to first). A breakpoint in
:meth:`ffnn.layers.Dense.backward` stops here: this is the engine to step
through beside the notes. It trains any stack of layers.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

import numpy as np

from ffnn.engines.base import BatchOrder
from ffnn.network import Network
from ffnn.penalties import PenaltyGradient


class LayerBatch:
    """A batch's rows ``X`` (m, n_inputs), targets ``y`` (output indices (m,) or
    values (m, k)), sample weights ``s`` (m,) or None, and the output ``Z``
    (m, n_outputs) of its forward pass."""

    __slots__ = ("X", "Z", "m", "s", "y")

    def __init__(self, X: np.ndarray, y: np.ndarray, s: np.ndarray | None) -> None:
        self.X, self.y, self.s, self.m = X, y, s, X.shape[0]
        self.Z: np.ndarray | None = None


class LayerEngine:
    """Trains ``net`` on ``(X, targets)`` through its layers (see the module)."""

    name: ClassVar[str] = "layers"

    def __init__(
        self,
        net: Network,
        X: np.ndarray,
        targets: np.ndarray,
        batch_size: int,
        shuffle: bool,
        reduction: str,
        alpha: float,
        l1: float,
        *,
        sample_weight: np.ndarray | None = None,
        penalty_scale: str = "training_set",
        n_total: float | None = None,
        training: bool = True,
    ) -> None:
        self.net, self.reduction = net, reduction
        self.training = training  # False: dropout off (see Network.compute_gradients)
        self.params, self.grads = net.parameters(), net.gradients()
        self.loss_function = net.loss_function()
        if n_total is None:
            n_total = (
                X.shape[0] if sample_weight is None else float(sample_weight.sum())
            )
        self.penalty = PenaltyGradient(
            net, alpha, l1, n_total, reduction, penalty_scale
        )
        self.order = BatchOrder(X.shape[0], batch_size, shuffle)
        self.sources = {"X": X, "y": targets}
        if sample_weight is not None:
            self.sources["s"] = sample_weight
        if self.order.shuffle:  # each batch is gathered into reused arrays
            self._by_size = {
                m: LayerBatch(
                    *(
                        np.empty((m, *self.sources[name].shape[1:]), source.dtype)
                        if (source := self.sources.get(name)) is not None
                        else None
                        for name in ("X", "y", "s")
                    )
                )
                for m in self.order.sizes
            }
        else:  # the batches never move: views of the data
            self._fixed = [
                LayerBatch(
                    X[start:stop],
                    targets[start:stop],
                    None if sample_weight is None else sample_weight[start:stop],
                )
                for start, stop in self.order.bounds
            ]

    def batches(self, rng: np.random.Generator) -> Iterable[LayerBatch]:
        if not self.order.shuffle:
            return self._fixed
        return self.order.gathered(rng, self.sources, self._by_size)

    def forward(self, batch: LayerBatch, rng: np.random.Generator) -> None:
        batch.Z = self.net.forward(batch.X, training=self.training, rng=rng)

    def loss(self, batch: LayerBatch) -> float:
        loss = self.loss_function
        return loss.forward(batch.Z, batch.y, batch.s) * loss.weight_sum

    def backward(self, batch: LayerBatch) -> None:
        delta = self.loss_function.backward(self.reduction)  # s ⊙ (ŷ − y) (÷ Σ s)
        self.net.backward(delta)
        self.penalty.add(self.loss_function.weight_sum)
