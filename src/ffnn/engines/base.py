"""What a training engine is: the protocol :func:`ffnn.train` drives, and the
batch order both engines share.

An engine turns one batch into the gradient of its objective, in the notes'
order::

    forward   Z_L = f(X_b)                      every layer, first to last
    loss      ŷ = softmax(Z_L),  Σ_i −log ŷ_{i,y_i}   (or ŷ = Z_L, Σ_i ½‖ŷ_i − y_i‖²)
    backward  delta_L = ŷ − y (÷ m for the mean), every layer, last to first,
              then the weight penalty's gradient

(with sample weights ``s_i``, each sample's loss and ``delta`` are scaled by
``s_i`` and ``m`` is the batch's ``Σ s_i``)

and keeps the parameters and gradients the optimizer updates. Two engines
implement it (:mod:`ffnn.engines.layers`, :mod:`ffnn.engines.fast`); a test
shows they train to the same weights.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import ClassVar, Protocol

import numpy as np


class Batch(Protocol):
    """A batch as an engine hands it out: its ``m`` rows ``X`` (and targets, in
    the engine's own form)."""

    X: np.ndarray
    m: int


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

    def batches(self, rng: np.random.Generator) -> Iterable[Batch]:
        """One epoch's batches, each holding its rows ``X`` and targets."""
        ...

    def forward(self, batch: Batch, rng: np.random.Generator) -> None:
        """The logits ``Z_L`` of the batch's rows (dropout draws from ``rng``)."""
        ...

    def loss(self, batch: Batch) -> float:
        """``ŷ`` and the batch's summed (weighted) loss: cross-entropy
        ``Σ_i −log ŷ_{i,y_i}`` with ``ŷ = softmax(Z_L)``, or squared error
        ``Σ_i ½ ‖ŷ_i − y_i‖²`` with ``ŷ = Z_L``."""
        ...

    def backward(self, batch: Batch) -> None:
        """Fill ``grads`` with ``∂J/∂w`` of the batch objective ``J`` (its
        loss with the reduction, plus the weight penalty)."""
        ...


class BatchOrder:
    """The rows of each batch: ``[0, n)`` cut into batches of ``batch_size``
    (a short last one included), in a fresh random order every epoch when
    ``shuffle``.

    A shuffled epoch permutes one index array in place (``rng.shuffle``), so
    the same seed gives the same batches in both engines.
    """

    def __init__(self, n: int, batch_size: int, shuffle: bool) -> None:
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

    def gathered(
        self,
        rng: np.random.Generator,
        sources: dict[str, np.ndarray],
        by_size: dict[int, Batch],
    ) -> Iterator[Batch]:
        """One epoch's batches: for each, the batch of its size from ``by_size``,
        with the rows of each array in ``sources`` gathered into the batch's
        attribute of that name (arrays sized once, so nothing is allocated)."""
        for index in self.epoch(rng):
            batch = by_size[len(index)]
            for name, source in sources.items():
                # mode="clip" skips a bounds check the permutation makes needless
                np.take(source, index, axis=0, out=getattr(batch, name), mode="clip")
            yield batch
