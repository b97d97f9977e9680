"""Activation functions as layers: ``A = σ(Z)`` forward, ``dZ = dA ⊙ σ'(Z)`` backward.

Each activation caches its output ``A``, the one array its derivative needs, and
writes its results into given arrays (``apply(Z, out)``, ``backprop(A, dA, out,
work)``) so that the layers engine and the fast engine
(:mod:`ffnn.engines`) share one implementation and allocate nothing per batch.
``function(Z)`` and ``derivative(Z)`` are plain functions for plots and
diagnostics.
"""

from __future__ import annotations

import numpy as np

from ffnn._validation import check_fraction, lookup
from ffnn.layers import Layer


class Activation(Layer):
    """Base class: an elementwise ``A = σ(Z)``."""

    def __init__(self) -> None:
        super().__init__()
        self._A: np.ndarray | None = None

    def apply(self, Z: np.ndarray, out: np.ndarray) -> None:
        """Write ``σ(Z)`` into ``out`` (same shape as ``Z``)."""
        raise NotImplementedError

    def derivative_from_output(self, A: np.ndarray) -> np.ndarray:
        """``σ'(Z)`` expressed through ``A = σ(Z)``; a new array."""
        raise NotImplementedError

    def backprop(
        self, A: np.ndarray, dA: np.ndarray, out: np.ndarray, work: np.ndarray
    ) -> None:
        """Write ``dZ = dA ⊙ σ'(Z)`` into ``out`` (which may be ``dA``), using
        ``work`` (shaped like ``A``) as scratch."""
        np.multiply(dA, self.derivative_from_output(A), out=out)

    def function(self, Z: np.ndarray) -> np.ndarray:
        """``σ(Z)``, elementwise; a new array shaped like ``Z``."""
        out = np.empty_like(Z, dtype=np.result_type(Z, np.float64))
        self.apply(Z, out)
        return out

    def derivative(self, Z: np.ndarray) -> np.ndarray:
        """``σ'(Z)``, elementwise; a new array shaped like ``Z``."""
        return self.derivative_from_output(self.function(Z))

    def forward(self, A_prev, training=False, rng=None):
        A = self._output("A", A_prev, training)
        self.apply(A_prev, out=A)
        self._A = A
        return A

    def backward(self, dA):
        if self._A is None:
            raise RuntimeError(f"{type(self).__name__}.backward called before forward")
        dZ = self._buffer("dZ", dA.shape, dA.dtype)
        work = self._buffer("work", dA.shape, dA.dtype)
        self.backprop(self._A, dA, out=dZ, work=work)
        return dZ

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class Tanh(Activation):
    """``A = tanh(Z)``; ``tanh'(Z) = 1 − A²``, so backward is the notes'
    ``delta = (1 − A²) ⊙ dA``."""

    kind = "tanh"

    def apply(self, Z, out):
        np.tanh(Z, out=out)

    def derivative_from_output(self, A):
        return 1.0 - A * A

    def backprop(self, A, dA, out, work):
        np.multiply(A, A, out=work)  # A²
        np.subtract(1.0, work, out=work)  # 1 − A²
        np.multiply(work, dA, out=out)  # (1 − A²) ⊙ dA


class Sigmoid(Activation):
    """``A = 1 / (1 + e^{−Z})``, computed as ``(1 + tanh(Z/2)) / 2`` so that it never
    overflows (``e^{−Z}`` would for ``Z < −710``; ``tanh`` saturates at ±1 and
    gives exactly 0 and 1 in the limits); ``σ'(Z) = A (1 − A)``."""

    kind = "sigmoid"

    def apply(self, Z, out):
        np.multiply(Z, 0.5, out=out)
        np.tanh(out, out=out)
        out += 1.0
        out *= 0.5

    def derivative_from_output(self, A):
        return A * (1.0 - A)

    def backprop(self, A, dA, out, work):
        np.subtract(1.0, A, out=work)  # 1 − A
        np.multiply(work, A, out=work)  # A (1 − A)
        np.multiply(work, dA, out=out)


class ReLU(Activation):
    """``A = max(Z, 0)``; ``σ'(Z) = 1`` where ``Z > 0``, else 0 (0 at the kink)."""

    kind = "relu"

    def apply(self, Z, out):
        np.maximum(Z, 0.0, out=out)

    def derivative_from_output(self, A):
        return (A > 0).astype(A.dtype)

    def backprop(self, A, dA, out, work):
        np.greater(A, 0.0, out=work)  # 1.0 where the unit is active
        np.multiply(work, dA, out=out)


class LeakyReLU(Activation):
    """``A = Z`` where ``Z > 0``, else ``s Z``; ``σ'(Z) = 1`` or ``s``
    (``s = negative_slope``, default 0.01)."""

    kind = "leaky_relu"

    def __init__(self, negative_slope: float = 0.01) -> None:
        super().__init__()
        self.negative_slope = check_fraction(negative_slope, "negative_slope")

    def apply(self, Z, out):
        # max(Z, sZ) is Z for Z > 0 and sZ otherwise, since 0 <= s < 1
        np.multiply(Z, self.negative_slope, out=out)
        np.maximum(Z, out, out=out)

    def derivative_from_output(self, A):
        return np.where(A > 0, 1.0, self.negative_slope).astype(A.dtype)

    def backprop(self, A, dA, out, work):
        np.greater(A, 0.0, out=work)  # 1 where active, else 0
        work *= 1.0 - self.negative_slope
        work += self.negative_slope  # 1 or s
        np.multiply(work, dA, out=out)

    def config(self):
        return {"kind": self.kind, "negative_slope": self.negative_slope}

    def __repr__(self) -> str:
        return f"LeakyReLU(negative_slope={self.negative_slope:g})"


class Identity(Activation):
    """``A = Z``; ``σ'(Z) = 1``."""

    kind = "identity"

    def apply(self, Z, out):
        np.copyto(out, Z)

    def derivative_from_output(self, A):
        return np.ones_like(A)

    def backprop(self, A, dA, out, work):
        if out is not dA:
            np.copyto(out, dA)

    def forward(self, A_prev, training=False, rng=None):
        self._A = A_prev
        return A_prev

    def backward(self, dA):
        return dA


ACTIVATIONS: dict[str, type[Activation]] = {
    "tanh": Tanh,
    "sigmoid": Sigmoid,
    "relu": ReLU,
    "leaky_relu": LeakyReLU,
    "identity": Identity,
}


def get_activation(name: str) -> Activation:
    """A new activation layer for ``name`` (one of :data:`ACTIVATIONS`)."""
    return lookup(ACTIVATIONS, name, "activation")()
