"""The playground's data: its 2-D data sets, the CSV a user uploads, and the input
features the network sees.

Every data set's points lie in the square ``[−6, 6]²`` (:data:`EXTENT`), where
the page draws them: a generated set is centred and scaled, the same factor on
both axes so that circles stay round, until its points fill the square
(:func:`fit_square`). The classification sets are ffnn's own generators
(:mod:`ffnn.datasets`; the spiral with two arms) and Gaussian blobs of 2–5
classes; the regression set is the surface ``y = sin(x1) · cos(x2)`` plus
Gaussian noise. The points are then split at random into a training and a test
set (:func:`split`).

A data set is :class:`Points` (``X`` (n, 2), ``y`` (n,), ``classes``: the number
of classes, 0 for a regression set); a split is :class:`Data`. The network's
inputs are :func:`transform` of the points: the features named in the settings
(x1, x2, x1², x2², x1·x2, sin x1, sin x2), columns in the order of
:data:`FEATURES`.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

#: the half-width of the square every data set lies in: x ∈ [−6, 6]²
EXTENT = 6.0
#: the largest uploaded CSV: characters of text (as UTF-8 bytes) and data rows
MAX_CSV_BYTES = 200 * 1024
MIN_CSV_ROWS, MAX_CSV_ROWS = 10, 2000
#: the class labels an uploaded CSV may use (the largest blobs set has 5)
MAX_CLASSES = 5


@dataclass(frozen=True)
class Points:
    """A data set before its split: ``X`` (n, 2) in ``[−6, 6]²``, ``y`` (n,) the
    class of each point (int, ``0 … classes − 1``) or its value (float), and
    ``classes``, the number of classes (0 for a regression set)."""

    X: np.ndarray
    y: np.ndarray
    classes: int

    @property
    def kind(self) -> str:
        return "regression" if self.classes == 0 else "classification"


@dataclass(frozen=True)
class Data:
    """Points split into a training set (``X_train`` (n_train, 2), ``y_train``
    (n_train,)) and a test set, with the number of classes (0: regression)."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    classes: int

    @property
    def kind(self) -> str:
        return "regression" if self.classes == 0 else "classification"

    @property
    def y_range(self) -> tuple[float, float]:
        """The smallest and largest target of both sets (a regression set's
        colour scale)."""
        y = np.concatenate([self.y_train, self.y_test])
        return float(y.min()), float(y.max())


# ------------------------------------------------------------------ features
FEATURES: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "x1": lambda X: X[:, 0],
    "x2": lambda X: X[:, 1],
    "x1^2": lambda X: X[:, 0] ** 2,
    "x2^2": lambda X: X[:, 1] ** 2,
    "x1*x2": lambda X: X[:, 0] * X[:, 1],
    "sin(x1)": lambda X: np.sin(X[:, 0]),
    "sin(x2)": lambda X: np.sin(X[:, 1]),
}


def transform(X: np.ndarray, features: Sequence[str]) -> np.ndarray:
    """The network's inputs for the points ``X`` (n, 2): one column per feature
    (names of :data:`FEATURES`), in the order given; shape (n, len(features))."""
    for name in features:
        if name not in FEATURES:
            valid = ", ".join(FEATURES)
            raise ValueError(f"unknown feature {name!r}; valid features are: {valid}")
    if not features:
        raise ValueError("features: choose at least one input feature")
    return np.column_stack([FEATURES[name](X) for name in features])


# ------------------------------------------------------------- the data sets
def fit_square(X: np.ndarray) -> np.ndarray:
    """``X`` (n, 2) moved and scaled, by one factor on both axes, so that its
    bounding box is centred on 0 and its longer side spans ``[−6, 6]``."""
    low, high = X.min(axis=0), X.max(axis=0)
    centre = low + (high - low) / 2  # no overflow for coordinates near 1e308
    half = float(np.max(high - low)) / 2
    scale = EXTENT / half if half > 0 else 1.0
    return np.clip((X - centre) * scale, -EXTENT, EXTENT)


def _moons(n: int, noise: float, seed: int, classes: int) -> tuple:
    from ffnn.datasets import make_moons

    return make_moons(n, noise=noise, seed=seed)


def _circles(n: int, noise: float, seed: int, classes: int) -> tuple:
    from ffnn.datasets import make_circles

    return make_circles(n, noise=noise, seed=seed)


def _xor(n: int, noise: float, seed: int, classes: int) -> tuple:
    from ffnn.datasets import make_xor

    return make_xor(n, noise=noise, seed=seed)


def _spiral(n: int, noise: float, seed: int, classes: int) -> tuple:
    from ffnn.datasets import make_spiral

    return make_spiral(n, noise=noise, seed=seed, n_classes=2)


def _blobs(n: int, noise: float, seed: int, classes: int) -> tuple:
    """``classes`` Gaussian blobs of standard deviation ``0.1 + 0.4 · noise``
    around centres evenly spaced on the unit circle; point i is of class
    ``i mod classes``."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % classes
    angle = 2 * np.pi * np.arange(classes) / classes
    centres = np.column_stack([np.cos(angle), np.sin(angle)])  # (classes, 2)
    X = centres[y] + (0.1 + 0.4 * noise) * rng.standard_normal((n, 2))
    return X, y.astype(np.int64)


#: the classification generators: (n, noise, seed, classes) → (X (n, 2), y (n,))
CLASSIFICATION_SETS: dict[str, Callable[[int, float, int, int], tuple]] = {
    "moons": _moons,
    "circles": _circles,
    "xor": _xor,
    "spiral": _spiral,
    "blobs": _blobs,
}
#: the generated data sets; "upload" is the user's CSV (:func:`parse_csv`)
DATASETS = (*CLASSIFICATION_SETS, "regression")


def regression_surface(n: int, noise: float, seed: int) -> Points:
    """``n`` points uniform on ``[−6, 6]²`` with the value
    ``y = sin(x1) · cos(x2) + noise · ε``, ``ε ~ N(0, 1)``."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(-EXTENT, EXTENT, size=(n, 2))
    y = np.sin(X[:, 0]) * np.cos(X[:, 1]) + noise * rng.standard_normal(n)
    return Points(X, y, 0)


def generate(
    dataset: str, samples: int, noise: float, seed: int, classes: int = 2
) -> Points:
    """``samples`` points of the data set ``dataset`` (one of :data:`DATASETS`),
    in ``[−6, 6]²``; ``classes`` (2–5) is used by "blobs" only."""
    if dataset == "regression":
        return regression_surface(samples, noise, seed)
    if dataset not in CLASSIFICATION_SETS:
        valid = ", ".join(DATASETS)
        raise ValueError(f"unknown dataset {dataset!r}; valid data sets are: {valid}")
    X, y = CLASSIFICATION_SETS[dataset](samples, noise, seed, classes)
    return Points(fit_square(np.asarray(X, dtype=np.float64)), y, int(y.max()) + 1)


def split(points: Points, train_ratio: float, seed: int) -> Data:
    """A random ``train_ratio`` share of ``points`` (at least one point, and at
    least one left for testing) for training, the rest for testing."""
    n = len(points.y)
    # a stream of its own, not the generator's: which points are held out must
    # not depend on how the points were drawn
    order = np.random.default_rng([seed, 1]).permutation(n)
    n_train = min(max(round(train_ratio * n), 1), n - 1)
    train, test = order[:n_train], order[n_train:]
    return Data(
        points.X[train], points.y[train], points.X[test], points.y[test],
        points.classes,
    )  # fmt: skip


def make_data(
    dataset: str,
    samples: int,
    noise: float,
    train_ratio: float,
    seed: int,
    classes: int = 2,
) -> Data:
    """:func:`generate` then :func:`split`: the data of the playground's settings."""
    return split(generate(dataset, samples, noise, seed, classes), train_ratio, seed)


# -------------------------------------------------------------------- upload
def parse_csv(text: str) -> Points:
    """The points of an uploaded CSV: rows ``x1,x2,label``, an optional header
    row first, 10–2000 data rows, at most 200 KB of text.

    Labels that are all integers (written as such: ``1``, not ``1.0``) are
    classes, which must be 0–4 with at least two of them present; otherwise
    every label is a real value and the set is a regression. The points are
    scaled into ``[−6, 6]²`` (:func:`fit_square`); the values are kept.
    ValueError names the first bad row.
    """
    if not isinstance(text, str):
        raise TypeError(f"csv must be text, got {type(text).__name__}")
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_CSV_BYTES:
        raise ValueError(f"csv is {size:,} bytes; the limit is {MAX_CSV_BYTES:,}")
    points, labels = [], []
    first = True
    try:
        for number, row in enumerate(csv.reader(io.StringIO(text)), start=1):
            if not row or all(not field.strip() for field in row):
                continue  # blank lines
            header_allowed, first = first, False
            if len(row) != 3:
                raise ValueError(
                    f"csv row {number}: expected 3 values x1,x2,label, got {len(row)}"
                )
            x = [_finite(field) for field in row[:2]]
            if None in x:
                if header_allowed:
                    continue  # the header
                raise ValueError(
                    f"csv row {number}: x1 and x2 must be finite numbers, got "
                    f"{row[0].strip()!r}, {row[1].strip()!r}"
                )
            if _finite(row[2]) is None:
                raise ValueError(
                    f"csv row {number}: the label must be a finite number, got "
                    f"{row[2].strip()!r}"
                )
            points.append(x)
            labels.append(row[2].strip())
            if len(points) > MAX_CSV_ROWS:
                raise ValueError(f"csv has more than {MAX_CSV_ROWS} data rows")
    except csv.Error as error:
        raise ValueError(f"csv is malformed: {error}") from None
    if len(points) < MIN_CSV_ROWS:
        raise ValueError(
            f"csv has {len(points)} data rows; at least {MIN_CSV_ROWS} are needed"
        )
    X = fit_square(np.array(points, dtype=np.float64))
    integers = [_integer(label) for label in labels]
    if None in integers:
        return Points(X, np.array([float(label) for label in labels]), 0)
    y = np.array(integers, dtype=np.int64)
    outside = np.flatnonzero((y < 0) | (y >= MAX_CLASSES))
    if outside.size:
        raise ValueError(
            f"csv row with label {y[outside[0]]}: integer labels are classes "
            f"0..{MAX_CLASSES - 1} (write real values such as 1.5 for a regression)"
        )
    if len(np.unique(y)) < 2:
        raise ValueError("csv labels are all one class; a classifier needs two")
    return Points(X, y, int(y.max()) + 1)


def _finite(field: str) -> float | None:
    """``field`` as a finite float, or None."""
    try:
        value = float(field)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _integer(field: str) -> int | None:
    """``field`` as an int when it is written as one, else None."""
    try:
        return int(field)
    except ValueError:
        return None
