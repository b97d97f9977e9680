"""The weight penalty and its gradient: L2 (the notes' λ) and L1 over the weights,
never the biases.

For a training set of ``N`` rows::

    J_penalty = λ/(2N) Σ w² + λ₁/N Σ |w|
    ∂J_penalty/∂W = (λ/N) W + (λ₁/N) sign(W)

One name per place: λ is ``alpha`` in the Python API (:func:`ffnn.train`), ``l2``
in the CLI (``--l2``), TOML files and :class:`~ffnn.config.TrainConfig`, and λ in
the math; λ₁ is ``l1`` everywhere.

A mini-batch of ``m`` rows carries the whole penalty with the mean reduction, and
``m`` times it with the sum (its objective is ``m · (L0 + J_penalty)``), so that
full-batch gradient descent on the sum is the notes' ``dW = Aᵀ delta + λ W``.
With sample weights ``s_i``, ``N`` and ``m`` are the weight sums ``Σ s_i`` of the
training set and of the batch (a sample of weight ``k`` counts ``k`` times).

Scikit-learn's ``alpha`` is scaled by the batch instead of the training set
(``penalty_scale="batch"``): ``J_penalty = α/(2m) Σ w²`` for a batch of ``m``
rows, so ``α = λ m / N``; with the full batch the two are equal.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ffnn._validation import lookup
from ffnn.losses import check_reduction

if TYPE_CHECKING:  # the network imports this module
    from ffnn.network import Network


#: what the penalty is divided by: the training set's size N (the notes' λ) or
#: each batch's m (scikit-learn's alpha)
PENALTY_SCALES = {"training_set": "training_set", "batch": "batch"}


def check_penalty_scale(penalty_scale: str) -> str:
    """Return ``penalty_scale`` after checking it is 'training_set' or 'batch'."""
    return lookup(PENALTY_SCALES, penalty_scale, "penalty_scale")


def sum_of_squares(weights: list[np.ndarray]) -> float:
    """``Σ w²`` over the weight matrices."""
    return sum(float(np.vdot(W, W)) for W in weights)


def weight_penalty(
    weights: list[np.ndarray], alpha: float, l1: float, n: float
) -> float:
    """``λ/(2n) Σ w² + λ₁/n Σ |w|`` over the weight matrices (biases excluded)."""
    total = 0.0
    if alpha:
        total += alpha / (2 * n) * sum_of_squares(weights)
    if l1:
        total += l1 / n * sum(float(np.abs(W).sum()) for W in weights)
    return total


class PenaltyGradient:
    """Adds ``∂J_penalty/∂W`` of a batch to a network's flat gradient vector.

    Parameters
    ----------
    net : Network
        Its ``flat_parameters`` and ``flat_gradients`` hold every ``[W; b]`` block.
    alpha, l1 : float
        λ and λ₁.
    n_total : float
        ``N``, the rows of the training set (the sum of their weights).
    reduction : {'mean', 'sum'}
        The batch objective's reduction: with 'sum' a batch of ``m`` rows adds
        ``m`` times the gradient.
    penalty_scale : {'training_set', 'batch'}
        Divide λ by ``N`` (the notes') or by each batch's ``m`` (scikit-learn).
    """

    def __init__(
        self,
        net: Network,
        alpha: float,
        l1: float,
        n_total: float,
        reduction: str,
        penalty_scale: str = "training_set",
    ) -> None:
        self.alpha, self.l1, self.n_total = alpha, l1, n_total
        self.summed = check_reduction(reduction) == "sum"
        self.per_batch = check_penalty_scale(penalty_scale) == "batch"
        self.params, self.grads = net.flat_parameters, net.flat_gradients
        self.active = bool(alpha or l1)
        if self.active:  # allocated once per run, only where a penalty is set
            self.is_weight = _weight_mask(net)  # 1 on weights, 0 on biases
            self.work = np.empty_like(self.params)

    def scale(self, m: float) -> float:
        """``c`` in ``∂J_penalty/∂W = c (λ W + λ₁ sign W)`` for a batch of ``m``
        rows (or weight): ``(m if sum else 1) / (m if per batch else N)``; 0 for
        a batch of weight 0 when the penalty is per batch."""
        if self.per_batch:
            return (1.0 if self.summed else 1.0 / m) if m > 0 else 0.0
        return (m if self.summed else 1.0) / self.n_total

    def add(self, m: float) -> None:
        """``dW += c λ W + c λ₁ sign(W)`` for a batch of ``m`` rows (or weight),
        with ``c`` = :meth:`scale`: ``1/N`` (mean) or ``m/N`` (sum), or per batch
        ``1/m`` (mean) or 1 (sum)."""
        if not self.active:
            return
        scale = self.scale(m)
        work = self.work
        if self.alpha:
            np.multiply(self.params, self.is_weight, out=work)
            work *= scale * self.alpha  # (λ / N) W, and 0 for the biases
            self.grads += work
        if self.l1:
            np.sign(self.params, out=work)
            work *= self.is_weight
            work *= scale * self.l1  # (λ₁ / N) sign(W)
            self.grads += work


def _weight_mask(net: Network) -> np.ndarray:
    """1.0 where the flat parameter vector holds a weight, 0.0 at a bias: each
    Dense layer's block ``[W; b]`` ends with its ``n_out`` biases."""
    mask = np.zeros_like(net.flat_parameters)
    offset = 0
    for layer in net.dense_layers:
        size = layer.block.size
        mask[offset : offset + size - layer.n_out] = 1.0
        offset += size
    return mask
