"""The network's output and its loss, differentiated as one function: softmax
with cross-entropy (classification) and identity with squared error (regression).

(The L2/L1 weight penalty and its gradient live in :mod:`ffnn.penalties`.)

**Softmax cross-entropy.** With logits ``Z``, ``ŷ = softmax(Z)`` and one-hot
targets ``y``::

    log ŷ_ij = Z_ij − max_k Z_ik − log Σ_k exp(Z_ik − max_k Z_ik)
    L0 = −(1/n) Σ_i log ŷ_{i, y_i}

Subtracting the row maximum keeps every ``exp`` ≤ 1, so logits of ±1e4 give a
finite loss. Because softmax and cross-entropy are differentiated together the
Jacobian collapses: ``∂(n L0)/∂Z = ŷ − y``, the notes' ``delta = ŷ − y``.

**Squared error.** The output is the last layer's ``Z`` itself (``ŷ = Z``) and,
as scikit-learn's ``MLPRegressor``::

    L0 = (1/n) Σ_i ½ ‖ŷ_i − y_i‖²,    ∂(n L0)/∂Z = ŷ − y

the same ``delta`` as the softmax's.

**Sample weights.** With a weight ``s_i`` per sample each loss is the weighted
mean ``L0 = Σ_i s_i ℓ_i / Σ_i s_i`` and ``delta_i = s_i (ŷ_i − y_i)``, divided by
``Σ_i s_i`` for the mean: an integer weight ``k`` counts a sample ``k`` times.

**Non-finite outputs.** Inputs of huge magnitude (say 1e308, or 1e38 in
float32) can overflow ``Z = X W + b`` to ±inf, and ``inf − inf`` to NaN; a
softmax of such logits is NaN. Predictions refuse them
(:func:`check_finite_outputs` raises :class:`NonFiniteOutputError`, naming the
rows) rather than clip: clipping turns an overflow into a confident answer that
the arithmetic never computed. Finite logits of any size give finite
probabilities that sum to 1.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from ffnn._validation import lookup, preview

#: scale of the batch objective relative to the mean loss; "sum" is the notes'
REDUCTIONS = {"mean": "mean", "sum": "sum"}


def check_reduction(reduction: str) -> str:
    """Return ``reduction`` after checking it is 'mean' or 'sum'."""
    return lookup(REDUCTIONS, reduction, "reduction")


def log_softmax(Z: np.ndarray) -> np.ndarray:
    """``log softmax(Z)`` row-wise, stable for any finite logits; shape (n, k)."""
    # Z − max ≤ 0 may round to −inf for logits ~1e308 apart: exp gives 0, the
    # limit, so the overflow is not worth a warning
    with np.errstate(over="ignore"):
        shifted = Z - Z.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def softmax(Z: np.ndarray) -> np.ndarray:
    """``ŷ_ij = exp(Z_ij − max_k Z_ik) / Σ_k exp(Z_ik − max_k Z_ik)``; shape (n, k).

    Every ``exp`` is of a number ≤ 0 and the largest is ``exp(0) = 1``, so any
    finite logits give finite probabilities summing to 1 (within rounding).
    """
    with np.errstate(over="ignore"):  # Z − max rounding to −inf: see log_softmax
        shifted = Z - Z.max(axis=1, keepdims=True)
    np.exp(shifted, out=shifted)
    shifted /= shifted.sum(axis=1, keepdims=True)
    return shifted


class NonFiniteOutputError(FloatingPointError, ValueError):
    """The network's outputs ``Z_L`` overflowed to ±inf or NaN for some input
    rows (``rows``, their indices), so no probability, label or value of theirs
    can be trusted.

    A FloatingPointError, since the arithmetic overflowed, and a ValueError,
    since the inputs (or the weights) are out of range: code that refuses bad
    input with ``except ValueError`` (the CLI, scikit-learn's tools) refuses
    these too.
    """

    def __init__(self, message: str, rows: tuple[int, ...] = ()) -> None:
        super().__init__(message)  # args stay (message,), so it pickles
        self.rows = tuple(rows)


def check_finite_outputs(Z: np.ndarray, X: np.ndarray) -> np.ndarray:
    """Return the outputs ``Z`` (n, k) of the inputs ``X`` (n, d) if every entry
    is finite; else raise :class:`NonFiniteOutputError` naming the rows."""
    finite = np.isfinite(Z)
    if finite.all():
        return Z
    rows = np.flatnonzero(~finite.all(axis=1))
    largest = float(np.max(np.abs(X[rows]))) if X.size else 0.0
    raise NonFiniteOutputError(
        f"the network's outputs overflowed to inf or NaN in {Z.dtype.name} for "
        f"{len(rows)} of {len(Z)} input row(s): rows {preview(rows.tolist())}, "
        f"whose largest |x| is {largest:.3g}; scale the inputs (standardise each "
        "feature) or check that the weights are finite",
        tuple(rows.tolist()),
    )


class OutputLoss:
    """An output with its loss: ``forward(Z, targets, weights)`` returns the
    (weighted) mean loss ``L0`` and keeps what ``backward`` needs;
    ``backward(reduction)`` returns ``delta = ∂L/∂Z``.

    ``weight_sum`` is ``Σ_i s_i`` of the last forward pass (``n`` without
    weights): the summed loss is ``L0 · weight_sum``.
    """

    #: the output activation, as scikit-learn's ``out_activation_`` names it
    name: ClassVar[str]
    #: what the targets are: "classes" (label indices) or "values" (n, k floats)
    targets: ClassVar[str]

    def __init__(self) -> None:
        self._ready = False  # a forward pass ran since the last backward
        self._weights: np.ndarray | None = None
        self.weight_sum = 0.0

    def forward(
        self, Z: np.ndarray, y: np.ndarray, weights: np.ndarray | None = None
    ) -> float:
        raise NotImplementedError

    @staticmethod
    def predict(Z: np.ndarray) -> np.ndarray:
        """The network's output ``ŷ`` for the last layer's ``Z``."""
        raise NotImplementedError

    def _mean(self, losses: np.ndarray, weights: np.ndarray | None) -> float:
        """``Σ s_i ℓ_i / Σ s_i`` (the plain mean without weights)."""
        if weights is None:
            self.weight_sum = float(losses.shape[0])
            return float(np.mean(losses))
        self.weight_sum = float(weights.sum())
        if self.weight_sum == 0:  # a batch of zero-weight samples weighs nothing
            return 0.0
        return float(np.dot(weights, losses)) / self.weight_sum

    def backward(self, reduction: str = "mean") -> np.ndarray:
        """``delta = s ⊙ (ŷ − y)`` (sum), divided by ``Σ s`` for the mean; shape
        (n, k). The returned array is a buffer of the forward pass, updated in
        place."""
        if not self._ready:
            raise RuntimeError(f"{type(self).__name__}.backward called before forward")
        self._ready = False  # delta overwrites the forward's buffer
        delta = self._difference()  # ŷ − y
        if self._weights is not None:
            delta *= self._weights[:, None]
        if reduction == "mean" and self.weight_sum > 0:  # else delta is all 0
            delta /= self.weight_sum
        return delta

    def _difference(self) -> np.ndarray:
        """``ŷ − y`` of the last forward pass, in that pass's buffer."""
        raise NotImplementedError


class SoftmaxCrossEntropy(OutputLoss):
    """Softmax output with cross-entropy loss, differentiated as one function.

    ``forward(Z, y)`` returns the mean loss ``L0`` over the batch and keeps ``ŷ``;
    ``backward(reduction)`` returns ``delta = ∂L/∂Z``: ``ŷ − y`` for the summed
    objective ``n L0`` (the notes' gradients) or ``(ŷ − y) / n`` for the mean.
    ``y`` holds class indices in ``[0, k)``.
    """

    name = "softmax"
    targets = "classes"

    def __init__(self) -> None:
        super().__init__()
        self._probabilities: np.ndarray | None = None
        self._y: np.ndarray | None = None
        self._buffers: dict[tuple, np.ndarray] = {}  # ŷ, one per batch shape

    def forward(
        self, Z: np.ndarray, y: np.ndarray, weights: np.ndarray | None = None
    ) -> float:
        """Mean cross-entropy of logits ``Z`` (n, k) against indices ``y`` (n,),
        weighted by ``weights`` (n,) when given."""
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
        loss = self._mean(np.log(row_sums) - shifted_true, weights)
        self._y, self._weights, self._ready = y, weights, True
        return loss

    def _difference(self) -> np.ndarray:
        delta, self._probabilities = self._probabilities, None  # ŷ becomes delta
        delta[np.arange(delta.shape[0]), self._y] -= 1.0  # ŷ − y with one-hot y
        return delta

    @staticmethod
    def predict(Z: np.ndarray) -> np.ndarray:
        """``ŷ = softmax(Z)``."""
        return softmax(Z)

    @property
    def probabilities(self) -> np.ndarray:
        """``ŷ`` of the last forward pass (n, k)."""
        if self._probabilities is None:
            raise RuntimeError("no forward pass has been run yet")
        return self._probabilities


class SquaredError(OutputLoss):
    """Identity output with half the squared error (scikit-learn's
    ``MLPRegressor``): ``L0 = (1/n) Σ_i ½ ‖ŷ_i − y_i‖²`` with ``ŷ = Z``;
    ``delta = ŷ − y`` (sum) or ``(ŷ − y)/n`` (mean). ``y`` has shape (n, k).
    """

    name = "identity"
    targets = "values"

    def forward(
        self, Z: np.ndarray, y: np.ndarray, weights: np.ndarray | None = None
    ) -> float:
        """Mean of ``½ ‖Z_i − y_i‖²`` over the rows, weighted when given."""
        if Z.shape != y.shape:
            raise ValueError(
                f"targets of shape {y.shape} for outputs of shape {Z.shape}"
            )
        residual = Z - y  # ŷ − y, kept as the backward pass's delta
        losses = 0.5 * np.einsum("ij,ij->i", residual, residual)
        loss = self._mean(losses, weights)
        self._residual, self._weights, self._ready = residual, weights, True
        return loss

    def _difference(self) -> np.ndarray:
        return self._residual

    @staticmethod
    def predict(Z: np.ndarray) -> np.ndarray:
        """``ŷ = Z``."""
        return Z


#: the outputs a network can end in, by scikit-learn's ``out_activation_`` name
OUTPUTS: dict[str, type[OutputLoss]] = {
    SoftmaxCrossEntropy.name: SoftmaxCrossEntropy,
    SquaredError.name: SquaredError,
}


def get_output(name: str) -> type[OutputLoss]:
    """The output-and-loss class named ``name`` ('softmax' or 'identity')."""
    return lookup(OUTPUTS, name, "output")


def cross_entropy(probabilities: np.ndarray, y: np.ndarray) -> float:
    """Mean cross-entropy ``−(1/n) Σ_i log ŷ_{i, y_i}`` of given probabilities."""
    picked = probabilities[np.arange(len(y)), y]
    return float(-np.mean(np.log(np.clip(picked, np.finfo(picked.dtype).tiny, 1.0))))
