"""ffnn: a feedforward neural network library and experiment lab in NumPy.

The notes' network in a few lines::

    import ffnn
    X, y = ffnn.datasets.make_moons(200, noise=0.2, seed=0)
    net = ffnn.Network.mlp([2, 3, 2], activation="tanh", seed=0)
    history = ffnn.train(net, X, y, optimizer=ffnn.SGD(learning_rate=0.01),
                         epochs=2000, reduction="sum")
"""

from ffnn import datasets
from ffnn.activations import Identity, LeakyReLU, ReLU, Sigmoid, Tanh
from ffnn.gradcheck import GradcheckResult, gradcheck
from ffnn.layers import Dense, Dropout, Layer
from ffnn.lbfgs import LBFGSHistory, train_lbfgs
from ffnn.losses import NonFiniteOutputError
from ffnn.lr_range_test import LRFinderResult, find_learning_rate
from ffnn.network import Network
from ffnn.optimizers import SGD, Adam, Optimizer, RMSProp
from ffnn.schedules import Constant, ExponentialDecay, Schedule, StepDecay
from ffnn.serialization import load
from ffnn.training import (
    Callback,
    EarlyStopping,
    History,
    TrainingDivergedError,
    evaluate,
    train,
)

__version__ = "0.1.0"

#: names imported on first use: the estimators import scikit-learn (~1 s)
_LAZY = {
    "FeedforwardClassifier": "ffnn.estimators",
    "FeedforwardRegressor": "ffnn.estimators",
}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'ffnn' has no attribute {name!r}")


__all__ = [
    "SGD",
    "Adam",
    "Callback",
    "Constant",
    "Dense",
    "Dropout",
    "EarlyStopping",
    "ExponentialDecay",
    "FeedforwardClassifier",
    "FeedforwardRegressor",
    "GradcheckResult",
    "History",
    "Identity",
    "LBFGSHistory",
    "LRFinderResult",
    "Layer",
    "LeakyReLU",
    "Network",
    "NonFiniteOutputError",
    "Optimizer",
    "RMSProp",
    "ReLU",
    "Schedule",
    "Sigmoid",
    "StepDecay",
    "Tanh",
    "TrainingDivergedError",
    "__version__",
    "datasets",
    "evaluate",
    "find_learning_rate",
    "gradcheck",
    "load",
    "train",
    "train_lbfgs",
]
