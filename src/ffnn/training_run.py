"""One training run from a :class:`~ffnn.config.TrainConfig`: the one path every
interface takes from a configuration to a trained network and its measurements
(the CLI, the experiment sweeps, every study; the estimators and the playground
are to take it too)::

    TrainConfig ──load_run_data──> RunData ──prepare_run──> PreparedRun
                ──PreparedRun.train──> History ──final_metrics──> metrics

:func:`run_config` does all of it; :mod:`ffnn.run_files` writes what a run leaves
behind.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ffnn.config import IMAGE_DATASETS, TrainConfig
from ffnn.datasets import load_dataset, load_digits, load_mnist
from ffnn.network import Network
from ffnn.training import Callback, History, evaluate, train

#: samples generated for a synthetic set when the config names none
SYNTHETIC_SAMPLES = 200


@dataclass
class RunData:
    """The training and test arrays of a run, and how the test set was made.

    ``y_train`` and ``y_test`` hold class labels, shape (n,), or for a regression
    set (``output='identity'``) real values, shape (n,) or (n, k).
    """

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    test_set: str
    output: str = "softmax"  # the network's output, TrainConfig.output

    @property
    def n_train(self) -> int:
        return len(self.y_train)

    @property
    def is_regression(self) -> bool:
        """True when the targets are real values, not class labels."""
        return self.output == "identity"

    @property
    def n_classes(self) -> int:
        """Distinct labels over the training and test sets of a classification
        set; a regression set has none (see :attr:`n_outputs`)."""
        if self.is_regression:
            raise ValueError(
                "n_classes: a regression set has no classes; n_outputs counts "
                "its target columns"
            )
        return len(np.unique(np.concatenate([self.y_train, self.y_test])))

    @property
    def n_outputs(self) -> int:
        """Output units the network needs: the classes of a classification set,
        the target columns of a regression set."""
        if self.is_regression:
            return 1 if self.y_train.ndim == 1 else self.y_train.shape[1]
        return self.n_classes


def load_run_data(
    config: TrainConfig, fold: int | None = None, folds: int | None = None
) -> RunData:
    """The training and test sets ``config`` describes.

    Synthetic sets: with ``test_fraction > 0`` a share of the generated
    samples is held out (stratified by class; a regression set's is a plain
    random share); with 0 (the default) the model trains on all ``samples``
    points (200 unless given), as the notes do, and is tested on as many fresh
    points from the same generator (seed + 1): a synthetic problem can always
    draw new data. Digits: a stratified ``test_fraction`` (default 0.25). MNIST:
    its standard 10,000 test images; ``samples`` keeps the first training images
    only.

    With ``folds`` (k-fold cross-validation) the generated samples are split
    into ``folds`` folds (stratified for classification), seeded by the config's
    seed, and fold ``fold`` is held out: with ``paired`` sweeps every grid point
    of a repeat is scored on the same folds, and each sample is held out exactly
    once.
    """
    if folds is not None:
        return _fold(config, fold, folds)
    if fold is not None:
        raise ValueError(f"fold={fold!r} needs folds, the number of folds")
    if config.dataset == "digits":
        fraction = config.test_fraction or 0.25
        X_train, y_train, X_test, y_test = load_digits(
            config.dtype, test_fraction=fraction, seed=config.seed
        )
        test_set = f"{fraction:g} of the 1797 digits, held out (stratified)"
    elif config.dataset == "mnist":
        if config.test_fraction:
            raise ValueError("test_fraction: MNIST has its own test set; leave it 0")
        X_train, y_train, X_test, y_test = load_mnist(
            dtype=config.dtype, download=config.download
        )
        test_set = "the 10,000 MNIST test images"
    elif config.test_fraction > 0:
        from sklearn.model_selection import train_test_split  # slow to import

        X, y = _generate(config, config.seed)
        X_train, X_test, y_train, y_test = train_test_split(
            X,
            y,
            test_size=config.test_fraction,
            stratify=None if config.is_regression else y,  # no classes to keep
            random_state=config.seed,
        )
        test_set = f"{config.test_fraction:g} of the generated samples, held out"
    else:
        X_train, y_train = _generate(config, config.seed)
        X_test, y_test = _generate(config, config.seed + 1)
        test_set = f"{len(y_test)} fresh samples from the same generator (seed + 1)"
    if config.samples is not None and config.dataset in IMAGE_DATASETS:
        X_train, y_train = X_train[: config.samples], y_train[: config.samples]
    return RunData(X_train, y_train, X_test, y_test, test_set, config.output)


def _generate(config: TrainConfig, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``config.samples`` points (200 unless given) of the config's generated
    data set, drawn with ``seed``; a ``noise`` of None is the set's own.

    Returns
    -------
    X : array of shape (n, n_features)
    y : array of shape (n,)
        Class labels, or a regression set's target values.
    """
    return load_dataset(
        config.dataset, config.samples or SYNTHETIC_SAMPLES, config.noise, seed
    )


def _fold(config: TrainConfig, fold: int | None, folds: int) -> RunData:
    from sklearn.model_selection import KFold, StratifiedKFold  # slow to import

    if fold is None or not 0 <= fold < folds:
        raise ValueError(f"fold must be in [0, {folds}), got {fold!r}")
    if config.dataset in IMAGE_DATASETS:
        raise ValueError(
            f"folds: k-fold cross-validation splits a synthetic data set, not "
            f"{config.dataset!r}, which has its own test set"
        )
    X, y = _generate(config, config.seed)
    # a regression set has no classes whose shares a fold could keep
    splitter_class = KFold if config.is_regression else StratifiedKFold
    splitter = splitter_class(n_splits=folds, shuffle=True, random_state=config.seed)
    train_index, test_index = list(splitter.split(X, y))[fold]
    kind = "" if config.is_regression else " (stratified)"
    return RunData(
        X[train_index],
        y[train_index],
        X[test_index],
        y[test_index],
        f"fold {fold + 1} of {folds} of the generated samples{kind}",
        config.output,
    )


@dataclass
class PreparedRun:
    """A configured network and its data, ready to train."""

    config: TrainConfig
    data: RunData
    network: Network

    def fit_arguments(self) -> dict[str, Any]:
        """The arguments of :func:`ffnn.train` (and of
        :func:`ffnn.find_learning_rate`) that the config names: optimizer with its
        schedule, batches, reduction, penalties (the config's ``l2`` is λ,
        ``alpha``), clipping, seed and engine."""
        config = self.config
        return {
            "optimizer": config.make_optimizer(self.data.n_train),
            "batch_size": config.batch_size,
            "reduction": config.reduction,
            "alpha": config.l2,
            "l1": config.l1,
            "penalty_scale": config.penalty_scale,
            "clip_norm": config.clip_norm,
            "seed": config.seed,
            "engine": config.engine,
        }

    def train(self, callbacks: Sequence[Callback] = (), **options: Any) -> History:
        """Train the network for the config's epochs, scoring the test set after
        every epoch (``History.val_loss``). ``options`` go to :func:`ffnn.train`
        as they are: checkpointing (``checkpoint_path``, ``checkpoint_every``,
        ``checkpoint_metadata``) and ``resume``."""
        data = self.data
        return train(
            self.network,
            data.X_train,
            data.y_train,
            epochs=self.config.epochs,
            validation_data=(data.X_test, data.y_test),
            callbacks=callbacks,
            **self.fit_arguments(),
            **options,
        )


def prepare_run(config: TrainConfig, data: RunData | None = None) -> PreparedRun:
    """The data (``load_run_data(config)`` unless given) and the configured
    network for it."""
    data = load_run_data(config) if data is None else data
    network = config.make_network(data.X_train.shape[1], data.n_outputs)
    return PreparedRun(config, data, network)


def final_metrics(
    network: Network, data: RunData, history: History, diverged: bool = False
) -> dict[str, Any]:
    """A run's final measurements: loss and score on the training and test sets
    (NaN for a diverged run), the weights' norm ``√(Σ w²)``, the set sizes and
    the epochs run.

    The loss is the one the network minimises, without the penalty: a
    classifier's mean cross-entropy, a regressor's mean squared error
    ``(1/n) Σ_i ½ ‖ŷ_i − y_i‖²``. The score is a classifier's accuracy
    (``train_accuracy``, ``test_accuracy``) or a regressor's R² averaged over its
    outputs (``train_r2``, ``test_r2``); a regressor has no accuracy keys.
    """
    score = "accuracy" if network.is_classifier else "r2"
    if diverged:
        train_loss = train_score = test_loss = test_score = math.nan
        weight_norm = math.nan
    else:
        train_loss, train_score = evaluate(network, data.X_train, data.y_train)
        test_loss, test_score = evaluate(network, data.X_test, data.y_test)
        weight_norm = math.sqrt(sum(float(np.vdot(W, W)) for W in network.weights))
    return {
        "train_loss": train_loss,
        f"train_{score}": train_score,
        "test_loss": test_loss,
        f"test_{score}": test_score,
        "weight_norm": weight_norm,
        "n_train": data.n_train,
        "n_test": len(data.y_test),
        "test_set": data.test_set,
        "epochs_run": history.epochs,
    }


@dataclass
class TrainingRun:
    """A trained network with its config, data and history."""

    config: TrainConfig
    network: Network
    history: History
    data: RunData

    def metrics(self) -> dict[str, Any]:
        """See :func:`final_metrics`."""
        return final_metrics(self.network, self.data, self.history)


def run_config(
    config: TrainConfig, callbacks: Sequence[Callback] = (), **options: Any
) -> TrainingRun:
    """Load the data, build the network and optimizer, and train (``options``:
    see :meth:`PreparedRun.train`)."""
    prepared = prepare_run(config)
    history = prepared.train(callbacks, **options)
    return TrainingRun(config, prepared.network, history, prepared.data)
