"""Scikit-learn estimators built on ffnn's networks: drop-in replacements for
``MLPClassifier`` and ``MLPRegressor`` with scikit-learn's parameter names, plus
ffnn's own (initialisers, dropout, float32, class weights, engines).

Importing this package imports scikit-learn; ``import ffnn`` does not, and
``ffnn.FeedforwardClassifier`` imports it on first use.
"""

from ffnn.estimators.base import FeedforwardEstimator
from ffnn.estimators.classifier import FeedforwardClassifier
from ffnn.estimators.regressor import FeedforwardRegressor

__all__ = ["FeedforwardClassifier", "FeedforwardEstimator", "FeedforwardRegressor"]
