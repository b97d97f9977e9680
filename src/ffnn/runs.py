"""A whole training run from a :class:`TrainConfig`: data, split, training,
evaluation, and the files a run leaves behind.

The CLI and the experiment sweeps are thin shells over :func:`run_config` and
:func:`write_run`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.model_selection import train_test_split

from ffnn.config import TrainConfig
from ffnn.datasets import load_dataset
from ffnn.network import Network
from ffnn.plots import plot_decision_boundary, plot_loss_curves, save_figure
from ffnn.training import Callback, History, evaluate, train

#: the files :func:`write_run` writes
RUN_FILES = ("model.npz", "metrics.json", "decision_boundary.png", "loss.png")


@dataclass
class TrainingRun:
    """A trained network with its data, history and final measurements."""

    config: TrainConfig
    network: Network
    history: History
    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    test_source: str  # how the test set was made

    def metrics(self) -> dict[str, Any]:
        """Final losses and accuracies on the training and test sets."""
        train_loss, train_accuracy = evaluate(self.network, self.X_train, self.y_train)
        test_loss, test_accuracy = evaluate(self.network, self.X_test, self.y_test)
        return {
            "train_loss": train_loss,
            "train_accuracy": train_accuracy,
            "test_loss": test_loss,
            "test_accuracy": test_accuracy,
            "n_train": len(self.y_train),
            "n_test": len(self.y_test),
            "test_set": self.test_source,
            "epochs_run": self.history.epochs,
        }


def load_data(config: TrainConfig) -> tuple[np.ndarray, ...]:
    """Training and test arrays for ``config``, and a note on the test set.

    With ``test_fraction > 0`` a stratified share of the generated samples is held
    out. With 0 (the default) the model trains on all ``samples`` points, as the
    notes do, and is tested on as many fresh points from the same generator
    (seed + 1): a synthetic problem can always draw new data.
    """
    X, y = load_dataset(config.dataset, config.samples, config.noise, config.seed)
    if config.test_fraction > 0:
        X_train, X_test, y_train, y_test = train_test_split(
            X, y, test_size=config.test_fraction, stratify=y, random_state=config.seed
        )
        source = f"{config.test_fraction:g} of the generated samples, held out"
    else:
        X_train, y_train = X, y
        X_test, y_test = load_dataset(
            config.dataset, config.samples, config.noise, config.seed + 1
        )
        source = f"{config.samples} fresh samples from the same generator (seed + 1)"
    return X_train, y_train, X_test, y_test, source


def run_config(config: TrainConfig, callbacks: Sequence[Callback] = ()) -> TrainingRun:
    """Generate the data, build the network and optimizer, and train."""
    X_train, y_train, X_test, y_test, source = load_data(config)
    n_classes = len(np.unique(np.concatenate([y_train, y_test])))
    network = config.make_network(X_train.shape[1], n_classes)
    history = train(
        network,
        X_train,
        y_train,
        optimizer=config.make_optimizer(),
        epochs=config.epochs,
        batch_size=config.batch_size,
        reduction=config.reduction,
        alpha=config.l2,
        l1=config.l1,
        seed=config.seed,
        clip_norm=config.clip_norm,
        validation_data=(X_test, y_test),
        callbacks=callbacks,
    )
    return TrainingRun(
        config, network, history, X_train, y_train, X_test, y_test, source
    )


def write_run(run: TrainingRun, out: str | PathLike) -> dict[str, Path]:
    """Write the model, metrics and the two figures into the folder ``out``.

    Returns the path of each file, keyed by the names in :data:`RUN_FILES`.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    paths = {name: out / name for name in RUN_FILES}
    run.network.save(paths["model.npz"])
    metrics = {
        "config": run.config.to_dict(),
        "network": repr(run.network),
        "n_parameters": run.network.n_parameters,
        **run.metrics(),
        "history": run.history.to_dict(),
    }
    paths["metrics.json"].write_text(json.dumps(json_safe(metrics), indent=2) + "\n")
    figure = plot_decision_boundary(run.network, run.X_train, run.y_train)
    save_figure(figure, paths["decision_boundary.png"])
    figure = plot_loss_curves(
        {"training loss": run.history}, title=_loss_title(run), validation_label="test"
    )
    save_figure(figure, paths["loss.png"])
    return paths


def _loss_title(run: TrainingRun) -> str:
    config = run.config
    return (
        f"Loss, {config.optimizer} η = {config.learning_rate:g} "
        f"({config.reduction} of gradients)"
    )


def json_safe(value: Any) -> Any:
    """A JSON-ready copy: NaN and infinities become None (not valid JSON),
    tuples lists, NumPy scalars plain numbers; recursively."""
    if isinstance(value, float | np.floating):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    return value
