"""Synthetic regression problems.

``make_friedman1`` is Friedman's (1991) first benchmark, drawn by scikit-learn's
``make_friedman1``: inputs ``x ~ U[0, 1]^10`` and the target

    y = 10 sin(π x1 x2) + 20 (x3 − 0.5)² + 10 x4 + 5 x5 + noise · N(0, 1),

so only the first five of the ten features are informative. It returns ``X`` of
shape (n_samples, 10) and ``y`` of shape (n_samples,), both float64.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ffnn._validation import check_int, check_positive, check_seed

Dataset = tuple[np.ndarray, np.ndarray]


def make_friedman1(
    n_samples: int = 200, noise: float = 1.0, seed: int | None = 0
) -> Dataset:
    """Friedman's first regression problem (scikit-learn's ``make_friedman1``).

    Parameters
    ----------
    n_samples : int
        Number of samples n.
    noise : float
        Standard deviation of the Gaussian noise added to the target.
    seed : int in [0, 2³² − 1] or None
        Seed of the draw (scikit-learn's ``random_state``).

    Returns
    -------
    X : array of shape (n, 10), float64
        Inputs uniform on ``[0, 1]``; only ``x1 … x5`` enter the target.
    y : array of shape (n,), float64
        Targets.

    Notes
    -----
    ``y = 10 sin(π x1 x2) + 20 (x3 − 0.5)² + 10 x4 + 5 x5 + noise · N(0, 1)``.
    """
    import sklearn.datasets  # imported on first use: it takes ~1 s to load

    n_samples = check_int(n_samples, "n_samples", minimum=2)
    noise = check_positive(noise, "noise", allow_zero=True)
    seed = check_seed(seed, maximum=2**32 - 1)  # scikit-learn's bound
    return sklearn.datasets.make_friedman1(
        n_samples, n_features=10, noise=noise, random_state=seed
    )


REGRESSION_DATASETS: dict[str, Callable[..., Dataset]] = {
    "friedman1": make_friedman1,
}
