"""Activation functions as layers: ``A = σ(Z)`` forward, ``dZ = dA ⊙ σ'(Z)`` backward.

Each activation caches the one array its derivative needs (its output ``A`` for
tanh, sigmoid, ReLU and leaky ReLU) and exposes ``function(Z)`` and
``derivative(Z)`` as plain functions for plots and diagnostics.
"""

from __future__ import annotations

import numpy as np

from ffnn._validation import lookup
from ffnn.layers import Layer


class Activation(Layer):
    """Base class: an elementwise ``A = σ(Z)``."""

    def __init__(self) -> None:
        super().__init__()
        self._A: np.ndarray | None = None

    @staticmethod
    def function(Z: np.ndarray) -> np.ndarray:
        """``σ(Z)``, elementwise; returns an array shaped like ``Z``."""
        raise NotImplementedError

    def derivative(self, Z: np.ndarray) -> np.ndarray:
        """``σ'(Z)``, elementwise; returns an array shaped like ``Z``."""
        return self._derivative_from_output(self.function(Z))

    def _derivative_from_output(self, A: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def forward(self, A_prev, training=False, rng=None):
        A = self._output("A", A_prev, training)
        self._apply(A_prev, out=A)
        self._A = A
        return A

    def _apply(self, Z: np.ndarray, out: np.ndarray) -> None:
        out[...] = self.function(Z)

    def backward(self, dA):
        if self._A is None:
            raise RuntimeError(f"{type(self).__name__}.backward called before forward")
        dZ = self._buffer("dZ", dA.shape, dA.dtype)
        np.multiply(dA, self._derivative_from_output(self._A), out=dZ)
        return dZ

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class Tanh(Activation):
    """``A = tanh(Z)``; ``tanh'(Z) = 1 − A²``, so backward is the notes'
    ``delta = (1 − A²) ⊙ dA``."""

    kind = "tanh"

    @staticmethod
    def function(Z):
        return np.tanh(Z)

    def _apply(self, Z, out):
        np.tanh(Z, out=out)

    def _derivative_from_output(self, A):
        return 1.0 - A * A

    def backward(self, dA):
        if self._A is None:
            raise RuntimeError("Tanh.backward called before forward")
        dZ = self._buffer("dZ", dA.shape, dA.dtype)
        np.multiply(self._A, self._A, out=dZ)  # A²
        np.subtract(1.0, dZ, out=dZ)  # 1 − A²
        np.multiply(dZ, dA, out=dZ)  # (1 − A²) ⊙ dA
        return dZ


class Sigmoid(Activation):
    """``A = 1 / (1 + e^{−Z})``, computed as ``(1 + tanh(Z/2)) / 2`` so that it never
    overflows; ``σ'(Z) = A (1 − A)``."""

    kind = "sigmoid"

    @staticmethod
    def function(Z):
        return 0.5 * (1.0 + np.tanh(0.5 * Z))

    def _apply(self, Z, out):
        np.multiply(Z, 0.5, out=out)
        np.tanh(out, out=out)
        out += 1.0
        out *= 0.5

    def _derivative_from_output(self, A):
        return A * (1.0 - A)


class ReLU(Activation):
    """``A = max(Z, 0)``; ``σ'(Z) = 1`` where ``Z > 0``, else 0 (0 at the kink)."""

    kind = "relu"

    @staticmethod
    def function(Z):
        return np.maximum(Z, 0.0)

    def _apply(self, Z, out):
        np.maximum(Z, 0.0, out=out)

    def _derivative_from_output(self, A):
        return (A > 0).astype(A.dtype)

    def backward(self, dA):
        if self._A is None:
            raise RuntimeError("ReLU.backward called before forward")
        dZ = self._buffer("dZ", dA.shape, dA.dtype)
        np.multiply(dA, self._A > 0, out=dZ)
        return dZ


class LeakyReLU(Activation):
    """``A = Z`` where ``Z > 0``, else ``s Z``; ``σ'(Z) = 1`` or ``s``
    (``s = negative_slope``, default 0.01)."""

    kind = "leaky_relu"

    def __init__(self, negative_slope: float = 0.01) -> None:
        super().__init__()
        slope = float(negative_slope)
        if not 0.0 <= slope < 1.0:
            raise ValueError(
                f"negative_slope must be in [0, 1), got {negative_slope!r}"
            )
        self.negative_slope = slope

    def function(self, Z):  # type: ignore[override]
        return np.where(Z > 0, Z, self.negative_slope * Z)

    def _derivative_from_output(self, A):
        return np.where(A > 0, 1.0, self.negative_slope).astype(A.dtype)

    def config(self):
        return {"kind": self.kind, "negative_slope": self.negative_slope}

    def __repr__(self) -> str:
        return f"LeakyReLU(negative_slope={self.negative_slope:g})"


class Identity(Activation):
    """``A = Z``; ``σ'(Z) = 1``."""

    kind = "identity"

    @staticmethod
    def function(Z):
        return np.array(Z, copy=True)

    def _derivative_from_output(self, A):
        return np.ones_like(A)

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
