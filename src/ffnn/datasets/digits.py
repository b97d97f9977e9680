"""scikit-learn's 8 × 8 handwritten digits, scaled and split for ffnn.

The 1797 images ship inside scikit-learn, so this set works offline. Each pixel
is a count from 0 to 16; dividing by 16 puts the features in [0, 1].
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ffnn._validation import check_dtype, check_fraction, check_int

PIXEL_MAX = 16.0  # the digits' pixels are counts 0..16 (of a 4 × 4 block)


def load_digits(
    dtype: Any = "float64", test_fraction: float = 0.25, seed: int | None = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Load the 8 × 8 digits with a stratified train/test split.

    Parameters
    ----------
    dtype : str
        'float64' (default) or 'float32', the dtype of the features.
    test_fraction : float
        Fraction of the 1797 images held out for testing, in (0, 1).
    seed : int or None
        ``random_state`` of :func:`sklearn.model_selection.train_test_split`;
        the same seed gives the same split.

    Returns
    -------
    X_train : ndarray of shape (n_train, 64)
        Pixels in [0, 1], row-major 8 × 8 (``X[i].reshape(8, 8)`` is image i).
    y_train : ndarray of shape (n_train,), int64
        Digit labels 0..9.
    X_test : ndarray of shape (n_test, 64)
    y_test : ndarray of shape (n_test,), int64
        ``n_test = ceil(test_fraction · 1797)`` and ``n_train = 1797 − n_test``
        (450 and 1347 for the default 0.25). Every digit keeps its share of the
        whole set in both parts (stratified split).

    Notes
    -----
    ``X = pixels / 16``; the split is
    ``train_test_split(X, y, test_size=test_fraction, stratify=y, random_state=seed)``.
    """
    # scikit-learn is imported here, not with ffnn: it takes ~1 s to load
    import sklearn.datasets
    from sklearn.model_selection import train_test_split

    dtype = check_dtype(dtype)
    test_fraction = check_fraction(test_fraction, "test_fraction")
    if test_fraction == 0:
        raise ValueError("test_fraction must be in (0, 1), got 0.0 (no test set)")
    if seed is not None:
        seed = check_int(seed, "seed", minimum=0)
    digits = sklearn.datasets.load_digits()
    X = (digits.data / PIXEL_MAX).astype(dtype)  # (1797, 64)
    y = digits.target.astype(np.int64)  # (1797,)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=test_fraction, stratify=y, random_state=seed
    )
    return X_train, y_train, X_test, y_test
