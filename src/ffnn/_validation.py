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
    if isinstance(value, bool) or not isinstance(value, int | float | np.number):
        raise TypeError(f"{name} must be a number, got {value!r}")
    value = float(value)
    if not 0.0 <= value < 1.0:  # NaN fails too
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
    X: Any, n_features: int | None = None, dtype: Any = np.float64, name: str = "X"
) -> np.ndarray:
    """Return ``X`` as a C-contiguous 2-D float array of shape (n_samples, n_features).

    Raises a ValueError naming the problem for a wrong shape, ragged rows, an
    empty array, a NaN/infinite entry or a value beyond ``dtype``'s range
    (``1e300`` for a float32 network), and a TypeError for None, a sparse
    matrix or a non-numeric dtype. Messages call the array ``name``.
    """
    if X is None:
        raise TypeError(
            f"{name} must be an array of shape (n_samples, n_features), got None"
        )
    if type(X).__module__.startswith("scipy.sparse"):
        raise TypeError(
            f"{name} is a sparse matrix ({type(X).__name__}); ffnn computes on "
            f"dense arrays: pass {name}.toarray()"
        )
    array = as_array(X, name)
    if array.dtype == object or not (
        np.issubdtype(array.dtype, np.number) or array.dtype == np.bool_
    ):
        raise TypeError(
            f"{name} must hold numbers, got an array of dtype {array.dtype}"
        )
    if np.issubdtype(array.dtype, np.complexfloating):
        raise TypeError(f"{name} must hold real numbers, got complex values")
    if array.ndim != 2:
        raise ValueError(
            f"{name} must be 2-D with shape (n_samples, n_features), got shape "
            f"{array.shape}"
        )
    if array.shape[0] == 0:
        raise ValueError(f"{name} has no samples (shape {array.shape})")
    if n_features is not None and array.shape[1] != n_features:
        raise ValueError(
            f"{name} has {array.shape[1]} features per sample but the network "
            f"expects {n_features} ({name} has shape {array.shape})"
        )
    with np.errstate(over="ignore"):  # a value beyond float32's range: below
        converted = np.ascontiguousarray(array, dtype=dtype)
    finite = np.isfinite(converted)
    if not finite.all():
        bad = ~finite
        rows = preview(np.flatnonzero(bad.any(axis=1)).tolist())
        overflowed = int(np.count_nonzero(np.isfinite(array[bad])))
        if overflowed:
            kind = converted.dtype.name
            limit = np.finfo(converted.dtype).max
            raise ValueError(
                f"{name} has {overflowed} value(s) beyond {kind}'s range "
                f"(±{limit:.3g}) in rows {rows}: scale the inputs, or use a float64 "
                "network"
            )
        count = int(np.count_nonzero(bad))
        raise ValueError(
            f"{name} contains {count} NaN or infinite value(s) in rows {rows}"
        )
    return converted


def check_y(y: Any, n_samples: int) -> np.ndarray:
    """Return ``y`` as a 1-D array of class labels, one per sample."""
    if y is None:
        raise TypeError("y must be an array of class labels, one per sample, got None")
    array = as_array(y, "y")
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


def as_array(value: Any, name: str) -> np.ndarray:
    """``np.asarray(value)``, where nested lists of different lengths raise a
    ValueError naming ``name`` and the first row that differs (NumPy's own
    "inhomogeneous shape" error names neither)."""
    try:
        return np.asarray(value)
    except ValueError as error:
        message = str(error)
        if "inhomogeneous" not in message and "with a sequence" not in message:
            raise
    raise ValueError(
        f"{name} is ragged: {_ragged_rows(value)}; it must be a rectangular array"
    )


def _ragged_rows(value: Any) -> str:
    """Which rows of a ragged nest of sequences differ in length, in words."""
    try:
        lengths = [len(row) for row in value]
    except TypeError:  # numbers mixed with sequences: [1, [2, 3]]
        return "it mixes numbers and sequences"
    for index, length in enumerate(lengths):
        if length != lengths[0]:
            return f"row 0 has {lengths[0]} values but row {index} has {length}"
    return "its rows hold entries of different shapes"


def preview(values: Any, limit: int = 8) -> str:
    """'[a, b, c, …]': the first ``limit`` values of a list or 1-D array, for
    error messages."""
    items = [str(v) for v in values[:limit]]
    return "[" + ", ".join(items) + (", …]" if len(values) > limit else "]")


def check_seed(
    seed: Any, name: str = "seed", *, maximum: int | None = None
) -> int | None:
    """Return ``seed`` (None, or an int ``>= 0`` and ``<= maximum``) as given
    to :func:`numpy.random.default_rng`; a TypeError for anything else names
    ``name``."""
    if seed is None:
        return None
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
        raise TypeError(f"{name} must be an int >= 0 or None, got {seed!r}")
    if seed < 0 or (maximum is not None and seed > maximum):
        bound = "an int >= 0" if maximum is None else f"an int in [0, {maximum}]"
        raise ValueError(f"{name} must be {bound}, got {seed!r}")
    return int(seed)


def check_bool(value: Any, name: str) -> bool:
    """Return ``value`` after checking it is True or False (not 1, 'yes', …)."""
    if not isinstance(value, bool | np.bool_):
        raise TypeError(f"{name} must be True or False, got {value!r}")
    return bool(value)
