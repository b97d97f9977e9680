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

from ffnn.config import IMAGE_DATASETS, TrainConfig
from ffnn.datasets import load_dataset, load_digits, load_mnist
from ffnn.network import Network
from ffnn.plots import (
    image_shape,
    plot_confusion_matrix,
    plot_decision_boundary,
    plot_first_layer_weights,
    plot_loss_curves,
    plot_misclassified,
    save_figure,
)
from ffnn.training import Callback, History, evaluate, train

#: samples generated for a synthetic set when the config names none
SYNTHETIC_SAMPLES = 200


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

    Synthetic sets: with ``test_fraction > 0`` a stratified share of the
    generated samples is held out; with 0 (the default) the model trains on all
    ``samples`` points (200 unless given), as the notes do, and is tested on as
    many fresh points from the same generator (seed + 1): a synthetic problem can
    always draw new data. Digits: a stratified ``test_fraction`` (default 0.25).
    MNIST: its standard 10,000 test images; ``samples`` keeps the first training
    images only.
    """
    if config.dataset == "digits":
        fraction = config.test_fraction or 0.25
        X_train, y_train, X_test, y_test = load_digits(
            config.dtype, test_fraction=fraction, seed=config.seed
        )
        source = f"{fraction:g} of the 1797 digits, held out (stratified)"
    elif config.dataset == "mnist":
        if config.test_fraction:
            raise ValueError("test_fraction: MNIST has its own test set; leave it 0")
        X_train, y_train, X_test, y_test = load_mnist(
            dtype=config.dtype, download=config.download
        )
        source = "the 10,000 MNIST test images"
    elif config.test_fraction > 0:
        from sklearn.model_selection import train_test_split  # slow to import

        X, y = load_dataset(
            config.dataset,
            config.samples or SYNTHETIC_SAMPLES,
            config.noise,
            config.seed,
        )
        X_train, X_test, y_train, y_test = train_test_split(
            X, y, test_size=config.test_fraction, stratify=y, random_state=config.seed
        )
        source = f"{config.test_fraction:g} of the generated samples, held out"
    else:
        samples = config.samples or SYNTHETIC_SAMPLES
        X_train, y_train = load_dataset(
            config.dataset, samples, config.noise, config.seed
        )
        X_test, y_test = load_dataset(
            config.dataset, samples, config.noise, config.seed + 1
        )
        source = f"{samples} fresh samples from the same generator (seed + 1)"
    if config.samples is not None and config.dataset in IMAGE_DATASETS:
        X_train, y_train = X_train[: config.samples], y_train[: config.samples]
    return X_train, y_train, X_test, y_test, source


def train_as_configured(
    config: TrainConfig,
    network: Network,
    X_train: np.ndarray,
    y_train: np.ndarray,
    validation_data: tuple[np.ndarray, np.ndarray] | None = None,
    callbacks: Sequence[Callback] = (),
) -> History:
    """:func:`ffnn.train` with the optimizer, schedule, batches, penalties and seed
    that ``config`` names."""
    return train(
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
        validation_data=validation_data,
        callbacks=callbacks,
    )


def run_config(config: TrainConfig, callbacks: Sequence[Callback] = ()) -> TrainingRun:
    """Generate the data, build the network and optimizer, and train."""
    X_train, y_train, X_test, y_test, source = load_data(config)
    n_classes = len(np.unique(np.concatenate([y_train, y_test])))
    network = config.make_network(X_train.shape[1], n_classes)
    history = train_as_configured(
        config, network, X_train, y_train, (X_test, y_test), callbacks
    )
    return TrainingRun(
        config, network, history, X_train, y_train, X_test, y_test, source
    )


def write_run(run: TrainingRun, out: str | PathLike) -> dict[str, Path]:
    """Write the model, metrics and figures into the folder ``out``.

    Always ``model.npz``, ``metrics.json`` and ``loss.png``; for 2-D data the
    decision boundary, for images a confusion matrix, a grid of misclassified
    test images and the first layer's weights as images. Returns the path of
    each file by name.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    paths = {"model.npz": out / "model.npz", "metrics.json": out / "metrics.json"}
    run.network.save(paths["model.npz"])
    metrics = {
        "config": run.config.to_dict(),
        "config_sources": run.config.sources(),  # given, preset or default
        "network": repr(run.network),
        "n_parameters": run.network.n_parameters,
        **run.metrics(),
        "history": run.history.to_dict(),
    }
    paths["metrics.json"].write_text(json.dumps(json_safe(metrics), indent=2) + "\n")
    figures = {
        "loss.png": plot_loss_curves(
            {"training loss": run.history},
            title=_loss_title(run),
            validation_label="test",
        )
    }
    n_features = run.X_train.shape[1]
    shape = image_shape(n_features)
    if n_features == 2:
        figures["decision_boundary.png"] = plot_decision_boundary(
            run.network, run.X_train, run.y_train
        )
    elif shape is not None:
        figures["confusion_matrix.png"] = plot_confusion_matrix(
            run.network, run.X_test, run.y_test
        )
        figures["misclassified.png"] = plot_misclassified(
            run.network, run.X_test, run.y_test, shape
        )
        figures["first_layer_weights.png"] = plot_first_layer_weights(
            run.network, shape
        )
    for name, figure in figures.items():
        paths[name] = save_figure(figure, out / name)
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
