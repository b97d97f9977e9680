"""Layers: the Layer protocol, the dense layer ``Z = X W + b``, and inverted dropout.

Every layer shares one signature. ``forward(A_prev, training, rng)`` caches exactly
what ``backward`` needs; ``backward(dA)`` takes ∂L/∂output, stores the parameter
gradients beside the parameters (``W``/``dW``, ``b``/``db``) and returns
∂L/∂input. In training mode a layer writes into buffers it sized once per batch
shape, so the training loop allocates nothing per batch; in inference mode it
returns fresh arrays the caller may keep.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from ffnn._validation import check_dtype, check_fraction, check_int
from ffnn.initializers import get_initializer


class Layer:
    """Base class: a differentiable map from ``A_prev`` to ``A``, both (n, features)."""

    #: registry name of the layer type, used by model files
    kind: ClassVar[str] = "layer"

    def __init__(self) -> None:
        self._buffers: dict[tuple, np.ndarray] = {}

    def _buffer(self, name: str, shape: tuple[int, ...], dtype) -> np.ndarray:
        """A reusable array, one per name, shape and dtype: a run with a short last
        batch keeps two sets and allocates nothing after its first epoch."""
        key = (name, shape, np.dtype(dtype).char)
        buffer = self._buffers.get(key)
        if buffer is None:
            buffer = np.empty(shape, dtype=dtype)
            self._buffers[key] = buffer
        return buffer

    def _output(self, name: str, like: np.ndarray, training: bool) -> np.ndarray:
        """Where a forward result goes: a reused buffer when training, else new."""
        if training:
            return self._buffer(name, like.shape, like.dtype)
        return np.empty_like(like)

    def forward(
        self,
        A_prev: np.ndarray,
        training: bool = False,
        rng: np.random.Generator | None = None,
    ) -> np.ndarray:
        """Map the input (n, n_in) to the output (n, n_out); cache for backward."""
        raise NotImplementedError

    def backward(self, dA: np.ndarray) -> np.ndarray:
        """Map ∂L/∂output (n, n_out) to ∂L/∂input (n, n_in); store parameter grads."""
        raise NotImplementedError

    def parameters(self) -> list[np.ndarray]:
        """The live parameter arrays (empty for layers without parameters)."""
        return []

    def gradients(self) -> list[np.ndarray]:
        """The gradient arrays, in the same order as :meth:`parameters`."""
        return []

    @property
    def n_parameters(self) -> int:
        return sum(p.size for p in self.parameters())

    def output_size(self, n_in: int) -> int:
        """Number of output features for ``n_in`` input features."""
        return n_in

    def config(self) -> dict[str, Any]:
        """JSON-serialisable description from which the layer is rebuilt."""
        return {"kind": self.kind}

    def astype(self, dtype) -> Layer:
        """Switch the layer's parameters to ``dtype`` (in place); returns self."""
        self._buffers.clear()
        return self

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class Dense(Layer):
    """Fully connected layer ``Z = A_prev W + b``.

    Parameters
    ----------
    n_in, n_out : int
        Input and output features; ``W`` has shape (n_in, n_out), ``b`` (n_out,).
    init : str
        Weight initialiser name (see :mod:`ffnn.initializers`); ``b`` starts at 0.
    rng : numpy.random.Generator, optional
        Source of the initial weights.
    dtype : str
        'float64' (default) or 'float32'.

    Notes
    -----
    Forward: ``Z = A_prev W + b``. Backward, with ``delta = ∂L/∂Z``::

        dW = A_prevᵀ delta       # (n_in, n) @ (n, n_out)
        db = Σ_rows delta        # (n_out,)
        dA_prev = delta Wᵀ       # (n, n_out) @ (n_out, n_in)

    ``W`` and ``b`` are stored together as the rows of one block ``[W; b]`` of
    shape (n_in + 1, n_out), so that ``Z = [A_prev 1] [W; b]`` is a single matrix
    product for the training engine; ``W``, ``b``, ``dW`` and ``db`` are views of
    the blocks. A :class:`~ffnn.network.Network` moves every block into one flat
    parameter vector (:meth:`bind`), so an optimizer updates all of them at once.
    """

    kind = "dense"

    def __init__(
        self,
        n_in: int,
        n_out: int,
        init: str = "lecun_normal",
        rng: np.random.Generator | None = None,
        dtype: Any = "float64",
    ) -> None:
        super().__init__()
        n_in = check_int(n_in, "n_in")
        n_out = check_int(n_out, "n_out")
        dtype = check_dtype(dtype)
        initializer = get_initializer(init)
        if rng is not None and not isinstance(rng, np.random.Generator):
            raise TypeError(
                f"rng must be a numpy.random.Generator (np.random.default_rng(seed)) "
                f"or None, got {rng!r}"
            )
        rng = np.random.default_rng() if rng is None else rng
        self.init = init
        self.block = np.zeros((n_in + 1, n_out), dtype=dtype)  # [W; b]
        self.block[:n_in] = initializer(n_in, n_out, rng, dtype)
        self.grad_block = np.zeros_like(self.block)  # [dW; db]
        self._make_views()
        self._A_prev: np.ndarray | None = None

    def _make_views(self) -> None:
        self._W, self._b = self.block[:-1], self.block[-1]
        self._dW, self._db = self.grad_block[:-1], self.grad_block[-1]

    def bind(self, block: np.ndarray, grad_block: np.ndarray) -> None:
        """Move the parameters into ``block`` (and the gradients into
        ``grad_block``), views of a network's flat vectors."""
        block[...] = self.block
        grad_block[...] = self.grad_block
        self.block, self.grad_block = block, grad_block
        self._make_views()

    @property
    def W(self) -> np.ndarray:
        """Weights, shape (n_in, n_out): a live view."""
        return self._W

    @W.setter
    def W(self, value: np.ndarray) -> None:
        _copy_into(self._W, value, "W")

    @property
    def b(self) -> np.ndarray:
        """Biases, shape (n_out,): a live view."""
        return self._b

    @b.setter
    def b(self, value: np.ndarray) -> None:
        _copy_into(self._b, value, "b")

    @property
    def dW(self) -> np.ndarray:
        """∂L/∂W of the last backward pass, shape (n_in, n_out)."""
        return self._dW

    @dW.setter
    def dW(self, value: np.ndarray) -> None:
        _copy_into(self._dW, value, "dW")

    @property
    def db(self) -> np.ndarray:
        """∂L/∂b of the last backward pass, shape (n_out,)."""
        return self._db

    @db.setter
    def db(self, value: np.ndarray) -> None:
        _copy_into(self._db, value, "db")

    @property
    def n_in(self) -> int:
        return self.block.shape[0] - 1

    @property
    def n_out(self) -> int:
        return self.block.shape[1]

    def forward(self, A_prev, training=False, rng=None):
        self._A_prev = A_prev
        out_shape = (A_prev.shape[0], self.n_out)
        if training:
            Z = self._buffer("Z", out_shape, self.block.dtype)
        else:
            Z = np.empty(out_shape, dtype=self.block.dtype)
        np.matmul(A_prev, self.W, out=Z)  # (n, n_in) @ (n_in, n_out)
        Z += self.b
        return Z

    def backward(self, dA):
        if self._A_prev is None:
            raise RuntimeError("Dense.backward called before forward")
        delta = dA
        np.matmul(self._A_prev.T, delta, out=self.dW)  # (n_in, n) @ (n, n_out)
        np.sum(delta, axis=0, out=self.db)
        dA_prev = self._buffer("dA_prev", self._A_prev.shape, self.block.dtype)
        np.matmul(delta, self.W.T, out=dA_prev)  # (n, n_out) @ (n_out, n_in)
        return dA_prev

    def parameters(self):
        return [self.W, self.b]

    def gradients(self):
        return [self.dW, self.db]

    def output_size(self, n_in: int) -> int:
        if n_in != self.n_in:
            raise ValueError(
                f"Dense layer expects {self.n_in} inputs but receives {n_in}"
            )
        return self.n_out

    def config(self):
        return {
            "kind": self.kind,
            "n_in": self.n_in,
            "n_out": self.n_out,
            "init": self.init,
        }

    def astype(self, dtype):
        dtype = check_dtype(dtype)
        self.block = self.block.astype(dtype)
        self.grad_block = np.zeros_like(self.block)
        self._make_views()
        return super().astype(dtype)

    def __repr__(self) -> str:
        return f"Dense({self.n_in}, {self.n_out})"


class Dropout(Layer):
    """Inverted dropout: in training, ``A = A_prev ⊙ M / (1 − p)`` with
    ``M_ij ~ Bernoulli(1 − p)``; at predict time ``A = A_prev``.

    Scaling by ``1/(1 − p)`` while training keeps the expected activation equal to
    the one seen at predict time, so nothing needs rescaling afterwards
    (Srivastava et al. 2014).

    Parameters
    ----------
    rate : float
        Probability ``p`` of dropping a unit, ``0 <= p < 1``.
    """

    kind = "dropout"

    def __init__(self, rate: float = 0.5) -> None:
        super().__init__()
        self.rate = check_fraction(rate, "dropout rate")
        self._mask: np.ndarray | None = None

    def forward(self, A_prev, training=False, rng=None):
        if not training or self.rate == 0.0:
            self._mask = None
            return A_prev
        if rng is None:
            raise ValueError("Dropout needs a random Generator (rng) in training mode")
        mask = self._buffer("mask", A_prev.shape, A_prev.dtype)
        keep = 1.0 - self.rate
        # uniform draws in [0, 1): a unit survives with probability 1 − p
        rng.random(dtype=mask.dtype, out=mask)
        np.less(mask, keep, out=mask, casting="unsafe")
        mask /= keep
        self._mask = mask
        A = self._buffer("A", A_prev.shape, A_prev.dtype)
        np.multiply(A_prev, mask, out=A)
        return A

    def backward(self, dA):
        if self._mask is None:
            return dA
        dA_prev = self._buffer("dA_prev", dA.shape, dA.dtype)
        np.multiply(dA, self._mask, out=dA_prev)
        return dA_prev

    def config(self):
        return {"kind": self.kind, "rate": self.rate}

    def __repr__(self) -> str:
        return f"Dropout(rate={self.rate:g})"


def _copy_into(target: np.ndarray, value: Any, name: str) -> None:
    array = np.asarray(value)
    if array.shape != target.shape:
        raise ValueError(f"{name} must have shape {target.shape}, got {array.shape}")
    target[...] = array
