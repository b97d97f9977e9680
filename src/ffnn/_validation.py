"""Shared input and option checks, so that every error reads the same way."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

import numpy as np

T = TypeVar("T")

FLOAT_DTYPES = {"float64": np.float64, "float32": np.float32}


def canonical_name(name: str) -> str:
    """A registry key as written in any case, with dashes or spaces around:
    ``" Leaky-ReLU"`` → ``"leaky_relu"``."""
    return name.strip().lower().replace("-", "_")


def lookup(registry: Mapping[str, T], name: str, what: str) -> T:
    """Return ``registry[name]``; an unknown name raises a ValueError listing the
    valid ones."""
    if not isinstance(name, str):
        raise TypeError(f"{what} must be given by name (a str), got {name!r}")
    key = canonical_name(name)
    if key not in registry:
        valid = ", ".join(sorted(registry))
        raise ValueError(f"unknown {what} {name!r}; valid names are: {valid}")
    return registry[key]


def check_dtype(dtype: Any) -> np.dtype:
    """Return a float dtype ffnn computes in (float64 or float32)."""
    try:
        resolved = np.dtype(dtype)
    except TypeError as error:
        raise TypeError(
            f"dtype must be 'float64' or 'float32', got {dtype!r}"
        ) from error
    if resolved.name not in FLOAT_DTYPES:
        raise ValueError(f"dtype must be 'float64' or 'float32', got {resolved.name!r}")
    return resolved


def check_positive(value: Any, name: str, *, allow_zero: bool = False) -> float:
    """Return ``value`` as a float after checking it is a finite positive number."""
    if isinstance(value, bool) or not isinstance(value, int | float | np.number):
        raise TypeError(f"{name} must be a number, got {value!r}")
    value = float(value)
    if not np.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{name} must be a finite number {bound}, got {value!r}")
    return value


def check_fraction(value: Any, name: str) -> float:
    """Return ``value`` as a float after checking ``0 <= value < 1``."""
    value = check_positive(value, name, allow_zero=True)
    if value >= 1:
        raise ValueError(f"{name} must be in [0, 1), got {value!r}")
    return value


def check_int(value: Any, name: str, *, minimum: int = 1) -> int:
    """Return ``value`` after checking it is an integer ``>= minimum``."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise TypeError(f"{name} must be an integer, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value!r}")
    return int(value)


def check_X(
    X: Any, n_features: int | None = None, dtype: Any = np.float64
) -> np.ndarray:
    """Return ``X`` as a C-contiguous 2-D float array of shape (n_samples, n_features).

    Raises a ValueError naming the problem for a wrong shape, a non-numeric
    dtype, an empty array or a NaN/infinite entry.
    """
    array = np.asarray(X)
    if array.dtype == object or not (
        np.issubdtype(array.dtype, np.number) or array.dtype == np.bool_
    ):
        raise TypeError(f"X must hold numbers, got an array of dtype {array.dtype}")
    if np.issubdtype(array.dtype, np.complexfloating):
        raise TypeError("X must hold real numbers, got complex values")
    if array.ndim != 2:
        raise ValueError(
            f"X must be 2-D with shape (n_samples, n_features), got shape {array.shape}"
        )
    if array.shape[0] == 0:
        raise ValueError(f"X has no samples (shape {array.shape})")
    if n_features is not None and array.shape[1] != n_features:
        raise ValueError(
            f"X has {array.shape[1]} features per sample but the network expects "
            f"{n_features} (X has shape {array.shape})"
        )
    array = np.ascontiguousarray(array, dtype=dtype)
    if not np.isfinite(array).all():
        bad = int(np.count_nonzero(~np.isfinite(array)))
        raise ValueError(f"X contains {bad} NaN or infinite value(s)")
    return array


def check_y(y: Any, n_samples: int) -> np.ndarray:
    """Return ``y`` as a 1-D array of class labels, one per sample."""
    array = np.asarray(y)
    if array.ndim == 2 and array.shape[1] == 1:
        array = array.ravel()
    if array.ndim != 1:
        raise ValueError(
            "y must be a 1-D array of class labels, one per sample, "
            f"got shape {array.shape}"
        )
    if array.shape[0] != n_samples:
        raise ValueError(f"X has {n_samples} samples but y has {array.shape[0]} labels")
    if array.dtype == object:
        raise TypeError("y must hold numbers or strings, not Python objects")
    if np.issubdtype(array.dtype, np.floating):
        if not np.isfinite(array).all():
            raise ValueError("y contains NaN or infinite labels")
        if not np.array_equal(array, np.round(array)):
            raise ValueError(
                "y must hold class labels; got non-integer floats (to regress, "
                "build the network with output='identity')"
            )
        array = array.astype(np.int64)
    return array
