"""Single-pass optimizer updates, compiled with Numba.

Each kernel walks the flat parameter vector once and applies the same
equations, in the same order of floating-point operations, as the NumPy code
in :mod:`ffnn.optimizers.sgd`, :mod:`~ffnn.optimizers.adam` and
:mod:`~ffnn.optimizers.rmsprop` (which stays the reference and the fallback). The
NumPy form needs one pass over memory per operation (Adam: 13 passes, one of
them a square root); on MNIST's 79,510 parameters a fused Adam step takes
~25 µs against ~90 µs inside the training loop.

Each kernel writes the new parameters into ``out``, which the caller copies
into ``w`` (see :func:`ffnn.optimizers.update_plan.subtract` for why a copy beats
writing ``w`` in place). The scalars come in the arrays' dtype, as NumPy casts
a Python float before it meets a float32 array, so both forms round alike.
``error_model="numpy"`` lets a division by zero give inf/nan as in NumPy
instead of raising, which is also what lets the compiler vectorise the loops.

This module imports Numba; :func:`ffnn.optimizers.update_plan.fused_kernels` imports it
lazily, so ``import ffnn`` stays quick and works without Numba.
"""

from __future__ import annotations

import math

import numba

_OPTIONS = {"nogil": True, "error_model": "numpy", "boundscheck": False}


def _jit(function):
    """Compile ``function``, caching the machine code beside this file or in the
    user's cache directory; where neither is writable Numba refuses to cache,
    and the kernel is compiled afresh in each process instead."""
    try:
        return numba.njit(cache=True, **_OPTIONS)(function)
    except RuntimeError:  # "cannot cache function ...: no locator available"
        return numba.njit(**_OPTIONS)(function)


@_jit
def sgd(w, g, out, learning_rate):
    """``out = w − η g``."""
    for i in range(w.shape[0]):
        out[i] = w[i] - g[i] * learning_rate


@_jit
def momentum(w, g, velocity, out, learning_rate, mu):
    """``velocity ← μ velocity − η g``; ``out = w + velocity``."""
    for i in range(w.shape[0]):
        v = velocity[i] * mu - g[i] * learning_rate
        velocity[i] = v
        out[i] = w[i] + v


@_jit
def nesterov(w, g, velocity, out, learning_rate, mu):
    """``velocity ← μ velocity − η g``; ``out = w + μ velocity − η g``."""
    for i in range(w.shape[0]):
        scaled = g[i] * learning_rate
        v = velocity[i] * mu - scaled
        velocity[i] = v
        out[i] = w[i] + (v * mu - scaled)


@_jit
def adam(w, g, m, v, out, beta1, one_minus_beta1, beta2, one_minus_beta2, step, eps):
    """``m ← β₁ m + (1 − β₁) g``; ``v ← β₂ v + (1 − β₂) g²``;
    ``out = w − η_t m / (√v + ε̂)`` (bias corrections folded into η_t and ε̂)."""
    for i in range(w.shape[0]):
        gi = g[i]
        mi = m[i] * beta1 + gi * one_minus_beta1
        vi = v[i] * beta2 + (gi * gi) * one_minus_beta2
        m[i] = mi
        v[i] = vi
        out[i] = w[i] - (mi / (math.sqrt(vi) + eps)) * step


@_jit
def rmsprop(w, g, v, out, rho, one_minus_rho, learning_rate, eps):
    """``v ← ρ v + (1 − ρ) g²``; ``out = w − η g / (√v + ε)``."""
    for i in range(w.shape[0]):
        gi = g[i]
        vi = v[i] * rho + (gi * gi) * one_minus_rho
        v[i] = vi
        out[i] = w[i] - (gi / (math.sqrt(vi) + eps)) * learning_rate
