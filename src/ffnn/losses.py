"""Softmax cross-entropy, differentiated as one function and numerically stable.

(The L2/L1 weight penalty and its gradient live in :mod:`ffnn.penalties`.)

With logits ``Z``, ``ŷ = softmax(Z)`` and one-hot targets ``y``::

    log ŷ_ij = Z_ij − max_k Z_ik − log Σ_k exp(Z_ik − max_k Z_ik)
    L0 = −(1/n) Σ_i log ŷ_{i, y_i}

Subtracting the row maximum keeps every ``exp`` ≤ 1, so logits of ±1e4 give a
finite loss. Because softmax and cross-entropy are differentiated together the
Jacobian collapses: ``∂(n L0)/∂Z = ŷ − y``, the notes' ``delta = ŷ − y``.
"""

from __future__ import annotations

import numpy as np

from ffnn._validation import lookup

#: scale of the batch objective relative to the mean loss; "sum" is the notes'
REDUCTIONS = {"mean": "mean", "sum": "sum"}


def check_reduction(reduction: str) -> str:
    """Return ``reduction`` after checking it is 'mean' or 'sum'."""
    return lookup(REDUCTIONS, reduction, "reduction")


def log_softmax(Z: np.ndarray) -> np.ndarray:
    """``log softmax(Z)`` row-wise, stable for any finite logits; shape (n, k)."""
    shifted = Z - Z.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def softmax(Z: np.ndarray) -> np.ndarray:
    """``ŷ_ij = exp(Z_ij − max_k Z_ik) / Σ_k exp(Z_ik − max_k Z_ik)``; shape (n, k)."""
    shifted = Z - Z.max(axis=1, keepdims=True)
    np.exp(shifted, out=shifted)
    shifted /= shifted.sum(axis=1, keepdims=True)
    return shifted


class SoftmaxCrossEntropy:
    """Softmax output with cross-entropy loss, differentiated as one function.

    ``forward(Z, y)`` returns the mean loss ``L0`` over the batch and keeps ``ŷ``;
    ``backward(reduction)`` returns ``delta = ∂L/∂Z``: ``ŷ − y`` for the summed
    objective ``n L0`` (the notes' gradients) or ``(ŷ − y) / n`` for the mean.
    ``y`` holds class indices in ``[0, k)``.
    """

    def __init__(self) -> None:
        self._probabilities: np.ndarray | None = None
        self._y: np.ndarray | None = None
        self._buffers: dict[tuple, np.ndarray] = {}  # ŷ, one per batch shape

    def forward(self, Z: np.ndarray, y: np.ndarray) -> float:
        """Mean cross-entropy of logits ``Z`` (n, k) against indices ``y`` (n,)."""
        n = Z.shape[0]
        rows = np.arange(n)
        P = self._buffers.get((Z.shape, Z.dtype.char))
        if P is None:
            P = self._buffers[(Z.shape, Z.dtype.char)] = np.empty_like(Z)
        self._probabilities = P
        np.subtract(Z, Z.max(axis=1, keepdims=True), out=P)  # shifted logits ≤ 0
        np.exp(P, out=P)
        row_sums = P.sum(axis=1)
        P /= row_sums[:, None]
        # −log ŷ_{i,y_i} = log Σ_k exp(shifted_ik) − shifted_{i,y_i}; computed from
        # the shifted logits so that a probability that rounds to 0 still gives
        # a finite loss
        shifted_true = Z[rows, y] - Z.max(axis=1)
        loss = float(np.mean(np.log(row_sums) - shifted_true))
        self._y = y
        return loss

    def backward(self, reduction: str = "mean") -> np.ndarray:
        """``delta = ŷ − y`` (sum) or ``(ŷ − y)/n`` (mean); shape (n, k).

        The returned array is the stored ``ŷ``, updated in place.
        """
        if self._probabilities is None or self._y is None:
            raise RuntimeError("SoftmaxCrossEntropy.backward called before forward")
        delta = self._probabilities
        n = delta.shape[0]
        delta[np.arange(n), self._y] -= 1.0  # ŷ − y with one-hot y
        if reduction == "mean":
            delta /= n
        self._y = None  # delta now overwrote ŷ; a second backward would be wrong
        return delta

    @property
    def probabilities(self) -> np.ndarray:
        """``ŷ`` of the last forward pass (n, k)."""
        if self._probabilities is None:
            raise RuntimeError("no forward pass has been run yet")
        return self._probabilities


def cross_entropy(probabilities: np.ndarray, y: np.ndarray) -> float:
    """Mean cross-entropy ``−(1/n) Σ_i log ŷ_{i, y_i}`` of given probabilities."""
    picked = probabilities[np.arange(len(y)), y]
    return float(-np.mean(np.log(np.clip(picked, np.finfo(picked.dtype).tiny, 1.0))))
