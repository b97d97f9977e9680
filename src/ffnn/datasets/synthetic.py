"""Synthetic two-dimensional classification problems.

``make_moons(200, noise=0.2, seed=0)`` is exactly the notes' data set: the notes
draw ``sklearn.datasets.make_moons(200, noise=0.20)`` right after
``np.random.seed(0)``, and scikit-learn's ``random_state=0`` draws the same
stream. Each generator returns ``X`` of shape (n_samples, 2), float64, and
integer labels ``y`` of shape (n_samples,). ``seed`` is None or an int in
``[0, 2³² − 1]`` (:data:`MAX_SEED`, the range scikit-learn's generators take).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ffnn._validation import (
    check_fraction,
    check_int,
    check_positive,
    check_seed,
    lookup,
)

Dataset = tuple[np.ndarray, np.ndarray]

#: the largest seed a generator takes (scikit-learn's ``random_state`` bound)
MAX_SEED = 2**32 - 1


def make_moons(
    n_samples: int = 200, noise: float = 0.2, seed: int | None = 0
) -> Dataset:
    """Two interleaving half circles (scikit-learn's ``make_moons``)."""
    import sklearn.datasets  # imported on first use: it takes ~1 s to load

    n_samples = check_int(n_samples, "n_samples", minimum=2)
    noise = check_positive(noise, "noise", allow_zero=True)
    seed = check_seed(seed, maximum=MAX_SEED)
    return sklearn.datasets.make_moons(n_samples, noise=noise, random_state=seed)


def make_circles(
    n_samples: int = 200, noise: float = 0.1, seed: int | None = 0, factor: float = 0.5
) -> Dataset:
    """A small circle inside a large one (scikit-learn's ``make_circles``);
    ``factor`` in [0, 1) is the inner circle's radius relative to the outer."""
    import sklearn.datasets  # imported on first use: it takes ~1 s to load

    n_samples = check_int(n_samples, "n_samples", minimum=2)
    noise = check_positive(noise, "noise", allow_zero=True)
    seed = check_seed(seed, maximum=MAX_SEED)
    factor = check_fraction(factor, "factor")
    return sklearn.datasets.make_circles(
        n_samples, noise=noise, factor=factor, random_state=seed
    )


def make_xor(n_samples: int = 200, noise: float = 0.1, seed: int | None = 0) -> Dataset:
    """Points uniform on ``[−1, 1]²``; class 1 where ``x1 · x2 < 0`` (the XOR of
    the two signs), with Gaussian noise of standard deviation ``noise`` added to
    the coordinates after labelling."""
    n_samples = check_int(n_samples, "n_samples", minimum=2)
    noise = check_positive(noise, "noise", allow_zero=True)
    rng = np.random.default_rng(check_seed(seed, maximum=MAX_SEED))
    X = rng.uniform(-1.0, 1.0, size=(n_samples, 2))
    y = (X[:, 0] * X[:, 1] < 0).astype(np.int64)
    X += noise * rng.standard_normal(X.shape)
    return X, y


def make_spiral(
    n_samples: int = 300, noise: float = 0.2, seed: int | None = 0, n_classes: int = 3
) -> Dataset:
    """``n_classes`` interleaved spiral arms. Arm k's points have radius
    ``r ∈ [0, 1]`` and angle ``θ = 4r + 2πk/K`` plus Gaussian noise of standard
    deviation ``noise`` (radians)."""
    n_samples = check_int(n_samples, "n_samples", minimum=2)
    noise = check_positive(noise, "noise", allow_zero=True)
    n_classes = check_int(n_classes, "n_classes", minimum=2)
    rng = np.random.default_rng(check_seed(seed, maximum=MAX_SEED))
    y = np.arange(n_samples) % n_classes
    radius = rng.uniform(0.0, 1.0, size=n_samples)
    angle = 4.0 * radius + 2.0 * np.pi * y / n_classes
    angle += noise * rng.standard_normal(n_samples)
    X = np.column_stack([radius * np.sin(angle), radius * np.cos(angle)])
    return X, y.astype(np.int64)


DATASETS: dict[str, Callable[..., Dataset]] = {
    "moons": make_moons,
    "circles": make_circles,
    "xor": make_xor,
    "spiral": make_spiral,
}


def load_dataset(
    name: str, n_samples: int = 200, noise: float | None = None, seed: int | None = 0
) -> Dataset:
    """Generate the synthetic data set ``name``: a classification set
    ('moons', 'circles', 'xor', 'spiral') or a regression set
    (:data:`~ffnn.datasets.regression.REGRESSION_DATASETS`, 'friedman1');
    ``noise=None`` uses that set's default."""
    from ffnn.datasets.regression import REGRESSION_DATASETS

    generator = lookup({**DATASETS, **REGRESSION_DATASETS}, name, "dataset")
    if noise is None:
        return generator(n_samples=n_samples, seed=seed)
    return generator(n_samples=n_samples, noise=noise, seed=seed)
