"""One run of a sweep: train the network a :class:`RunSpec` describes and record
its history, final metrics and divergence; a diverged run is recorded, not raised."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
from threadpoolctl import threadpool_limits

from ffnn.config import TrainConfig
from ffnn.experiments.diagnostics import Diagnostics
from ffnn.experiments.sweep import RunSpec
from ffnn.network import Network
from ffnn.runs import load_data, train_as_configured
from ffnn.training import History, TrainingDivergedError, evaluate


@dataclass
class RunResult:
    """What one run produced."""

    spec: RunSpec
    history: History
    network: Network
    metrics: dict[str, float]
    diverged: bool
    diverged_epoch: int | None
    diagnostics: dict[str, list[float]]
    seconds: float
    divergence: str = ""  # why the run counts as diverged, in words


def _fold_data(config: TrainConfig, fold: int, folds: int):
    """Training rows and held-out rows of fold ``fold`` of ``folds``.

    The data and the stratified split are both seeded by the run's seed: with
    ``paired=True`` every grid point of a repeat shares that seed, so all of them
    are scored on the same folds, and each sample is held out exactly once.
    """
    from sklearn.model_selection import StratifiedKFold  # slow to import

    from ffnn.datasets import load_dataset

    X, y = load_dataset(config.dataset, config.samples, config.noise, config.seed)
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=config.seed)
    train_index, test_index = list(splitter.split(X, y))[fold]
    return X[train_index], y[train_index], X[test_index], y[test_index]


def run_one(spec: RunSpec) -> RunResult:
    """Train the run ``spec`` describes; a diverged run is recorded, not raised.

    BLAS is limited to one thread so that a run gives the same bits in every
    executor.
    """
    config = spec.config
    start = time.perf_counter()
    with threadpool_limits(limits=1):
        if spec.folds is None:
            X_train, y_train, X_test, y_test, _ = load_data(config)
        else:
            X_train, y_train, X_test, y_test = _fold_data(config, spec.fold, spec.folds)
        n_classes = len(np.unique(np.concatenate([y_train, y_test])))
        network = config.make_network(X_train.shape[1], n_classes)
        callbacks = [Diagnostics(X_train)] if spec.diagnostics else []
        diverged_epoch = None
        try:
            history = train_as_configured(
                config, network, X_train, y_train, (X_test, y_test), callbacks
            )
        except TrainingDivergedError as error:
            history = error.history
            diverged_epoch = error.epoch
        metrics = _final_metrics(
            network, X_train, y_train, X_test, y_test, diverged_epoch is not None
        )
    records = dict(callbacks[0].records) if callbacks else {}
    divergence = _divergence(history, diverged_epoch)
    return RunResult(
        spec,
        history,
        network,
        metrics,
        bool(divergence),
        diverged_epoch,
        records,
        time.perf_counter() - start,
        divergence,
    )


def _divergence(history: History, nonfinite_epoch: int | None) -> str:
    """Why a run diverged ('' if it did not): its loss became NaN or infinite, or
    it ended above where it started (steps so large they overshoot every time)."""
    if nonfinite_epoch is not None:
        return f"the loss became non-finite at epoch {nonfinite_epoch}"
    if history.epochs >= 2 and history.loss[-1] > history.loss[0]:
        return f"the loss rose from {history.loss[0]:.3g} to {history.loss[-1]:.3g}"
    return ""


def _final_metrics(network, X_train, y_train, X_test, y_test, diverged: bool):
    if diverged:
        nan = math.nan
        return {
            "train_loss": nan,
            "train_accuracy": nan,
            "test_loss": nan,
            "test_accuracy": nan,
            "weight_norm": nan,
        }
    train_loss, train_accuracy = evaluate(network, X_train, y_train)
    test_loss, test_accuracy = evaluate(network, X_test, y_test)
    weight_norm = math.sqrt(sum(float(np.vdot(W, W)) for W in network.weights))
    return {
        "train_loss": train_loss,
        "train_accuracy": train_accuracy,
        "test_loss": test_loss,
        "test_accuracy": test_accuracy,
        "weight_norm": weight_norm,
    }
