"""What a training engine is: the protocol :func:`ffnn.train` drives, and the
batch order both engines share.

An engine turns one batch into the gradient of its objective, in the notes'
order::

    forward   Z_L = f(X_b)                      every layer, first to last
    loss      ŷ = softmax(Z_L),  Σ_i −log ŷ_{i,y_i}
    backward  delta_L = ŷ − y (÷ m for the mean), every layer, last to first,
              then the weight penalty's gradient

and keeps the parameters and gradients the optimizer updates. Two engines
implement it (:mod:`ffnn.engines.layers`, :mod:`ffnn.engines.fast`); a test
shows they train to the same weights.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, ClassVar, Protocol

import numpy as np


class Engine(Protocol):
    """The training engine protocol.

    Attributes
    ----------
    name : str
        'layers' or 'fast', recorded in the run's history.
    params, grads : list of ndarray
        What the optimizer updates, and the gradients ``backward`` fills, in
        the same order.
    """

    name: ClassVar[str]
    params: list[np.ndarray]
    grads: list[np.ndarray]

    def batches(self, rng: np.random.Generator) -> Iterable[Any]:
        """One epoch's batches, each holding its rows ``X`` and targets."""
        ...

    def forward(self, batch: Any, rng: np.random.Generator) -> None:
        """The logits ``Z_L`` of the batch's rows (dropout draws from ``rng``)."""
        ...

    def loss(self, batch: Any) -> float:
        """``ŷ = softmax(Z_L)`` and the summed cross-entropy
        ``Σ_i −log ŷ_{i,y_i}`` of the batch."""
        ...

    def backward(self, batch: Any) -> None:
        """Fill ``grads`` with ``∂J/∂w`` of the batch objective ``J`` (its
        cross-entropy with the reduction, plus the weight penalty)."""
        ...


class BatchOrder:
    """The rows of each batch: ``[0, n)`` cut into batches of ``batch_size``
    (a short last one included), in a fresh random order every epoch when
    ``shuffle``.

    A shuffled epoch permutes one index array in place (``rng.shuffle``), so
    the same seed gives the same batches in both engines.
    """

    def __init__(self, n: int, batch_size: int, shuffle: bool) -> None:
        self.n = n
        self.shuffle = shuffle and batch_size < n
        self.order = np.arange(n)
        self.bounds = [(s, min(s + batch_size, n)) for s in range(0, n, batch_size)]

    @property
    def sizes(self) -> set[int]:
        """The distinct batch sizes (one or two)."""
        return {stop - start for start, stop in self.bounds}

    def epoch(self, rng: np.random.Generator) -> Iterator[np.ndarray]:
        """The row indices of each batch of one epoch."""
        if self.shuffle:
            rng.shuffle(self.order)
        for start, stop in self.bounds:
            yield self.order[start:stop]
