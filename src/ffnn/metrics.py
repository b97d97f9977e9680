"""Scores of a trained network: R² for a regressor (a classifier's accuracy is
the share of rows whose ``argmax ŷ`` is their label)."""

from __future__ import annotations

import numpy as np


def r2_score(
    Y: np.ndarray, Y_hat: np.ndarray, sample_weight: np.ndarray | None = None
) -> float:
    """``R² = 1 − Σ_i s_i (y_i − ŷ_i)² / Σ_i s_i (y_i − ȳ)²`` per output (``ȳ``
    the weighted mean, ``s_i = 1`` without weights), averaged over the outputs;
    an output with constant ``y`` scores 1 if predicted exactly, else 0 (as
    scikit-learn's ``r2_score``)."""
    Y = Y.reshape(len(Y), -1).astype(np.float64)
    Y_hat = Y_hat.reshape(len(Y_hat), -1).astype(np.float64)
    s = np.ones(len(Y)) if sample_weight is None else np.asarray(sample_weight, float)
    s = s[:, None]
    mean = (s * Y).sum(axis=0) / s.sum()
    residual = (s * (Y - Y_hat) ** 2).sum(axis=0)
    total = (s * (Y - mean) ** 2).sum(axis=0)
    safe = total > 0
    scores = np.where(residual == 0, 1.0, 0.0)
    scores[safe] = 1.0 - residual[safe] / total[safe]
    return float(scores.mean())
