"""Weight initialisers: functions ``init(n_in, n_out, rng, dtype) -> W``.

The default, ``lecun_normal``, is the notes' choice: ``W ~ N(0, 1/√n_in)`` (a
standard deviation of ``1/√n_in``), which keeps ``Z = X W + b`` of order one so
that tanh starts in its steep region. ``standard_normal`` saturates tanh for wide
layers; ``zeros`` cannot break the symmetry between hidden units. Biases always
start at zero.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ffnn._validation import lookup

Initializer = Callable[[int, int, np.random.Generator, np.dtype], np.ndarray]


def lecun_normal(n_in: int, n_out: int, rng: np.random.Generator, dtype) -> np.ndarray:
    """``W ~ N(0, σ²)`` with ``σ = 1/√n_in`` (LeCun et al. 1998; the notes' choice).

    Returns an array of shape (n_in, n_out).
    """
    return (rng.standard_normal((n_in, n_out)) / np.sqrt(n_in)).astype(dtype)


def standard_normal(
    n_in: int, n_out: int, rng: np.random.Generator, dtype
) -> np.ndarray:
    """``W ~ N(0, 1)``: the naive choice; ``Z`` then has standard deviation ≈ √n_in."""
    return rng.standard_normal((n_in, n_out)).astype(dtype)


def zeros(n_in: int, n_out: int, rng: np.random.Generator, dtype) -> np.ndarray:
    """``W = 0``: every hidden unit computes the same thing and gets the same update."""
    return np.zeros((n_in, n_out), dtype=dtype)


def glorot_uniform(
    n_in: int, n_out: int, rng: np.random.Generator, dtype
) -> np.ndarray:
    """``W ~ U(−a, a)`` with ``a = √(6 / (n_in + n_out))`` (Glorot & Bengio 2010)."""
    limit = np.sqrt(6.0 / (n_in + n_out))
    return rng.uniform(-limit, limit, size=(n_in, n_out)).astype(dtype)


def he_normal(n_in: int, n_out: int, rng: np.random.Generator, dtype) -> np.ndarray:
    """``W ~ N(0, σ²)`` with ``σ = √(2/n_in)`` (He et al. 2015), suited to ReLU."""
    return (rng.standard_normal((n_in, n_out)) * np.sqrt(2.0 / n_in)).astype(dtype)


INITIALIZERS: dict[str, Initializer] = {
    "lecun_normal": lecun_normal,
    "standard_normal": standard_normal,
    "zeros": zeros,
    "glorot_uniform": glorot_uniform,
    "he_normal": he_normal,
}


def get_initializer(name: str) -> Initializer:
    """Return the initialiser registered under ``name``."""
    return lookup(INITIALIZERS, name, "initializer")
